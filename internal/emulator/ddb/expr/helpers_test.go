package expr

import (
	"errors"
	"testing"

	"github.com/sfapi/sfapi/internal/emulator/ddb/attr"
)

// S, N, ... build attribute values tersely in tables.
func S(s string) attr.Value  { return attr.String(s) }
func N(n string) attr.Value  { return attr.Number(n) }
func B(b ...byte) attr.Value { return attr.Binary(b) }
func L(vs ...attr.Value) attr.Value {
	return attr.List(vs...)
}
func M(kv ...any) attr.Value {
	m := map[string]attr.Value{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i].(string)] = kv[i+1].(attr.Value)
	}
	return attr.Map(m)
}

// richItem is a job record with every attribute type, and documents nested
// inside lists inside maps.
func richItem() attr.Item {
	return attr.Item{
		"pk":      S("job#1"),
		"status":  S("RUNNING"),
		"name":    S("héllo"),
		"count":   N("42"),
		"price":   N("19.99"),
		"flag":    attr.Bool(true),
		"nothing": attr.Null(),
		"bin":     B(1, 2, 3),
		"tags":    attr.StringSet("red", "blue"),
		"nums":    attr.NumberSet("1", "2.5", "-3"),
		"bins":    attr.BinarySet([]byte{1}, []byte{2, 3}),
		"lst":     L(S("x"), N("7"), M("deep", L(M("k", S("v"))))),
		"doc": M(
			"who", S("gopher"),
			"items", L(
				M("sku", S("a1"), "qty", N("2"), "tags", attr.StringSet("new")),
				M("sku", S("b2"), "qty", N("5")),
			),
			"meta", M("labels", attr.StringSet("x", "y"), "vacant", M()),
		),
	}
}

// ph builds placeholders; names and values alternate key, value.
func ph(names map[string]string, values map[string]attr.Value) *Placeholders {
	return &Placeholders{Names: names, Values: values}
}

// errMsg returns the message of an *Error, failing the test for any other
// kind of error.
func errMsg(t *testing.T, err error) string {
	t.Helper()
	if err == nil {
		return ""
	}
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("error %v (%T) is not *expr.Error", err, err)
	}
	return e.Msg
}
