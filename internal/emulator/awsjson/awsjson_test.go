package awsjson

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func testMux() *Mux {
	m := NewMux(nil)
	m.Register(&Service{
		TargetPrefix: "Svc_1", ContentType: "application/x-amz-json-1.0", ErrorTypePrefix: "com.example#",
		Operations: map[string]Operation{
			"Echo": func(_ context.Context, body []byte) (any, error) {
				var in struct{ Name string }
				if err := Decode(body, &in); err != nil {
					return nil, err
				}
				return map[string]string{"Hello": in.Name}, nil
			},
			"Fail": func(context.Context, []byte) (any, error) { return nil, Errorf("ThingNotFound", "no %s", "thing") },
			"Boom": func(context.Context, []byte) (any, error) { panic("kaboom") },
			"Oops": func(context.Context, []byte) (any, error) { return nil, errors.New("internal detail") },
			"Extra": func(context.Context, []byte) (any, error) {
				return nil, &Error{Code: "X", Message: "m", Fields: map[string]any{"Item": 1}}
			},
		},
	})
	return m
}

func TestInvoke(t *testing.T) {
	t.Parallel()
	m := testMux()
	ctx := context.Background()
	tests := []struct {
		target, body string
		status       int
		want         string
	}{
		{"Svc_1.Echo", `{"Name":"gopher"}`, 200, `{"Hello":"gopher"}`},
		{"Svc_1.Echo", ``, 200, `{"Hello":""}`},
		{"Svc_1.Echo", `{"Name":`, 400, `"__type":"com.example#SerializationException"`},
		{"Svc_1.Echo", `{"Name":1}`, 400, `"__type":"com.example#SerializationException"`},
		{"Svc_1.Fail", `{}`, 400, `{"__type":"com.example#ThingNotFound","message":"no thing"}`},
		{"Svc_1.Boom", `{}`, 500, `"__type":"com.example#InternalFailure"`},
		{"Svc_1.Oops", `{}`, 500, `"__type":"com.example#InternalFailure"`},
		{"Svc_1.Extra", `{}`, 400, `"Item":1`},
		{"Svc_1.Nope", `{}`, 400, `UnknownOperationException`},
		{"Other.Echo", `{}`, 400, `UnknownOperationException`},
		{"", `{}`, 400, `UnknownOperationException`},
	}
	for _, tt := range tests {
		resp := m.Invoke(ctx, tt.target, []byte(tt.body))
		if resp.Status != tt.status || !strings.Contains(string(resp.Body), tt.want) {
			t.Errorf("%s %s = %d %s; want %d containing %s", tt.target, tt.body, resp.Status, resp.Body, tt.status, tt.want)
		}
		if !json.Valid(resp.Body) {
			t.Errorf("%s: body is not JSON: %s", tt.target, resp.Body)
		}
	}
	if strings.Contains(string(m.Invoke(ctx, "Svc_1.Oops", nil).Body), "internal detail") {
		t.Error("internal error text must not leak to clients")
	}
}

func TestServeHTTP(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(testMux())
	defer srv.Close()
	req, _ := http.NewRequest(http.MethodPost, srv.URL, strings.NewReader(`{"Name":"x"}`))
	req.Header.Set("X-Amz-Target", "Svc_1.Echo")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || string(body) != `{"Hello":"x"}` || resp.Header.Get("Content-Type") != "application/x-amz-json-1.0" || resp.Header.Get("x-amzn-RequestId") == "" {
		t.Fatalf("got %d %s %v", resp.StatusCode, body, resp.Header)
	}
	resp, err = http.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 400 {
		t.Fatalf("GET = %d, want 400", resp.StatusCode)
	}
	big := strings.NewReader(`{"Name":"` + strings.Repeat("x", MaxBodyBytes) + `"}`)
	req, _ = http.NewRequest(http.MethodPost, srv.URL, big)
	req.Header.Set("X-Amz-Target", "Svc_1.Echo")
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Fatalf("oversized body = %d, want 413", resp.StatusCode)
	}
}
