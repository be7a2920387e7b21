package attr

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

func TestParseNumberCanonical(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"0", "0"}, {"-0", "0"}, {"+7", "7"}, {"007", "7"}, {"1.50", "1.5"}, {"1e3", "1000"},
		{"1.5E-3", "0.0015"}, {"-12.340e1", "-123.4"}, {".5", "0.5"}, {"5.", "5"},
		{"12345678901234567890123456789012345678", "12345678901234567890123456789012345678"},
		{"1E-130", "0." + strings.Repeat("0", 129) + "1"},
	}
	for _, tt := range tests {
		v, err := ParseNumber(tt.in)
		if err != nil || v.S != tt.want || v.Type != TypeN {
			t.Errorf("ParseNumber(%q) = %q, %v; want %q", tt.in, v.S, err, tt.want)
		}
	}
	for _, bad := range []string{"", "abc", "1e", "--1", "1.2.3", "0x10", "1e999", "1E126", "1E-131",
		"123456789012345678901234567890123456789"} {
		if _, err := ParseNumber(bad); !errors.Is(err, ErrNumber) {
			t.Errorf("ParseNumber(%q): want ErrNumber, got %v", bad, err)
		}
	}
}

func TestCompare(t *testing.T) {
	t.Parallel()
	tests := []struct {
		a, b Value
		want int
		ok   bool
	}{
		{String("a"), String("b"), -1, true},
		{Number("10"), Number("9"), 1, true},
		{Number("-1.5"), Number("-1.25"), -1, true},
		{Number("1.0"), Number("1"), 0, true},
		{Binary([]byte{0xff}), Binary([]byte{0x01}), 1, true},
		{String("1"), Number("1"), 0, false},
		{Bool(true), Bool(true), 0, false},
	}
	for _, tt := range tests {
		got, ok := Compare(tt.a, tt.b)
		if got != tt.want || ok != tt.ok {
			t.Errorf("Compare(%v, %v) = %d, %v; want %d, %v", tt.a, tt.b, got, ok, tt.want, tt.ok)
		}
	}
}

func TestEqual(t *testing.T) {
	t.Parallel()
	if !Equal(StringSet("a", "b"), StringSet("b", "a")) {
		t.Error("sets must compare regardless of order")
	}
	if !Equal(NumberSet("1", "2.0"), NumberSet("2", "1")) {
		t.Error("number sets compare by value")
	}
	if Equal(List(String("a"), String("b")), List(String("b"), String("a"))) {
		t.Error("lists are ordered")
	}
	m1 := Map(map[string]Value{"x": List(Number("1"), Null()), "y": Bool(false)})
	if !Equal(m1, m1.Clone()) {
		t.Error("clone must be equal")
	}
	if Equal(m1, Map(map[string]Value{"x": List(Number("1"), Null())})) {
		t.Error("maps of different size differ")
	}
}

func TestCloneIsDeep(t *testing.T) {
	t.Parallel()
	orig := Item{"m": Map(map[string]Value{"l": List(String("a"))}), "b": Binary([]byte("x"))}
	c := orig.Clone()
	c["m"].M["l"].L[0] = String("changed")
	c["b"].B[0] = 'y'
	if orig["m"].M["l"].L[0].S != "a" || orig["b"].B[0] != 'x' {
		t.Fatal("Clone shares memory with the original")
	}
}

func TestJSONRoundTrip(t *testing.T) {
	t.Parallel()
	it := Item{
		"s": String("x\"y"), "n": Number("-1.50"), "b": Binary([]byte{0, 1, 2}), "t": Bool(true), "z": Null(),
		"m":  Map(map[string]Value{"k": List(String("a"), Number("2"))}),
		"ss": StringSet("a", "b"), "ns": NumberSet("1", "2"), "bs": BinarySet([]byte("a"), []byte("b")),
	}
	data, err := json.Marshal(it)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"b":{"B":"AAEC"},"bs":{"BS":["YQ==","Yg=="]},"m":{"M":{"k":{"L":[{"S":"a"},{"N":"2"}]}}},"n":{"N":"-1.5"},"ns":{"NS":["1","2"]},"s":{"S":"x\"y"},"ss":{"SS":["a","b"]},"t":{"BOOL":true},"z":{"NULL":true}}`
	if string(data) != want {
		t.Fatalf("marshal:\n got %s\nwant %s", data, want)
	}
	var back Item
	if err := json.Unmarshal(data, &back); err != nil {
		t.Fatal(err)
	}
	if !ItemsEqual(it, back) {
		t.Fatalf("round trip changed the item: %v", back)
	}
}

func TestUnmarshalErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in            string
		serialization bool
		msg           string
	}{
		{`{}`, false, "Supplied AttributeValue is empty"},
		{`{"S":"a","N":"1"}`, false, "more than one datatypes"},
		{`{"X":"a"}`, true, "Unknown attribute value type"},
		{`{"N":"abc"}`, false, "cannot be converted to a numeric value"},
		{`{"S":1}`, true, "Unexpected value type"},
		{`{"NULL":false}`, false, "Null attribute value types must have the value of true"},
		{`{"SS":[]}`, false, "may not be empty"},
		{`{"SS":["a","a"]}`, false, "contains duplicates"},
		{`{"NS":["1","1.0"]}`, false, "contains duplicates"},
		{`{"B":"***"}`, true, "Base64"},
		{`{"M":{"a":{"N":"x"}}}`, false, "numeric value"},
		{`[1]`, true, "Start of structure"},
	}
	for _, tt := range tests {
		var v Value
		err := json.Unmarshal([]byte(tt.in), &v)
		var de *DecodeError
		if !errors.As(err, &de) {
			t.Errorf("%s: want DecodeError, got %v", tt.in, err)
			continue
		}
		if de.Serialization != tt.serialization || !strings.Contains(de.Msg, tt.msg) {
			t.Errorf("%s: got %+v, want serialization=%v msg~%q", tt.in, de, tt.serialization, tt.msg)
		}
	}
}

// FuzzAttrJSON decodes arbitrary JSON as an attribute value; whatever
// decodes must encode, and decode again to an equal value.
func FuzzAttrJSON(f *testing.F) {
	for _, s := range []string{`{"S":"x"}`, `{"N":"-1.5e3"}`, `{"M":{"a":{"L":[{"NULL":true},{"BOOL":false}]}}}`,
		`{"SS":["a","b"]}`, `{"NS":["1","2"]}`, `{"BS":["YQ=="]}`, `{"B":"AAEC"}`, `{}`, `{"N":"1e999"}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var v Value
		if err := json.Unmarshal(data, &v); err != nil {
			return
		}
		out, err := json.Marshal(v)
		if err != nil {
			t.Fatalf("decoded value does not encode: %v", err)
		}
		var back Value
		if err := json.Unmarshal(out, &back); err != nil {
			t.Fatalf("re-decode %s: %v", out, err)
		}
		if !Equal(v, back) {
			t.Fatalf("round trip changed %s into %s", data, out)
		}
	})
}
