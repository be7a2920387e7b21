package attr

import (
	"errors"
	"math/big"
	"strings"
)

// DynamoDB numbers have up to 38 significant digits and a magnitude between
// 1E-130 and 9.9999999999999999999999999999999999999E+125.
const (
	maxDigits   = 38
	maxExponent = 126
	minExponent = -130
)

// ErrNumber is returned for a string that is not a valid DynamoDB number.
// A well-formed number DynamoDB cannot store is a *NumberError, which
// matches ErrNumber under errors.Is.
var ErrNumber = errors.New("invalid number")

// NumberError is a well-formed decimal DynamoDB cannot store: too many
// significant digits, or a magnitude out of range. Msg is AWS's
// ValidationException message.
type NumberError struct{ Msg string }

func (e *NumberError) Error() string { return e.Msg }

// Is makes a NumberError match ErrNumber.
func (e *NumberError) Is(target error) bool { return target == ErrNumber }

// AWS's messages for numbers it cannot store.
var (
	errNumberDigits    = &NumberError{Msg: "Attempting to store more than 38 significant digits in a Number"}
	errNumberOverflow  = &NumberError{Msg: "Number overflow. Attempting to store a number with magnitude larger than supported range"}
	errNumberUnderflow = &NumberError{Msg: "Number underflow. Attempting to store a number with magnitude smaller than supported range"}
)

// ParseNumber validates a decimal string and returns it as a canonical N
// value: no leading "+", no superfluous zeros, no exponent marker, so equal
// numbers have equal canonical strings (as DynamoDB returns them).
func ParseNumber(s string) (Value, error) {
	c, err := canonicalNumber(s)
	if err != nil {
		return Value{}, err
	}
	return Value{Type: TypeN, S: c}, nil
}

// canonicalNumber parses a decimal literal into sign, digits and exponent and
// prints it back in plain notation.
func canonicalNumber(s string) (string, error) {
	if plainInteger(s) {
		return s, nil
	}
	t := strings.TrimSpace(s)
	if t == "" {
		return "", ErrNumber
	}
	neg := false
	switch t[0] {
	case '-':
		neg = true
		t = t[1:]
	case '+':
		t = t[1:]
	}
	mant, expPart, hasExp := strings.Cut(strings.ToLower(t), "e")
	exp := 0
	// hugeExp is the sign of an exponent far outside DynamoDB's range: the
	// number overflows or underflows unless its digits are all zero.
	hugeExp := 0
	if hasExp {
		if expPart == "" {
			return "", ErrNumber
		}
		e, ok := new(big.Int).SetString(expPart, 10)
		switch {
		case !ok:
			return "", ErrNumber
		case e.Cmp(big.NewInt(1000)) > 0:
			hugeExp = 1
		case e.Cmp(big.NewInt(-1000)) < 0:
			hugeExp = -1
		default:
			exp = int(e.Int64())
		}
	}
	intPart, fracPart, _ := strings.Cut(mant, ".")
	if intPart == "" && fracPart == "" {
		return "", ErrNumber
	}
	for _, r := range intPart + fracPart {
		if r < '0' || r > '9' {
			return "", ErrNumber
		}
	}
	digits := intPart + fracPart
	exp -= len(fracPart) // value = digits * 10^exp
	digits = strings.TrimLeft(digits, "0")
	if digits == "" {
		return "0", nil
	}
	for strings.HasSuffix(digits, "0") {
		digits = digits[:len(digits)-1]
		exp++
	}
	// A number both out of range and too precise gets the range message.
	// Magnitude check: the value is 0.d1d2... * 10^(len(digits)+exp).
	mag := len(digits) + exp
	switch {
	case hugeExp > 0 || (hugeExp == 0 && mag > maxExponent):
		return "", errNumberOverflow
	case hugeExp < 0 || mag-1 < minExponent:
		return "", errNumberUnderflow
	case len(digits) > maxDigits:
		return "", errNumberDigits
	}
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	switch {
	case exp >= 0:
		b.WriteString(digits)
		b.WriteString(strings.Repeat("0", exp))
	case -exp < len(digits):
		b.WriteString(digits[:len(digits)+exp])
		b.WriteByte('.')
		b.WriteString(digits[len(digits)+exp:])
	default:
		b.WriteString("0.")
		b.WriteString(strings.Repeat("0", -exp-len(digits)))
		b.WriteString(digits)
	}
	return b.String(), nil
}

// plainInteger reports whether s is already a canonical integer: "0", or
// an optional '-', a non-zero digit and at most 37 more digits. Most
// numbers on the wire are, and they need no allocation.
func plainInteger(s string) bool {
	if s == "0" {
		return true
	}
	d := s
	if len(d) > 0 && d[0] == '-' {
		d = d[1:]
	}
	if len(d) == 0 || len(d) > maxDigits || d[0] < '1' || d[0] > '9' {
		return false
	}
	for i := 1; i < len(d); i++ {
		if d[i] < '0' || d[i] > '9' {
			return false
		}
	}
	return true
}

// Rat returns the exact value of an N value's decimal string.
func Rat(n string) (*big.Rat, error) {
	r, ok := new(big.Rat).SetString(n)
	if !ok {
		return nil, ErrNumber
	}
	return r, nil
}

// CompareNumbers compares two decimal strings by value.
func CompareNumbers(a, b string) (int, error) {
	if a == b {
		return 0, nil
	}
	ra, err := Rat(a)
	if err != nil {
		return 0, err
	}
	rb, err := Rat(b)
	if err != nil {
		return 0, err
	}
	return ra.Cmp(rb), nil
}

// FormatRat prints an exact rational that has a finite decimal expansion
// (every sum or difference of DynamoDB numbers does) as a canonical number.
func FormatRat(r *big.Rat) (Value, error) {
	if r.IsInt() {
		return ParseNumber(r.Num().String())
	}
	// Sums of decimals have denominators of the form 2^a*5^b; 160 places
	// cover every DynamoDB magnitude.
	return ParseNumber(r.FloatString(160))
}
