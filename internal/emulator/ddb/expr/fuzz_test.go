package expr

import (
	"errors"
	"testing"

	"github.com/sfapi/sfapi/internal/emulator/ddb/attr"
)

// fuzzPlaceholders defines the placeholders fuzz inputs are likely to use,
// naming attributes of richItem, so evaluation gets exercised too.
func fuzzPlaceholders() *Placeholders {
	return ph(
		map[string]string{"#a": "a", "#s": "status", "#c": "count", "#d": "doc", "#i": "items", "#n": "name", "#p": "pk", "#l": "lst"},
		map[string]attr.Value{
			":v": S("x"), ":old": S("RUNNING"), ":new": S("DONE"), ":n": N("1"), ":one": N("1"), ":x": S("x"),
			":w": N("2.5"), ":t": S("SS"), ":l": L(S("a")), ":m": M("k", S("v")), ":ss": attr.StringSet("a", "b"),
			":ns": attr.NumberSet("1"), ":bs": attr.BinarySet([]byte{1}), ":b": B(1), ":bool": attr.Bool(true),
			":null": attr.Null(), ":zero": N("0"), ":lo": N("1"), ":hi": N("9"), ":p": S("job#1"), ":s": S("2024"),
		},
	)
}

// checkErr fails unless err is nil or an *Error: every failure the package
// reports must carry an AWS message.
func checkErr(t *testing.T, what string, err error) {
	t.Helper()
	var e *Error
	if err != nil && !errors.As(err, &e) {
		t.Fatalf("%s: error %v (%T) is not *Error", what, err, err)
	}
}

func FuzzParseCondition(f *testing.F) {
	for _, tc := range conditionCases {
		f.Add(tc.in)
	}
	f.Add("#s = :old AND attribute_exists(#d.#i[1].qty) OR size(#l) BETWEEN :lo AND :hi")
	f.Add("contains(tags, :x) AND begins_with(#n, :v) AND NOT #c IN (:n, :w)")
	f.Fuzz(func(t *testing.T, src string) {
		c, err := ParseCondition(src)
		checkErr(t, "ParseCondition", err)
		if err != nil {
			return
		}
		_, err = c.Eval(richItem(), fuzzPlaceholders())
		checkErr(t, "Eval", err)
		_, err = c.Eval(nil, nil)
		checkErr(t, "Eval(nil, nil)", err)
		printed := c.String()
		if len(printed) > maxExprBytes {
			return // canonical spacing can push a 4 KB expression over the limit
		}
		c2, err := ParseCondition(printed)
		if err != nil {
			t.Fatalf("ParseCondition(%q) ok, but its String %q fails: %v", src, printed, err)
		}
		if again := c2.String(); again != printed {
			t.Fatalf("String not stable: %q -> %q -> %q", src, printed, again)
		}
	})
}

func FuzzParseUpdate(f *testing.F) {
	for _, tc := range updateCases {
		f.Add(tc.in)
	}
	f.Add("SET #d.#i[1].qty = #d.#i[1].qty + :one, #l = list_append(if_not_exists(#l, :l), :l) REMOVE #d.who ADD #c :n DELETE tags :ss")
	f.Fuzz(func(t *testing.T, src string) {
		u, err := ParseUpdate(src)
		checkErr(t, "ParseUpdate", err)
		if err != nil {
			return
		}
		in := richItem()
		_, _, err = u.Apply(in, fuzzPlaceholders())
		checkErr(t, "Apply", err)
		if !attr.ItemsEqual(in, richItem()) {
			t.Fatalf("Apply(%q) mutated its input", src)
		}
		_, _, err = u.Apply(nil, fuzzPlaceholders())
		checkErr(t, "Apply(nil)", err)
		printed := u.String()
		if len(printed) > maxExprBytes {
			return
		}
		u2, err := ParseUpdate(printed)
		if err != nil {
			t.Fatalf("ParseUpdate(%q) ok, but its String %q fails: %v", src, printed, err)
		}
		if again := u2.String(); again != printed {
			t.Fatalf("String not stable: %q -> %q -> %q", src, printed, again)
		}
	})
}

func FuzzProjection(f *testing.F) {
	for _, tc := range projectionCases {
		f.Add(tc.in)
	}
	f.Add("#d.#i[1].sku, #l[2].deep[0], #p")
	f.Fuzz(func(t *testing.T, src string) {
		pr, err := ParseProjection(src)
		checkErr(t, "ParseProjection", err)
		if err != nil {
			return
		}
		_, err = pr.Apply(richItem(), fuzzPlaceholders())
		checkErr(t, "Apply", err)
		printed := pr.String()
		if len(printed) > maxExprBytes {
			return
		}
		pr2, err := ParseProjection(printed)
		if err != nil {
			t.Fatalf("ParseProjection(%q) ok, but its String %q fails: %v", src, printed, err)
		}
		if again := pr2.String(); again != printed {
			t.Fatalf("String not stable: %q -> %q -> %q", src, printed, again)
		}
	})
}

func FuzzKeyCondition(f *testing.F) {
	for _, tc := range keyConditionCases {
		f.Add(tc.in)
	}
	f.Fuzz(func(t *testing.T, src string) {
		p := keyPlaceholders()
		kc, err := ParseKeyCondition(src, p)
		checkErr(t, "ParseKeyCondition", err)
		if err != nil {
			return
		}
		checkErr(t, "ForSchema", kc.ForSchema("pk", "sk"))
		printed := kc.String()
		if len(printed) > maxExprBytes {
			return
		}
		kc2, err := ParseKeyCondition(printed, p)
		if err != nil {
			t.Fatalf("ParseKeyCondition(%q) ok, but its String %q fails: %v", src, printed, err)
		}
		if again := kc2.String(); again != printed {
			t.Fatalf("String not stable: %q -> %q -> %q", src, printed, again)
		}
	})
}
