package ws

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/sfapi/sfapi/internal/emulator/push"
)

type env struct {
	hub    *push.Hub
	router *push.Router
	srv    *httptest.Server
	ws     *Server
}

func newEnv(t *testing.T, opts Options) *env {
	t.Helper()
	hub := push.NewHub()
	r := push.NewRouter(push.RouterOptions{Hub: hub, Synchronous: true})
	if _, err := r.PutRule(push.RuleSpec{Name: "jobs", EventPattern: `{"source":["sfapi.jobs"]}`}); err != nil {
		t.Fatal(err)
	}
	if _, err := r.PutTargets("", "jobs", []push.TargetSpec{{ID: "ws", ARN: "arn:sfapi:push:::jobs"}}); err != nil {
		t.Fatal(err)
	}
	if opts.Path == "" {
		opts.Path = "/jobs"
	}
	s := NewServer(hub, opts)
	srv := httptest.NewServer(s)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = s.Shutdown(ctx)
		srv.Close()
		_ = r.Close(ctx)
	})
	return &env{hub: hub, router: r, srv: srv, ws: s}
}

func (e *env) dial(t *testing.T, path string) (*websocket.Conn, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, resp, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(e.srv.URL, "http")+path, nil)
	if err != nil {
		t.Fatalf("dial %s: %v", path, err)
	}
	t.Cleanup(func() { c.CloseNow() })
	id := resp.Header.Get(ConnectionIDHeader)
	if id == "" {
		t.Fatal("no connection id header")
	}
	// Publish only once the server registered the subscriber.
	waitFor(t, func() bool { return e.hub.Subscribers("jobs") > 0 && e.ws.lookup(id) != nil })
	return c, id
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not reached")
		}
		time.Sleep(time.Millisecond)
	}
}

func (e *env) put(t *testing.T, detail string) {
	t.Helper()
	out, err := e.router.PutEvents(context.Background(), []push.Entry{{Source: "sfapi.jobs", DetailType: "Job Progress", Detail: detail}})
	if err != nil || out.FailedEntryCount != 0 {
		t.Fatalf("PutEvents: %+v %v", out, err)
	}
}

func read(t *testing.T, c *websocket.Conn) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	typ, msg, err := c.Read(ctx)
	if err != nil {
		t.Fatalf("read: %v", err)
	}
	if typ != websocket.MessageText {
		t.Fatalf("frame type = %v, want text", typ)
	}
	return string(msg)
}

func TestPutEventsReachesWebSocket(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{})
	all, _ := e.dial(t, "/jobs")
	only2, _ := e.dial(t, "/jobs?jobId=j2")
	waitFor(t, func() bool { return e.hub.Subscribers("jobs") == 2 })
	e.put(t, `{"jobId":"j1","progress":10}`)
	e.put(t, `{"jobId":"j2","progress":20}`)

	var ev push.Event
	if err := json.Unmarshal([]byte(read(t, all)), &ev); err != nil || string(ev.Detail) != `{"jobId":"j1","progress":10}` || ev.Source != "sfapi.jobs" {
		t.Fatalf("first event = %+v %v", ev, err)
	}
	if err := json.Unmarshal([]byte(read(t, all)), &ev); err != nil || string(ev.Detail) != `{"jobId":"j2","progress":20}` {
		t.Fatalf("second event = %+v %v", ev, err)
	}
	// The filtered client sees only j2.
	if err := json.Unmarshal([]byte(read(t, only2)), &ev); err != nil || string(ev.Detail) != `{"jobId":"j2","progress":20}` {
		t.Fatalf("filtered event = %+v %v", ev, err)
	}
}

func TestUnknownPathIs404(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{})
	resp, err := http.Get(e.srv.URL + "/other")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Fatalf("status = %d", resp.StatusCode)
	}
}

func do(t *testing.T, method, url, body string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func TestConnectionsAPI(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{})
	c, id := e.dial(t, "/jobs")
	for _, base := range []string{e.srv.URL + "/@connections/", e.srv.URL + "/dev/@connections/"} {
		resp, _ := do(t, http.MethodPost, base+id, `{"hello":"direct"}`)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("POST %s status = %d", base, resp.StatusCode)
		}
		if got := read(t, c); got != `{"hello":"direct"}` {
			t.Fatalf("received %q", got)
		}
	}
	resp, body := do(t, http.MethodGet, e.srv.URL+"/@connections/"+id, "")
	var info struct {
		ConnectedAt  string `json:"connectedAt"`
		LastActiveAt string `json:"lastActiveAt"`
		Identity     struct {
			SourceIP string `json:"sourceIp"`
		} `json:"identity"`
	}
	if resp.StatusCode != http.StatusOK || json.Unmarshal([]byte(body), &info) != nil {
		t.Fatalf("GET = %d %s", resp.StatusCode, body)
	}
	connected, err1 := time.Parse(time.RFC3339, info.ConnectedAt)
	last, err2 := time.Parse(time.RFC3339, info.LastActiveAt)
	if err1 != nil || err2 != nil || last.Before(connected) || info.Identity.SourceIP != "127.0.0.1" {
		t.Fatalf("GET body = %s", body)
	}

	big := strings.Repeat("x", MaxPostBytes+1)
	if resp, _ := do(t, http.MethodPost, e.srv.URL+"/@connections/"+id, big); resp.StatusCode != http.StatusRequestEntityTooLarge ||
		resp.Header.Get("x-amzn-ErrorType") != "PayloadTooLargeException" {
		t.Fatalf("oversize POST = %d %s", resp.StatusCode, resp.Header.Get("x-amzn-ErrorType"))
	}

	resp, _ = do(t, http.MethodDelete, e.srv.URL+"/@connections/"+id, "")
	if resp.StatusCode != http.StatusNoContent {
		t.Fatalf("DELETE status = %d", resp.StatusCode)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, _, err := c.Read(ctx); websocket.CloseStatus(err) != websocket.StatusNormalClosure {
		t.Fatalf("after DELETE read err = %v, want normal closure", err)
	}
	waitFor(t, func() bool { return e.ws.lookup(id) == nil })

	for _, m := range []string{http.MethodPost, http.MethodGet, http.MethodDelete} {
		resp, body := do(t, m, e.srv.URL+"/@connections/"+id, "x")
		if resp.StatusCode != http.StatusGone || resp.Header.Get("x-amzn-ErrorType") != "GoneException" || !json.Valid([]byte(body)) {
			t.Fatalf("%s gone connection = %d %q %s", m, resp.StatusCode, resp.Header.Get("x-amzn-ErrorType"), body)
		}
	}
}

func TestShutdownSendsGoingAway(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{})
	c, _ := e.dial(t, "/jobs")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	errc := make(chan error, 1)
	go func() { _, _, err := c.Read(ctx); errc <- err }()
	if err := e.ws.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	if err := <-errc; websocket.CloseStatus(err) != websocket.StatusGoingAway {
		t.Fatalf("read err = %v, want going away", err)
	}
	if e.ws.Connections() != 0 {
		t.Fatalf("connections left: %d", e.ws.Connections())
	}
}

func TestHubCloseSendsGoingAway(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{})
	c, _ := e.dial(t, "/jobs")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	errc := make(chan error, 1)
	go func() { _, _, err := c.Read(ctx); errc <- err }()
	e.hub.Close()
	if err := <-errc; websocket.CloseStatus(err) != websocket.StatusGoingAway {
		t.Fatalf("read err = %v, want going away", err)
	}
}

func TestPingKeepsConnectionAlive(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{PingInterval: 10 * time.Millisecond})
	c, id := e.dial(t, "/jobs")
	// The client must read for pongs to be answered.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	got := make(chan string, 1)
	go func() {
		_, msg, err := c.Read(ctx)
		if err == nil {
			got <- string(msg)
		}
	}()
	time.Sleep(60 * time.Millisecond)
	if e.ws.lookup(id) == nil {
		t.Fatal("connection dropped despite pongs")
	}
	e.put(t, `{"jobId":"j1"}`)
	select {
	case m := <-got:
		if !strings.Contains(m, `"jobId":"j1"`) {
			t.Fatalf("got %s", m)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no message after pings")
	}
}

func TestMatchesJob(t *testing.T) {
	t.Parallel()
	tests := []struct {
		msg, id string
		want    bool
	}{
		{`{"detail":{"jobId":"a"}}`, "a", true},
		{`{"detail":{"jobId":"a"}}`, "b", false},
		{`{"detail":{"jobId":42}}`, "42", true},
		{`{"detail":{}}`, "a", false},
		{`not json`, "a", false},
	}
	for _, tt := range tests {
		if got := matchesJob([]byte(tt.msg), tt.id); got != tt.want {
			t.Fatalf("matchesJob(%s, %s) = %v", tt.msg, tt.id, got)
		}
	}
}
