package project

import (
	"errors"
	"strings"
	"testing"
)

const wsManifest = `name: chat
tables:
  Connections:
    keySchema: {partitionKey: {name: connectionId, type: S}}
websocket:
  path: /chat
  routeSelectionExpression: $request.body.action
  routes:
    $connect:
      integration:
        integrationType: AWS
        integrationUri: arn:aws:apigateway:${AWS::Region}:dynamodb:action/PutItem
        requestTemplates:
          $default: |
            {"TableName": "${Connections}",
             "Item": {"connectionId": {"S": "$context.connectionId"}, "lit": {"S": "${!x}"}}}
    $disconnect:
      integration:
        integrationType: AWS
        integrationUri: arn:aws:apigateway:us-east-1:dynamodb:action/DeleteItem
        requestTemplates:
          $default: '{"TableName": "${Connections}", "Key": {"connectionId": {"S": "$context.connectionId"}}}'
    echo:
      routeResponseSelectionExpression: $default
      integration:
        integrationType: MOCK
        templateSelectionExpression: \$default
        requestTemplates: {$default: '{"statusCode": 200}'}
        integrationResponses:
          - integrationResponseKey: /2\d\d/
            responseTemplates: {$default: '{"ok": true}'}
          - integrationResponseKey: $default
`

func TestLoadWebSocketRoutes(t *testing.T) {
	t.Parallel()
	p := mustLoad(t, writeProject(t, map[string]string{"sfapi.yaml": wsManifest}))
	w := p.Manifest.WebSocket
	if w.Path != "/chat" || w.RouteSelectionExpression != "$request.body.action" || len(w.Routes) != 3 {
		t.Fatalf("websocket = %+v", w)
	}
	c := w.Routes["$connect"]
	if c.Integration.IntegrationURI != "arn:aws:apigateway:us-east-1:dynamodb:action/PutItem" || c.Integration.PassthroughBehavior != PassthroughWhenNoMatch ||
		c.Integration.TimeoutInMillis != 29000 {
		t.Fatalf("$connect = %+v", c)
	}
	tmpl := c.Integration.RequestTemplates["$default"]
	if !strings.Contains(tmpl.Text, `"TableName": "Connections"`) || !strings.Contains(tmpl.Text, `"S": "${x}"`) || !strings.Contains(tmpl.Text, "$context.connectionId") {
		t.Fatalf("template not resolved as Fn::Sub: %s", tmpl.Text)
	}
	if !strings.Contains(tmpl.Raw, `"${Connections}"`) || c.Integration.RawIntegrationURI != "arn:aws:apigateway:${AWS::Region}:dynamodb:action/PutItem" {
		t.Fatalf("raw forms not kept for deploy: %q %q", tmpl.Raw, c.Integration.RawIntegrationURI)
	}
	// The block scalar's text starts on the line after "$default: |".
	if tmpl.Pos.Line != 15 {
		t.Fatalf("template line = %d, want 15", tmpl.Pos.Line)
	}
	e := w.Routes["echo"]
	if e.RouteResponseSelectionExpression != "$default" || e.Integration.TemplateSelectionExpression != `\$default` ||
		len(e.Integration.IntegrationResponses) != 2 || e.Integration.IntegrationResponses[0].Key != `/2\d\d/` {
		t.Fatalf("echo = %+v", e)
	}
}

func TestLoadWebSocketDefaults(t *testing.T) {
	t.Parallel()
	p := mustLoad(t, writeProject(t, map[string]string{"sfapi.yaml": "name: x\nwebsocket:\n  routes:\n    $default:\n      integration: {integrationType: MOCK}\n"}))
	w := p.Manifest.WebSocket
	if w.Path != DefaultWebSocketPath || w.RouteSelectionExpression != DefaultRouteSelectionExpression {
		t.Fatalf("defaults = %+v", w)
	}
	p = mustLoad(t, writeProject(t, map[string]string{"sfapi.yaml": "name: x\n"}))
	if len(p.Manifest.WebSocket.Routes) != 0 {
		t.Fatal("a project without routes has routes")
	}
}

func TestLoadWebSocketErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, yaml string
		want       []string
	}{
		{"route selection not from body", "websocket:\n  routeSelectionExpression: $request.header.x\n",
			[]string{`sfapi.yaml:3:29: websocket.routeSelectionExpression "$request.header.x" must select from the message body, such as $request.body.action`}},
		{"bad route key", "websocket:\n  routes:\n    $other:\n      integration: {integrationType: MOCK}\n",
			[]string{`sfapi.yaml:4:5: invalid route key "$other" in websocket.routes: only $connect, $disconnect and $default may start with '$'`}},
		{"lambda", "websocket:\n  routes:\n    go:\n      integration: {integrationType: AWS_PROXY}\n",
			[]string{`sfapi.yaml:5:38: websocket.routes.go.integration.integrationType AWS_PROXY cannot run locally: use AWS (DynamoDB, Step Functions, EventBridge) or MOCK`}},
		{"missing uri", "websocket:\n  routes:\n    go:\n      integration: {integrationType: AWS}\n",
			[]string{`sfapi.yaml:5:20: missing required field "integrationUri" in websocket.routes.go.integration (an AWS integration needs the action ARN)`}},
		{"bad uri", "websocket:\n  routes:\n    go:\n      integration: {integrationType: AWS, integrationUri: 'arn:aws:lambda:x'}\n",
			[]string{`sfapi.yaml:5:59: websocket.routes.go.integration.integrationUri "arn:aws:lambda:x" must be an action ARN such as arn:aws:apigateway:us-east-1:dynamodb:action/PutItem`}},
		{"route response on connect", "websocket:\n  routes:\n    $connect:\n      routeResponseSelectionExpression: $default\n      integration: {integrationType: MOCK}\n",
			[]string{`sfapi.yaml:5:41: websocket.routes.$connect.routeResponseSelectionExpression: $connect cannot answer the client (route responses are for message routes)`}},
		{"unknown reference", "websocket:\n  routes:\n    go:\n      integration:\n        integrationType: MOCK\n        requestTemplates: {$default: '${Nope}'}\n",
			[]string{`sfapi.yaml:7:38: websocket.routes.go.integration.requestTemplates.$default: unknown reference "Nope": not a variable, a logical ID or a supported AWS:: pseudo parameter`}},
		{"bad response key", "websocket:\n  routes:\n    go:\n      integration:\n        integrationType: MOCK\n        integrationResponses: [{integrationResponseKey: '2xx'}]\n",
			[]string{`sfapi.yaml:7:57: websocket.routes.go.integration.integrationResponses[0].integrationResponseKey "2xx" must be $default or a /regex/ matched against the status code`}},
		{"bad template selection", "websocket:\n  routes:\n    go:\n      integration: {integrationType: MOCK, templateSelectionExpression: $request.path.x}\n",
			[]string{`sfapi.yaml:5:73: websocket.routes.go.integration.templateSelectionExpression "$request.path.x": a $request reference must be $request.body.X, $request.header.X or $request.querystring.X`}},
		{"timeout", "websocket:\n  routes:\n    go:\n      integration: {integrationType: MOCK, timeoutInMillis: 30000}\n",
			[]string{`sfapi.yaml:5:61: websocket.routes.go.integration.timeoutInMillis must be between 50 and 29000, got 30000`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := Load(writeProject(t, map[string]string{"sfapi.yaml": "name: x\n" + tt.yaml}))
			var list ErrorList
			if !errors.As(err, &list) {
				t.Fatalf("Load error = %v, want an ErrorList", err)
			}
			var got []string
			for _, e := range list {
				got = append(got, e.Error())
			}
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Fatalf("errors:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
		})
	}
}

// FuzzLoadWebSocket loads manifests with a websocket section: never a
// panic, and every error is positioned.
func FuzzLoadWebSocket(f *testing.F) {
	f.Add(wsManifest)
	f.Add("name: x\nwebsocket:\n  routes:\n    go:\n      integration: {integrationType: MOCK, templateSelectionExpression: $request.path.x}\n")
	f.Add("name: x\nwebsocket:\n  routes:\n    go:\n      integration:\n        integrationType: MOCK\n        requestTemplates: {$default: '${Nope}'}\n")
	f.Add("name: x\nwebsocket:\n  routes:\n    go:\n      integration:\n        integrationType: MOCK\n        integrationResponses: [{integrationResponseKey: '/(/'}]\n")
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, manifest string) {
		_, err := load(dir, []byte(manifest))
		var list ErrorList
		if err != nil && errors.As(err, &list) {
			for _, e := range list {
				if e.File == "" {
					t.Fatalf("error without a file: %v", e)
				}
			}
		}
	})
}
