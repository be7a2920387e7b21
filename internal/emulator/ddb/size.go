package ddb

import "github.com/sfapi/sfapi/internal/emulator/ddb/attr"

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
// byte, plus one byte (AWS: "approximately (number of digits)/2 + 1").
func numberSize(s string) int {
	d := 0
	for i := 0; i < len(s); i++ {
		if s[i] >= '0' && s[i] <= '9' {
			d++
		}
	}
	return (d+1)/2 + 1
}
