package benchcmd

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// fakeAPI is a job API: POST /stage/jobs answers 202 with an id and a
// status link (without the stage, as API Gateway's templates write it),
// GET /stage/jobs/ID answers the job. The fate of request i is decided by
// the body {"i": N}: reject answers 500, never stays Pending, fail ends
// Failed; everything else ends Succeeded. Finished jobs are announced on
// the WebSocket at /ws when push is on.
type fakeAPI struct {
	t      *testing.T
	reject map[int]bool
	never  map[int]bool
	fail   map[int]bool
	push   bool

	mu     sync.Mutex
	jobs   map[string]string // id → status
	posts  int
	subs   []chan []byte
	closed bool
}

func (f *fakeAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch {
	case r.URL.Path == "/ws":
		// Subscribe before the handshake completes: once the client's
		// Dial returns, no event may be missed (as push/ws does).
		ch := make(chan []byte, 1024)
		f.mu.Lock()
		f.subs = append(f.subs, ch)
		f.mu.Unlock()
		conn, err := websocket.Accept(w, r, nil)
		if err != nil {
			return
		}
		for msg := range ch {
			if conn.Write(r.Context(), websocket.MessageText, msg) != nil {
				return
			}
		}
		conn.Close(websocket.StatusNormalClosure, "")
	case r.Method == http.MethodPost && r.URL.Path == "/dev/jobs":
		var body struct{ I int }
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
			http.Error(w, "bad body", http.StatusBadRequest)
			return
		}
		f.mu.Lock()
		f.posts++
		f.mu.Unlock()
		if f.reject[body.I] {
			http.Error(w, `{"message":"no"}`, http.StatusInternalServerError)
			return
		}
		id := fmt.Sprintf("job-%d", body.I)
		status := "Succeeded"
		switch {
		case f.never[body.I]:
			status = "Pending"
		case f.fail[body.I]:
			status = "Failed"
		}
		f.mu.Lock()
		f.jobs[id] = status
		if f.push && status != "Pending" {
			msg := fmt.Appendf(nil, `{"detail-type":"Job %s","detail":{"jobId":%q,"status":%q}}`, status, id, status)
			for _, ch := range f.subs {
				ch <- msg
			}
		}
		f.mu.Unlock()
		w.Header().Set("Location", "/jobs/"+id)
		w.WriteHeader(http.StatusAccepted)
		fmt.Fprintf(w, `{"id":%q,"status":"Pending","links":[{"rel":"status","method":"GET","href":"/jobs/%s"}]}`, id, id)
	case r.Method == http.MethodGet && strings.HasPrefix(r.URL.Path, "/dev/jobs/"):
		f.mu.Lock()
		status, ok := f.jobs[strings.TrimPrefix(r.URL.Path, "/dev/jobs/")]
		f.mu.Unlock()
		if !ok {
			http.NotFound(w, r)
			return
		}
		fmt.Fprintf(w, `{"status":%q}`, status)
	default:
		http.NotFound(w, r)
	}
}

func (f *fakeAPI) close() {
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.closed {
		for _, ch := range f.subs {
			close(ch)
		}
		f.closed = true
	}
}

func startFake(t *testing.T, f *fakeAPI) (api, ws string) {
	t.Helper()
	f.t = t
	f.jobs = map[string]string{}
	srv := httptest.NewServer(f)
	t.Cleanup(func() { f.close(); srv.Close() })
	return srv.URL + "/dev", "ws" + strings.TrimPrefix(srv.URL, "http") + "/ws"
}

func mustTemplate(t *testing.T, s string) *Template {
	t.Helper()
	tpl, err := ParseTemplate(s)
	if err != nil {
		t.Fatal(err)
	}
	return tpl
}

func TestRunClosedLoopPolling(t *testing.T) {
	t.Parallel()
	f := &fakeAPI{reject: map[int]bool{3: true}, never: map[int]bool{7: true}, fail: map[int]bool{0: true, 5: true, 10: true, 15: true}}
	api, _ := startFake(t, f)
	var snaps []Snapshot
	var mu sync.Mutex
	rep, err := Run(t.Context(), Plan{
		URL: api + "/jobs", API: api, Body: mustTemplate(t, `{"i": {{i}}}`),
		Requests: 20, Concurrency: 4, WaitTimeout: 2 * time.Second, PollInterval: 10 * time.Millisecond,
		Progress:      func(s Snapshot) { mu.Lock(); snaps = append(snaps, s); mu.Unlock() },
		ProgressEvery: 5 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	want := Report{Requests: 20, Accepted: 19, Rejected: 1, Succeeded: 14, Failed: 4, Lost: 1, ObservedByPoll: 18}
	got := Report{Requests: rep.Requests, Accepted: rep.Accepted, Rejected: rep.Rejected, Errors: rep.Errors,
		Succeeded: rep.Succeeded, Failed: rep.Failed, Lost: rep.Lost, ObservedByPush: rep.ObservedByPush, ObservedByPoll: rep.ObservedByPoll}
	if got.Status != nil || fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("report counts = %+v\nwant %+v", got, want)
	}
	if rep.Status["202"] != 19 || rep.Status["500"] != 1 || rep.Mode != "closed" || rep.Concurrency != 4 || rep.Push {
		t.Fatalf("report = %+v", rep)
	}
	if rep.Ack.Count != 19 || rep.EndToEnd.Count != 18 || rep.EndToEnd.P50 < rep.Ack.P50 || rep.EndToEnd.Max <= 0 {
		t.Fatalf("latencies ack %+v e2e %+v", rep.Ack, rep.EndToEnd)
	}
	if rep.JobsPerSecond <= 0 || rep.AckPerSecond <= 0 {
		t.Fatalf("rates %v %v", rep.JobsPerSecond, rep.AckPerSecond)
	}
	if f.posts != 20 {
		t.Fatalf("server saw %d posts, want 20", f.posts)
	}
	err = rep.Problems()
	if err == nil || err.Error() != "bench: 1 rejected, 4 failed, 1 lost (of 20 requests)" {
		t.Fatalf("Problems() = %v", err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(snaps) == 0 || snaps[len(snaps)-1].Sent != 20 || snaps[len(snaps)-1].Total != 20 {
		t.Fatalf("progress snapshots: %+v", snaps)
	}
}

func TestRunOpenLoopPush(t *testing.T) {
	t.Parallel()
	f := &fakeAPI{push: true}
	api, ws := startFake(t, f)
	start := time.Now()
	rep, err := Run(t.Context(), Plan{
		URL: api + "/jobs", API: api, WS: ws, Body: mustTemplate(t, `{"i": {{i}}}`),
		Requests: 30, Rate: 300, WaitTimeout: 2 * time.Second, PollInterval: time.Second,
	})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Mode != "open" || rep.Rate != 300 || !rep.Push || rep.Concurrency != DefaultMaxInFlight {
		t.Fatalf("report = %+v", rep)
	}
	if rep.Accepted != 30 || rep.Succeeded != 30 || rep.Lost != 0 || rep.ObservedByPush != 30 || rep.Problems() != nil {
		t.Fatalf("report = %+v", rep)
	}
	// 30 requests at 300/s are due over 97 ms: the run cannot be faster.
	if el := time.Since(start); el < 90*time.Millisecond {
		t.Fatalf("open loop finished in %v, faster than its schedule", el)
	}
}

func TestRunDurationAndCancel(t *testing.T) {
	t.Parallel()
	f := &fakeAPI{}
	api, _ := startFake(t, f)
	rep, err := Run(t.Context(), Plan{URL: api + "/jobs", API: api, Body: mustTemplate(t, `{"i": {{i}}}`),
		Duration: 50 * time.Millisecond, Concurrency: 2, PollInterval: 5 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Requests == 0 || rep.Requests != rep.Succeeded || rep.SendSeconds > 1 {
		t.Fatalf("duration-bound run: %+v", rep)
	}

	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	rep, err = Run(ctx, Plan{URL: api + "/jobs", API: api, Body: mustTemplate(t, `{"i": {{i}}}`), Requests: 5})
	if err != context.Canceled || rep == nil || rep.Requests != 0 {
		t.Fatalf("cancelled run: %+v, %v", rep, err)
	}
}

func TestResolveStatusLink(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ base, link, want string }{
		{"http://h:1", "/jobs/a", "http://h:1/jobs/a"},
		{"http://h:1/dev", "/jobs/a", "http://h:1/dev/jobs/a"},
		{"http://h:1/dev/", "/dev/jobs/a", "http://h:1/dev/jobs/a"},
		{"http://h:1/dev", "https://x/jobs/a", "https://x/jobs/a"},
	} {
		rn, err := newResolveRunner(tc.base)
		if err != nil {
			t.Fatal(err)
		}
		if got := rn.resolve(tc.link); got != tc.want {
			t.Errorf("resolve(%q, %q) = %q, want %q", tc.base, tc.link, got, tc.want)
		}
	}
}

func newResolveRunner(base string) (*runner, error) {
	u, err := url.Parse(base)
	return &runner{base: u}, err
}
