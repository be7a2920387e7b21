package jsonpath_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/sfapi/sfapi/internal/emulator/asl/jsonpath"
)

func mustJSON(t testing.TB, s string) any {
	t.Helper()
	v, err := jsonpath.ParseJSON([]byte(s))
	if err != nil {
		t.Fatalf("parse %s: %v", s, err)
	}
	return v
}

const doc = `{"a":{"b":[10,20,{"c":"x"}]},"k e y":1,"list":[{"id":1,"t":"p"},{"id":2,"t":"q"}],"n":null,"big":12345678901234567}`

var pathCases = []struct {
	path  string
	want  string // JSON, or "" for no match
	isRef bool
}{
	{"$", doc, true},
	{"$.a.b[0]", `10`, true},
	{"$.a.b[-1].c", `"x"`, true},
	{"$['k e y']", `1`, true},
	{"$.n", `null`, true},
	{"$.big", `12345678901234567`, true},
	{"$.missing", ``, true},
	{"$.a.b[9]", ``, true},
	{"$.a.b.c", ``, true},
	{"$.list[*].id", `[1,2]`, false},
	{"$.list[?(@.t == 'q')].id", `[2]`, false},
	{"$..c", `["x"]`, false},
	{"$.a.b[0:2]", `[10,20]`, false},
	{"$.nothing[*]", `[]`, false},
}

func TestPathGet(t *testing.T) {
	t.Parallel()
	data := mustJSON(t, doc)
	for _, tc := range pathCases {
		t.Run(tc.path, func(t *testing.T) {
			p, err := jsonpath.ParsePath(tc.path)
			if err != nil {
				t.Fatal(err)
			}
			if p.IsReference() != tc.isRef {
				t.Errorf("IsReference = %v", p.IsReference())
			}
			got, ok := p.Get(data, nil)
			if tc.want == "" {
				if ok {
					t.Fatalf("got %v, want no match", got)
				}
				return
			}
			if !ok {
				t.Fatal("no match")
			}
			if !jsonpath.Equal(got, mustJSON(t, tc.want)) {
				t.Fatalf("got %s, want %s", jsonpath.MarshalString(got), tc.want)
			}
		})
	}
}

func TestParsePathErrors(t *testing.T) {
	t.Parallel()
	for _, bad := range []string{"", "a.b", ".x", "$[", "$.a[?(", "@.x"} {
		if _, err := jsonpath.ParsePath(bad); err == nil {
			t.Errorf("%q: want error", bad)
		}
	}
	p := jsonpath.MustParsePath("$$.Execution.Id")
	if !p.IsContext() {
		t.Fatal("$$ path must be a context path")
	}
	got, ok := p.Get(nil, map[string]any{"Execution": map[string]any{"Id": "arn"}})
	if !ok || got != "arn" {
		t.Fatalf("context get = %v %v", got, ok)
	}
}

func TestSetResult(t *testing.T) {
	t.Parallel()
	cases := []struct {
		input, path, result, want, err string
	}{
		{`{"a":1}`, "$", `2`, `2`, ""},
		{`{"a":1}`, "$.b", `2`, `{"a":1,"b":2}`, ""},
		{`{"a":1}`, "$.b.c.d", `2`, `{"a":1,"b":{"c":{"d":2}}}`, ""},
		{`{"a":{"x":1}}`, "$.a.y", `2`, `{"a":{"x":1,"y":2}}`, ""},
		{`{"a":[1,2]}`, "$.a[1]", `9`, `{"a":[1,9]}`, ""},
		{`{"a":"s"}`, "$.a.b", `2`, ``, "States.ResultPathMatchFailure"},
		{`[1]`, "$.a", `2`, ``, "States.ResultPathMatchFailure"},
		{`{"a":[1]}`, "$.a[3]", `2`, ``, "States.ResultPathMatchFailure"},
	}
	for _, tc := range cases {
		in := mustJSON(t, tc.input)
		before := jsonpath.MarshalString(in)
		got, err := jsonpath.SetResult(in, jsonpath.MustParsePath(tc.path), mustJSON(t, tc.result))
		if tc.err != "" {
			var je *jsonpath.Error
			if !errors.As(err, &je) || je.Name != tc.err {
				t.Errorf("%s on %s: err = %v, want %s", tc.path, tc.input, err, tc.err)
			}
			continue
		}
		if err != nil || jsonpath.MarshalString(got) != tc.want {
			t.Errorf("%s on %s = %s, %v; want %s", tc.path, tc.input, jsonpath.MarshalString(got), err, tc.want)
		}
		if jsonpath.MarshalString(in) != before {
			t.Errorf("SetResult modified its input: %s", jsonpath.MarshalString(in))
		}
	}
}

func TestTemplate(t *testing.T) {
	t.Parallel()
	tmpl := mustJSON(t, `{"static":{"s":1},"p.$":"$.a.b[0]","c.$":"$$.Map.Item.Value","f.$":"States.Format('{}-{}', $.a.b[2].c, 7)","arr":[{"x.$":"$.n"}, 3]}`)
	tp, err := jsonpath.CompileTemplate(tmpl)
	if err != nil {
		t.Fatal(err)
	}
	calls := 0
	ctx := func() any {
		calls++
		return map[string]any{"Map": map[string]any{"Item": map[string]any{"Value": "v"}}}
	}
	got, err := tp.Apply(mustJSON(t, doc), ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"arr":[{"x":null},3],"c":"v","f":"x-7","p":10,"static":{"s":1}}`
	if s := jsonpath.MarshalString(got); s != want {
		t.Fatalf("got %s\nwant %s", s, want)
	}
	if calls != 1 {
		t.Errorf("context object built %d times, want 1 (only for the $$ field)", calls)
	}
	for _, bad := range []string{`{"a.$":1}`, `{"a.$":"nope"}`, `{"a.$":"$["}`, `{"x":{"a.$":"States.Bogus()"}}`} {
		if _, err := jsonpath.CompileTemplate(mustJSON(t, bad)); err == nil {
			t.Errorf("%s: want compile error", bad)
		}
	}
	miss, _ := jsonpath.CompileTemplate(mustJSON(t, `{"deep":{"x.$":"$.nope"}}`))
	_, err = miss.Apply(mustJSON(t, `{"a":1}`), nil)
	var je *jsonpath.Error
	if !errors.As(err, &je) || je.Name != "States.Runtime" || !strings.Contains(je.Cause, "'x.$'") {
		t.Errorf("missing path error = %v", err)
	}
}

func TestParseJSONAndMarshal(t *testing.T) {
	t.Parallel()
	v := mustJSON(t, `{"html":"<a&b>","i":1,"f":1.5}`)
	if s := jsonpath.MarshalString(v); !strings.Contains(s, `"html":"<a&b>"`) || !strings.Contains(s, `"i":1}`) {
		t.Errorf("marshal = %s", s)
	}
	for _, bad := range []string{"", "{", `{"a":}`, "[1,]", `{"e":1e400}`} {
		if _, err := jsonpath.ParseJSON([]byte(bad)); err == nil {
			t.Errorf("%q: want error", bad)
		}
	}
}

func FuzzJSONPath(f *testing.F) {
	for _, tc := range pathCases {
		f.Add(tc.path, doc)
	}
	f.Add("$.a[?(@.b > 1)]", `{"a":[{"b":2}]}`)
	f.Fuzz(func(t *testing.T, path, data string) {
		p, err := jsonpath.ParsePath(path)
		if err != nil {
			return
		}
		v, err := jsonpath.ParseJSON([]byte(data))
		if err != nil {
			return
		}
		p.Get(v, v)
		if p.IsReference() && !p.IsContext() {
			if _, err := jsonpath.SetResult(v, p, "r"); err != nil {
				var je *jsonpath.Error
				if !errors.As(err, &je) {
					t.Fatalf("SetResult error without ASL name: %v", err)
				}
			}
		}
	})
}

func TestVariablePaths(t *testing.T) {
	t.Parallel()
	vars := map[string]any{"user": map[string]any{"name": "ann", "tags": []any{"a", "b"}}, "n": int64(3)}
	env := &jsonpath.Env{Var: func(name string) (any, bool) { v, ok := vars[name]; return v, ok }}
	cases := []struct {
		path, want string
		found      bool
	}{
		{"$user.name", `"ann"`, true},
		{"$user.tags[1]", `"b"`, true},
		{"$n", `3`, true},
		{"$missing", ``, false},
		{"$user.missing", ``, false},
	}
	for _, c := range cases {
		p, err := jsonpath.ParsePath(c.path)
		if err != nil {
			t.Fatalf("ParsePath(%q): %v", c.path, err)
		}
		if !p.NeedsEnv() || p.IsContext() {
			t.Errorf("%q: NeedsEnv=%v IsContext=%v, want a variable path", c.path, p.NeedsEnv(), p.IsContext())
		}
		v, ok := p.Get(map[string]any{"user": "input, not the variable"}, env)
		if ok != c.found || ok && jsonpath.MarshalString(v) != c.want {
			t.Errorf("Get(%q) = %s, %v; want %s, %v", c.path, jsonpath.MarshalString(v), ok, c.want, c.found)
		}
	}
	tmpl, err := jsonpath.CompileTemplate(map[string]any{"who.$": "$user.name", "f.$": "States.Format('{}-{}', $user.name, $n)"})
	if err != nil {
		t.Fatal(err)
	}
	got, err := tmpl.Apply(map[string]any{}, func() any { return env })
	if err != nil {
		t.Fatal(err)
	}
	if s := jsonpath.MarshalString(got); s != `{"f":"ann-3","who":"ann"}` {
		t.Errorf("template = %s", s)
	}
	if p := jsonpath.MustParsePath("$.a"); p.NeedsEnv() {
		t.Errorf("$.a must not need the environment")
	}
}
