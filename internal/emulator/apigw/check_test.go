package apigw

import (
	"bytes"
	"encoding/json"
	"regexp"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
)

const brokenDoc = `openapi: 3.0.1
info: {title: broken, version: "1"}
paths:
  /items/{id}:
    put:
      x-amazon-apigateway-integration:
        type: aws
        httpMethod: POST
        uri: arn:aws:apigateway:us-east-1:dynamodb:action/PutItem
        requestTemplates:
          application/json: |
            {
              "TableName": "items",
              "Itme": {"pk": {"S": "$input.params('id')"}}
            }
        responses:
          default:
            statusCode: "200"
            responseTemplates:
              application/json: |
                {"id": "$context.requestID",
                 "agent": "$context.identity.userAgnet"}
  /render:
    post:
      x-amazon-apigateway-integration:
        type: aws
        httpMethod: POST
        uri: arn:aws:apigateway:us-east-1:dynamodb:action/GetItem
        requestTemplates:
          application/json:
            Fn::Sub:
              - |
                {
                  "TableName": "${T}",
                  "Key": {"pk": {"S": "$util.urlDecode('%zz')"}},
                  "x": "$util.toJson($input.body)"
                }
              - T: items
        responses:
          default: {statusCode: "200"}
  /json:
    post:
      x-amazon-apigateway-integration:
        type: aws
        httpMethod: POST
        uri: arn:aws:apigateway:us-east-1:states:action/StartExecution
        requestTemplates:
          application/json: '{"stateMachineArn": "arn", "input": "$input.json(''$'')"'
        responses:
          default: {statusCode: "200"}
  /action:
    post:
      x-amazon-apigateway-integration:
        type: aws
        httpMethod: POST
        uri: arn:aws:apigateway:us-east-1:dynamodb:action/PutItems
        responses:
          default: {statusCode: "200"}
  /queue:
    post:
      x-amazon-apigateway-integration:
        type: aws
        httpMethod: POST
        uri: arn:aws:apigateway:us-east-1:sqs:action/SendMesage
        responses:
          default: {statusCode: "200"}
  /key:
    delete:
      x-amazon-apigateway-integration:
        type: aws
        httpMethod: POST
        uri: arn:aws:apigateway:us-east-1:dynamodb:action/DeleteItem
        requestTemplates:
          application/json: |
            {"TableName": "items", "Key": {"pk": {"Q": "x"}}}
        responses:
          default: {statusCode: "200"}
`

func TestCheckReportsTemplateProblems(t *testing.T) {
	t.Parallel()
	doc, lines := cfnYAML(t, brokenDoc, map[string]string{"T": "items"})
	got := Check(Options{Doc: doc, File: "openapi.yaml", Lines: lines, Source: []byte(brokenDoc)})
	want := []struct {
		line    int
		warning bool
		re      string
	}{
		{12, false, `PUT /items/\{id\} requestTemplates\[application/json\]: dynamodb:PutItem request has no Item`},
		{21, false, `unknown \$context member "requestID"`},
		{22, false, `unknown \$context.identity member "userAgnet"`},
		{35, false, `POST /render requestTemplates\[application/json\]: line 3, column \d+: .*%zz`},
		{36, false, `unknown \$util member "toJson"`},
		{48, false, `POST /json requestTemplates\[application/json\]: output is not a JSON object`},
		{56, false, `POST /action: dynamodb has no action "PutItems"`},
		{64, false, `POST /queue: sqs has no action "SendMesage"`},
		{75, false, `DELETE /key requestTemplates\[application/json\]: Key is not a DynamoDB item`},
	}
	var text []string
	for _, p := range got {
		text = append(text, p.String())
	}
	if len(got) != len(want) {
		t.Fatalf("got %d problems, want %d:\n%s", len(got), len(want), strings.Join(text, "\n"))
	}
	for i, w := range want {
		p := got[i]
		if p.Line != w.line || p.Warning != w.warning || !regexp.MustCompile(w.re).MatchString(p.Message) || p.File != "openapi.yaml" {
			t.Errorf("problem %d = %+v\nwant line %d warning %v matching %s", i, p, w.line, w.warning, w.re)
		}
	}
	if s := got[0].String(); !strings.HasPrefix(s, "openapi.yaml:12: ") {
		t.Errorf("String() = %q", s)
	}
}

func TestCheckGophersIsClean(t *testing.T) {
	t.Parallel()
	src := loadGophers(t)
	doc, lines := cfnYAML(t, src, gopherVars)
	if got := Check(Options{Doc: doc, File: "openapi.yaml", Lines: lines, Source: []byte(src)}); len(got) != 0 {
		t.Fatalf("gophers has problems: %v", got)
	}
}

func TestCheckUnreadableDocument(t *testing.T) {
	t.Parallel()
	got := Check(Options{Doc: []byte(`{"openapi": "3.0.1", "paths": [}`), File: "api.json"})
	if len(got) != 1 || got[0].Warning || !strings.Contains(got[0].String(), "api.json: ") {
		t.Fatalf("got %v", got)
	}
}

func TestSampleBodyMatchesSchema(t *testing.T) {
	t.Parallel()
	min := 3.0
	tests := []struct {
		name   string
		schema *openapi3.Schema
	}{
		{"pattern", &openapi3.Schema{Type: &openapi3.Types{"object"}, Required: []string{"name"}, Properties: openapi3.Schemas{
			"name": {Value: &openapi3.Schema{Type: &openapi3.Types{"string"}, Pattern: `^[A-Za-z0-9][A-Za-z0-9 _.-]{0,63}$`}},
		}}},
		{"enum and numbers", &openapi3.Schema{Type: &openapi3.Types{"object"}, Required: []string{"kind", "n", "tags", "ok"}, Properties: openapi3.Schemas{
			"kind": {Value: &openapi3.Schema{Type: &openapi3.Types{"string"}, Enum: []any{"big", "small"}}},
			"n":    {Value: &openapi3.Schema{Type: &openapi3.Types{"integer"}, Min: &min}},
			"tags": {Value: &openapi3.Schema{Type: &openapi3.Types{"array"}, MinItems: 2, Items: &openapi3.SchemaRef{Value: &openapi3.Schema{Type: &openapi3.Types{"string"}, MinLength: 12}}}},
			"ok":   {Value: &openapi3.Schema{Type: &openapi3.Types{"boolean"}}},
		}}},
		{"formats", &openapi3.Schema{Type: &openapi3.Types{"object"}, Required: []string{"at", "id"}, Properties: openapi3.Schemas{
			"at": {Value: &openapi3.Schema{Type: &openapi3.Types{"string"}, Format: "date-time"}},
			"id": {Value: &openapi3.Schema{Type: &openapi3.Types{"string"}, Pattern: `^[a-f0-9]{8}-x(y|z)+$`}},
		}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			op := &operation{bodySchemas: map[string]*openapi3.Schema{"application/json": tt.schema}}
			body := sampleBody(op, "application/json")
			var v any
			if err := jsonUnmarshalNumber(body, &v); err != nil {
				t.Fatal(err)
			}
			if err := tt.schema.VisitJSON(toKinJSON(v)); err != nil {
				t.Fatalf("sample %s does not match its schema: %v", body, err)
			}
		})
	}
}

func TestSamplePattern(t *testing.T) {
	t.Parallel()
	tests := []struct {
		pattern string
		ok      bool
	}{
		{`^abc$`, true},
		{`^[A-Z]{3}-\d{2,4}$`, true},
		{`^(foo|bar)+baz?$`, true},
		{`.*`, true},
		{`^\p{Greek}+$`, true},
		{`(`, false},
		{`^a$b`, false}, // cannot match anything
	}
	for _, tt := range tests {
		got, ok := samplePattern(tt.pattern)
		if ok != tt.ok {
			t.Errorf("samplePattern(%q) = %q, %v; want ok %v", tt.pattern, got, ok, tt.ok)
			continue
		}
		if ok && !regexp.MustCompile(tt.pattern).MatchString(got) {
			t.Errorf("samplePattern(%q) = %q does not match", tt.pattern, got)
		}
	}
}

func FuzzSamplePattern(f *testing.F) {
	for _, s := range []string{`^abc$`, `^[A-Z]{3}-\d{2,4}$`, `^(foo|bar)+baz?$`, `.*`, `(`, `^a$b`, `x{1000}{1000}`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, pattern string) {
		got, ok := samplePattern(pattern)
		if ok && !regexp.MustCompile(pattern).MatchString(got) {
			t.Fatalf("samplePattern(%q) = %q does not match", pattern, got)
		}
	})
}

func jsonUnmarshalNumber(b []byte, v *any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	return dec.Decode(v)
}
