package wsapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/sfapi/sfapi/internal/emulator/push"
	"github.com/sfapi/sfapi/internal/emulator/push/ws"
	"github.com/sfapi/sfapi/internal/project"
)

// call is one integration call the fake saw.
type call struct {
	service, action string
	body            map[string]any
}

// fakeIntegrations records calls and answers with answer (default 200 {}).
type fakeIntegrations struct {
	mu     sync.Mutex
	calls  []call
	answer func(service, action string, body []byte) (int, []byte, error)
}

func (f *fakeIntegrations) Invoke(_ context.Context, service, action string, body []byte) (int, []byte, error) {
	var m map[string]any
	_ = json.Unmarshal(body, &m)
	f.mu.Lock()
	f.calls = append(f.calls, call{service, action, m})
	f.mu.Unlock()
	if f.answer != nil {
		return f.answer(service, action, body)
	}
	return 200, []byte(`{}`), nil
}

func (f *fakeIntegrations) byAction(action string) []call {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []call
	for _, c := range f.calls {
		if c.action == action {
			out = append(out, c)
		}
	}
	return out
}

var _ Integrations = (*fakeIntegrations)(nil)

// clock is an injectable clock tests move forward.
type clock struct{ now atomic.Int64 }

func newClock() *clock {
	c := &clock{}
	c.now.Store(time.Date(2026, 11, 26, 20, 0, 0, 0, time.UTC).UnixNano())
	return c
}
func (c *clock) Now() time.Time          { return time.Unix(0, c.now.Load()).UTC() }
func (c *clock) Advance(d time.Duration) { c.now.Add(int64(d)) }

const connectTemplate = `{
  "TableName": "Connections",
  "Item": {
    "connectionId": {"S": "$context.connectionId"},
    "eventType": {"S": "$context.eventType"},
    "routeKey": {"S": "$context.routeKey"},
    "room": {"S": "$input.params('room')"},
    "sourceIp": {"S": "$context.identity.sourceIp"},
    "stage": {"S": "$context.stage"},
    "connectedAt": {"N": "$context.connectedAt"}
  }
}`

const disconnectTemplate = `{
  "TableName": "Connections",
  "Key": {"connectionId": {"S": "$context.connectionId"}},
  "ConditionExpression": "attribute_exists(connectionId)",
  "ReturnValues": "$context.disconnectStatusCode"
}`

// spec is a WebSocket API with storage-first $connect/$disconnect, a
// two-way MOCK echo route, a one-way AWS route and optionally $default.
func spec(withDefault bool) project.WebSocket {
	tmpl := func(s string) map[string]project.Template {
		return map[string]project.Template{"$default": {Text: s, Pos: project.Pos{File: "sfapi.yaml", Line: 10}}}
	}
	s := project.WebSocket{
		Path:                     "/jobs",
		RouteSelectionExpression: "$request.body.action",
		Routes: map[string]project.WebSocketRoute{
			"$connect": {RouteKey: "$connect", Integration: project.WebSocketIntegration{IntegrationType: "AWS",
				IntegrationURI: "arn:aws:apigateway:us-east-1:dynamodb:action/PutItem", RequestTemplates: tmpl(connectTemplate)}},
			"$disconnect": {RouteKey: "$disconnect", Integration: project.WebSocketIntegration{IntegrationType: "AWS",
				IntegrationURI: "arn:aws:apigateway:us-east-1:dynamodb:action/DeleteItem", RequestTemplates: tmpl(disconnectTemplate)}},
			"echo": {RouteKey: "echo", RouteResponseSelectionExpression: "$default", Integration: project.WebSocketIntegration{
				IntegrationType: "MOCK", TemplateSelectionExpression: `\$default`, RequestTemplates: tmpl(`{"statusCode": 200}`),
				IntegrationResponses: []project.WebSocketIntegrationResponse{{Key: "$default", ResponseTemplates: tmpl(
					`{"route": "$context.routeKey", "type": "$context.eventType", "messageId": "$context.messageId"}`)}}}},
			"save": {RouteKey: "save", Integration: project.WebSocketIntegration{IntegrationType: "AWS",
				IntegrationURI:              "arn:aws:apigateway:us-east-1:dynamodb:action/PutItem",
				TemplateSelectionExpression: "$request.body.kind",
				RequestTemplates: map[string]project.Template{
					"note": {Text: `{"TableName": "Notes", "Item": {"id": {"S": "$context.messageId"}, "text": {"S": $input.json('$.text')}}}`},
				},
				PassthroughBehavior: project.PassthroughNever}},
		},
	}
	if withDefault {
		s.Routes["$default"] = project.WebSocketRoute{RouteKey: "$default", RouteResponseSelectionExpression: "$default",
			Integration: project.WebSocketIntegration{IntegrationType: "MOCK",
				IntegrationResponses: []project.WebSocketIntegrationResponse{{Key: "$default", ResponseTemplates: tmpl(`{"route": "$context.routeKey"}`)}}}}
	}
	return s
}

type env struct {
	integ *fakeIntegrations
	clock *clock
	hub   *push.Hub
	srv   *httptest.Server
	ws    *ws.Server
}

func newEnv(t *testing.T, s project.WebSocket, wopts ws.Options) *env {
	t.Helper()
	e := &env{integ: &fakeIntegrations{}, clock: newClock(), hub: push.NewHub()}
	api, err := New(Options{Spec: s, Integrations: e.integ, Now: e.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	if !api.Enabled() {
		t.Fatal("API with routes is not enabled")
	}
	wopts.Path, wopts.Routes, wopts.Now = s.Path, api, e.clock.Now
	e.ws = ws.NewServer(e.hub, wopts)
	e.srv = httptest.NewServer(e.ws)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = e.ws.Shutdown(ctx)
		e.srv.Close()
		e.hub.Close()
	})
	return e
}

func (e *env) url(path string) string { return "ws" + strings.TrimPrefix(e.srv.URL, "http") + path }

func (e *env) dial(t *testing.T, path string) (*websocket.Conn, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, resp, err := websocket.Dial(ctx, e.url(path), nil)
	if err != nil {
		t.Fatalf("dial %s: %v", path, err)
	}
	t.Cleanup(func() { c.CloseNow() })
	return c, resp.Header.Get(ws.ConnectionIDHeader)
}

func send(t *testing.T, c *websocket.Conn, msg string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := c.Write(ctx, websocket.MessageText, []byte(msg)); err != nil {
		t.Fatalf("write: %v", err)
	}
}

func recv(t *testing.T, c *websocket.Conn) map[string]any {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, data, err := c.Read(ctx)
	if err != nil {
		t.Fatalf("read: %v", err)
	}
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatalf("reply %s is not JSON: %v", data, err)
	}
	return m
}

// closeStatus reads until the server closes and returns the close error.
func closeStatus(t *testing.T, c *websocket.Conn) websocket.CloseError {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for {
		_, _, err := c.Read(ctx)
		if err == nil {
			continue
		}
		var ce websocket.CloseError
		if !errors.As(err, &ce) {
			t.Fatalf("connection ended without a close frame: %v", err)
		}
		return ce
	}
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestConnectStoresConnectionStorageFirst(t *testing.T) {
	t.Parallel()
	e := newEnv(t, spec(true), ws.Options{})
	c, id := e.dial(t, "/jobs?room=blue")
	puts := e.integ.byAction("PutItem")
	// The item is written before the handshake completes.
	if len(puts) != 1 {
		t.Fatalf("PutItem calls after connect = %d, want 1", len(puts))
	}
	item := puts[0].body["Item"].(map[string]any)
	want := map[string]string{"connectionId": id, "eventType": "CONNECT", "routeKey": "$connect", "room": "blue", "sourceIp": "127.0.0.1", "stage": "dev",
		"connectedAt": fmt.Sprint(e.clock.Now().UnixMilli())}
	for k, v := range want {
		attr, _ := item[k].(map[string]any)
		got := attr["S"]
		if got == nil {
			got = attr["N"]
		}
		if got != v {
			t.Errorf("Item.%s = %v, want %q", k, got, v)
		}
	}
	if puts[0].body["TableName"] != "Connections" || puts[0].service != "dynamodb" {
		t.Fatalf("call = %+v", puts[0])
	}
	if err := c.Close(websocket.StatusNormalClosure, "bye"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "$disconnect", func() bool { return len(e.integ.byAction("DeleteItem")) == 1 })
	del := e.integ.byAction("DeleteItem")[0]
	key := del.body["Key"].(map[string]any)["connectionId"].(map[string]any)["S"]
	if key != id || del.body["ReturnValues"] != "1000" {
		t.Fatalf("DeleteItem body = %v, want the connection %s and close code 1000", del.body, id)
	}
}

func TestConnectFailureRefusesUpgrade(t *testing.T) {
	t.Parallel()
	e := newEnv(t, spec(true), ws.Options{})
	e.integ.answer = func(_, action string, _ []byte) (int, []byte, error) {
		if action == "PutItem" {
			return 400, []byte(`{"__type":"com.amazonaws.dynamodb.v20120810#ResourceNotFoundException","message":"Requested resource not found"}`), nil
		}
		return 200, []byte(`{}`), nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, resp, err := websocket.Dial(ctx, e.url("/jobs"), nil)
	if err == nil {
		t.Fatal("dial succeeded, want the upgrade refused")
	}
	if resp == nil || resp.StatusCode != 400 {
		t.Fatalf("response = %v, want status 400", resp)
	}
	if n := e.ws.Connections(); n != 0 {
		t.Fatalf("%d connections open after a refused $connect", n)
	}
	if n := len(e.integ.byAction("DeleteItem")); n != 0 {
		t.Fatalf("$disconnect ran %d times for a refused connection", n)
	}
}

func TestRouting(t *testing.T) {
	t.Parallel()
	e := newEnv(t, spec(true), ws.Options{})
	c, id := e.dial(t, "/jobs")

	send(t, c, `{"action": "echo", "text": "hi"}`)
	got := recv(t, c)
	if got["route"] != "echo" || got["type"] != "MESSAGE" || got["messageId"] == "" {
		t.Fatalf("echo reply = %v", got)
	}
	// No route named "nope", and a message that is not JSON: $default.
	for _, msg := range []string{`{"action": "nope"}`, `plain text`, `{"action": "$connect"}`} {
		send(t, c, msg)
		if got := recv(t, c); got["route"] != "$default" {
			t.Fatalf("%s → %v, want the $default route", msg, got)
		}
	}
	// One-way AWS route with a template chosen by $request.body.kind.
	send(t, c, `{"action": "save", "kind": "note", "text": "remember"}`)
	waitFor(t, "save PutItem", func() bool { return len(e.integ.byAction("PutItem")) == 2 })
	note := e.integ.byAction("PutItem")[1].body
	if note["TableName"] != "Notes" {
		t.Fatalf("save rendered %v", note)
	}
	// passthroughBehavior NEVER and no matching template: the client is
	// told the integration failed.
	send(t, c, `{"action": "save", "kind": "other"}`)
	got = recv(t, c)
	if got["message"] != "Internal server error" || got["connectionId"] != id || got["requestId"] == "" {
		t.Fatalf("refused passthrough → %v", got)
	}
}

func TestNoRouteIsForbidden(t *testing.T) {
	t.Parallel()
	e := newEnv(t, spec(false), ws.Options{})
	c, id := e.dial(t, "/jobs")
	send(t, c, `{"action": "unknown"}`)
	got := recv(t, c)
	if got["message"] != "Forbidden" || got["connectionId"] != id || got["requestId"] == "" {
		t.Fatalf("unroutable message → %v, want API Gateway's Forbidden", got)
	}
}

func TestIntegrationErrorAnswersInternalServerError(t *testing.T) {
	t.Parallel()
	e := newEnv(t, spec(false), ws.Options{})
	c, _ := e.dial(t, "/jobs")
	e.integ.answer = func(string, string, []byte) (int, []byte, error) {
		return 400, []byte(`{"__type":"ValidationException","message":"bad"}`), nil
	}
	send(t, c, `{"action": "save", "kind": "note", "text": "x"}`)
	if got := recv(t, c); got["message"] != "Internal server error" {
		t.Fatalf("failed integration → %v", got)
	}
}

func TestFrameLimitClosesWith1009(t *testing.T) {
	t.Parallel()
	e := newEnv(t, spec(true), ws.Options{})
	c, _ := e.dial(t, "/jobs")
	// Exactly 32 KB is accepted.
	ok := `{"action":"echo","text":"` + strings.Repeat("a", ws.MaxFrameBytes-len(`{"action":"echo","text":""}`)) + `"}`
	send(t, c, ok)
	if got := recv(t, c); got["route"] != "echo" {
		t.Fatalf("32 KB message → %v", got)
	}
	send(t, c, strings.Repeat("b", ws.MaxFrameBytes+1))
	ce := closeStatus(t, c)
	if ce.Code != websocket.StatusMessageTooBig || ce.Reason != "Message too big" {
		t.Fatalf("close = %d %q, want 1009 Message too big", ce.Code, ce.Reason)
	}
	waitFor(t, "$disconnect", func() bool { return len(e.integ.byAction("DeleteItem")) == 1 })
	if got := e.integ.byAction("DeleteItem")[0].body["ReturnValues"]; got != "1009" {
		t.Fatalf("disconnectStatusCode = %v, want 1009", got)
	}
}

func TestIdleTimeoutAndMaxDuration(t *testing.T) {
	t.Parallel()
	e := newEnv(t, spec(true), ws.Options{SweepInterval: 5 * time.Millisecond})
	idle, _ := e.dial(t, "/jobs")
	busy, _ := e.dial(t, "/jobs")
	// Nine minutes without messages: still open.
	e.clock.Advance(9 * time.Minute)
	send(t, busy, `{"action":"echo","text":"still here"}`)
	recv(t, busy)
	time.Sleep(30 * time.Millisecond)
	if n := e.ws.Connections(); n != 2 {
		t.Fatalf("connections after 9 idle minutes = %d, want 2", n)
	}
	// Ten minutes since idle's last message (one since busy's): only idle
	// is closed, with API Gateway's going-away close.
	e.clock.Advance(time.Minute)
	ce := closeStatus(t, idle)
	if ce.Code != websocket.StatusGoingAway || ce.Reason != "Going away" {
		t.Fatalf("idle close = %d %q, want 1001 Going away", ce.Code, ce.Reason)
	}
	waitFor(t, "one connection left", func() bool { return e.ws.Connections() == 1 })
	// The two-hour cap closes even an active connection.
	// (busy last spoke at minute 9; it speaks every 8 minutes up to
	// minute 114, then 6 quiet minutes reach the 2-hour mark.)
	for range 13 {
		e.clock.Advance(8 * time.Minute)
		send(t, busy, `{"action":"echo","text":"tick"}`)
		recv(t, busy)
	}
	e.clock.Advance(6 * time.Minute)
	ce = closeStatus(t, busy)
	if ce.Code != websocket.StatusGoingAway {
		t.Fatalf("max duration close = %d %q, want 1001", ce.Code, ce.Reason)
	}
}

func TestPushChannelStillDelivers(t *testing.T) {
	t.Parallel()
	e := newEnv(t, spec(true), ws.Options{})
	c, _ := e.dial(t, "/jobs")
	if n := e.hub.Publish("jobs", []byte(`{"detail":{"jobId":"j1"}}`)); n != 1 {
		t.Fatalf("published to %d subscribers, want 1", n)
	}
	if got := recv(t, c); got["detail"] == nil {
		t.Fatalf("push message = %v", got)
	}
}

func TestConnectionsAPIOnRoutedConnection(t *testing.T) {
	t.Parallel()
	e := newEnv(t, spec(true), ws.Options{})
	c, id := e.dial(t, "/jobs")
	do := func(method string, body string) (*http.Response, []byte) {
		t.Helper()
		req, err := http.NewRequest(method, e.srv.URL+"/dev/@connections/"+id, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var b bytes.Buffer
		_, _ = b.ReadFrom(resp.Body)
		return resp, b.Bytes()
	}
	if resp, _ := do("POST", `{"hello":"client"}`); resp.StatusCode != 200 {
		t.Fatalf("POST = %d", resp.StatusCode)
	}
	if got := recv(t, c); got["hello"] != "client" {
		t.Fatalf("posted message = %v", got)
	}
	resp, body := do("GET", "")
	var info struct {
		ConnectedAt, LastActiveAt string
		Identity                  struct{ SourceIp, UserAgent string }
	}
	if err := json.Unmarshal(body, &info); err != nil || resp.StatusCode != 200 {
		t.Fatalf("GET = %d %s (%v)", resp.StatusCode, body, err)
	}
	if info.ConnectedAt != "2026-11-26T20:00:00.000Z" || info.Identity.SourceIp != "127.0.0.1" {
		t.Fatalf("GET = %s", body)
	}
	if resp, _ := do("DELETE", ""); resp.StatusCode != 204 {
		t.Fatalf("DELETE = %d", resp.StatusCode)
	}
	closeStatus(t, c)
	waitFor(t, "$disconnect", func() bool { return len(e.integ.byAction("DeleteItem")) == 1 })
	resp, body = do("POST", `{}`)
	if resp.StatusCode != 410 || resp.Header.Get("x-amzn-ErrorType") != "GoneException" {
		t.Fatalf("POST to a closed connection = %d %s", resp.StatusCode, body)
	}
}

func TestMockConnectStatus(t *testing.T) {
	t.Parallel()
	s := spec(true)
	s.Routes["$connect"] = project.WebSocketRoute{RouteKey: "$connect", Integration: project.WebSocketIntegration{IntegrationType: "MOCK",
		RequestTemplates: map[string]project.Template{"$default": {Text: `#if($input.params('token') == "ok"){"statusCode": 200}#else{"statusCode": 403}#end`}}}}
	e := newEnv(t, s, ws.Options{})
	e.dial(t, "/jobs?token=ok")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, resp, err := websocket.Dial(ctx, e.url("/jobs?token=bad"), nil)
	if err == nil || resp == nil || resp.StatusCode != 403 {
		t.Fatalf("dial with a bad token: resp %v err %v, want 403", resp, err)
	}
}

func TestNewReportsBadSpec(t *testing.T) {
	t.Parallel()
	s := spec(true)
	r := s.Routes["echo"]
	r.Integration.RequestTemplates = map[string]project.Template{"$default": {Text: "line one\n#if(", Pos: project.Pos{Line: 40}}}
	s.Routes["echo"] = r
	r = s.Routes["save"]
	r.Integration.IntegrationURI = "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/f/invocations"
	r.Integration.Pos = project.Pos{Line: 50}
	s.Routes["save"] = r
	_, err := New(Options{Spec: s})
	if err == nil {
		t.Fatal("New accepted a bad spec")
	}
	for _, want := range []string{"sfapi.yaml:41: ", "sfapi.yaml:50: websocket.routes.save.integration.integrationUri"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
}
