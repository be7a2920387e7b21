package ddbapi

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/sfapi/sfapi/internal/emulator/awsjson"
	"github.com/sfapi/sfapi/internal/emulator/ddb/attr"
)

func mustItem(t testing.TB, s string) attr.Item {
	t.Helper()
	var it attr.Item
	if err := it.UnmarshalJSON([]byte(s)); err != nil {
		t.Fatalf("item %s: %v", s, err)
	}
	return it
}

// TestFastEncode: the self-encoding responses produce the JSON that
// encoding/json produces for the same struct — byte for byte when no
// string needs HTML escaping, the same JSON value otherwise.
func TestFastEncode(t *testing.T) {
	t.Parallel()
	plain := mustItem(t, `{"pk":{"S":"k1"},"n":{"N":"12.5"},"l":{"L":[{"BOOL":true},{"NULL":true},{"B":"AQI="}]},"m":{"M":{"ss":{"SS":["a","b"]}}}}`)
	html := mustItem(t, `{"pk":{"S":"<a & b>\u2028"}}`)
	items := []attr.Item{plain, html}
	withNil := []attr.Item{plain, nil, {}}
	var nilItems []attr.Item
	empty := []attr.Item{}
	cc := &consumedCapacity{TableName: "T", CapacityUnits: 1}
	tests := []struct {
		name string
		out  awsjson.Marshaler
		std  any
		same bool // byte-identical
	}{
		{"put, no attributes", &writeOutput{}, &writeOutputJSON{}, true},
		{"put, empty attributes", &writeOutput{Attributes: attr.Item{}}, &writeOutputJSON{Attributes: attr.Item{}}, true},
		{"put, attributes", &writeOutput{Attributes: plain}, &writeOutputJSON{Attributes: plain}, true},
		{"put, capacity", &writeOutput{Attributes: html, ConsumedCapacity: cc}, &writeOutputJSON{Attributes: html, ConsumedCapacity: cc}, true},
		{"get, no item", &getItemOutput{}, &getItemOutputJSON{}, true},
		{"get, item", &getItemOutput{Item: plain}, &getItemOutputJSON{Item: plain}, true},
		{"get, html", &getItemOutput{Item: html}, &getItemOutputJSON{Item: html}, false},
		{"get, capacity", &getItemOutput{Item: plain, ConsumedCapacity: cc}, &getItemOutputJSON{Item: plain, ConsumedCapacity: cc}, true},
		{"query, items", &pageOutput{Items: &items, Count: 2, ScannedCount: 3, LastEvaluatedKey: plain}, &pageOutputJSON{Items: &items, Count: 2, ScannedCount: 3, LastEvaluatedKey: plain}, false},
		{"query, nil and empty items", &pageOutput{Items: &withNil, Count: 3, ScannedCount: 3}, &pageOutputJSON{Items: &withNil, Count: 3, ScannedCount: 3}, true},
		{"query, count only", &pageOutput{Count: 7, ScannedCount: 9}, &pageOutputJSON{Count: 7, ScannedCount: 9}, true},
		{"query, empty page", &pageOutput{Items: &empty}, &pageOutputJSON{Items: &empty}, true},
		{"query, nil page", &pageOutput{Items: &nilItems}, &pageOutputJSON{Items: &nilItems}, true},
		{"query, capacity", &pageOutput{Items: &items, Count: 2, ConsumedCapacity: cc}, &pageOutputJSON{Items: &items, Count: 2, ConsumedCapacity: cc}, true},
	}
	for _, tt := range tests {
		got, err := tt.out.MarshalAWSJSON()
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		want, err := json.Marshal(tt.std)
		if err != nil {
			t.Fatalf("%s: json.Marshal: %v", tt.name, err)
		}
		if tt.same && !bytes.Equal(got, want) {
			t.Errorf("%s:\n got %s\nwant %s", tt.name, got, want)
		}
		var g, w any
		if err := json.Unmarshal(got, &g); err != nil {
			t.Fatalf("%s: not JSON: %s", tt.name, got)
		}
		_ = json.Unmarshal(want, &w)
		if !reflect.DeepEqual(g, w) {
			t.Errorf("%s: different JSON:\n got %s\nwant %s", tt.name, got, want)
		}
	}
}

func BenchmarkEncodeGetItem4K(b *testing.B) {
	it := mustItem(b, `{"pk":{"S":"k1"},"sk":{"N":"1"},"data":{"S":"`+strings.Repeat("x", 4000)+`"}}`)
	b.Run("fast", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := (&getItemOutput{Item: it}).MarshalAWSJSON(); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("encoding-json", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := json.Marshal(&getItemOutputJSON{Item: it}); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// FuzzFastEncode: for any item attr accepts, the self-encoding responses
// carrying it are the same JSON as json.Marshal's.
func FuzzFastEncode(f *testing.F) {
	for _, s := range []string{
		`{"pk":{"S":"k1"},"n":{"N":"12.5"},"l":{"L":[{"BOOL":true},{"NULL":true},{"B":"AQI="}]},"m":{"M":{"ss":{"SS":["a","b"]}}}}`,
		`{"pk":{"S":"<a & b>\u2028"}}`,
		`{}`,
		`{"a":{"NS":["1","2e3"]},"b":{"BS":["AQ=="]},"c":{"S":"\u0000\"\\"}}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var it attr.Item
		if it.UnmarshalJSON(data) != nil {
			return
		}
		items := []attr.Item{it, nil, it}
		pairs := []struct {
			fast awsjson.Marshaler
			std  any
		}{
			{&writeOutput{Attributes: it}, &writeOutputJSON{Attributes: it}},
			{&getItemOutput{Item: it}, &getItemOutputJSON{Item: it}},
			{&pageOutput{Items: &items, Count: 3, ScannedCount: 4, LastEvaluatedKey: it}, &pageOutputJSON{Items: &items, Count: 3, ScannedCount: 4, LastEvaluatedKey: it}},
		}
		for _, p := range pairs {
			got, err := p.fast.MarshalAWSJSON()
			want, werr := json.Marshal(p.std)
			if (err != nil) != (werr != nil) {
				t.Fatalf("errors differ for %s: %v, %v", data, err, werr)
			}
			if err != nil {
				continue
			}
			var g, w any
			if err := json.Unmarshal(got, &g); err != nil {
				t.Fatalf("not JSON for %s: %s", data, got)
			}
			_ = json.Unmarshal(want, &w)
			if !reflect.DeepEqual(g, w) {
				t.Fatalf("item %s:\n got %s\nwant %s", data, got, want)
			}
		}
	})
}
