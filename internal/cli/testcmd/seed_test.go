package testcmd

import (
	"strings"
	"testing"
)

var seedTests = []struct {
	name    string
	in      string
	tables  []string
	lines   []int
	wantErr string
}{
	{name: "empty", in: ""},
	{name: "items", in: "{\"table\": \"Jobs\", \"item\": {\"pk\": {\"S\": \"a\"}}}\n\n# comment\n  {\"table\": \"t2\", \"item\": {\"n\": {\"N\": \"1\"}, \"l\": {\"L\": [{\"BOOL\": true}]}}}  \n",
		tables: []string{"Jobs", "t2"}, lines: []int{1, 4}},
	{name: "no trailing newline", in: `{"table": "Jobs", "item": {"pk": {"S": "a"}}}`, tables: []string{"Jobs"}, lines: []int{1}},
	{name: "not json", in: "nope\n", wantErr: "line 1: want {\"table\": ..., \"item\": {...}}"},
	{name: "two objects", in: `{"table": "a", "item": {}} {"table": "b", "item": {}}`, wantErr: "line 1: one JSON object per line"},
	{name: "no table", in: `{"item": {"pk": {"S": "a"}}}`, wantErr: "line 1: table is missing"},
	{name: "no item", in: `{"table": "Jobs"}`, wantErr: "line 1: item is missing"},
	{name: "null item", in: `{"table": "Jobs", "item": null}`, wantErr: "line 1: item is missing"},
	{name: "plain json item", in: "\n" + `{"table": "Jobs", "item": {"pk": "a"}}`, wantErr: "line 2: item is not DynamoDB JSON"},
	{name: "bad number", in: `{"table": "Jobs", "item": {"n": {"N": "x"}}}`, wantErr: "line 1: item is not DynamoDB JSON"},
	{name: "unknown field", in: `{"table": "Jobs", "item": {}, "extra": 1}`, wantErr: `unknown field "extra"`},
	{name: "line too long", in: `{"table": "Jobs", "item": {"s": {"S": "` + strings.Repeat("x", maxSeedLine) + `"}}}`, wantErr: "line 1: bufio.Scanner: token too long"},
}

func TestParseSeed(t *testing.T) {
	t.Parallel()
	for _, tt := range seedTests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			items, err := ParseSeed(strings.NewReader(tt.in))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(items) != len(tt.tables) {
				t.Fatalf("got %d items, want %d", len(items), len(tt.tables))
			}
			for i, it := range items {
				if it.Table != tt.tables[i] || it.Line != tt.lines[i] {
					t.Errorf("item %d = table %q line %d, want %q line %d", i, it.Table, it.Line, tt.tables[i], tt.lines[i])
				}
			}
		})
	}
}

// FuzzParseSeed: no input panics, and what parses has a table, an item
// and a line number.
func FuzzParseSeed(f *testing.F) {
	for _, tt := range seedTests {
		if len(tt.in) < 1<<16 {
			f.Add(tt.in)
		}
	}
	f.Fuzz(func(t *testing.T, in string) {
		items, err := ParseSeed(strings.NewReader(in))
		if err != nil {
			return
		}
		for _, it := range items {
			if it.Table == "" || len(it.Item) == 0 || it.Line < 1 {
				t.Fatalf("bad item %+v from %q", it, in)
			}
		}
	})
}
