package apigw

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func newAPIWith(t *testing.T, src string, integ Integrations, keys []string) *API {
	t.Helper()
	doc, lines := cfnYAML(t, src, nil)
	a, err := New(Options{
		Doc: doc, File: "openapi.yaml", Lines: lines, Stage: "dev", Integrations: integ,
		Logger: slog.New(slog.DiscardHandler), Now: func() time.Time { return fixedNow },
		NewRequestID: fixedIDs(), APIKeys: keys,
	})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return a
}

const apiKeyDoc = `openapi: 3.0.1
info: {title: keys, version: "1"}
x-amazon-apigateway-api-key-source: HEADER
components:
  securitySchemes:
    api_key: {type: apiKey, name: x-api-key, in: header}
paths:
  /private:
    get:
      security: [{api_key: []}]
      responses: {"200": {description: ok}}
      x-amazon-apigateway-integration:
        type: mock
        requestTemplates: {application/json: '{"statusCode": 200}'}
        responses:
          default:
            statusCode: "200"
            responseTemplates: {application/json: '{"key": "$context.identity.apiKey"}'}
  /public:
    get:
      responses: {"200": {description: ok}}
      x-amazon-apigateway-integration:
        type: mock
        requestTemplates: {application/json: '{"statusCode": 200}'}
        responses:
          default: {statusCode: "200"}
`

func TestAPIKeys(t *testing.T) {
	t.Parallel()
	a := newAPIWith(t, apiKeyDoc, nil, []string{"k-1", "k-2"})
	if w := a.Warnings(); len(w) != 0 {
		t.Fatalf("warnings: %q", w)
	}
	tests := []struct {
		name, path, key string
		status          int
		body            string
	}{
		{"no key", "/dev/private", "", 403, `{"message":"Forbidden"}`},
		{"wrong key", "/dev/private", "nope", 403, `{"message":"Forbidden"}`},
		{"prefix of a key", "/dev/private", "k-", 403, `{"message":"Forbidden"}`},
		{"valid key", "/dev/private", "k-2", 200, `{"key": "k-2"}`},
		{"public needs none", "/dev/public", "", 200, ``},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var hdr []string
			if tt.key != "" {
				hdr = []string{"x-api-key", tt.key}
			}
			got := do(t, a, "GET", tt.path, "", "", hdr...)
			if got.status != tt.status || got.body != tt.body {
				t.Fatalf("got %d %s, want %d %s", got.status, got.body, tt.status, tt.body)
			}
			if tt.status == 403 && got.header.Get("x-amzn-ErrorType") != "ForbiddenException" {
				t.Fatalf("x-amzn-ErrorType = %q", got.header.Get("x-amzn-ErrorType"))
			}
		})
	}

	// Without configured keys the method is unusable, and New says so.
	b := newAPIWith(t, apiKeyDoc, nil, nil)
	if w := b.Warnings(); len(w) != 1 || !strings.Contains(w[0], "GET /private: requires an API key and no keys are configured") {
		t.Fatalf("warnings = %q", w)
	}
	wantGatewayError(t, do(t, b, "GET", "/dev/private", "", "", "x-api-key", "k-1"), 403, "Forbidden")

	// Swagger 2.0 spelling, document-level security, AUTHORIZER source.
	const swagger = `swagger: "2.0"
info: {title: keys, version: "1"}
x-amazon-apigateway-api-key-source: AUTHORIZER
securityDefinitions:
  api_key: {type: apiKey, name: x-api-key, in: header}
security: [{api_key: []}]
paths:
  /p:
    get:
      responses: {"200": {description: ok}}
      x-amazon-apigateway-integration:
        type: mock
        requestTemplates: {application/json: '{"statusCode": 200}'}
        responses: {default: {statusCode: "200"}}
`
	c := newAPIWith(t, swagger, nil, []string{"k"})
	if w := c.Warnings(); len(w) != 1 || !strings.Contains(w[0], "AUTHORIZER needs a Lambda authorizer") {
		t.Fatalf("warnings = %q", w)
	}
	wantGatewayError(t, do(t, c, "GET", "/p", "", ""), 403, "Forbidden")
	if got := do(t, c, "GET", "/p", "", "", "X-Api-Key", "k"); got.status != 200 {
		t.Fatalf("with key: %d %s", got.status, got.body)
	}
}

func TestCORSHTTPAPIStyle(t *testing.T) {
	t.Parallel()
	const doc = `openapi: 3.0.1
info: {title: cors, version: "1"}
x-amazon-apigateway-cors:
  allowOrigins: ["https://app.example.com"]
  allowMethods: [GET, POST]
  allowHeaders: [content-type, x-api-key]
  exposeHeaders: [Location]
  maxAge: 600
  allowCredentials: true
paths:
  /items:
    get:
      responses: {"200": {description: ok}}
      x-amazon-apigateway-integration:
        type: mock
        requestTemplates: {application/json: '{"statusCode": 200}'}
        responses: {default: {statusCode: "200"}}
`
	a := newAPIWith(t, doc, nil, nil)
	const origin = "https://app.example.com"

	pre := do(t, a, "OPTIONS", "/dev/items", "", "", "Origin", origin, "Access-Control-Request-Method", "POST", "Access-Control-Request-Headers", "content-type")
	want := map[string]string{
		"Access-Control-Allow-Origin":      origin,
		"Access-Control-Allow-Methods":     "GET,POST",
		"Access-Control-Allow-Headers":     "content-type,x-api-key",
		"Access-Control-Max-Age":           "600",
		"Access-Control-Allow-Credentials": "true",
	}
	if pre.status != 204 || pre.body != "" {
		t.Fatalf("preflight = %d %q", pre.status, pre.body)
	}
	for k, v := range want {
		if got := pre.header.Get(k); got != v {
			t.Errorf("preflight %s = %q, want %q", k, got, v)
		}
	}

	// A preflight from another origin or for another method gets no CORS headers.
	for _, h := range [][]string{
		{"Origin", "https://evil.example.com", "Access-Control-Request-Method", "GET"},
		{"Origin", origin, "Access-Control-Request-Method", "DELETE"},
	} {
		got := do(t, a, "OPTIONS", "/dev/items", "", "", h...)
		if got.status != 204 || got.header.Get("Access-Control-Allow-Origin") != "" {
			t.Errorf("preflight %v = %d, allow-origin %q", h, got.status, got.header.Get("Access-Control-Allow-Origin"))
		}
	}

	got := do(t, a, "GET", "/dev/items", "", "", "Origin", origin)
	if got.status != 200 || got.header.Get("Access-Control-Allow-Origin") != origin ||
		got.header.Get("Access-Control-Expose-Headers") != "Location" || got.header.Get("Access-Control-Allow-Credentials") != "true" {
		t.Fatalf("GET = %d %v", got.status, got.header)
	}
	// Gateway errors carry the headers too, so browsers can read them.
	miss := do(t, a, "GET", "/dev/nothing", "", "", "Origin", origin)
	if miss.status != 403 || miss.header.Get("Access-Control-Allow-Origin") != origin {
		t.Fatalf("403 = %d %v", miss.status, miss.header)
	}
	if got := do(t, a, "GET", "/dev/items", "", ""); got.header.Get("Access-Control-Allow-Origin") != "" {
		t.Fatalf("no Origin, still CORS headers: %v", got.header)
	}
}

func TestCORSBadConfig(t *testing.T) {
	t.Parallel()
	const doc = `openapi: 3.0.1
info: {title: cors, version: "1"}
x-amazon-apigateway-cors:
  allowOrigins: ["*"]
  allowCredentials: true
  maxAge: "x"
  allowHeadres: [a]
paths: {}
`
	d, lines := cfnYAML(t, doc, nil)
	_, err := New(Options{Doc: d, File: "openapi.yaml", Lines: lines})
	for _, want := range []string{
		`openapi.yaml:5: x-amazon-apigateway-cors: allowCredentials cannot be true`,
		`openapi.yaml:6: x-amazon-apigateway-cors.maxAge`,
		`openapi.yaml:7: x-amazon-apigateway-cors: unknown field "allowHeadres"`,
	} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("err = %v, want %q", err, want)
		}
	}
}

func TestCORSRESTStyle(t *testing.T) {
	t.Parallel()
	// The REST way, as the API Gateway console exports it: an OPTIONS method
	// on a mock integration whose integration response maps static headers.
	const doc = `openapi: 3.0.1
info: {title: cors, version: "1"}
paths:
  /items:
    options:
      responses:
        "200":
          description: CORS
          headers:
            Access-Control-Allow-Origin: {schema: {type: string}}
            Access-Control-Allow-Methods: {schema: {type: string}}
            Access-Control-Allow-Headers: {schema: {type: string}}
      x-amazon-apigateway-integration:
        type: mock
        requestTemplates:
          application/json: '{"statusCode": 200}'
        passthroughBehavior: when_no_match
        responses:
          default:
            statusCode: "200"
            responseParameters:
              method.response.header.Access-Control-Allow-Methods: "'GET,OPTIONS,POST'"
              method.response.header.Access-Control-Allow-Headers: "'Content-Type,X-Amz-Date,Authorization,X-Api-Key'"
              method.response.header.Access-Control-Allow-Origin: "'*'"
            responseTemplates:
              application/json: ""
    get:
      responses: {"200": {description: ok}}
      x-amazon-apigateway-integration:
        type: mock
        requestTemplates: {application/json: '{"statusCode": 200}'}
        responses:
          default:
            statusCode: "200"
            responseParameters:
              method.response.header.Access-Control-Allow-Origin: "'*'"
            responseTemplates: {application/json: '{"items": []}'}
`
	a := newAPIWith(t, doc, nil, nil)
	pre := do(t, a, "OPTIONS", "/dev/items", "", "", "Origin", "https://x.example", "Access-Control-Request-Method", "POST")
	if pre.status != 200 || pre.body != "" || pre.header.Get("Access-Control-Allow-Origin") != "*" ||
		pre.header.Get("Access-Control-Allow-Methods") != "GET,OPTIONS,POST" ||
		pre.header.Get("Access-Control-Allow-Headers") != "Content-Type,X-Amz-Date,Authorization,X-Api-Key" {
		t.Fatalf("preflight = %d %q %v", pre.status, pre.body, pre.header)
	}
	got := do(t, a, "GET", "/dev/items", "", "", "Origin", "https://x.example")
	if got.status != 200 || got.header.Get("Access-Control-Allow-Origin") != "*" || got.body != `{"items": []}` {
		t.Fatalf("GET = %d %q %v", got.status, got.body, got.header)
	}
}

func TestBinaryMediaTypes(t *testing.T) {
	t.Parallel()
	png := []byte{0x89, 'P', 'N', 'G', 0, 1, 2, 0xff}
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/echo":
			w.Header().Set("Content-Type", r.Header.Get("Content-Type"))
			b := make([]byte, r.ContentLength)
			_, _ = r.Body.Read(b)
			_, _ = w.Write(b)
		case "/image":
			w.Header().Set("Content-Type", "image/png")
			_, _ = w.Write(png)
		}
	}))
	t.Cleanup(backend.Close)
	doc := `openapi: 3.0.1
info: {title: bin, version: "1"}
x-amazon-apigateway-binary-media-types: ["image/*", "application~1octet-stream"]
paths:
  /upload:
    post:
      x-amazon-apigateway-integration:
        type: aws
        httpMethod: POST
        uri: arn:aws:apigateway:us-east-1:dynamodb:action/PutItem
        contentHandling: CONVERT_TO_TEXT
        requestTemplates:
          image/png: '{"TableName": "t", "Item": {"pk": {"S": "img"}, "data": {"B": "$input.body"}}}'
        responses: {default: {statusCode: "200"}}
  /raw:
    post:
      x-amazon-apigateway-integration:
        type: http
        httpMethod: POST
        uri: ` + backend.URL + `/echo
        requestTemplates:
          application/octet-stream: 'never used for binary'
        responses: {default: {statusCode: "200"}}
  /image:
    get:
      x-amazon-apigateway-integration:
        type: http
        httpMethod: GET
        uri: ` + backend.URL + `/image
        responses: {default: {statusCode: "200"}}
  /image-text:
    get:
      x-amazon-apigateway-integration:
        type: http
        httpMethod: GET
        uri: ` + backend.URL + `/image
        responses: {default: {statusCode: "200", contentHandling: CONVERT_TO_TEXT}}
  /pixel:
    get:
      x-amazon-apigateway-integration:
        type: mock
        requestTemplates: {application/json: '{"statusCode": 200}'}
        responses:
          default:
            statusCode: "200"
            contentHandling: CONVERT_TO_BINARY
            responseParameters:
              method.response.header.Content-Type: "'image/gif'"
            responseTemplates: {application/json: "aGVsbG8="}
  /decode:
    post:
      x-amazon-apigateway-integration:
        type: http
        httpMethod: POST
        uri: ` + backend.URL + `/echo
        contentHandling: CONVERT_TO_BINARY
        responses: {default: {statusCode: "200"}}
`
	integ := &fakeIntegrations{}
	a := newAPIWith(t, doc, integ, nil)

	// CONVERT_TO_TEXT: the template sees the binary body base64-encoded.
	if got := do(t, a, "POST", "/dev/upload", "image/png", string(png)); got.status != 200 {
		t.Fatalf("upload = %d %s", got.status, got.body)
	}
	if calls := integ.Calls(); len(calls) != 1 || !strings.Contains(string(calls[0].body), `{"B": "iVBORwABAv8="}`) {
		t.Fatalf("integration got %q", calls)
	}
	// A binary payload without contentHandling passes through untouched, template or not.
	if got := do(t, a, "POST", "/dev/raw", "application/octet-stream", string(png), "Accept", "application/octet-stream"); got.status != 200 || got.body != string(png) {
		t.Fatalf("raw = %d %q", got.status, got.body)
	}
	// The same answer to a client that does not accept binary is base64 text.
	if got := do(t, a, "POST", "/dev/raw", "application/octet-stream", string(png)); got.body != "iVBORwABAv8=" {
		t.Fatalf("raw (text accept) = %d %q", got.status, got.body)
	}
	// A binary backend answer: raw bytes when Accept is binary, base64 otherwise.
	if got := do(t, a, "GET", "/dev/image", "", "", "Accept", "image/png"); got.body != string(png) || got.header.Get("Content-Type") != "image/png" {
		t.Fatalf("image (binary accept) = %q %v", got.body, got.header)
	}
	if got := do(t, a, "GET", "/dev/image", "", "", "Accept", "application/json"); got.body != "iVBORwABAv8=" {
		t.Fatalf("image (text accept) = %q", got.body)
	}
	if got := do(t, a, "GET", "/dev/image-text", "", "", "Accept", "image/png"); got.body != "iVBORwABAv8=" {
		t.Fatalf("image CONVERT_TO_TEXT = %q", got.body)
	}
	// CONVERT_TO_BINARY on a text answer decodes it.
	if got := do(t, a, "GET", "/dev/pixel", "", ""); got.status != 200 || got.body != "hello" || got.header.Get("Content-Type") != "image/gif" {
		t.Fatalf("pixel = %d %q %v", got.status, got.body, got.header)
	}
	// CONVERT_TO_BINARY on a text request decodes it; bad base64 is 400.
	if got := do(t, a, "POST", "/dev/decode", "text/plain", "aGVsbG8="); got.body != "hello" {
		t.Fatalf("decode = %d %q", got.status, got.body)
	}
	wantGatewayError(t, do(t, a, "POST", "/dev/decode", "text/plain", "not base64!"), 400, "Invalid request body")
}
