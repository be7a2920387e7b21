package ddb

import (
	"strings"

	"github.com/sfapi/sfapi/internal/emulator/ddb/attr"
)

// Storage keys are concatenations of components. Each component is the
// escaped byte form of one key attribute followed by the terminator 0x00
// 0x01; 0x00 bytes inside a component are written as 0x00 0xFF. The
// encoding preserves order component by component (a shorter value sorts
// first, because the terminator is smaller than any escaped byte), and is
// prefix free, so all items of a partition share the prefix
// component(partition key) and a query is a range scan over that prefix.

const (
	escByte  = 0x00
	escEsc   = 0xFF
	termByte = 0x01
)

// appendComponent appends the escaped raw bytes and the terminator.
func appendComponent(dst, raw []byte) []byte {
	dst = appendEscaped(dst, raw)
	return append(dst, escByte, termByte)
}

func appendEscaped(dst, raw []byte) []byte {
	for _, c := range raw {
		if c == escByte {
			dst = append(dst, escByte, escEsc)
			continue
		}
		dst = append(dst, c)
	}
	return dst
}

// rawKeyBytes returns the order-preserving bytes of a key value: S and B
// as they are, N through encodeNumber.
func rawKeyBytes(v attr.Value) []byte {
	switch v.Type {
	case attr.TypeS:
		return []byte(v.S)
	case attr.TypeB:
		return v.B
	case attr.TypeN:
		return encodeNumber(v.S)
	}
	return nil
}

// appendKeyValue appends the component of one key value.
func appendKeyValue(dst []byte, v attr.Value) []byte {
	return appendComponent(dst, rawKeyBytes(v))
}

// encodeNumber maps a canonical decimal string (as attr.ParseNumber
// produces) to bytes whose unsigned order is numeric order.
//
// Layout: a sign byte (1 negative, 2 zero, 3 positive); for non-zero
// values the decimal exponent E of 0.d1d2…×10^E as a biased big-endian
// uint16, then the significant digits. Negative numbers invert exponent and
// digits and end with 0xFF, so that a longer digit string (a larger
// magnitude at equal prefix) sorts first.
func encodeNumber(s string) []byte {
	neg := strings.HasPrefix(s, "-")
	if neg {
		s = s[1:]
	}
	intPart, frac, _ := strings.Cut(s, ".")
	digits := strings.TrimLeft(intPart+frac, "0")
	if digits == "" {
		return []byte{2}
	}
	// Position of the decimal point relative to the first significant digit.
	lead := len(intPart+frac) - len(strings.TrimLeft(intPart+frac, "0"))
	exp := len(intPart) - lead
	digits = strings.TrimRight(digits, "0")
	e := uint16(exp + 1000)
	out := make([]byte, 0, 4+len(digits))
	if !neg {
		out = append(out, 3, byte(e>>8), byte(e))
		return append(out, digits...)
	}
	e = ^e
	out = append(out, 1, byte(e>>8), byte(e))
	for i := 0; i < len(digits); i++ {
		out = append(out, 0xFF-digits[i])
	}
	return append(out, 0xFF)
}

// partitionEnd returns the smallest key greater than every key starting
// with prefix p, where p ends with a component terminator.
func componentSuccessor(p []byte) []byte {
	out := append([]byte(nil), p...)
	out[len(out)-1]++ // terminator 0x01 → 0x02: past every key in the component
	return out
}
