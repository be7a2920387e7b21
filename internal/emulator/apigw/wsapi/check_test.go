package wsapi

import (
	"strings"
	"testing"

	"github.com/sfapi/sfapi/internal/project"
)

func TestCheckCleanProject(t *testing.T) {
	t.Parallel()
	p, err := project.Load("testdata/chat")
	if err != nil {
		t.Fatal(err)
	}
	if probs := Check(Options{Spec: p.Manifest.WebSocket}); len(probs) != 0 {
		t.Fatalf("problems in a clean project: %v", probs)
	}
}

func TestCheckReportsTemplates(t *testing.T) {
	t.Parallel()
	at := func(line int, text string) map[string]project.Template {
		return map[string]project.Template{"$default": {Text: text, Pos: project.Pos{File: "sfapi.yaml", Line: line}}}
	}
	s := project.WebSocket{Path: "/ws", Routes: map[string]project.WebSocketRoute{
		"$connect": {RouteKey: "$connect", Pos: project.Pos{Line: 5}, Integration: project.WebSocketIntegration{IntegrationType: "AWS",
			IntegrationURI: "arn:aws:apigateway:us-east-1:dynamodb:action/PutItem", RequestTemplates: at(7, `{"TableName": "T"}`)}},
		"$disconnect": {RouteKey: "$disconnect", Pos: project.Pos{Line: 10}, Integration: project.WebSocketIntegration{IntegrationType: "AWS",
			IntegrationURI: "arn:aws:apigateway:us-east-1:dynamodb:action/DeleteItem"}},
		"bad": {RouteKey: "bad", Pos: project.Pos{Line: 20}, Integration: project.WebSocketIntegration{IntegrationType: "AWS",
			IntegrationURI: "arn:aws:apigateway:us-east-1:dynamodb:action/PutItem", RequestTemplates: at(22, "{\n\"TableName\": \"T\",\n\"Item\": {\"id\": \"$context.connectionId\"}}")}},
		"text": {RouteKey: "text", Pos: project.Pos{Line: 30}, Integration: project.WebSocketIntegration{IntegrationType: "AWS",
			IntegrationURI: "arn:aws:apigateway:us-east-1:events:action/PutEvents", RequestTemplates: at(32, "line\n$input.json('$.x')")}},
		"nothing": {RouteKey: "nothing", Pos: project.Pos{Line: 40}, Integration: project.WebSocketIntegration{IntegrationType: "AWS",
			IntegrationURI: "arn:aws:apigateway:us-east-1:dynamodb:action/PutItem"}},
	}}
	var got []string
	for _, p := range Check(Options{Spec: s}) {
		got = append(got, p.String())
		if strings.Contains(p.Message, "no request template: the client's message") != p.Warning {
			t.Errorf("warning flag of %q = %v", p.Message, p.Warning)
		}
	}
	want := []string{
		"sfapi.yaml:7: websocket.routes.$connect.integration.requestTemplates.$default: the rendered request for dynamodb:PutItem lacks Item",
		"sfapi.yaml:10: websocket.routes.$disconnect: an AWS integration needs a request template (the route has no message to pass through)",
		`sfapi.yaml:22: websocket.routes.bad.integration.requestTemplates.$default: Item of dynamodb:PutItem must be a map of DynamoDB attribute values ({"S": ...})`,
		`sfapi.yaml:32: websocket.routes.text.integration.requestTemplates.$default: renders "line\nnull", which is not a JSON object for events:PutEvents`,
		"sfapi.yaml:40: websocket.routes.nothing: no request template: the client's message is sent to dynamodb:PutItem as it is",
	}
	if len(got) != len(want) {
		t.Fatalf("problems:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	for i := range want {
		if !strings.HasPrefix(got[i], want[i]) {
			t.Errorf("problem %d = %q, want prefix %q", i, got[i], want[i])
		}
	}
}
