package apigw

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

const testDoc = `
openapi: 3.0.1
info: {title: test, version: "1"}
x-amazon-apigateway-request-validators:
  all: {validateRequestBody: true, validateRequestParameters: true}
  params-only: {validateRequestBody: false, validateRequestParameters: true}
x-amazon-apigateway-request-validator: all
paths:
  /items:
    post:
      parameters:
        - {name: tenant, in: header, required: true, schema: {type: string}}
        - {name: mode, in: query, required: true, schema: {type: string}}
      requestBody:
        content:
          application/json:
            schema: {type: object, required: [name], properties: {name: {type: string}}}
      responses: {"201": {description: ok}, "409": {description: c}, "500": {description: e}}
      x-amazon-apigateway-integration:
        type: aws
        httpMethod: POST
        uri: arn:aws:apigateway:us-east-1:dynamodb:action/PutItem
        passthroughBehavior: WHEN_NO_TEMPLATES
        requestTemplates:
          application/json: |
            {"TableName": "items", "name": "$input.path('$.name')", "mode": "$input.params('mode')"}
          text/plain: |
            {"raw": "$util.escapeJavaScript($input.body)"}
        responses:
          default:
            statusCode: "201"
            responseParameters:
              method.response.header.X-Static: "'fixed'"
              method.response.header.X-Req: context.requestId
              method.response.header.X-Body: integration.response.body.Attributes.name.S
            responseTemplates:
              application/json: |
                {"ok": true, "name": "$input.path('$.Attributes.name.S')"}
              application/xml: <ok/>
          "400":
            statusCode: "409"
            responseTemplates:
              application/json: |
                {"conflict": "$input.path('$.__type')"}
          "5\\d{2}":
            statusCode: "500"
  /loose:
    post:
      x-amazon-apigateway-integration:
        type: aws
        httpMethod: POST
        uri: arn:aws:apigateway:us-east-1:events:action/PutEvents
        requestTemplates:
          application/json: |
            {"templated": true}
        responses:
          default: {statusCode: "200"}
  /items/{id}:
    get:
      x-amazon-apigateway-request-validator: params-only
      responses: {"200": {description: ok}, "404": {description: nope}}
      x-amazon-apigateway-integration:
        type: mock
        requestTemplates:
          application/json: |
            #if($input.params('id') == "missing"){"statusCode": 404}#else{"statusCode": 200}#end
        responses:
          default:
            statusCode: "200"
            responseTemplates:
              application/json: |
                {"id": "$input.params('id')", "route": "item"}
          "404":
            statusCode: "404"
            responseTemplates:
              application/json: |
                {"message": "no such item"}
  /items/special:
    get:
      x-amazon-apigateway-integration:
        type: mock
        requestTemplates: {application/json: '{"statusCode": 200}'}
        responses:
          default: {statusCode: "200", responseTemplates: {application/json: '{"route": "special"}'}}
  /files/{proxy+}:
    x-amazon-apigateway-any-method:
      x-amazon-apigateway-integration:
        type: mock
        requestTemplates: {application/json: '{"statusCode": 200}'}
        responses:
          default:
            statusCode: "200"
            responseTemplates:
              application/json: |
                {"proxy": "$input.params('proxy')", "method": "$context.httpMethod", "route": "files-any"}
    get:
      x-amazon-apigateway-integration:
        type: mock
        requestTemplates: {application/json: '{"statusCode": 200}'}
        responses:
          default:
            statusCode: "200"
            responseTemplates:
              application/json: |
                {"proxy": "$input.params('proxy')", "route": "files-get"}
  /ctx:
    get:
      x-amazon-apigateway-integration:
        type: mock
        requestTemplates: {application/json: '{"statusCode": 200}'}
        responses:
          default:
            statusCode: "200"
            responseTemplates:
              application/json: |
                {"requestId": "$context.requestId", "extendedRequestId": "$context.extendedRequestId",
                 "requestTime": "$context.requestTime", "requestTimeEpoch": $context.requestTimeEpoch,
                 "httpMethod": "$context.httpMethod", "resourcePath": "$context.resourcePath",
                 "resourceId": "$context.resourceId", "path": "$context.path", "stage": "$context.stage",
                 "domainName": "$context.domainName", "apiId": "$context.apiId", "accountId": "$context.accountId",
                 "sourceIp": "$context.identity.sourceIp", "userAgent": "$context.identity.userAgent",
                 "protocol": "$context.protocol"}
  /override:
    get:
      x-amazon-apigateway-integration:
        type: mock
        requestTemplates: {application/json: '{"statusCode": 200}'}
        responses:
          default:
            statusCode: "200"
            responseTemplates:
              application/json: |
                #set($context.responseOverride.status = 418)
                #set($context.responseOverride.header.X-Teapot = "short and stout")
                {"teapot": true}
  /never:
    post:
      x-amazon-apigateway-integration:
        type: mock
        passthroughBehavior: NEVER
        requestTemplates: {application/json: '{"statusCode": 200}'}
        responses:
          default: {statusCode: "200", responseTemplates: {application/json: '{"ok": true}'}}
  /lambda:
    post:
      x-amazon-apigateway-integration:
        type: aws_proxy
        httpMethod: POST
        uri: arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:f/invocations
  /slow:
    get:
      x-amazon-apigateway-integration:
        type: aws
        httpMethod: POST
        uri: arn:aws:apigateway:us-east-1:states:action/StartExecution
        timeoutInMillis: 50
        responses:
          default: {statusCode: "200"}
  /backend/{id}:
    get:
      parameters:
        - {name: id, in: path, required: true, schema: {type: string}}
      x-amazon-apigateway-integration:
        type: http
        httpMethod: GET
        uri: {"Fn::Sub": "${Backend}/things/{id}"}
        requestParameters:
          integration.request.path.id: method.request.path.id
          integration.request.querystring.q: method.request.querystring.search
          integration.request.header.X-Api-Key: "'secret'"
        responses:
          default:
            statusCode: "200"
            responseParameters:
              method.response.header.X-Up: integration.response.header.X-Up
            responseTemplates:
              application/json: |
                {"wrapped": $input.json('$')}
          "404": {statusCode: "404"}
  /proxy/{proxy+}:
    x-amazon-apigateway-any-method:
      parameters:
        - {name: proxy, in: path, required: true, schema: {type: string}}
      x-amazon-apigateway-integration:
        type: http_proxy
        httpMethod: ANY
        uri: {"Fn::Sub": "${Backend}/up/{proxy}"}
        requestParameters:
          integration.request.path.proxy: method.request.path.proxy
`

func newFeatureAPI(t *testing.T, integ Integrations, backend string) *API {
	t.Helper()
	if backend == "" {
		backend = "http://127.0.0.1:1"
	}
	return newTestAPI(t, testDoc, map[string]string{"Backend": backend}, integ)
}

func TestRouting(t *testing.T) {
	t.Parallel()
	a := newFeatureAPI(t, &fakeIntegrations{}, "")
	tests := []struct {
		name, method, path string
		wantStatus         int
		wantRoute          string
		want               map[string]any
	}{
		{"param", "GET", "/items/abc", 200, "item", map[string]any{"id": "abc"}},
		{"escaped param", "GET", "/items/a%20b", 200, "item", map[string]any{"id": "a b"}},
		{"static beats param", "GET", "/items/special", 200, "special", nil},
		{"stage prefix", "GET", "/dev/items/special", 200, "special", nil},
		{"trailing slash", "GET", "/items/abc/", 200, "item", nil},
		{"greedy specific method", "GET", "/files/a/b/c.txt", 200, "files-get", map[string]any{"proxy": "a/b/c.txt"}},
		{"greedy ANY", "DELETE", "/files/a/b", 200, "files-any", map[string]any{"proxy": "a/b", "method": "DELETE"}},
		{"greedy needs a segment", "GET", "/files", 403, "", nil},
		{"unknown path", "GET", "/nope", 403, "", nil},
		{"root", "GET", "/", 403, "", nil},
		{"wrong method", "DELETE", "/items/abc", 403, "", nil},
		{"stage only", "GET", "/dev", 403, "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := do(t, a, tt.method, tt.path, "", "")
			if tt.wantStatus == 403 {
				wantGatewayError(t, got, 403, "Missing Authentication Token")
				if got.header.Get("x-amzn-ErrorType") != "MissingAuthenticationTokenException" {
					t.Fatalf("x-amzn-ErrorType = %q", got.header.Get("x-amzn-ErrorType"))
				}
				return
			}
			if got.status != tt.wantStatus {
				t.Fatalf("status = %d, want %d: %s", got.status, tt.wantStatus, got.body)
			}
			m := wantJSON(t, got.body)
			if m["route"] != tt.wantRoute {
				t.Fatalf("route = %v, want %s", m["route"], tt.wantRoute)
			}
			for k, v := range tt.want {
				if m[k] != v {
					t.Fatalf("%s = %v, want %v", k, m[k], v)
				}
			}
		})
	}
}

func TestValidationNeverCallsIntegration(t *testing.T) {
	t.Parallel()
	f := &fakeIntegrations{}
	a := newFeatureAPI(t, f, "")
	tests := []struct {
		name, target, ctype, body string
		hdr                       []string
		wantMsg                   string
	}{
		{"missing header and query", "/items", "application/json", `{"name":"x"}`, nil, "Missing required request parameters: [tenant, mode]"},
		{"blank header", "/items?mode=a", "application/json", `{"name":"x"}`, []string{"Tenant", " "}, "Missing required request parameters: [tenant]"},
		{"schema", "/items?mode=a", "application/json", `{"nom":"x"}`, []string{"Tenant", "t"}, "Invalid request body"},
		{"not json", "/items?mode=a", "application/json", `{"name":`, []string{"Tenant", "t"}, "Invalid request body"},
		{"trailing data", "/items?mode=a", "application/json", `{"name":"x"} {}`, []string{"Tenant", "t"}, "Invalid request body"},
		{"empty body, json default", "/items?mode=a", "", "", []string{"Tenant", "t"}, "Invalid request body"},
		{"wrong type", "/items?mode=a", "application/json; charset=utf-8", `{"name":1}`, []string{"Tenant", "t"}, "Invalid request body"},
	}
	for _, tt := range tests {
		got := do(t, a, "POST", tt.target, tt.ctype, tt.body, tt.hdr...)
		wantGatewayError(t, got, 400, tt.wantMsg)
		if got.header.Get("x-amzn-ErrorType") != "BadRequestException" {
			t.Fatalf("%s: x-amzn-ErrorType = %q", tt.name, got.header.Get("x-amzn-ErrorType"))
		}
	}
	if n := len(f.Calls()); n != 0 {
		t.Fatalf("integration called %d times on invalid requests", n)
	}
	// A content type without a model is not validated (API Gateway behaviour).
	got := do(t, a, "POST", "/items?mode=a", "text/plain", "hello \"there\"", "Tenant", "t")
	if got.status != 201 {
		t.Fatalf("text/plain: status %d: %s", got.status, got.body)
	}
	calls := f.Calls()
	if len(calls) != 1 || !json.Valid(calls[0].body) || !strings.Contains(string(calls[0].body), `hello \"there\"`) {
		t.Fatalf("text/plain template not used: %+v", calls)
	}
}

func TestAWSIntegrationMapping(t *testing.T) {
	t.Parallel()
	f := &fakeIntegrations{InvokeFunc: func(_ context.Context, service, action string, body []byte) (int, []byte, error) {
		var in map[string]string
		if err := json.Unmarshal(body, &in); err != nil {
			return 500, nil, err
		}
		switch in["name"] {
		case "dup":
			return 400, []byte(`{"__type":"com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException","message":"failed"}`), nil
		case "boom":
			return 503, []byte(`{"__type":"ServiceUnavailable"}`), nil
		case "err":
			return 0, nil, errors.New("connection refused")
		}
		return 200, []byte(`{"Attributes":{"name":{"S":"` + in["name"] + `"}}}`), nil
	}}
	a := newFeatureAPI(t, f, "")
	post := func(name string, hdr ...string) result {
		return do(t, a, "POST", "/items?mode=fast", "application/json", `{"name":"`+name+`"}`, append([]string{"Tenant", "t1"}, hdr...)...)
	}

	got := post("gopher")
	if got.status != 201 {
		t.Fatalf("status %d: %s", got.status, got.body)
	}
	calls := f.Calls()
	if len(calls) != 1 || calls[0].service != "dynamodb" || calls[0].action != "PutItem" {
		t.Fatalf("calls = %+v", calls)
	}
	var sent map[string]string
	if err := json.Unmarshal(calls[0].body, &sent); err != nil || sent["name"] != "gopher" || sent["mode"] != "fast" || sent["TableName"] != "items" {
		t.Fatalf("integration body = %s (%v)", calls[0].body, err)
	}
	if m := wantJSON(t, got.body); m["ok"] != true || m["name"] != "gopher" {
		t.Fatalf("body = %s", got.body)
	}
	if got.header.Get("X-Static") != "fixed" || got.header.Get("X-Body") != "gopher" || got.header.Get("X-Req") != got.header.Get("x-amzn-RequestId") {
		t.Fatalf("responseParameters not applied: %v", got.header)
	}
	if got.header.Get("Content-Type") != "application/json" {
		t.Fatalf("Content-Type = %q", got.header.Get("Content-Type"))
	}

	// Accept picks the response template.
	got = post("gopher", "Accept", "application/xml")
	if got.body != "<ok/>" || got.header.Get("Content-Type") != "application/xml" {
		t.Fatalf("Accept xml: %q %q", got.body, got.header.Get("Content-Type"))
	}
	// Selection patterns: 400 → 409 with template; 503 → "5\d{2}" → 500, body passed through.
	got = post("dup")
	if got.status != 409 || wantJSON(t, got.body)["conflict"] != "com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException" {
		t.Fatalf("dup: %d %s", got.status, got.body)
	}
	got = post("boom")
	if got.status != 500 || got.body != `{"__type":"ServiceUnavailable"}` {
		t.Fatalf("boom: %d %s", got.status, got.body)
	}
	// Invoke error → 500 Internal server error.
	wantGatewayError(t, post("err"), 500, "Internal server error")
}

func TestPassthroughBehavior(t *testing.T) {
	t.Parallel()
	f := &fakeIntegrations{}
	a := newFeatureAPI(t, f, "")
	// WHEN_NO_TEMPLATES with templates defined: an unmapped type is 415.
	got := do(t, a, "POST", "/items?mode=a", "application/xml", "<a/>", "Tenant", "t")
	wantGatewayError(t, got, 415, "Unsupported Media Type")
	// NEVER: unmapped type is 415, mapped one runs.
	wantGatewayError(t, do(t, a, "POST", "/never", "text/plain", "x"), 415, "Unsupported Media Type")
	if got := do(t, a, "POST", "/never", "", ""); got.status != 200 {
		t.Fatalf("NEVER with default content type: %d %s", got.status, got.body)
	}
	if n := len(f.Calls()); n != 0 {
		t.Fatalf("integration called %d times", n)
	}
	// WHEN_NO_MATCH (default): the body passes through unchanged.
	if got := do(t, a, "POST", "/loose", "application/xml", "<raw/>"); got.status != 200 {
		t.Fatalf("WHEN_NO_MATCH: %d %s", got.status, got.body)
	}
	if got := do(t, a, "POST", "/loose", "application/json", `{"x":1}`); got.status != 200 {
		t.Fatalf("WHEN_NO_MATCH json: %d %s", got.status, got.body)
	}
	calls := f.Calls()
	if len(calls) != 2 || string(calls[0].body) != "<raw/>" || !strings.Contains(string(calls[1].body), `"templated": true`) {
		t.Fatalf("calls = %+v", calls)
	}
	if calls[0].service != "events" || calls[0].action != "PutEvents" {
		t.Fatalf("target = %s:%s", calls[0].service, calls[0].action)
	}
}

func TestContextVariables(t *testing.T) {
	t.Parallel()
	a := newFeatureAPI(t, nil, "")
	r := httptest.NewRequest("GET", "/dev/ctx", nil)
	r.Header.Set("User-Agent", "curl/8")
	r.RemoteAddr = "192.0.2.7:5555"
	r.Host = "localhost:4566"
	w := httptest.NewRecorder()
	a.ServeHTTP(w, r)
	if w.Code != 200 {
		t.Fatalf("status %d: %s", w.Code, w.Body)
	}
	m := wantJSON(t, w.Body.String())
	want := map[string]any{
		"requestId":        w.Header().Get("x-amzn-RequestId"),
		"requestTime":      "07/Mar/2026:09:05:04 +0000",
		"requestTimeEpoch": float64(fixedNow.UnixMilli()),
		"httpMethod":       "GET",
		"resourcePath":     "/ctx",
		"path":             "/dev/ctx",
		"stage":            "dev",
		"domainName":       "localhost:4566",
		"accountId":        "123456789012",
		"sourceIp":         "192.0.2.7",
		"userAgent":        "curl/8",
		"protocol":         "HTTP/1.1",
	}
	for k, v := range want {
		if m[k] != v {
			t.Errorf("%s = %v, want %v", k, m[k], v)
		}
	}
	if m["requestId"] != "req-1" {
		t.Errorf("requestId = %v", m["requestId"])
	}
	for _, k := range []string{"extendedRequestId", "resourceId", "apiId"} {
		if s, _ := m[k].(string); s == "" {
			t.Errorf("%s is empty", k)
		}
	}
	if m["extendedRequestId"] != w.Header().Get("x-amz-apigw-id") {
		t.Errorf("extendedRequestId %v != x-amz-apigw-id %q", m["extendedRequestId"], w.Header().Get("x-amz-apigw-id"))
	}
	// Without the stage prefix, $context.path still carries the stage.
	if got := wantJSON(t, do(t, a, "GET", "/ctx", "", "").body); got["path"] != "/dev/ctx" {
		t.Errorf("path without prefix = %v", got["path"])
	}
}

func TestMockAndResponseOverride(t *testing.T) {
	t.Parallel()
	a := newFeatureAPI(t, nil, "")
	got := do(t, a, "GET", "/items/missing", "", "")
	if got.status != 404 || wantJSON(t, got.body)["message"] != "no such item" {
		t.Fatalf("mock 404: %d %s", got.status, got.body)
	}
	got = do(t, a, "GET", "/override", "", "")
	if got.status != 418 || got.header.Get("X-Teapot") != "short and stout" || wantJSON(t, got.body)["teapot"] != true {
		t.Fatalf("override: %d %v %s", got.status, got.header, got.body)
	}
}

func TestAWSProxyAnswers502(t *testing.T) {
	t.Parallel()
	a := newFeatureAPI(t, nil, "")
	wantGatewayError(t, do(t, a, "POST", "/lambda", "application/json", `{}`), 502, "Internal server error")
	found := false
	for _, w := range a.Warnings() {
		if strings.Contains(w, "POST /lambda") && strings.Contains(w, "aws_proxy") && strings.HasPrefix(w, "openapi.yaml:") {
			found = true
		}
	}
	if !found {
		t.Fatalf("no aws_proxy warning in %q", a.Warnings())
	}
}

func TestIntegrationTimeout(t *testing.T) {
	t.Parallel()
	f := &fakeIntegrations{InvokeFunc: func(ctx context.Context, _, _ string, _ []byte) (int, []byte, error) {
		<-ctx.Done()
		time.Sleep(10 * time.Millisecond) // an integration that is slow to notice
		return 0, nil, ctx.Err()
	}}
	a := newFeatureAPI(t, f, "")
	wantGatewayError(t, do(t, a, "GET", "/slow", "", ""), 504, "Endpoint request timed out")
}

func TestPayloadLimit(t *testing.T) {
	t.Parallel()
	f := &fakeIntegrations{}
	a := newFeatureAPI(t, f, "")
	big := strings.Repeat("a", MaxPayload+1)
	got := do(t, a, "POST", "/loose", "text/plain", big)
	if got.status != 413 {
		t.Fatalf("status %d", got.status)
	}
	// Unknown length (chunked): still limited.
	r := httptest.NewRequest("POST", "/loose", io.MultiReader(strings.NewReader(big)))
	r.ContentLength = -1
	w := httptest.NewRecorder()
	a.ServeHTTP(w, r)
	if w.Code != 413 || len(f.Calls()) != 0 {
		t.Fatalf("chunked: status %d, calls %d", w.Code, len(f.Calls()))
	}
}

func TestHTTPIntegrations(t *testing.T) {
	t.Parallel()
	type seen struct {
		method, path, query, key, body, fwd string
	}
	seenc := make(chan seen, 10)
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		seenc <- seen{r.Method, r.URL.EscapedPath(), r.URL.RawQuery, r.Header.Get("X-Api-Key"), string(b), r.Header.Get("X-Forward-Me")}
		if strings.HasSuffix(r.URL.Path, "/gone") {
			w.WriteHeader(404)
			return
		}
		w.Header().Set("X-Up", "yes")
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(200)
		_, _ = w.Write([]byte(`{"from":"backend"}`))
	}))
	t.Cleanup(backend.Close)
	a := newFeatureAPI(t, nil, backend.URL)

	got := do(t, a, "GET", "/backend/a%2Fb?search=gophers&other=dropped", "", "")
	if got.status != 200 || got.header.Get("X-Up") != "yes" {
		t.Fatalf("http: %d %v %s", got.status, got.header, got.body)
	}
	var body struct{ Wrapped map[string]string }
	if err := json.Unmarshal([]byte(got.body), &body); err != nil || body.Wrapped["from"] != "backend" {
		t.Fatalf("http body %s: %v", got.body, err)
	}
	s := <-seenc
	if s.method != "GET" || s.path != "/things/a%2Fb" || s.query != "q=gophers" || s.key != "secret" {
		t.Fatalf("backend saw %+v", s)
	}
	if got := do(t, a, "GET", "/backend/gone", "", ""); got.status != 404 {
		t.Fatalf("http 404 mapping: %d", got.status)
	}
	<-seenc

	got = do(t, a, "PUT", "/dev/proxy/x/y?z=1", "text/plain", "verbatim", "X-Forward-Me", "ok")
	if got.status != 200 || got.body != `{"from":"backend"}` || got.header.Get("X-Up") != "yes" {
		t.Fatalf("http_proxy: %d %v %s", got.status, got.header, got.body)
	}
	s = <-seenc
	if s.method != "PUT" || s.path != "/up/x/y" || s.query != "z=1" || s.body != "verbatim" || s.fwd != "ok" {
		t.Fatalf("backend saw %+v", s)
	}
	if got := do(t, a, "GET", "/proxy/gone", "", ""); got.status != 404 {
		t.Fatalf("http_proxy status not verbatim: %d", got.status)
	}
	<-seenc

	// A backend that cannot be reached → 500.
	down := newFeatureAPI(t, nil, "http://127.0.0.1:1")
	wantGatewayError(t, do(t, down, "GET", "/backend/x", "", ""), 500, "Internal server error")
}

func TestRoutesAndRequestID(t *testing.T) {
	t.Parallel()
	a := newFeatureAPI(t, nil, "http://backend")
	routes := a.Routes()
	want := map[string]Route{
		"POST /items":         {Method: "POST", Path: "/items", Type: "aws", Target: "dynamodb:PutItem"},
		"ANY /files/{proxy+}": {Method: "ANY", Path: "/files/{proxy+}", Type: "mock"},
		"GET /backend/{id}":   {Method: "GET", Path: "/backend/{id}", Type: "http", Target: "http://backend/things/{id}"},
		"ANY /proxy/{proxy+}": {Method: "ANY", Path: "/proxy/{proxy+}", Type: "http_proxy", Target: "http://backend/up/{proxy}"},
	}
	n := 0
	for _, r := range routes {
		if w, ok := want[r.Method+" "+r.Path]; ok {
			n++
			if r != w {
				t.Errorf("route %+v, want %+v", r, w)
			}
		}
	}
	if n != len(want) || len(routes) != 13 {
		t.Fatalf("routes = %+v", routes)
	}
	r1 := do(t, a, "GET", "/nope", "", "")
	r2 := do(t, a, "GET", "/nope", "", "")
	if r1.header.Get("x-amzn-RequestId") == r2.header.Get("x-amzn-RequestId") {
		t.Fatalf("request ids repeat")
	}
}

func TestNewReportsProblemsWithLines(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, doc string
		want      []string
	}{
		{"unknown type", `
openapi: 3.0.1
info: {title: t, version: "1"}
paths:
  /a:
    get:
      x-amazon-apigateway-integration:
        type: lambda
        uri: x
`, []string{`openapi.yaml:8: x-amazon-apigateway-integration: unknown type "lambda"`}},
		{"several problems", `
openapi: 3.0.1
info: {title: t, version: "1"}
x-amazon-apigateway-request-validator: missing
paths:
  /a:
    get:
      x-amazon-apigateway-integration:
        type: aws
        httpMethod: POST
        uri: arn:aws:apigateway:us-east-1:dynamodb:action/GetItem
        passthroughBehavior: SOMETIMES
        requestTemplate: {}
        requestTemplates:
          application/json: "#if($x"
        responses:
          "[": {statusCode: "200"}
          default: {statusCode: "2000"}
  /b/{x}/{y+}/c:
    get: {}
`, []string{
			`openapi.yaml:4: x-amazon-apigateway-request-validator: "missing" is not defined`,
			`openapi.yaml:12: x-amazon-apigateway-integration: unknown passthroughBehavior "SOMETIMES"`,
			`openapi.yaml:13: x-amazon-apigateway-integration: unknown field "requestTemplate"`,
			`openapi.yaml:15: GET /a requestTemplates[application/json]:1:`,
			`openapi.yaml:17: responses: selection pattern "["`,
			`openapi.yaml:18: responses[default]: statusCode "2000"`,
			`openapi.yaml:19: path "/b/{x}/{y+}/c": greedy parameter {y+} must be the last segment`,
		}},
		{"unresolved Fn::Sub", `
openapi: 3.0.1
info: {title: t, version: "1"}
paths:
  /a:
    get:
      x-amazon-apigateway-integration:
        type: http
        httpMethod: GET
        uri: {"Fn::Join": ["", ["http://", "x"]]}
`, []string{`openapi.yaml:10: uri: expected a string, got an object {Fn::Join: ...}`}},
		{"not openapi", `
foo: bar
`, []string{`openapi.yaml: not an OpenAPI 3.x or Swagger 2.0 document`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc, lines := cfnYAML(t, tt.doc, nil)
			_, err := New(Options{Doc: doc, File: "openapi.yaml", Lines: lines})
			if err == nil {
				t.Fatal("New succeeded")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error lacks %q:\n%v", w, err)
				}
			}
		})
	}
	if _, err := New(Options{Doc: []byte("{"), File: "x.json"}); err == nil || !strings.HasPrefix(err.Error(), "x.json: ") {
		t.Fatalf("bad JSON: %v", err)
	}
}

func TestSwagger2(t *testing.T) {
	t.Parallel()
	const doc = `
swagger: "2.0"
info: {title: t, version: "1"}
x-amazon-apigateway-request-validators:
  all: {validateRequestBody: true, validateRequestParameters: true}
x-amazon-apigateway-request-validator: all
consumes: [application/json]
paths:
  /pets:
    post:
      parameters:
        - {name: body, in: body, required: true, schema: {type: object, required: [name]}}
      responses: {"200": {description: ok}}
      x-amazon-apigateway-integration:
        type: mock
        requestTemplates: {application/json: '{"statusCode": 200}'}
        responses:
          default: {statusCode: "200", responseTemplates: {application/json: '{"ok": true}'}}
`
	a := newTestAPI(t, doc, nil, nil)
	wantGatewayError(t, do(t, a, "POST", "/pets", "application/json", `{}`), 400, "Invalid request body")
	if got := do(t, a, "POST", "/pets", "application/json", `{"name":"rex"}`); got.status != 200 || got.body != `{"ok": true}` {
		t.Fatalf("swagger 2: %d %s", got.status, got.body)
	}
}

func TestIntegrationPanicIs500(t *testing.T) {
	t.Parallel()
	f := &fakeIntegrations{InvokeFunc: func(context.Context, string, string, []byte) (int, []byte, error) {
		panic("boom")
	}}
	a := newFeatureAPI(t, f, "")
	wantGatewayError(t, do(t, a, "POST", "/loose", "application/json", `{}`), 500, "Internal server error")
	// The API keeps serving.
	if got := do(t, a, "GET", "/items/special", "", ""); got.status != 200 {
		t.Fatalf("after panic: %d", got.status)
	}
}

func TestWarnings(t *testing.T) {
	t.Parallel()
	const doc = `
openapi: 3.0.1
info: {title: t, version: "1"}
security: [{key: []}]
paths:
  /a:
    get:
      responses: {"200": {description: ok}}
      x-amazon-apigateway-integration:
        type: mock
        responses:
          default: {statusCode: "200"}
          "4\\d{2}": {statusCode: "500"}
  /s3:
    get:
      security: []
      x-amazon-apigateway-integration:
        type: aws
        httpMethod: GET
        uri: arn:aws:apigateway:us-east-1:s3:path/bucket/key
  /none:
    get:
      security: []
`
	a := newTestAPI(t, doc, nil, nil)
	want := []string{
		`openapi.yaml:7: GET /a: security requirements other than API keys`,
		`openapi.yaml:13: GET /a: integration response "4\\d{2}" maps to status 500, which the operation's responses do not declare`,
		`openapi.yaml:20: GET /s3: aws integration uses the path form`,
		`openapi.yaml:22: GET /none: no x-amazon-apigateway-integration`,
	}
	got := a.Warnings()
	if len(got) != len(want) {
		t.Fatalf("warnings = %q", got)
	}
	for i := range want {
		if !strings.HasPrefix(got[i], want[i]) {
			t.Errorf("warning %d = %q, want prefix %q", i, got[i], want[i])
		}
	}
	wantGatewayError(t, do(t, a, "GET", "/s3", "", ""), 500, "Internal server error")
	wantGatewayError(t, do(t, a, "GET", "/none", "", ""), 500, "Internal server error")
}

func TestGatewayResponses(t *testing.T) {
	t.Parallel()
	const doc = `
openapi: 3.0.1
info: {title: t, version: "1"}
x-amazon-apigateway-gateway-responses:
  MISSING_AUTHENTICATION_TOKEN:
    statusCode: "404"
    responseParameters:
      gatewayresponse.header.Access-Control-Allow-Origin: "'*'"
    responseTemplates:
      application/json: '{"error": $context.error.messageString, "type": "$context.error.responseType", "id": "$context.requestId"}'
  DEFAULT_4XX:
    responseParameters:
      gatewayresponse.header.X-From: method.request.header.X-Client
paths:
  /a:
    post:
      x-amazon-apigateway-integration:
        type: mock
        passthroughBehavior: NEVER
        requestTemplates: {application/json: '{"statusCode": 200}'}
        responses:
          default: {statusCode: "200"}
`
	a := newTestAPI(t, doc, nil, nil)
	got := do(t, a, "GET", "/nope", "", "")
	if got.status != 404 || got.header.Get("Access-Control-Allow-Origin") != "*" {
		t.Fatalf("custom 403: %d %v", got.status, got.header)
	}
	m := wantJSON(t, got.body)
	if m["error"] != "Missing Authentication Token" || m["type"] != "MISSING_AUTHENTICATION_TOKEN" || m["id"] != got.header.Get("x-amzn-RequestId") {
		t.Fatalf("custom body %s", got.body)
	}
	got = do(t, a, "POST", "/a", "text/plain", "x", "X-Client", "cli")
	if got.status != 415 || got.header.Get("X-From") != "cli" || wantJSON(t, got.body)["message"] != "Unsupported Media Type" {
		t.Fatalf("DEFAULT_4XX: %d %v %s", got.status, got.header, got.body)
	}

	bad := `
openapi: 3.0.1
info: {title: t, version: "1"}
x-amazon-apigateway-gateway-responses:
  NOT_A_TYPE: {statusCode: "404"}
paths: {}
`
	d, lines := cfnYAML(t, bad, nil)
	if _, err := New(Options{Doc: d, File: "openapi.yaml", Lines: lines}); err == nil || !strings.Contains(err.Error(), `openapi.yaml:5: x-amazon-apigateway-gateway-responses: unknown gateway response type "NOT_A_TYPE"`) {
		t.Fatalf("bad type: %v", err)
	}
}
