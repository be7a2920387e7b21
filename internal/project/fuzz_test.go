package project

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzLoadManifest feeds arbitrary bytes to Load as sfapi.yaml (with one
// valid ASL and OpenAPI file beside it): it must never panic, and every
// failure must be positioned errors.
func FuzzLoadManifest(f *testing.F) {
	seeds := []string{
		"name: x\n",
		"",
		"name: [a]\nvariables: {A: {b: c}}\nwebsocket: /jobs\n",
		"name: x\ntables:\n  Jobs: [\n",
		"name: x\n---\nname: y\n",
		"a: &a [*a]\n",
		"name: x\napi: {openapi: api.yaml}\nstateMachines: {M: {definition: m.json, substitutions: {T: '${Jobs.Arn}'}}}\n" +
			"tables: {Jobs: {keySchema: {partitionKey: {name: pk, type: S}}, stream: KEYS_ONLY}}\n" +
			"pipes: {P: {source: {table: Jobs, startingPosition: LATEST}, target: {stateMachine: M}}}\n" +
			"rules: {R: {eventPattern: {source: [x]}, targets: [{push: a}]}}\n",
	}
	for _, name := range []string{"testdata/full/sfapi.yaml", "../../examples/gophers/sfapi.yaml"} {
		if data, err := os.ReadFile(name); err == nil {
			seeds = append(seeds, string(data))
		}
	}
	for _, c := range loadErrorCases {
		seeds = append(seeds, c.files["sfapi.yaml"])
	}
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	// The files beside the manifest are written once; load is Load after
	// reading sfapi.yaml, so each run costs no file system writes.
	dir := f.TempDir()
	files := map[string]string{
		"m.json":   `{"T": "${T}", "StartAt": "A", "States": {"A": {"Type": "Succeed"}}}`,
		"api.yaml": "openapi: 3.0.1\nx: {Fn::Sub: '${AWS::Region} ${Jobs}'}\n",
	}
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			f.Fatal(err)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := load(dir, data)
		if err == nil {
			if p == nil {
				t.Fatal("Load returned neither a project nor an error")
			}
			p.Tables()
			p.StateMachines()
			p.Pipes()
			p.Rules()
			p.OpenAPI()
			return
		}
		list, ok := err.(ErrorList)
		if !ok || len(list) == 0 || len(list) > MaxErrors+1 {
			t.Fatalf("Load error is %T with %d entries: %v", err, len(list), err)
		}
	})
}

// FuzzSub checks template resolution: it never panics, and a template
// without "${" comes back unchanged.
func FuzzSub(f *testing.F) {
	for _, s := range []string{
		"plain", "", "${AWS::Region}", "${!Literal}", "${Orders.Arn}", "${", "${}", "$${x}}", "${a.b.c}",
		"#set($x = $input.path('$'))\n{\"id\": \"$context.requestId\"}",
		"unterminated ${Orders", "${Nope}",
	} {
		f.Add(s)
	}
	m := &Manifest{
		Name: "x", Region: DefaultRegion, AccountID: DefaultAccountID, API: API{Stage: "dev"},
		Variables:     map[string]string{"V": "v"},
		Tables:        map[string]Table{"Orders": {LogicalID: "Orders", Name: "orders", StreamViewType: StreamKeysOnly}},
		StateMachines: map[string]StateMachine{"M": {LogicalID: "M", Name: "M"}},
	}
	r := &resolver{m: m}
	f.Fuzz(func(t *testing.T, tmpl string) {
		out, err := substitute(tmpl, r.lookup)
		if !strings.Contains(tmpl, "${") && (err != nil || out != tmpl) {
			t.Fatalf("substitute(%q) = %q, %v; want it unchanged", tmpl, out, err)
		}
		// Definition substitution must never panic either, and its
		// offsets must map back inside the input.
		def, spans, _ := substituteDefinition(tmpl, map[string]string{"V": "x\ny"})
		for off := 0; off <= len(def); off++ {
			if in := spans.toInput(off); in < 0 || in > len(tmpl) {
				t.Fatalf("offset %d of %q maps to %d, outside %q", off, def, in, tmpl)
			}
		}
	})
}

// FuzzJSONString checks the JSON string writer against encoding/json.
func FuzzJSONString(f *testing.F) {
	for _, s := range []string{"", "plain", "a\"b\\c\n\t\r\x00\x1f", "<&>", "\u2028\u2029", "\xff\xfe", "héllo 世界"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var w jsonWriter
		w.str(s)
		var back string
		if err := json.Unmarshal(w.buf.Bytes(), &back); err != nil {
			t.Fatalf("str(%q) = %s: not JSON: %v", s, w.buf.Bytes(), err)
		}
		// encoding/json is the reference, including its replacement of
		// each invalid UTF-8 byte.
		ref, _ := json.Marshal(s)
		var want string
		if err := json.Unmarshal(ref, &want); err != nil {
			t.Fatal(err)
		}
		if back != want {
			t.Fatalf("str(%q) decodes to %q, want %q", s, back, want)
		}
	})
}
