package attr

import "bytes"

// Compare orders two scalar values of the same type the way DynamoDB orders
// key attributes: S by UTF-8 bytes, N by value, B by unsigned bytes. ok is
// false when the values are not comparable (different or non-scalar types).
func Compare(a, b Value) (c int, ok bool) {
	if a.Type != b.Type {
		return 0, false
	}
	switch a.Type {
	case TypeS:
		return compareStrings(a.S, b.S), true
	case TypeN:
		c, err := CompareNumbers(a.S, b.S)
		return c, err == nil
	case TypeB:
		return bytes.Compare(a.B, b.B), true
	}
	return 0, false
}

func compareStrings(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
