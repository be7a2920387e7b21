package mapping

import (
	"reflect"
	"testing"
)

// childPathCases are paths and bodies for which childPath (the fast walk of
// $.a.b paths) must answer what ojg's evaluator answers.
var childPathCases = []struct {
	path, body string
	simple     bool
}{
	{`$`, `{"a":1}`, true},
	{`$.name`, `{"name":"Bob","location":"Hole 1"}`, true},
	{`$.missing`, `{"name":"Bob"}`, true},
	{`$.a.b.c`, `{"a":{"b":{"c":[1,2]}}}`, true},
	{`$.a.b`, `{"a":null}`, true},
	{`$.a.b`, `{"a":"text"}`, true},
	{`$.a.b`, `{"a":[{"b":1}]}`, true},
	{`$.items`, `[1,2]`, true},
	{`$.json`, `{"a":[1]}`, true},
	{`$.a`, `{"a":null}`, true},
	{`$.a`, `{"a":123456789012345678901234567890}`, true},
	{`$.Item.pk.S`, `{"Item":{"pk":{"S":"job-1"},"sk":{"S":"job#addGopher"}}}`, true},
	{`$.a.b`, `"scalar"`, true},
	{`$['a']`, `{"a":1}`, true},
	{`$['a.b'].c`, `{"a.b":{"c":2}}`, true},
	{`$.a[0]`, `{"a":[1]}`, false},
	{`$.a.*`, `{"a":{"b":1}}`, false},
	{`@.a`, `{"a":1}`, false},
}

func TestChildPath(t *testing.T) {
	t.Parallel()
	tpl, err := Parse("paths", "x")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range childPathCases {
		c, err := tpl.jsonPathExpr(tc.path)
		if err != nil {
			t.Fatalf("%s: %v", tc.path, err)
		}
		if c.simple != tc.simple {
			t.Errorf("%s: simple = %v, want %v", tc.path, c.simple, tc.simple)
		}
		if c.simple {
			checkChildPath(t, c, tc.body)
		}
	}
}

// FuzzChildPath holds the fast walk of simple paths to ojg's evaluator
// (the slow path it replaces) on arbitrary bodies and paths.
//
//	go test -run='^$' -fuzz=FuzzChildPath -fuzztime=60s ./internal/emulator/apigw/mapping
func FuzzChildPath(f *testing.F) {
	for _, tc := range childPathCases {
		f.Add(tc.path, tc.body)
	}
	tpl, err := Parse("paths", "x")
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, path, body string) {
		c, err := tpl.jsonPathExpr(path)
		if err != nil || !c.simple {
			return
		}
		checkChildPath(t, c, body)
	})
}

func checkChildPath(t *testing.T, c compiledPath, body string) {
	t.Helper()
	data, err := decodeJSON(body, true)
	if err != nil {
		return
	}
	var want any
	if res := c.x.Get(data); len(res) > 0 {
		want = res[0]
	}
	got := c.childPath(data)
	// The same node, not an equal copy: templates may change it.
	if !sameValue(got, want) {
		t.Fatalf("path %q on %s: childPath = %#v, ojg = %#v", c.x.String(), body, got, want)
	}
}

func sameValue(a, b any) bool {
	switch a.(type) {
	case *vmap, *vlist:
		return a == b
	}
	return reflect.DeepEqual(a, b)
}
