package datacmd

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/sfapi/sfapi/internal/emulator/ddb/attr"
)

// allTypes is an item with every attribute type.
func allTypes(pk string) attr.Item {
	return attr.Item{
		"pk": attr.String(pk), "n": attr.Number("-12.50"), "b": attr.Binary([]byte{0, 1, 255}),
		"t": attr.Bool(true), "z": attr.Null(), "ss": attr.StringSet("a", "b"), "ns": attr.NumberSet("1", "2.5"),
		"bs": attr.BinarySet([]byte("x"), []byte("y")),
		"m":  attr.Map(map[string]attr.Value{"in": attr.List(attr.String("deep"), attr.Int(3), attr.Map(nil))}),
	}
}

func TestCodecRoundTrip(t *testing.T) {
	t.Parallel()
	it := allTypes("k")
	back := ItemFromSDK(ItemToSDK(it))
	for k, v := range it {
		if !attr.Equal(v, back[k]) {
			t.Errorf("%s: %v came back as %v", k, v, back[k])
		}
	}
	if len(back) != len(it) {
		t.Fatalf("round trip has %d attributes, want %d", len(back), len(it))
	}
	if ToSDK(attr.Value{}) != nil || !FromSDK(nil).IsZero() {
		t.Fatal("zero values do not map to nil")
	}
}

func TestExportImportRoundTrip(t *testing.T) {
	t.Parallel()
	src := newFakeDB(map[string][]string{"Jobs": {"pk", "sk"}, "Gophers": {"pk"}, "Empty": {"pk"}})
	var seed bytes.Buffer
	for i := range 30 {
		it := allTypes(fmt.Sprintf("job-%02d", i))
		it["sk"] = attr.String("job#add")
		if err := WriteRecord(&seed, Record{Table: "Jobs", Item: it}); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 3 {
		if err := WriteRecord(&seed, Record{Table: "Gophers", Item: attr.Item{"pk": attr.String(fmt.Sprint("g", i))}}); err != nil {
			t.Fatal(err)
		}
	}
	// A repeated key: the later item wins and no batch holds both.
	seed.WriteString(`{"table":"Gophers","item":{"pk":{"S":"g1"},"v":{"N":"2"}}}` + "\n\n")
	src.throttle = 2
	written, err := (&Importer{DB: src, Backoff: 1}).Import(t.Context(), &seed)
	if err != nil {
		t.Fatal(err)
	}
	if written["Jobs"] != 30 || written["Gophers"] != 4 {
		t.Fatalf("written = %v", written)
	}
	for _, n := range src.batches {
		if n > BatchSize {
			t.Fatalf("batch of %d", n)
		}
	}

	var first bytes.Buffer
	n, err := Export(t.Context(), src, nil, &first)
	if err != nil || n != 33 {
		t.Fatalf("export: %d items, %v", n, err)
	}
	if !strings.Contains(first.String(), `{"table":"Gophers","item":{"pk":{"S":"g1"},"v":{"N":"2"}}}`) {
		t.Fatalf("the later g1 did not win:\n%s", first.String())
	}
	// Tables in name order: Gophers before Jobs.
	if g, j := strings.Index(first.String(), `"Gophers"`), strings.Index(first.String(), `"Jobs"`); g < 0 || j < g {
		t.Fatalf("table order: Gophers at %d, Jobs at %d", g, j)
	}

	dst := newFakeDB(map[string][]string{"Jobs": {"pk", "sk"}, "Gophers": {"pk"}, "Empty": {"pk"}})
	if _, err := (&Importer{DB: dst}).Import(t.Context(), bytes.NewReader(first.Bytes())); err != nil {
		t.Fatal(err)
	}
	var second bytes.Buffer
	if _, err := Export(t.Context(), dst, nil, &second); err != nil {
		t.Fatal(err)
	}
	if first.String() != second.String() {
		t.Fatalf("export → import → export differs:\n%s\n---\n%s", first.String(), second.String())
	}

	var one bytes.Buffer
	if n, err := Export(t.Context(), dst, []string{"Gophers"}, &one); err != nil || n != 3 || strings.Contains(one.String(), "Jobs") {
		t.Fatalf("export --table Gophers: %d, %v\n%s", n, err, one.String())
	}
}

func TestImportErrors(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ in, want string }{
		{`{"table":"Nope","item":{"pk":{"S":"a"}}}`, "line 1: describe table Nope"},
		{"\n" + `{"table":"T","item":{"x":{"S":"a"}}}`, `line 2: item of T: missing key attribute "pk"`},
		{`{"table":"T","item":{"pk":{"Q":"a"}}}`, "line 1: item of T"},
	} {
		db := newFakeDB(map[string][]string{"T": {"pk"}})
		_, err := (&Importer{DB: db}).Import(t.Context(), strings.NewReader(tc.in))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Import(%q) = %v, want %q", tc.in, err, tc.want)
		}
	}
	db := newFakeDB(map[string][]string{"T": {"pk"}})
	db.throttle = 100
	_, err := (&Importer{DB: db, Attempts: 3, Backoff: 1}).Import(t.Context(), strings.NewReader(`{"table":"T","item":{"pk":{"S":"a"}}}`))
	if err == nil || !strings.Contains(err.Error(), "1 items still unprocessed after 3 attempts") {
		t.Fatalf("throttled import: %v", err)
	}
}

var recordCases = []struct{ in, wantErr string }{
	{`{"table":"T","item":{"pk":{"S":"a"}}}`, ""},
	{`  {"item":{"pk":{"N":"1"}},"table":"T"}  `, ""},
	{`{"table":"T"}`, `missing "item"`},
	{`{"item":{"pk":{"S":"a"}}}`, `missing "table"`},
	{`{"table":"T","item":{}}`, "has no attributes"},
	{`{"table":"T","item":{"pk":{"S":"a"}},"x":1}`, "unknown field"},
	{`{"table":"T","item":{"pk":{"S":"a"}}} {}`, "more than one JSON value"},
	{`[1,2]`, "want {"},
	{`{"table":"T","item":{"pk":{"N":"x"}}}`, "item of T"},
}

func TestReadRecords(t *testing.T) {
	t.Parallel()
	for _, tc := range recordCases {
		var got []Record
		err := ReadRecords(strings.NewReader("\n"+tc.in+"\n"), func(_ int, r Record) error { got = append(got, r); return nil })
		if tc.wantErr == "" {
			if err != nil || len(got) != 1 || got[0].Table != "T" || got[0].Item["pk"].IsZero() {
				t.Errorf("ReadRecords(%q) = %v, %v", tc.in, got, err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), tc.wantErr) || !strings.HasPrefix(err.Error(), "line 2: ") {
			t.Errorf("ReadRecords(%q) error %v, want line 2 and %q", tc.in, err, tc.wantErr)
		}
	}
}

func FuzzReadRecords(f *testing.F) {
	for _, tc := range recordCases {
		f.Add(tc.in)
	}
	f.Fuzz(func(t *testing.T, in string) {
		_ = ReadRecords(strings.NewReader(in), func(_ int, r Record) error {
			// Whatever parses writes back and parses to the same record.
			var buf bytes.Buffer
			if err := WriteRecord(&buf, r); err != nil {
				t.Fatalf("WriteRecord(%v): %v", r, err)
			}
			var again []Record
			if err := ReadRecords(&buf, func(_ int, r2 Record) error { again = append(again, r2); return nil }); err != nil || len(again) != 1 {
				t.Fatalf("re-read %q: %v", buf.String(), err)
			}
			if again[0].Table != r.Table || !attr.Equal(attr.Map(again[0].Item), attr.Map(r.Item)) {
				t.Fatalf("round trip changed %v into %v", r, again[0])
			}
			return nil
		})
	})
}
