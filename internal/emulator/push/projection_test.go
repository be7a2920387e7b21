package push

import (
	"encoding/json"
	"reflect"
	"testing"
)

// projectionPatterns are the patterns the projection tests and the fuzz
// target project through: nested objects, $or, leaves kept whole, and a
// key that is a leaf in one pattern and an object in another.
var projectionPatterns = []string{
	`{"eventName": ["INSERT"], "dynamodb": {"NewImage": {"sk": {"S": [{"prefix": "job#"}]}}}}`,
	`{"$or": [{"a": [1]}, {"b": {"c": [{"exists": true}]}}], "d": {"e": ["x"]}}`,
	`{"d": ["y"], "list": {"k": [{"numeric": [">", 0]}]}}`,
}

func compileProjection(t testing.TB) ([]*Pattern, *Projection) {
	t.Helper()
	var ps []*Pattern
	for _, src := range projectionPatterns {
		p, err := CompilePattern([]byte(src))
		if err != nil {
			t.Fatalf("compile %s: %v", src, err)
		}
		ps = append(ps, p)
	}
	return ps, NewProjection(ps, "eventSourceARN")
}

// checkProjection decodes doc both ways and fails on any difference: the
// error-ness and text, the projected value, and every pattern's verdict.
func checkProjection(t *testing.T, ps []*Pattern, pr *Projection, doc []byte) {
	t.Helper()
	got, err := pr.Decode(doc)
	var full any
	werr := json.Unmarshal(doc, &full)
	if (err == nil) != (werr == nil) || (err != nil && err.Error() != werr.Error()) {
		t.Fatalf("Decode(%q) error %v, encoding/json %v", doc, err, werr)
	}
	if err != nil {
		return
	}
	// prune changes its argument: match the full document first.
	verdicts := make([]bool, len(ps))
	for i, p := range ps {
		verdicts[i] = p.MatchValue(full)
	}
	want := prune(full, pr.root)
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("Decode(%q) = %#v, want %#v", doc, got, want)
	}
	for i, p := range ps {
		if p.MatchValue(got) != verdicts[i] {
			t.Fatalf("pattern %s on %q: projected %v, full %v", p, doc, !verdicts[i], verdicts[i])
		}
	}
}

var projectionSeeds = []string{
	`{"eventName":"INSERT","eventSourceARN":"arn:x","dynamodb":{"Keys":{"pk":{"S":"job#1"}},"NewImage":{"sk":{"S":"job#1"},"big":{"N":"1e400"},"l":{"L":[{"S":"a"},{"N":"1"}]}}}}`,
	`{"eventName":"MODIFY","dynamodb":{"NewImage":{"sk":{"S":"gopher"}}}}`,
	`{"eventName":["INSERT","x"],"dynamodb":[{"NewImage":{"sk":{"S":"job#2"}}},3,null]}`,
	`{"a":1,"b":{"c":[true,{"z":1}]},"d":{"e":"x","f":[1,2.5e3,-0.1]},"list":[{"k":1},{"k":-2},7]}`,
	`{"d":"y","d":{"e":"x"},"a":2,"a":1}`,
	`{"skipped":1e400,"a":1}`,
	`{"skipped":-1e-400,"a":1}`,
	`{"a":1e400}`,
	`{"a":"\u00e9\ud83d\ude00","dynam\u006fdb":{"NewImage":{"sk":{"S":"job#\"q"}}},"eventName":"INSERT"}`,
	"{\"eventName\":\"INS\xffERT\",\"x\":\"\xfe\"}",
	`{"é":1,"a":[1]}`,
	` { "a" : [ 1 , 2 ] , "b" : { } , "list" : [ ] } `,
	`[{"a":1},{"b":{"c":1}}]`,
	`"just a string"`, `12`, `true`, `null`, `-0`,
	`{"a":01}`, `{"a":1.}`, `{"a":.5}`, `{"a":1e}`, `{"a":tru}`, `{"a":"x\q"}`, `{"a":"\u12"}`,
	"{\"a\":\"tab\there\"}", `{"a":1,}`, `{"a" 1}`, `{"a":1} x`, `{"a":[1,]}`, `{`, ``, `{"a":1}{}`,
	`{"skip":{"x":[1,{"y":"\"}"}],"z":null},"a":true}`, `{"skip":truefalse}`,
}

func TestProjectionMatchesEncodingJSON(t *testing.T) {
	t.Parallel()
	ps, pr := compileProjection(t)
	for _, doc := range projectionSeeds {
		checkProjection(t, ps, pr, []byte(doc))
	}
}

func TestProjectionKeepsOnlyReadMembers(t *testing.T) {
	t.Parallel()
	_, pr := compileProjection(t)
	got, err := pr.Decode([]byte(`{"eventName":"INSERT","eventSourceARN":"arn:s","eventID":"1","dynamodb":{"Keys":{"pk":{"S":"p"}},"NewImage":{"sk":{"S":"job#1"},"pk":{"S":"p"}}},"d":{"e":"x","f":1},"list":[{"k":1,"j":2}]}`))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"eventName": "INSERT", "eventSourceARN": "arn:s",
		"dynamodb": map[string]any{"NewImage": map[string]any{"sk": map[string]any{"S": "job#1"}}},
		// "d" is a leaf in one pattern: kept whole.
		"d":    map[string]any{"e": "x", "f": 1.0},
		"list": []any{map[string]any{"k": 1.0}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("Decode = %#v\nwant %#v", got, want)
	}
}

func TestProjectionDeepNesting(t *testing.T) {
	t.Parallel()
	ps, pr := compileProjection(t)
	deep := make([]byte, 0, 2*20001+10)
	deep = append(deep, `{"x":`...)
	for range 20000 {
		deep = append(deep, '[')
	}
	for range 20000 {
		deep = append(deep, ']')
	}
	deep = append(deep, '}')
	checkProjection(t, ps, pr, deep)
}

func FuzzProjection(f *testing.F) {
	for _, s := range projectionSeeds {
		f.Add([]byte(s))
	}
	ps, pr := compileProjection(f)
	f.Fuzz(func(t *testing.T, doc []byte) {
		checkProjection(t, ps, pr, doc)
	})
}

func BenchmarkProjectionStreamRecord(b *testing.B) {
	rec := []byte(`{"awsRegion":"us-east-1","dynamodb":{"ApproximateCreationDateTime":1764197000,"Keys":{"pk":{"S":"job#0f8a"},"sk":{"S":"job#0f8a"}},"NewImage":{"createdAt":{"S":"2026-11-26T22:00:00.000Z"},"executionId":{"S":"arn:aws:states:us-east-1:000000000000:execution:AddGopher:job-0f8a"},"input":{"M":{"location":{"S":"r1-l2"},"name":{"S":"tp-1-2"}}},"pk":{"S":"job#0f8a"},"sk":{"S":"job#0f8a"},"status":{"S":"In Progress"},"updatedAt":{"S":"2026-11-26T22:00:00.010Z"}},"OldImage":{"createdAt":{"S":"2026-11-26T22:00:00.000Z"},"input":{"M":{"location":{"S":"r1-l2"},"name":{"S":"tp-1-2"}}},"pk":{"S":"job#0f8a"},"sk":{"S":"job#0f8a"},"status":{"S":"Pending"}},"SequenceNumber":"000000000000000000042","SizeBytes":512,"StreamViewType":"NEW_AND_OLD_IMAGES"},"eventID":"7d1c","eventName":"MODIFY","eventSource":"aws:dynamodb","eventVersion":"1.1","eventSourceARN":"arn:aws:dynamodb:us-east-1:000000000000:table/Jobs/stream/x"}`)
	ps, pr := compileProjection(b)
	b.Run("projection", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			v, err := pr.Decode(rec)
			if err != nil || ps[0].MatchValue(v) {
				b.Fatal(err)
			}
		}
	})
	b.Run("encoding-json", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var v any
			if err := json.Unmarshal(rec, &v); err != nil || ps[0].MatchValue(v) {
				b.Fatal(err)
			}
		}
	})
}

// isJSONObjectByDecoding is the definition isJSONObject replaced.
func isJSONObjectByDecoding(s string) bool {
	var m map[string]json.RawMessage
	return json.Unmarshal([]byte(s), &m) == nil && m != nil
}

var jsonObjectSeeds = []string{
	`{}`, ` {"a":1} `, "\n{\"a\":[1,{\"b\":null}]}\t", `null`, ` null`, `[]`, `"x"`, `1`, ``, ` `, `{`, `{"a":1}}`,
	`{"a":1e400}`, `{"a":"\xff"}`, `{"a":1,"a":2}`, `{"a":tru}`, `{} {}`, "\v{}", `{"a":"\u00"}`,
}

func TestIsJSONObject(t *testing.T) {
	t.Parallel()
	for _, s := range jsonObjectSeeds {
		if got, want := isJSONObject(s), isJSONObjectByDecoding(s); got != want {
			t.Errorf("isJSONObject(%q) = %v, want %v", s, got, want)
		}
	}
}

func FuzzIsJSONObject(f *testing.F) {
	for _, s := range jsonObjectSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := isJSONObject(s), isJSONObjectByDecoding(s); got != want {
			t.Fatalf("isJSONObject(%q) = %v, want %v", s, got, want)
		}
	})
}
