package push

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestInputTransformer(t *testing.T) {
	t.Parallel()
	ev := []byte(`{"id":"e1","source":"sfapi.jobs","detail":{"jobId":"j1","status":"Done \"ok\"","n":3,"obj":{"a":1},"list":[{"x":1},{"x":2}]}}`)
	doc := decode(t, ev)
	info := DeliveryInfo{RuleARN: "arn:aws:events:us-east-1:0:rule/r", RuleName: "r", IngestionTime: "2026-01-02T03:04:05Z"}
	paths := map[string]string{"job": "$.detail.jobId", "status": "$.detail.status", "n": "$.detail.n",
		"obj": "$.detail.obj", "missing": "$.detail.nope", "first": "$.detail.list[0].x", "xs": "$.detail.list[*].x",
		"quoted": "$['detail']['jobId']"}
	tests := []struct {
		name, tmpl, want string
		json             bool
	}{
		{"json values outside quotes", `{"job":<job>,"n":<n>,"obj":<obj>,"first":<first>,"xs":<xs>,"q":<quoted>}`,
			`{"job":"j1","n":3,"obj":{"a":1},"first":1,"xs":[1,2],"q":"j1"}`, true},
		{"string content inside quotes", `"<job> is <status> (<n>)"`, `"j1 is Done \"ok\" (3)"`, true},
		{"object inside quotes is escaped", `{"o":"<obj>"}`, `{"o":"{\"a\":1}"}`, true},
		{"missing outside and inside", `{"m":<missing>,"s":"[<missing>]"}`, `{"m":null,"s":"[]"}`, true},
		{"predefined", `{"rule":<aws.events.rule-name>,"arn":"<aws.events.rule-arn>","at":"<aws.events.event.ingestion-time>"}`,
			`{"rule":"r","arn":"arn:aws:events:us-east-1:0:rule/r","at":"2026-01-02T03:04:05Z"}`, true},
		{"whole event", `{"e":<aws.events.event.json>}`, `{"e":` + string(ev) + `}`, true},
		{"event without detail", `{"e":<aws.events.event>}`, `{"e":{"id":"e1","source":"sfapi.jobs"}}`, true},
		{"unknown placeholder stays", `{"html":"<b>bold</b> <job>"}`, `{"html":"<b>bold</b> j1"}`, true},
		{"escaped quote inside string", `{"a":"say \"<job>\""}`, `{"a":"say \"j1\""}`, true},
		{"plain text", `Job <job> done`, `Job "j1" done`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tr, err := CompileTransformer(InputTransformer{InputPathsMap: paths, InputTemplate: tt.tmpl})
			if err != nil {
				t.Fatal(err)
			}
			got := tr.Apply(doc, ev, info)
			if tt.json && !json.Valid(got) {
				t.Fatalf("output is not JSON: %s", got)
			}
			if string(got) != tt.want {
				t.Fatalf("Apply(%s) = %s, want %s", tt.tmpl, got, tt.want)
			}
		})
	}
}

func TestCompileTransformerErrors(t *testing.T) {
	t.Parallel()
	bad := []InputTransformer{
		{InputTemplate: ""},
		{InputPathsMap: map[string]string{"x": "detail"}, InputTemplate: "<x>"},
		{InputPathsMap: map[string]string{"x": "$.a[b]"}, InputTemplate: "<x>"},
		{InputPathsMap: map[string]string{"x": "$.a["}, InputTemplate: "<x>"},
		{InputPathsMap: map[string]string{"x": "$..a"}, InputTemplate: "<x>"},
		{InputPathsMap: map[string]string{"aws.events.rule-name": "$.a"}, InputTemplate: "x"},
		{InputPathsMap: map[string]string{"bad name": "$.a"}, InputTemplate: "x"},
	}
	for i, tr := range bad {
		if _, err := CompileTransformer(tr); ErrorCode(err) != CodeValidation {
			t.Fatalf("case %d: err = %v, want ValidationException", i, err)
		}
	}
}

func FuzzInputTemplate(f *testing.F) {
	for _, s := range []string{`{"job":<job>,"n":<n>}`, `"<job> is <status>"`, `{"o":"<obj>"}`, `{"a":"say \"<job>\""}`,
		`<aws.events.event.json>`, `<aws.events.event>`, `<`, `"\`, `<job`, `Job <job> done`} {
		f.Add(s, "$.detail.jobId")
	}
	ev := []byte(`{"id":"e1","detail":{"jobId":"j1","status":"x","n":3,"obj":{"a":[1]}}}`)
	var doc any
	if err := json.Unmarshal(ev, &doc); err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, tmpl, path string) {
		tr, err := CompileTransformer(InputTransformer{InputPathsMap: map[string]string{"job": path, "n": "$.detail.n", "obj": "$.detail.obj", "status": "$.detail.status"}, InputTemplate: tmpl})
		if err != nil {
			return
		}
		out := tr.Apply(doc, ev, DeliveryInfo{RuleName: "r"})
		if again := tr.Apply(doc, ev, DeliveryInfo{RuleName: "r"}); string(again) != string(out) {
			t.Fatalf("Apply not deterministic for %q", tmpl)
		}
		// Without placeholders the template passes through untouched.
		if !strings.Contains(tmpl, "<") && string(out) != tmpl {
			t.Fatalf("Apply(%q) = %q, want it unchanged", tmpl, out)
		}
	})
}
