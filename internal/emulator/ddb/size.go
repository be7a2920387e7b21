package ddb

import (
	"strings"

	"github.com/sfapi/sfapi/internal/emulator/ddb/attr"
)

// MaxItemSize is DynamoDB's 400 KB item limit.
const MaxItemSize = 400 * 1024

// ItemSize computes an item's size the way DynamoDB bills and limits it:
// attribute name lengths plus value sizes (AWS docs, "Item sizes and
// formats").
func ItemSize(it attr.Item) int {
	n := 0
	for k, v := range it {
		n += len(k) + valueSize(v)
	}
	return n
}

func valueSize(v attr.Value) int {
	switch v.Type {
	case attr.TypeS:
		return len(v.S)
	case attr.TypeN:
		return numberSize(v.S)
	case attr.TypeB:
		return len(v.B)
	case attr.TypeBOOL, attr.TypeNULL:
		return 1
	case attr.TypeM:
		n := 3 // container overhead
		for k, e := range v.M {
			n += len(k) + valueSize(e) + 1
		}
		return n
	case attr.TypeL:
		n := 3
		for _, e := range v.L {
			n += valueSize(e) + 1
		}
		return n
	case attr.TypeSS:
		n := 0
		for _, s := range v.SS {
			n += len(s)
		}
		return n
	case attr.TypeNS:
		n := 0
		for _, s := range v.SS {
			n += numberSize(s)
		}
		return n
	case attr.TypeBS:
		n := 0
		for _, b := range v.BS {
			n += len(b)
		}
		return n
	}
	return 0
}

// numberSize: numbers are stored as up to 38 significant digits, two per
// byte, plus one byte (AWS: "Leading and trailing zeroes are trimmed …
// (1 byte per two significant digits) + (1 byte)").
func numberSize(s string) int {
	digits := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if s[i] >= '0' && s[i] <= '9' {
			digits = append(digits, s[i])
		}
	}
	d := len(strings.Trim(string(digits), "0"))
	return (d+1)/2 + 1
}

// MaxNesting is how deep DynamoDB lets lists and maps nest.
const MaxNesting = 32

// checkNesting refuses an item whose documents nest deeper than
// MaxNesting, with DynamoDB's message.
func checkNesting(it attr.Item) error {
	for _, v := range it {
		if depth(v, 0) > MaxNesting {
			return validationf("Nesting Levels have exceeded supported limits")
		}
	}
	return nil
}

// depth returns the nesting level of v (a scalar inside a top-level map
// is at level 1), stopping early once past the limit.
func depth(v attr.Value, level int) int {
	if level > MaxNesting {
		return level
	}
	deepest := level
	switch v.Type {
	case attr.TypeM:
		for _, e := range v.M {
			deepest = max(deepest, depth(e, level+1))
		}
		deepest = max(deepest, level+1)
	case attr.TypeL:
		for _, e := range v.L {
			deepest = max(deepest, depth(e, level+1))
		}
		deepest = max(deepest, level+1)
	}
	return deepest
}

// Key size limits (bytes of the UTF-8 string or of the binary value).
const (
	MaxPartitionKeySize = 2048
	MaxSortKeySize      = 1024
)

// checkKeySize applies DynamoDB's key size limits with its messages
// (including the missing space in "limit of2048").
func checkKeySize(v attr.Value, sort bool) error {
	n := len(v.S)
	if v.Type == attr.TypeB {
		n = len(v.B)
	}
	if !sort && n > MaxPartitionKeySize {
		return validationf("One or more parameter values were invalid: Size of hashkey has exceeded the maximum size limit of2048 bytes")
	}
	if sort && n > MaxSortKeySize {
		return validationf("One or more parameter values were invalid: Aggregated size of all range keys has exceeded the size limit of 1024 bytes")
	}
	return nil
}
