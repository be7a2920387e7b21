package push

import (
	"strings"
	"testing"
)

const testEvent = `{
  "version": "0", "id": "e1", "detail-type": "Job Progress", "source": "sfapi.jobs",
  "account": "000000000000", "time": "2026-01-02T03:04:05Z", "region": "us-east-1",
  "resources": ["arn:aws:states:us-east-1:000000000000:execution:m:job-1"],
  "detail": {
    "jobId": "job-1", "status": "In Progress", "progress": 40, "ratio": 0.5, "big": 5e0,
    "ok": true, "none": null, "empty": "", "ip": "10.0.0.7", "ip6": "2001:db8::1",
    "tags": ["red", "green"], "nums": [1, 7],
    "items": [{"sku": "a", "qty": 1}, {"sku": "b", "qty": 3}],
    "nested": {"deep": {"name": "Gopher"}},
    "file": "photo.PNG", "path": "/var/log/app.log", "star": "a*b"
  }
}`

func TestPatternMatch(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		pattern string
		want    bool
	}{
		{"exact string", `{"source":["sfapi.jobs"]}`, true},
		{"exact string miss", `{"source":["other"]}`, false},
		{"alternatives", `{"source":["x","sfapi.jobs"]}`, true},
		{"exact number", `{"detail":{"progress":[40]}}`, true},
		{"number by value", `{"detail":{"big":[5]}}`, true},
		{"number by value float", `{"detail":{"progress":[40.0]}}`, true},
		{"string does not match number", `{"detail":{"progress":["40"]}}`, false},
		{"bool", `{"detail":{"ok":[true]}}`, true},
		{"bool miss", `{"detail":{"ok":[false]}}`, false},
		{"null", `{"detail":{"none":[null]}}`, true},
		{"null not missing", `{"detail":{"missing":[null]}}`, false},
		{"empty string", `{"detail":{"empty":[""]}}`, true},
		{"nested", `{"detail":{"nested":{"deep":{"name":["Gopher"]}}}}`, true},
		{"nested miss", `{"detail":{"nested":{"deep":{"name":["gopher"]}}}}`, false},
		{"multiple fields all must match", `{"source":["sfapi.jobs"],"detail":{"status":["Failed"]}}`, false},
		{"array any element", `{"detail":{"tags":["green"]}}`, true},
		{"array no element", `{"detail":{"tags":["blue"]}}`, false},
		{"array of objects", `{"detail":{"items":{"sku":["b"]}}}`, true},
		{"array of objects same element", `{"detail":{"items":{"sku":["b"],"qty":[3]}}}`, true},
		{"array of objects different elements", `{"detail":{"items":{"sku":["a"],"qty":[3]}}}`, false},
		{"resources array", `{"resources":[{"prefix":"arn:aws:states:"}]}`, true},
		{"prefix", `{"detail":{"status":[{"prefix":"In "}]}}`, true},
		{"prefix miss", `{"detail":{"status":[{"prefix":"in "}]}}`, false},
		{"prefix ignore case", `{"detail":{"status":[{"prefix":{"equals-ignore-case":"in "}}]}}`, true},
		{"prefix on number", `{"detail":{"progress":[{"prefix":"4"}]}}`, false},
		{"suffix", `{"detail":{"file":[{"suffix":".PNG"}]}}`, true},
		{"suffix miss", `{"detail":{"file":[{"suffix":".png"}]}}`, false},
		{"suffix ignore case", `{"detail":{"file":[{"suffix":{"equals-ignore-case":".png"}}]}}`, true},
		{"equals-ignore-case", `{"detail":{"status":[{"equals-ignore-case":"in progress"}]}}`, true},
		{"equals-ignore-case miss", `{"detail":{"status":[{"equals-ignore-case":"done"}]}}`, false},
		{"anything-but string", `{"detail":{"status":[{"anything-but":"Failed"}]}}`, true},
		{"anything-but string miss", `{"detail":{"status":[{"anything-but":"In Progress"}]}}`, false},
		{"anything-but list", `{"detail":{"status":[{"anything-but":["Failed","In Progress"]}]}}`, false},
		{"anything-but number", `{"detail":{"progress":[{"anything-but":[40]}]}}`, false},
		{"anything-but number other", `{"detail":{"progress":[{"anything-but":[41]}]}}`, true},
		{"anything-but missing field", `{"detail":{"missing":[{"anything-but":"x"}]}}`, false},
		{"anything-but prefix", `{"detail":{"status":[{"anything-but":{"prefix":"In"}}]}}`, false},
		{"anything-but prefix other", `{"detail":{"status":[{"anything-but":{"prefix":"Out"}}]}}`, true},
		{"anything-but suffix", `{"detail":{"file":[{"anything-but":{"suffix":".PNG"}}]}}`, false},
		{"anything-but wildcard", `{"detail":{"path":[{"anything-but":{"wildcard":"/var/*"}}]}}`, false},
		{"anything-but ignore case", `{"detail":{"status":[{"anything-but":{"equals-ignore-case":["IN PROGRESS"]}}]}}`, false},
		{"anything-but array any element", `{"detail":{"tags":[{"anything-but":"red"}]}}`, true},
		{"numeric range", `{"detail":{"progress":[{"numeric":[">",0,"<=",40]}]}}`, true},
		{"numeric range exclusive", `{"detail":{"progress":[{"numeric":[">",0,"<",40]}]}}`, false},
		{"numeric eq", `{"detail":{"ratio":[{"numeric":["=",0.5]}]}}`, true},
		{"numeric ge", `{"detail":{"progress":[{"numeric":[">=",40]}]}}`, true},
		{"numeric lt", `{"detail":{"progress":[{"numeric":["<",40]}]}}`, false},
		{"numeric on string", `{"detail":{"status":[{"numeric":[">",0]}]}}`, false},
		{"numeric array element", `{"detail":{"nums":[{"numeric":[">",5]}]}}`, true},
		{"exists true", `{"detail":{"jobId":[{"exists":true}]}}`, true},
		{"exists true null", `{"detail":{"none":[{"exists":true}]}}`, true},
		{"exists true missing", `{"detail":{"missing":[{"exists":true}]}}`, false},
		{"exists false missing", `{"detail":{"missing":[{"exists":false}]}}`, true},
		{"exists false present", `{"detail":{"jobId":[{"exists":false}]}}`, false},
		{"exists false missing parent", `{"nope":{"x":[{"exists":false}]}}`, true},
		{"exists on object is not a leaf", `{"detail":{"nested":[{"exists":true}]}}`, false},
		{"wildcard", `{"detail":{"path":[{"wildcard":"/var/*/*.log"}]}}`, true},
		{"wildcard miss", `{"detail":{"path":[{"wildcard":"/var/*.txt"}]}}`, false},
		{"wildcard no star is exact", `{"detail":{"path":[{"wildcard":"/var/log/app.log"}]}}`, true},
		{"wildcard escaped star", `{"detail":{"star":[{"wildcard":"a\\*b"}]}}`, true},
		{"wildcard escaped star miss", `{"detail":{"path":[{"wildcard":"\\*"}]}}`, false},
		{"or", `{"$or":[{"source":["x"]},{"detail":{"progress":[40]}}]}`, true},
		{"or none", `{"$or":[{"source":["x"]},{"detail":{"progress":[41]}}]}`, false},
		{"or nested", `{"detail":{"$or":[{"status":["Failed"]},{"ok":[true]}]}}`, true},
		{"cidr v4", `{"detail":{"ip":[{"cidr":"10.0.0.0/24"}]}}`, true},
		{"cidr v4 miss", `{"detail":{"ip":[{"cidr":"10.0.1.0/24"}]}}`, false},
		{"cidr v6", `{"detail":{"ip6":[{"cidr":"2001:db8::/32"}]}}`, true},
		{"cidr v6 vs v4", `{"detail":{"ip":[{"cidr":"2001:db8::/32"}]}}`, false},
		{"cidr non ip", `{"detail":{"status":[{"cidr":"10.0.0.0/8"}]}}`, false},
		{"empty pattern", `{}`, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p, err := CompilePattern([]byte(tt.pattern))
			if err != nil {
				t.Fatalf("CompilePattern(%s): %v", tt.pattern, err)
			}
			if got := p.Match([]byte(testEvent)); got != tt.want {
				t.Fatalf("Match(%s) = %v, want %v", tt.pattern, got, tt.want)
			}
		})
	}
}

func TestCompilePatternErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, pattern, reason string
	}{
		{"not json", `{`, "not valid JSON"},
		{"not object", `["a"]`, "not an object"},
		{"trailing", `{} {}`, "trailing"},
		{"leaf not array", `{"source":"x"}`, "must be an object or an array"},
		{"empty array", `{"source":[]}`, "Empty arrays"},
		{"nested array", `{"source":[["x"]]}`, "Match value must be"},
		{"unknown op", `{"source":[{"regex":"x"}]}`, "Unrecognized match type regex"},
		{"two keys", `{"source":[{"prefix":"a","suffix":"b"}]}`, "Only one key"},
		{"prefix not string", `{"source":[{"prefix":1}]}`, "must be a string"},
		{"exists not bool", `{"source":[{"exists":"yes"}]}`, "exists"},
		{"numeric bad op", `{"a":[{"numeric":["!",1]}]}`, "Bad numeric range operator"},
		{"numeric bad arity", `{"a":[{"numeric":[">"]}]}`, "2 or 4"},
		{"numeric not number", `{"a":[{"numeric":[">","1"]}]}`, "must be numeric"},
		{"numeric inverted", `{"a":[{"numeric":[">",5,"<",1]}]}`, "Bottom must be less than top"},
		{"numeric two lower", `{"a":[{"numeric":[">",1,">",2]}]}`, "Bad numeric range operator"},
		{"cidr bad", `{"a":[{"cidr":"10.0.0.0/99"}]}`, "Nonstandard IP"},
		{"wildcard consecutive", `{"a":[{"wildcard":"a**"}]}`, "Consecutive wildcard"},
		{"wildcard bad escape", `{"a":[{"wildcard":"a\\x"}]}`, "Invalid escape"},
		{"anything-but bool", `{"a":[{"anything-but":[true]}]}`, "only strings and numbers"},
		{"anything-but empty prefix", `{"a":[{"anything-but":{"prefix":""}}]}`, "Null prefix"},
		{"anything-but unknown", `{"a":[{"anything-but":{"numeric":[">",1]}}]}`, "Unsupported anything-but"},
		{"or one alternative", `{"$or":[{"a":["x"]}]}`, "$or"},
		{"or not objects", `{"$or":["a","b"]}`, "$or"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := CompilePattern([]byte(tt.pattern))
			if err == nil {
				t.Fatalf("CompilePattern(%s): want error", tt.pattern)
			}
			if !strings.HasPrefix(err.Error(), "Event pattern is not valid. Reason: ") || !strings.Contains(err.Error(), tt.reason) {
				t.Fatalf("CompilePattern(%s) error = %q, want AWS prefix and %q", tt.pattern, err, tt.reason)
			}
		})
	}
}

func TestMatchJSONOnAnyDocument(t *testing.T) {
	t.Parallel()
	// Pipes filter DynamoDB stream records with the same language.
	p, err := CompilePattern([]byte(`{"eventName":["INSERT"],"dynamodb":{"NewImage":{"status":{"S":[{"prefix":"Pend"}]}}}}`))
	if err != nil {
		t.Fatal(err)
	}
	rec := []byte(`{"eventName":"INSERT","dynamodb":{"NewImage":{"status":{"S":"Pending"}}}}`)
	if !MatchJSON(p, rec) {
		t.Fatal("stream record should match")
	}
	if MatchJSON(p, []byte(`{"eventName":"MODIFY"}`)) {
		t.Fatal("MODIFY should not match")
	}
	if MatchJSON(p, []byte(`not json`)) {
		t.Fatal("invalid JSON must not match")
	}
	if !p.MatchValue(map[string]any{"eventName": "INSERT", "dynamodb": map[string]any{"NewImage": map[string]any{"status": map[string]any{"S": "Pending"}}}}) {
		t.Fatal("MatchValue on decoded doc should match")
	}
	n, _ := CompilePattern([]byte(`{"n":[{"numeric":[">",1]}]}`))
	if !n.MatchValue(map[string]any{"n": 2}) || n.MatchValue(map[string]any{"n": int64(1)}) {
		t.Fatal("MatchValue must accept Go ints")
	}
}

func FuzzCompilePattern(f *testing.F) {
	for _, s := range []string{
		`{"source":["sfapi.jobs"]}`, `{"detail":{"items":{"sku":["b"],"qty":[3]}}}`,
		`{"detail":{"status":[{"prefix":{"equals-ignore-case":"in "}}]}}`,
		`{"detail":{"status":[{"anything-but":{"equals-ignore-case":["IN PROGRESS"]}}]}}`,
		`{"detail":{"progress":[{"numeric":[">",0,"<=",40]}]}}`, `{"detail":{"ip":[{"cidr":"10.0.0.0/24"}]}}`,
		`{"detail":{"path":[{"wildcard":"/var/*/*.log"}]}}`, `{"$or":[{"source":["x"]},{"detail":{"progress":[40]}}]}`,
		`{"detail":{"missing":[{"exists":false}]}}`, `{"a":[{"wildcard":"a**"}]}`, `{`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		p, err := CompilePattern([]byte(src))
		if err != nil {
			if p != nil {
				t.Fatal("non-nil pattern with error")
			}
			return
		}
		// Matching must be deterministic and never panic.
		a, b := p.Match([]byte(testEvent)), p.Match([]byte(testEvent))
		if a != b {
			t.Fatal("match is not deterministic")
		}
	})
}

func BenchmarkMatch(b *testing.B) {
	p, err := CompilePattern([]byte(`{"source":["sfapi.jobs"],"detail-type":[{"prefix":"Job"}],"detail":{"progress":[{"numeric":[">",0,"<=",100]}],"status":[{"anything-but":["Failed"]}]}}`))
	if err != nil {
		b.Fatal(err)
	}
	ev := []byte(testEvent)
	b.Run("json", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if !p.Match(ev) {
				b.Fatal("no match")
			}
		}
	})
	doc := decode(b, ev)
	b.Run("decoded", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if !p.MatchValue(doc) {
				b.Fatal("no match")
			}
		}
	})
}
