package attr

import (
	"bytes"
	"fmt"
	"slices"
)

// Type is a DynamoDB attribute type descriptor.
type Type uint8

// The DynamoDB attribute types, named by their wire descriptors.
const (
	TypeInvalid Type = iota
	TypeS
	TypeN
	TypeB
	TypeBOOL
	TypeNULL
	TypeM
	TypeL
	TypeSS
	TypeNS
	TypeBS
)

var typeNames = [...]string{"", "S", "N", "B", "BOOL", "NULL", "M", "L", "SS", "NS", "BS"}

// String returns the wire descriptor ("S", "N", ...).
func (t Type) String() string {
	if int(t) < len(typeNames) {
		return typeNames[t]
	}
	return fmt.Sprintf("Type(%d)", t)
}

// ParseType maps a wire descriptor to a Type.
func ParseType(s string) (Type, bool) {
	for i, n := range typeNames {
		if i > 0 && n == s {
			return Type(i), true
		}
	}
	return TypeInvalid, false
}

// Value is one DynamoDB attribute value. Exactly the fields that belong to
// Type are meaningful: S holds the string of S and the canonical decimal of
// N; SS holds the members of SS and NS.
type Value struct {
	Type Type
	S    string
	B    []byte
	Bool bool
	M    map[string]Value
	L    []Value
	SS   []string
	BS   [][]byte
}

// Item is a DynamoDB item: attribute name to value.
type Item map[string]Value

// String returns an S value.
func String(s string) Value { return Value{Type: TypeS, S: s} }

// Number returns an N value from a decimal string. It panics on a malformed
// number; use ParseNumber for untrusted input.
func Number(s string) Value {
	v, err := ParseNumber(s)
	if err != nil {
		panic(err)
	}
	return v
}

// Int returns an N value.
func Int(i int64) Value { return Value{Type: TypeN, S: fmt.Sprint(i)} }

// Binary returns a B value.
func Binary(b []byte) Value { return Value{Type: TypeB, B: b} }

// Bool returns a BOOL value.
func Bool(b bool) Value { return Value{Type: TypeBOOL, Bool: b} }

// Null returns a NULL value.
func Null() Value { return Value{Type: TypeNULL} }

// Map returns an M value.
func Map(m map[string]Value) Value {
	if m == nil {
		m = map[string]Value{}
	}
	return Value{Type: TypeM, M: m}
}

// List returns an L value.
func List(l ...Value) Value {
	if l == nil {
		l = []Value{}
	}
	return Value{Type: TypeL, L: l}
}

// StringSet returns an SS value.
func StringSet(ss ...string) Value { return Value{Type: TypeSS, SS: ss} }

// NumberSet returns an NS value; members must be valid numbers.
func NumberSet(ns ...string) Value {
	out := make([]string, len(ns))
	for i, n := range ns {
		out[i] = Number(n).S
	}
	return Value{Type: TypeNS, SS: out}
}

// BinarySet returns a BS value.
func BinarySet(bs ...[]byte) Value { return Value{Type: TypeBS, BS: bs} }

// IsZero reports whether v holds no value at all (Type is invalid).
func (v Value) IsZero() bool { return v.Type == TypeInvalid }

// Clone returns a deep copy of v.
func (v Value) Clone() Value {
	switch v.Type {
	case TypeB:
		v.B = bytes.Clone(v.B)
	case TypeM:
		m := make(map[string]Value, len(v.M))
		for k, e := range v.M {
			m[k] = e.Clone()
		}
		v.M = m
	case TypeL:
		l := make([]Value, len(v.L))
		for i, e := range v.L {
			l[i] = e.Clone()
		}
		v.L = l
	case TypeSS, TypeNS:
		v.SS = slices.Clone(v.SS)
	case TypeBS:
		bs := make([][]byte, len(v.BS))
		for i, b := range v.BS {
			bs[i] = bytes.Clone(b)
		}
		v.BS = bs
	}
	return v
}

// Clone returns a deep copy of the item.
func (it Item) Clone() Item {
	if it == nil {
		return nil
	}
	out := make(Item, len(it))
	for k, v := range it {
		out[k] = v.Clone()
	}
	return out
}

// Equal reports whether a and b are the same DynamoDB value. Sets compare
// as sets (order-insensitive); numbers compare by value.
func Equal(a, b Value) bool {
	if a.Type != b.Type {
		return false
	}
	switch a.Type {
	case TypeS:
		return a.S == b.S
	case TypeN:
		c, err := CompareNumbers(a.S, b.S)
		return err == nil && c == 0
	case TypeB:
		return bytes.Equal(a.B, b.B)
	case TypeBOOL:
		return a.Bool == b.Bool
	case TypeNULL:
		return true
	case TypeM:
		if len(a.M) != len(b.M) {
			return false
		}
		for k, av := range a.M {
			bv, ok := b.M[k]
			if !ok || !Equal(av, bv) {
				return false
			}
		}
		return true
	case TypeL:
		if len(a.L) != len(b.L) {
			return false
		}
		for i := range a.L {
			if !Equal(a.L[i], b.L[i]) {
				return false
			}
		}
		return true
	case TypeSS:
		return sameStrings(a.SS, b.SS, func(x, y string) bool { return x == y })
	case TypeNS:
		return sameStrings(a.SS, b.SS, func(x, y string) bool {
			c, err := CompareNumbers(x, y)
			return err == nil && c == 0
		})
	case TypeBS:
		if len(a.BS) != len(b.BS) {
			return false
		}
		for _, x := range a.BS {
			if !slices.ContainsFunc(b.BS, func(y []byte) bool { return bytes.Equal(x, y) }) {
				return false
			}
		}
		return true
	}
	return false
}

func sameStrings(a, b []string, eq func(x, y string) bool) bool {
	if len(a) != len(b) {
		return false
	}
	for _, x := range a {
		if !slices.ContainsFunc(b, func(y string) bool { return eq(x, y) }) {
			return false
		}
	}
	return true
}

// ItemsEqual reports whether two items hold the same attributes and values.
func ItemsEqual(a, b Item) bool {
	return Equal(Map(a), Map(b))
}
