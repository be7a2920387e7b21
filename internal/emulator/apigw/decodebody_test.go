package apigw

import (
	"bytes"
	"errors"
	"io"
	"reflect"
	"strings"
	"testing"
	"testing/iotest"
)

// decodeBodyCases are request bodies for model validation: JSON, not JSON,
// numbers a float64 cannot hold, data after the value.
var decodeBodyCases = []struct {
	body string
	ok   bool
}{
	{`{"name": "Gopher", "location": "Zurich"}`, true},
	{` [1, 2.5, -3e2, true, null, "x", {"a": {}}] `, true},
	{`{"n": 1e400}`, true}, // kept as its text
	{`{"n": 123456789012345678901234567890}`, true},
	{`"\ud800 \u00e9"`, true},
	{`{"a": 1, "a": 2}`, true},
	{``, false},
	{`   `, false},
	{`{"a": 1} {"b": 2}`, false},
	{`{"a": 1}x`, false},
	{`{"a": 1}]`, false},
	{`{"a": }`, false},
	{`[1, 2`, false},
	{`nul`, false},
}

func TestDecodeBody(t *testing.T) {
	t.Parallel()
	for _, tc := range decodeBodyCases {
		got, err := decodeBody([]byte(tc.body))
		if (err == nil) != tc.ok {
			t.Fatalf("decodeBody(%q) = %v, %v; want ok %v", tc.body, got, err, tc.ok)
		}
		want, _ := decodeBodySlow([]byte(tc.body))
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("decodeBody(%q) = %#v, slow path %#v", tc.body, got, want)
		}
	}
	if v, _ := decodeBody([]byte(`{"n": 1e400}`)); !reflect.DeepEqual(v, map[string]any{"n": "1e400"}) {
		t.Fatalf("out-of-range number = %#v, want its text", v)
	}
}

// FuzzDecodeBody holds decodeBody's json.Unmarshal fast path to the
// json.Number decoder it stands in for.
func FuzzDecodeBody(f *testing.F) {
	for _, tc := range decodeBodyCases {
		f.Add([]byte(tc.body))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		got, err := decodeBody(body)
		want, wantErr := decodeBodySlow(body)
		if (err == nil) != (wantErr == nil) || !reflect.DeepEqual(got, want) {
			t.Fatalf("decodeBody(%q) = %#v, %v; slow path %#v, %v", body, got, err, want, wantErr)
		}
	})
}

// readBody reads what io.ReadAll over the payload limit reads, whatever
// the declared size says.
func TestReadBody(t *testing.T) {
	t.Parallel()
	errRead := errors.New("connection reset")
	big := strings.Repeat("x", MaxPayload+10)
	for _, tc := range []struct {
		body string
		size int64
		err  error
	}{
		{"", 0, nil},
		{"", -1, nil},
		{`{"a":1}`, 7, nil},
		{`{"a":1}`, -1, nil},
		{`{"a":1}`, 3, nil},   // shorter declared than sent
		{`{"a":1}`, 100, nil}, // longer declared than sent
		{`{"a":1}`, 7, errRead},
		{strings.Repeat("y", 5000), 5000, nil},
		{strings.Repeat("y", 5000), 10, nil},
		{big, MaxPayload, nil},
		{big, MaxPayload + 1, nil},
	} {
		reader := func() io.Reader {
			r := io.Reader(iotest.HalfReader(strings.NewReader(tc.body)))
			if tc.err != nil {
				r = io.MultiReader(r, iotest.ErrReader(tc.err))
			}
			return r
		}
		got, err := readBody(reader(), tc.size)
		want, wantErr := io.ReadAll(io.LimitReader(reader(), MaxPayload+1))
		if !bytes.Equal(got, want) || !errors.Is(err, wantErr) && err != wantErr {
			t.Fatalf("readBody(%d bytes, size %d) = %d bytes, %v; io.ReadAll %d bytes, %v", len(tc.body), tc.size, len(got), err, len(want), wantErr)
		}
		if len(got) > MaxPayload+1 {
			t.Fatalf("readBody read %d bytes, past the limit", len(got))
		}
	}
}
