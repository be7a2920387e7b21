package project

import (
	"errors"
	"strings"
	"testing"
)

func subProject(t *testing.T) *Project {
	t.Helper()
	return mustLoad(t, "testdata/full")
}

func TestSub(t *testing.T) {
	t.Parallel()
	p := subProject(t)
	vtl := `#set($inputRoot = $input.path('$'))
{"id": "$context.requestId", "name": "$util.escapeJavaScript($input.path('$.name'))", "cost": $ 5, "lone": "$"}`
	tests := []struct {
		tmpl, want, err string
	}{
		{tmpl: "plain text", want: "plain text"},
		{tmpl: "", want: ""},
		{tmpl: vtl, want: vtl},
		{tmpl: "arn:aws:apigateway:${AWS::Region}:dynamodb:action/PutItem", want: "arn:aws:apigateway:eu-west-1:dynamodb:action/PutItem"},
		{tmpl: "${AWS::AccountId}/${AWS::Partition}/${AWS::StackName}/${AWS::URLSuffix}", want: "123456789012/aws/shop-prod/amazonaws.com"},
		{tmpl: "${ServiceName}-${Orders}", want: "shop-shop-orders"},
		{tmpl: "${Orders.Arn}", want: "arn:aws:dynamodb:eu-west-1:123456789012:table/shop-orders"},
		{tmpl: "${Orders.StreamArn}", want: "arn:aws:dynamodb:eu-west-1:123456789012:table/shop-orders/stream/" + StreamLabel},
		{tmpl: "${Fulfil}|${Fulfil.Arn}|${Notify.Name}", want: "arn:aws:states:eu-west-1:123456789012:stateMachine:Fulfil|arn:aws:states:eu-west-1:123456789012:stateMachine:Fulfil|shop-notify"},
		{tmpl: "${OrderEvents}|${OrderEvents.Arn}", want: "OrderEvents|arn:aws:events:eu-west-1:123456789012:rule/shop-bus/OrderEvents"},
		{tmpl: "${OrdersToBus}|${OrdersToBus.Arn}", want: "OrdersToBus|arn:aws:pipes:eu-west-1:123456789012:pipe/OrdersToBus"},
		{tmpl: "${!Literal} and ${!AWS::Region}", want: "${Literal} and ${AWS::Region}"},
		{tmpl: "unterminated ${Orders", want: "unterminated ${Orders"},
		{tmpl: "$${Orders}$", want: "$shop-orders$"},
		{tmpl: "${Nope}", err: `unknown reference "Nope"`},
		{tmpl: "${}", err: `unknown reference ""`},
		{tmpl: "${Orders.Name}", err: `unknown attribute "Name" of table Orders (known: Arn, StreamArn)`},
		{tmpl: "${Audit.StreamArn}", err: "table Audit has no stream"},
		{tmpl: "${Nope.Arn}", err: `unknown logical ID "Nope"`},
		{tmpl: "${context.requestId}", err: `unknown logical ID "context"`},
	}
	for _, tt := range tests {
		got, err := p.Sub(tt.tmpl)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("Sub(%q) error = %v, want %q", tt.tmpl, err, tt.err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("Sub(%q) = %q, %v; want %q", tt.tmpl, got, err, tt.want)
		}
	}
}

func TestResolve(t *testing.T) {
	t.Parallel()
	p := subProject(t)
	tests := []struct{ ref, want string }{
		{"AWS::Region", "eu-west-1"},
		{"${AWS::Region}", "eu-west-1"},
		{"Orders", "shop-orders"},
		{"Orders.Arn", "arn:aws:dynamodb:eu-west-1:123456789012:table/shop-orders"},
		{"${Notify}", "arn:aws:states:eu-west-1:123456789012:stateMachine:shop-notify"},
		{"Retries", "3"},
	}
	for _, tt := range tests {
		if got, err := p.Resolve(tt.ref); err != nil || got != tt.want {
			t.Errorf("Resolve(%q) = %q, %v; want %q", tt.ref, got, err, tt.want)
		}
	}
	if _, err := p.Resolve("Nope"); err == nil {
		t.Errorf("Resolve(Nope) succeeded")
	}
}

func TestARNs(t *testing.T) {
	t.Parallel()
	p := subProject(t)
	tests := []struct{ got, want string }{
		{p.TableARN("t"), "arn:aws:dynamodb:eu-west-1:123456789012:table/t"},
		{p.StreamARN("t"), "arn:aws:dynamodb:eu-west-1:123456789012:table/t/stream/1970-01-01T00:00:00.000"},
		{p.StateMachineARN("m"), "arn:aws:states:eu-west-1:123456789012:stateMachine:m"},
		{p.EventBusARN("default"), "arn:aws:events:eu-west-1:123456789012:event-bus/default"},
		{ExecutionARN("us-east-1", "000000000000", "m", "e"), "arn:aws:states:us-east-1:000000000000:execution:m:e"},
		{RuleARN("us-east-1", "000000000000", "default", "r"), "arn:aws:events:us-east-1:000000000000:rule/r"},
		{TableARN("cn-north-1", "000000000000", "t"), "arn:aws-cn:dynamodb:cn-north-1:000000000000:table/t"},
		{StateMachineARN("us-gov-west-1", "000000000000", "m"), "arn:aws-us-gov:states:us-gov-west-1:000000000000:stateMachine:m"},
		{URLSuffix("cn-north-1"), "amazonaws.com.cn"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("got %q, want %q", tt.got, tt.want)
		}
	}
}

func TestSubstituteDefinitionPositions(t *testing.T) {
	t.Parallel()
	def := "{\n  \"a\": \"${Long}\",\n  \"b\": ${Num} ,\n  \"c\": \"${x y}\"\n}"
	out, spans, errs := substituteDefinition(def, map[string]string{"Long": "line1\nline2\nline3", "Num": "12"})
	if len(errs) != 0 {
		t.Fatalf("errors: %v", errs)
	}
	want := "{\n  \"a\": \"line1\nline2\nline3\",\n  \"b\": 12 ,\n  \"c\": \"${x y}\"\n}"
	if out != want {
		t.Fatalf("out = %q, want %q", out, want)
	}
	// The space after 12 is at line 3, column 14 of the input.
	off := strings.Index(out, "12 ,") + 2
	if line, col := lineCol(def, spans.toInput(off)); line != 3 || col != 14 {
		t.Fatalf("output offset %d maps to %d:%d, want 3:14", off, line, col)
	}
	// Anything inside a substituted value maps to its ${.
	off = strings.Index(out, "line3")
	if line, col := lineCol(def, spans.toInput(off)); line != 2 || col != 9 {
		t.Fatalf("output offset %d maps to %d:%d, want 2:9", off, line, col)
	}
}

func TestErrorFormat(t *testing.T) {
	t.Parallel()
	tests := []struct {
		e    Error
		want string
	}{
		{Error{File: "a.yaml", Line: 3, Col: 4, Msg: "m"}, "a.yaml:3:4: m"},
		{Error{File: "a.yaml", Line: 3, Msg: "m"}, "a.yaml:3: m"},
		{Error{File: "a.yaml", Msg: "m"}, "a.yaml: m"},
		{Error{Msg: "m"}, "m"},
	}
	for _, tt := range tests {
		if got := tt.e.Error(); got != tt.want {
			t.Errorf("Error() = %q, want %q", got, tt.want)
		}
	}
	var list error = ErrorList{{File: "a", Line: 1, Col: 1, Msg: "x"}, {File: "b", Line: 2, Col: 2, Msg: "y"}}
	if list.Error() != "a:1:1: x\nb:2:2: y" {
		t.Errorf("ErrorList = %q", list.Error())
	}
	var target ErrorList
	if !errors.As(list, &target) || len(target) != 2 {
		t.Errorf("errors.As failed")
	}
}

func TestAliasBomb(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	b.WriteString("openapi: 3.0.1\na0: &a0 [x, x, x, x, x, x, x, x, x, x]\n")
	for i := 1; i < 9; i++ {
		b.WriteString("a" + string(rune('0'+i)) + ": &a" + string(rune('0'+i)) + " [")
		for j := 0; j < 10; j++ {
			if j > 0 {
				b.WriteString(", ")
			}
			b.WriteString("*a" + string(rune('0'+i-1)))
		}
		b.WriteString("]\n")
	}
	dir := writeProject(t, map[string]string{
		"sfapi.yaml": "name: x\napi: {openapi: api.yaml}\n",
		"api.yaml":   b.String(),
	})
	_, err := Load(dir)
	if err == nil || !strings.Contains(err.Error(), "too many aliases") {
		t.Fatalf("Load = %v, want a too many aliases error", err)
	}
}

func TestMergeKeysAndAliases(t *testing.T) {
	t.Parallel()
	dir := writeProject(t, map[string]string{
		"sfapi.yaml": "name: x\napi: {openapi: api.yaml}\n",
		"api.yaml": `base: &base {a: 1, b: 2}
more: &more {c: 3}
x:
  <<: [*base, *more]
  b: 20
y: *more
`,
	})
	p := mustLoad(t, dir)
	doc, _, err := p.OpenAPI()
	if err != nil {
		t.Fatal(err)
	}
	want := `{"base":{"a":1,"b":2},"more":{"c":3},"x":{"a":1,"c":3,"b":20},"y":{"c":3}}`
	if string(doc) != want {
		t.Fatalf("doc = %s, want %s", doc, want)
	}
}
