package attr

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

// canonicalCases and badNumbers are TestParseNumberCanonical's table;
// with numberLimitCases they seed FuzzParseNumber.
var (
	canonicalCases = []struct{ in, want string }{
		{"0", "0"}, {"-0", "0"}, {"+7", "7"}, {"007", "7"}, {"1.50", "1.5"}, {"1e3", "1000"},
		{"1.5E-3", "0.0015"}, {"-12.340e1", "-123.4"}, {".5", "0.5"}, {"5.", "5"},
		{"12345678901234567890123456789012345678", "12345678901234567890123456789012345678"},
		{"1E-130", "0." + strings.Repeat("0", 129) + "1"},
	}
	badNumbers = []string{"", "abc", "1e", "--1", "1.2.3", "0x10", "1e999", "1E126", "1E-131",
		"123456789012345678901234567890123456789"}
)

func TestParseNumberCanonical(t *testing.T) {
	t.Parallel()
	for _, tt := range canonicalCases {
		v, err := ParseNumber(tt.in)
		if err != nil || v.S != tt.want || v.Type != TypeN {
			t.Errorf("ParseNumber(%q) = %q, %v; want %q", tt.in, v.S, err, tt.want)
		}
	}
	for _, bad := range badNumbers {
		if _, err := ParseNumber(bad); !errors.Is(err, ErrNumber) {
			t.Errorf("ParseNumber(%q): want ErrNumber, got %v", bad, err)
		}
	}
}

// TestParseNumberLimits: well-formed numbers DynamoDB cannot store get
// AWS's messages; the extremes it can store are accepted.
// AWS's messages for numbers it cannot store.
const (
	msgDigits    = "Attempting to store more than 38 significant digits in a Number"
	msgOverflow  = "Number overflow. Attempting to store a number with magnitude larger than supported range"
	msgUnderflow = "Number underflow. Attempting to store a number with magnitude smaller than supported range"
)

// numberLimitCases is TestParseNumberLimits' table ("" = accepted).
var numberLimitCases = []struct{ in, msg string }{
	{"9.9999999999999999999999999999999999999E+125", ""},
	{"-9.9999999999999999999999999999999999999E+125", ""},
	{"1E-130", ""},
	{"-1E-130", ""},
	{"1" + strings.Repeat("0", 39), ""}, // one significant digit
	{"0.00000000000000000000000000000000000000000001", ""},
	{"123456789012345678901234567890123456789", msgDigits},
	{"-1.23456789012345678901234567890123456789", msgDigits},
	{"1E126", msgOverflow},
	{"-1E+126", msgOverflow},
	{"1e999999999999999999999", msgOverflow},
	{"1E-131", msgUnderflow},
	{"0.9E-130", msgUnderflow},
	{"1e-999999999999999999999", msgUnderflow},
	{"0e999999999999999999999", ""}, // zero is in range whatever the exponent
}

func TestParseNumberLimits(t *testing.T) {
	t.Parallel()
	for _, tt := range numberLimitCases {
		_, err := ParseNumber(tt.in)
		if tt.msg == "" {
			if err != nil {
				t.Errorf("ParseNumber(%q) = %v, want it accepted", tt.in, err)
			}
			continue
		}
		var ne *NumberError
		if !errors.As(err, &ne) || ne.Msg != tt.msg || !errors.Is(err, ErrNumber) {
			t.Errorf("ParseNumber(%q) = %v, want %q", tt.in, err, tt.msg)
		}
		var v Value
		err = json.Unmarshal([]byte(`{"NS":["1",`+strconvQuote(tt.in)+`]}`), &v)
		var de *DecodeError
		if !errors.As(err, &de) || de.Msg != tt.msg || de.Serialization {
			t.Errorf("decode NS with %q = %v, want ValidationException %q", tt.in, err, tt.msg)
		}
	}
}

func strconvQuote(s string) string { b, _ := json.Marshal(s); return string(b) }

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

// roundTripJSON is TestJSONRoundTrip's expected encoding; it also seeds
// FuzzAttrJSON.
const roundTripJSON = `{"b":{"B":"AAEC"},"bs":{"BS":["YQ==","Yg=="]},"m":{"M":{"k":{"L":[{"S":"a"},{"N":"2"}]}}},"n":{"N":"-1.5"},"ns":{"NS":["1","2"]},"s":{"S":"x\"y"},"ss":{"SS":["a","b"]},"t":{"BOOL":true},"z":{"NULL":true}}`

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
	if want := roundTripJSON; string(data) != want {
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

// unmarshalErrorCases is TestUnmarshalErrors' table; it also seeds
// FuzzAttrJSON.
var unmarshalErrorCases = []struct {
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
	{`{"SS":[]}`, false, "One or more parameter values were invalid: An string set  may not be empty"},
	{`{"NS":[]}`, false, "One or more parameter values were invalid: An number set  may not be empty"},
	{`{"BS":[]}`, false, "One or more parameter values were invalid: Binary sets should not be empty"},
	{`{"SS":["a","b","a"]}`, false, "One or more parameter values were invalid: Input collection [a, b, a] contains duplicates."},
	{`{"NS":["1","1.0"]}`, false, "Input collection contains duplicates"},
	{`{"B":"***"}`, true, "Base64"},
	{`{"M":{"a":{"N":"x"}}}`, false, "numeric value"},
	{`[1]`, true, "Start of structure"},
}

func TestUnmarshalErrors(t *testing.T) {
	t.Parallel()
	for _, tt := range unmarshalErrorCases {
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
		`{"SS":["a","b"]}`, `{"NS":["1","2"]}`, `{"BS":["YQ=="]}`, `{"B":"AAEC"}`, `{}`, `{"N":"1e999"}`, roundTripJSON} {
		f.Add([]byte(s))
	}
	for _, tc := range unmarshalErrorCases {
		f.Add([]byte(tc.in))
	}
	for _, tc := range numberLimitCases {
		f.Add([]byte(`{"N":"` + tc.in + `"}`))
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

// FuzzParseNumber: ParseNumber never panics; what it refuses is ErrNumber;
// what it accepts is canonical (parses to itself), equal in value to the
// input, and within DynamoDB's precision and range.
func FuzzParseNumber(f *testing.F) {
	for _, tc := range canonicalCases {
		f.Add(tc.in)
	}
	for _, s := range badNumbers {
		f.Add(s)
	}
	for _, tc := range numberLimitCases {
		f.Add(tc.in)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, err := ParseNumber(s)
		if err != nil {
			if !errors.Is(err, ErrNumber) {
				t.Fatalf("ParseNumber(%q) error %v is not ErrNumber", s, err)
			}
			return
		}
		again, err := ParseNumber(v.S)
		if err != nil || again.S != v.S {
			t.Fatalf("ParseNumber(%q) = %q, which is not canonical: %q, %v", s, v.S, again.S, err)
		}
		// big.Rat expands exponents: compare only where that stays cheap.
		_, exp, _ := strings.Cut(strings.ToLower(s), "e")
		if len(exp) > 5 {
			return
		}
		if c, err := CompareNumbers(v.S, strings.TrimSpace(s)); err == nil && c != 0 {
			t.Fatalf("ParseNumber(%q) = %q changes the value", s, v.S)
		}
		digits := strings.Trim(strings.NewReplacer("-", "", ".", "").Replace(v.S), "0")
		if len(digits) > 38 {
			t.Fatalf("ParseNumber(%q) = %q has %d significant digits", s, v.S, len(digits))
		}
	})
}
