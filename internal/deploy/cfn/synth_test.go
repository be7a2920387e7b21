package cfn

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sfapi/sfapi/internal/project"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden.json")

func loadProject(t *testing.T, dir string) *project.Project {
	t.Helper()
	p, err := project.Load(dir)
	if err != nil {
		t.Fatalf("load %s: %v", dir, err)
	}
	return p
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read golden (run go test -update): %v", err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("%s differs from the synthesized template (run go test ./internal/deploy/cfn -update and review the diff); got:\n%s", path, got)
	}
}

func TestGophersGolden(t *testing.T) {
	p := loadProject(t, "../../../examples/gophers")
	tmpl, err := Synthesize(p, Options{})
	if err != nil {
		t.Fatal(err)
	}
	out, err := tmpl.JSON()
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "gophers.golden.json", out)

	// Same project, same bytes: CloudFormation must see no change.
	again, err := Synthesize(p, Options{})
	if err != nil {
		t.Fatal(err)
	}
	out2, _ := again.JSON()
	if !bytes.Equal(out, out2) {
		t.Fatal("two syntheses of the same project differ")
	}
}

func readSpec(t *testing.T) *Spec {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "spec.json"))
	if err != nil {
		t.Fatal(err)
	}
	spec, err := ParseSpec(data)
	if err != nil {
		t.Fatal(err)
	}
	return spec
}

func TestTemplatesMatchSpec(t *testing.T) {
	for _, dir := range []string{"../../../examples/gophers", "testdata/kitchen"} {
		p := loadProject(t, dir)
		tmpl, err := Synthesize(p, Options{Stage: "prod"})
		if err != nil {
			t.Fatal(err)
		}
		if problems := Check(tmpl, readSpec(t)); len(problems) > 0 {
			t.Fatalf("%s: template does not match the CloudFormation specification:\n%s", dir, strings.Join(problems, "\n"))
		}
	}
}

// The kitchen project covers what gophers does not: explicit names, an
// LSI, TTL, an ARN dead-letter queue, a pipe to a bus, every rule target
// kind, a placeholder outside a JSON string.
func TestKitchenGolden(t *testing.T) {
	p := loadProject(t, "testdata/kitchen")
	tmpl, err := Synthesize(p, Options{})
	if err != nil {
		t.Fatal(err)
	}
	out, err := tmpl.JSON()
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "kitchen.golden.json", out)
}

func TestCheckFindsProblems(t *testing.T) {
	p := loadProject(t, "../../../examples/gophers")
	tmpl, err := Synthesize(p, Options{})
	if err != nil {
		t.Fatal(err)
	}
	tmpl.Resources["Jobs"].Properties["StreamSpec"] = "x"
	tmpl.Resources["Extra"] = Resource{Type: "AWS::Nope::Thing"}
	tmpl.Resources["AddGopher"].Properties["RoleArn"] = GetAtt("AddGopherRole", "Name")
	tmpl.Resources["ApiStage"].Properties["StageName"] = 7
	delete(tmpl.Parameters, "ServiceName") // the OpenAPI file's ${ServiceName}
	delete(tmpl.Resources["Jobs"].Properties, "KeySchema")
	got := strings.Join(Check(tmpl, readSpec(t)), "\n")
	for _, want := range []string{
		"Jobs: AWS::DynamoDB::Table has no property StreamSpec",
		"Extra: unknown resource type AWS::Nope::Thing",
		"Fn::GetAtt AddGopherRole.Name: no such resource attribute",
		"ApiStage.StageName: want String",
		"Fn::Sub ${ServiceName}: no such parameter or resource",
		"Jobs: required property KeySchema is missing",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("Check missed %q; got:\n%s", want, got)
		}
	}
}

// The API role may call exactly what the OpenAPI integrations call, on the
// Jobs table only.
func TestAPIRoleLeastPrivilege(t *testing.T) {
	p := loadProject(t, "../../../examples/gophers")
	tmpl, err := Synthesize(p, Options{})
	if err != nil {
		t.Fatal(err)
	}
	r := tmpl.Resources["ApiRole"]
	b, _ := json.Marshal(r.Properties["Policies"])
	want := `[{"PolicyDocument":{"Statement":[{"Action":["dynamodb:GetItem","dynamodb:PutItem","dynamodb:Query"],"Effect":"Allow","Resource":[{"Fn::GetAtt":["Jobs","Arn"]}]}],"Version":"2012-10-17"},"PolicyName":"api"}]`
	if string(b) != want {
		t.Fatalf("ApiRole policy:\n got %s\nwant %s", b, want)
	}
	if name, _ := json.Marshal(r.Properties["RoleName"]); string(name) != `{"Fn::Sub":"${ServiceName}-api-dynamodb"}` {
		t.Fatalf("ApiRole name %s does not match the OpenAPI credentials", name)
	}
}

func TestSynthesizeErrors(t *testing.T) {
	p := loadProject(t, "../../../examples/gophers")
	if _, err := Synthesize(p, Options{Stage: "bad stage"}); err == nil || !strings.Contains(err.Error(), "stage") {
		t.Fatalf("bad stage: err = %v", err)
	}
	sm := p.Manifest.StateMachines["AddGopher"]
	orig := sm.Definition
	sm.Definition = `{"StartAt":"A","States":{"A":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:1:function:f","End":true}}}`
	p.Manifest.StateMachines["AddGopher"] = sm
	_, err := Synthesize(p, Options{})
	if err == nil || !strings.Contains(err.Error(), "sfapi can grant") {
		t.Fatalf("lambda task: err = %v", err)
	}
	sm.Definition = orig
	p.Manifest.StateMachines["AddGopher"] = sm
}

func TestParseOpenAPI(t *testing.T) {
	doc, err := parseOpenAPI([]byte("a: !Sub 'x-${Jobs}'\nb: !GetAtt Jobs.Arn\nn: 12\nf: 1.5\nh: 0x1F\n"), "o.yaml")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(doc)
	if want := `{"a":{"Fn::Sub":"x-${Jobs}"},"b":{"Fn::GetAtt":["Jobs","Arn"]},"f":1.5,"h":"0x1F","n":12}`; string(b) != want {
		t.Fatalf("got %s\nwant %s", b, want)
	}
	var bomb strings.Builder
	bomb.WriteString("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n")
	for i := 1; i < 8; i++ {
		fmt.Fprintf(&bomb, "a%d: &a%d [%s]\n", i, i, strings.TrimSuffix(strings.Repeat(fmt.Sprintf("*a%d, ", i-1), 10), ", "))
	}
	if _, err := parseOpenAPI([]byte(bomb.String()), "o.yaml"); err == nil || !strings.Contains(err.Error(), "expands to more than") {
		t.Fatalf("alias bomb: err = %v", err)
	}
}

// A project's own $connect route replaces the generated one (API Gateway
// runs one integration per route); routes that call a service the deploy
// cannot grant are refused by name.
func TestWebSocketUserRoutes(t *testing.T) {
	t.Parallel()
	write := func(t *testing.T, uri string) string {
		t.Helper()
		dir := t.TempDir()
		manifest := `name: chat
tables:
  Conns:
    keySchema:
      partitionKey: {name: id, type: S}
websocket:
  path: /chat
  routes:
    $connect:
      integration:
        integrationType: AWS
        integrationUri: ` + uri + `
        requestTemplates:
          $default: '{"TableName": "${Conns}", "Item": {"id": {"S": "$context.connectionId"}}}'
`
		if err := os.WriteFile(filepath.Join(dir, "sfapi.yaml"), []byte(manifest), 0o644); err != nil {
			t.Fatal(err)
		}
		return dir
	}
	p := loadProject(t, write(t, "arn:aws:apigateway:${AWS::Region}:dynamodb:action/PutItem"))
	tmpl, err := Synthesize(p, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := tmpl.Resources["WebSocketConnectRoute"]; ok {
		t.Error("the generated $connect route is still there beside the project's")
	}
	route, ok := tmpl.Resources["WebSocketRouteConnect"]
	if !ok || route.Properties["RouteKey"] != "$connect" {
		t.Fatalf("project $connect route = %+v", route)
	}
	if _, ok := tmpl.Resources["WebSocketDisconnectRoute"]; !ok {
		t.Error("the generated $disconnect route went missing")
	}
	pol, _ := json.Marshal(tmpl.Resources["WebSocketRouteConnectRole"])
	if !strings.Contains(string(pol), `"dynamodb:PutItem"`) || !strings.Contains(string(pol), `"Conns"`) {
		t.Errorf("role does not grant PutItem on the referenced table: %s", pol)
	}

	p = loadProject(t, write(t, "arn:aws:apigateway:${AWS::Region}:sqs:action/SendMessage"))
	if _, err := Synthesize(p, Options{}); err == nil || !strings.Contains(err.Error(), "websocket route $connect") {
		t.Fatalf("an sqs route: err = %v", err)
	}
}
