package project

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestGophersExample loads the example project that `sfapi init` ships and
// the docs walk through; it must always be valid.
func TestGophersExample(t *testing.T) {
	t.Parallel()
	p := mustLoad(t, "../../examples/gophers")
	if p.Manifest.Name != "gophers" || p.Stage() != "dev" || p.WebSocketPath() != "/jobs" {
		t.Fatalf("manifest: %+v", p.Manifest)
	}
	tables := p.Tables()
	if len(tables) != 1 || tables[0].Name != "Jobs" || tables[0].StreamViewType != StreamNewAndOldImages ||
		len(tables[0].GSIs) != 1 || tables[0].GSIs[0].Name != "byLocation" {
		t.Fatalf("tables: %+v", tables)
	}
	sms := p.StateMachines()
	if len(sms) != 1 || sms[0].Name != "AddGopher" || sms[0].Type != StateMachineStandard {
		t.Fatalf("state machines: %+v", sms)
	}
	if strings.Contains(sms[0].Definition, "${") || !strings.Contains(sms[0].Definition, `"TableName": "Jobs"`) {
		t.Fatalf("definition not substituted:\n%.400s", sms[0].Definition)
	}
	pipes := p.Pipes()
	if len(pipes) != 1 || pipes[0].Source.Table != "Jobs" || pipes[0].Source.BatchSize != 1 ||
		pipes[0].Target.StateMachine != "AddGopher" || pipes[0].Target.InvocationType != InvocationFireAndForget ||
		pipes[0].Target.ExecutionName != "<$.dynamodb.Keys.pk.S>" || len(pipes[0].Source.Filters) != 1 {
		t.Fatalf("pipes: %+v", pipes)
	}
	rules := p.Rules()
	if len(rules) != 1 || rules[0].EventBus != "default" || len(rules[0].Targets) != 1 || rules[0].Targets[0].Push != "jobs" {
		t.Fatalf("rules: %+v", rules)
	}

	doc, lines, err := p.OpenAPI()
	if err != nil {
		t.Fatal(err)
	}
	var api struct {
		Paths map[string]map[string]struct {
			Integration struct {
				URI              string            `json:"uri"`
				RequestTemplates map[string]string `json:"requestTemplates"`
			} `json:"x-amazon-apigateway-integration"`
		} `json:"paths"`
	}
	if err := json.Unmarshal(doc, &api); err != nil {
		t.Fatalf("OpenAPI is not JSON: %v", err)
	}
	post := api.Paths["/gophers"]["post"].Integration
	if post.URI != "arn:aws:apigateway:us-east-1:dynamodb:action/PutItem" {
		t.Errorf("POST /gophers uri = %q", post.URI)
	}
	tmpl := post.RequestTemplates["application/json"]
	for _, want := range []string{`"TableName": "Jobs"`, `"$context.requestId"`, `$input.path('$.name')`} {
		if !strings.Contains(tmpl, want) {
			t.Errorf("POST /gophers request template lacks %s:\n%s", want, tmpl)
		}
	}
	if lines["/paths/~1gophers/post"] == 0 {
		t.Errorf("no line for /paths/~1gophers/post")
	}
}
