package jsonpath_test

import (
	"bytes"
	"encoding/json"
	"math"
	"testing"

	"github.com/sfapi/sfapi/internal/emulator/asl/jsonpath"
)

// stdMarshal is the reference: encoding/json without HTML escaping.
func stdMarshal(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

var marshalSeeds = []string{
	`null`, `true`, `false`, `0`, `-0`, `1`, `-17`, `9007199254740993`, `1.5`, `1e-7`, `1e-6`, `1e21`, `1e20`,
	`123456789e300`, `-2.5e-10`, `0.000001`, `""`, `"plain"`, `"<a&b>"`, `"quote\" back\\ slash"`,
	`"\b\f\n\r\t\u0000\u001f\u007f"`, `"\u2028\u2029 é 😀"`, `[]`, `[1,"a",null,[{}]]`, `{}`,
	`{"b":1,"a":{"z":[true,false],"y":"x"},"":0,"é":1,"A":2}`,
	`{"gopher":{"id":"g-1","tags":["a","b"],"score":0.1,"n":42}}`,
}

func TestMarshalMatchesEncodingJSON(t *testing.T) {
	t.Parallel()
	for _, src := range marshalSeeds {
		v, err := jsonpath.ParseJSON([]byte(src))
		if err != nil {
			t.Fatalf("ParseJSON(%s): %v", src, err)
		}
		checkMarshal(t, v)
	}
	// Values the parser does not produce but callers build.
	for _, v := range []any{
		map[string]any(nil), []any(nil), 3, float64(1 << 60), math.SmallestNonzeroFloat64,
		"invalid \xff utf-8 \xe2\x80", map[string]any{"k": []any{map[string]any{"deep": "\xc3"}}},
		map[string]any{"raw": json.RawMessage(`{"x": 1}`), "n": json.Number("12")}, // slow path
		[]string{"typed"}, struct{ A int }{1},
	} {
		checkMarshal(t, v)
	}
}

func TestMarshalErrorsAsEncodingJSON(t *testing.T) {
	t.Parallel()
	for _, v := range []any{math.NaN(), math.Inf(1), map[string]any{"x": []any{math.Inf(-1)}}, make(chan int)} {
		if _, err := jsonpath.Marshal(v); err == nil {
			t.Fatalf("Marshal(%v) succeeded; encoding/json fails", v)
		}
	}
	cyclic := map[string]any{}
	cyclic["self"] = cyclic
	if _, err := jsonpath.Marshal(cyclic); err == nil {
		t.Fatal("Marshal of a cyclic map succeeded")
	}
	deep := any("leaf")
	for range 500 {
		deep = []any{deep}
	}
	checkMarshal(t, deep)
}

func checkMarshal(t *testing.T, v any) {
	t.Helper()
	want, werr := stdMarshal(v)
	got, gerr := jsonpath.Marshal(v)
	if (werr == nil) != (gerr == nil) || !bytes.Equal(got, want) {
		t.Fatalf("Marshal = %s, %v; encoding/json = %s, %v", got, gerr, want, werr)
	}
}

func FuzzMarshal(f *testing.F) {
	for _, s := range marshalSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		v, err := jsonpath.ParseJSON(data)
		if err != nil {
			return
		}
		checkMarshal(t, v)
		// Strings with arbitrary bytes too (invalid UTF-8, controls).
		checkMarshal(t, map[string]any{string(data): string(data)})
	})
}

// BenchmarkMarshal compares the direct walk with encoding/json on a
// gophers-job-sized task parameter document.
func BenchmarkMarshal(b *testing.B) {
	v, err := jsonpath.ParseJSON([]byte(`{"TableName":"jobs","Key":{"pk":{"S":"job#3f2a"},"sk":{"S":"meta"}},` +
		`"UpdateExpression":"SET #s = :s, updatedAt = :t","ExpressionAttributeNames":{"#s":"status"},` +
		`"ExpressionAttributeValues":{":s":{"S":"DONE"},":t":{"N":"1764190000"}},"gophers":[1,2.5,"three",true,null]}`))
	if err != nil {
		b.Fatal(err)
	}
	b.Run("fast", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := jsonpath.Marshal(v); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("encoding-json", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := stdMarshal(v); err != nil {
				b.Fatal(err)
			}
		}
	})
}
