package ws

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/sfapi/sfapi/internal/emulator/kv"
	"github.com/sfapi/sfapi/internal/emulator/push"
)

type env struct {
	log    *push.EventLog
	hub    *push.Hub
	router *push.Router
	srv    *httptest.Server
	ws     *Server
}

func newEnv(t *testing.T, opts Options) *env {
	t.Helper()
	return newEnvHub(t, opts, push.HubOptions{})
}

// newEnvHub is newEnv with hub options; the hub always has an event log.
func newEnvHub(t *testing.T, opts Options, hopts push.HubOptions) *env {
	t.Helper()
	db, err := kv.Open(filepath.Join(t.TempDir(), "pipes.db"), kv.Options{InMemory: true})
	if err != nil {
		t.Fatal(err)
	}
	elog, err := push.OpenEventLog(db, push.EventLogOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { elog.Close(); _ = db.Close() })
	hopts.Log = elog
	hub := push.NewHubWithOptions(hopts)
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
	return &env{log: elog, hub: hub, router: r, srv: srv, ws: s}
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

var filterTests = []struct {
	query, msg string
	want       bool
}{
	{"", `not json`, true},
	{"jobId=a", `{"detail":{"jobId":"a"}}`, true},
	{"jobId=a", `{"detail":{"jobId":"b"}}`, false},
	{"jobId=42", `{"detail":{"jobId":42}}`, true},
	{"jobId=a", `{"detail":{}}`, false},
	{"jobId=a", `not json`, false},
	{"userId=u1", `{"detail":{"userId":"u1","jobId":"a"}}`, true},
	{"userId=u1", `{"detail":{"userId":"u2"}}`, false},
	{"detailType=Job+Progress", `{"detail-type":"Job Progress","detail":{}}`, true},
	{"detailType=Job+Progress", `{"detail-type":"Job Done","detail":{}}`, false},
	{"detailType=Job+Progress", `{"detail":{}}`, false},
	{"userId=u1&jobId=a", `{"detail":{"userId":"u1","jobId":"b"}}`, false},
	{"userId=u1&jobId=a&detailType=X", `{"detail-type":"X","detail":{"userId":"u1","jobId":"a"}}`, true},
}

func TestFilterMatch(t *testing.T) {
	t.Parallel()
	for _, tt := range filterTests {
		q, err := url.ParseQuery(tt.query)
		if err != nil {
			t.Fatal(err)
		}
		if got := newFilter(q).match([]byte(tt.msg)); got != tt.want {
			t.Fatalf("filter %q on %s = %v, want %v", tt.query, tt.msg, got, tt.want)
		}
	}
}

func FuzzFilterMatch(f *testing.F) {
	for _, tt := range filterTests {
		f.Add(tt.query, tt.msg)
	}
	f.Fuzz(func(t *testing.T, query, msg string) {
		q, err := url.ParseQuery(query)
		if err != nil {
			return
		}
		newFilter(q).match([]byte(msg)) // must not panic
	})
}

func TestResumePoint(t *testing.T) {
	t.Parallel()
	tests := []struct {
		query, header string
		after         uint64
		ok, err       bool
	}{
		{"", "", 0, false, false},
		{"after=7", "", 7, true, false},
		{"after=0", "", 0, true, false},
		{"", "12", 12, true, false},
		{"after=3", "12", 3, true, false},
		{"after=-1", "", 0, false, true},
		{"after=x", "", 0, false, true},
	}
	for _, tt := range tests {
		r := httptest.NewRequest(http.MethodGet, "/jobs?"+tt.query, nil)
		if tt.header != "" {
			r.Header.Set("Last-Event-ID", tt.header)
		}
		after, ok, err := resumePoint(r)
		if (err != nil) != tt.err || after != tt.after || ok != tt.ok {
			t.Fatalf("resumePoint(%q, %q) = %d %v %v", tt.query, tt.header, after, ok, err)
		}
	}
}

func FuzzResumePoint(f *testing.F) {
	f.Add("7", "")
	f.Add("", "12")
	f.Add("x", "-1")
	f.Fuzz(func(t *testing.T, after, header string) {
		r := httptest.NewRequest(http.MethodGet, "/jobs", nil)
		r.URL.RawQuery = url.Values{"after": {after}}.Encode()
		r.Header.Set("Last-Event-ID", header)
		_, _, _ = resumePoint(r) // must not panic
	})
}

// eventID reads the sfapiEventId of a pushed message.
func eventID(t *testing.T, msg string) uint64 {
	t.Helper()
	var m struct {
		ID uint64 `json:"sfapiEventId"`
	}
	if err := json.Unmarshal([]byte(msg), &m); err != nil || m.ID == 0 {
		t.Fatalf("no event id in %s (%v)", msg, err)
	}
	return m.ID
}

func (e *env) putTyped(t *testing.T, detailType, detail string) {
	t.Helper()
	out, err := e.router.PutEvents(context.Background(), []push.Entry{{Source: "sfapi.jobs", DetailType: detailType, Detail: detail}})
	if err != nil || out.FailedEntryCount != 0 {
		t.Fatalf("PutEvents: %+v %v", out, err)
	}
}

func TestSubscriptionFilters(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{})
	all, _ := e.dial(t, "/jobs")
	user, _ := e.dial(t, "/jobs?userId=ann")
	typ, _ := e.dial(t, "/jobs?detailType=Job+Done")
	waitFor(t, func() bool { return e.hub.Subscribers("jobs") == 3 })
	e.putTyped(t, "Job Progress", `{"jobId":"j1","userId":"bob"}`)
	e.putTyped(t, "Job Progress", `{"jobId":"j2","userId":"ann"}`)
	e.putTyped(t, "Job Done", `{"jobId":"j1","userId":"bob"}`)
	for i, want := range []string{`"j1","userId":"bob"}`, `"j2","userId":"ann"}`, `"j1","userId":"bob"}`} {
		if m := read(t, all); !strings.Contains(m, want) || eventID(t, m) != uint64(i+1) {
			t.Fatalf("all #%d = %s", i, m)
		}
	}
	if m := read(t, user); !strings.Contains(m, `"userId":"ann"`) || eventID(t, m) != 2 {
		t.Fatalf("user = %s", m)
	}
	if m := read(t, typ); !strings.Contains(m, `"detail-type":"Job Done"`) || eventID(t, m) != 3 {
		t.Fatalf("detailType = %s", m)
	}
	// Nothing else reached the filtered clients: the next event each reads
	// is one that matches it.
	e.putTyped(t, "Job Done", `{"jobId":"j3","userId":"ann"}`)
	if m := read(t, user); eventID(t, m) != 4 {
		t.Fatalf("user next = %s", m)
	}
	if m := read(t, typ); eventID(t, m) != 4 {
		t.Fatalf("detailType next = %s", m)
	}
}

func TestResumeAfterLastEventID(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{})
	for i := range 5 {
		e.putTyped(t, "Job Progress", fmt.Sprintf(`{"jobId":"j%d","userId":"u%d"}`, i, i%2))
	}
	// Resume after id 2 with a filter: the backlog holds the matching
	// logged events after 2, then live ones follow with no gap.
	c, _ := e.dial(t, "/jobs?after=2&userId=u0")
	for _, want := range []string{`"j2"`, `"j4"`} {
		if m := read(t, c); !strings.Contains(m, want) {
			t.Fatalf("backlog = %s, want %s", m, want)
		}
	}
	e.putTyped(t, "Job Progress", `{"jobId":"j5","userId":"u0"}`)
	if m := read(t, c); eventID(t, m) != 6 {
		t.Fatalf("live = %s", m)
	}
	// The Last-Event-ID header works the same, without a filter.
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	h, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(e.srv.URL, "http")+"/jobs",
		&websocket.DialOptions{HTTPHeader: http.Header{"Last-Event-Id": {"4"}}})
	if err != nil {
		t.Fatal(err)
	}
	defer h.CloseNow()
	for _, want := range []uint64{5, 6} {
		if m := read(t, h); eventID(t, m) != want {
			t.Fatalf("header resume: got %s, want id %d", m, want)
		}
	}
}

// TestResumeUnderLoad publishes continuously while clients reconnect
// after every few messages: each sees every id exactly once, in order.
func TestResumeUnderLoad(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{})
	const total = 300
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := range total {
			select {
			case <-stop:
				return
			default:
			}
			e.putTyped(t, "Job Progress", fmt.Sprintf(`{"n":%d}`, i))
			if i%20 == 0 {
				time.Sleep(time.Millisecond)
			}
		}
	}()
	defer func() { close(stop); <-done }()
	var last uint64
	for last < total {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		c, _, err := websocket.Dial(ctx, fmt.Sprintf("ws%s/jobs?after=%d", strings.TrimPrefix(e.srv.URL, "http"), last), nil)
		cancel()
		if err != nil {
			t.Fatal(err)
		}
		for range 7 {
			if last == total {
				break
			}
			id := eventID(t, read(t, c))
			if id != last+1 {
				t.Fatalf("after %d got %d", last, id)
			}
			last = id
		}
		c.CloseNow()
	}
}

func TestNoResumePointMeansLiveOnly(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{})
	e.putTyped(t, "Job Progress", `{"n":1}`)
	c, _ := e.dial(t, "/jobs")
	e.putTyped(t, "Job Progress", `{"n":2}`)
	if m := read(t, c); eventID(t, m) != 2 {
		t.Fatalf("live-only client got %s", m)
	}
	// ?after=0 replays the whole log.
	all, _ := e.dial(t, "/jobs?after=0")
	for want := uint64(1); want <= 2; want++ {
		if m := read(t, all); eventID(t, m) != want {
			t.Fatalf("after=0 got %s, want %d", m, want)
		}
	}
}

func TestSlowClientGetsNotice(t *testing.T) {
	t.Parallel()
	e := newEnvHub(t, Options{}, push.HubOptions{Buffer: 2})
	c, _ := e.dial(t, "/jobs")
	e.putTyped(t, "Job Progress", `{"n":1}`)
	if m := read(t, c); eventID(t, m) != 1 {
		t.Fatalf("first = %s", m)
	}
	waitFor(t, func() bool { return e.ws.Connections() == 1 })
	// The client stops reading while the hub publishes straight to the
	// channel; the connection's queue overflows and it is dropped.
	for i := range 50 {
		e.hub.Publish("jobs", fmt.Appendf(nil, `{"n":%d}`, i+2))
	}
	var notice struct {
		Notice      string `json:"sfapiNotice"`
		LastEventID uint64 `json:"lastEventId"`
		Message     string `json:"message"`
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	last := uint64(1)
	for {
		_, msg, err := c.Read(ctx)
		if err != nil {
			if websocket.CloseStatus(err) != websocket.StatusTryAgainLater {
				t.Fatalf("closed with %v, want 1013", err)
			}
			break
		}
		if json.Unmarshal(msg, &notice) == nil && notice.Notice != "" {
			continue
		}
		last = eventID(t, string(msg))
	}
	if notice.Notice != "dropped" || notice.LastEventID != last || !strings.Contains(notice.Message, fmt.Sprintf("?after=%d", last)) {
		t.Fatalf("notice = %+v, last delivered %d", notice, last)
	}
	// Resuming from the notice's id yields the rest of the log.
	r, _ := e.dial(t, fmt.Sprintf("/jobs?after=%d", notice.LastEventID))
	for want := notice.LastEventID + 1; want <= 51; want++ {
		if m := read(t, r); eventID(t, m) != want {
			t.Fatalf("resumed got %s, want %d", m, want)
		}
	}
}
