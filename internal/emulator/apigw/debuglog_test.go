package apigw

import (
	"context"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// captureHandler records every log record at or above its level.
type captureHandler struct {
	level slog.Level
	mu    sync.Mutex
	recs  []slog.Record
}

func (h *captureHandler) Enabled(_ context.Context, l slog.Level) bool { return l >= h.level }
func (h *captureHandler) Handle(_ context.Context, r slog.Record) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.recs = append(h.recs, r.Clone())
	return nil
}
func (h *captureHandler) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h *captureHandler) WithGroup(string) slog.Handler      { return h }

// attrs returns the attributes of the first record with message msg.
func (h *captureHandler) attrs(msg string) (map[string]string, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, r := range h.recs {
		if r.Message != msg {
			continue
		}
		out := map[string]string{}
		r.Attrs(func(a slog.Attr) bool {
			out[a.Key] = a.Value.String()
			return true
		})
		return out, true
	}
	return nil, false
}

func newLoggedGophers(t *testing.T, level slog.Level, integ Integrations) (*API, *captureHandler) {
	t.Helper()
	doc, lines := cfnYAML(t, loadGophers(t), gopherVars)
	h := &captureHandler{level: level}
	a, err := New(Options{
		Doc: doc, File: "openapi.yaml", Lines: lines, Stage: "dev", Integrations: integ,
		Logger: slog.New(h), Now: func() time.Time { return fixedNow }, NewRequestID: fixedIDs(),
	})
	if err != nil {
		t.Fatal(err)
	}
	return a, h
}

func TestDebugExecutionLog(t *testing.T) {
	t.Parallel()
	big := `{"ConsumedCapacity": "` + strings.Repeat("x", 3*maxLoggedBody) + `"}`
	integ := &fakeIntegrations{InvokeFunc: func(context.Context, string, string, []byte) (int, []byte, error) {
		return 200, []byte(big), nil
	}}
	a, h := newLoggedGophers(t, slog.LevelDebug, integ)
	got := do(t, a, "POST", "/dev/gophers", "application/json", `{"name": "Gordon", "location": "Zurich"}`)
	if got.status != 202 {
		t.Fatalf("status = %d: %s", got.status, got.body)
	}
	tests := []struct {
		msg  string
		want map[string]string
	}{
		{"method request", map[string]string{"route": "POST /gophers", "requestId": "req-1", "path": "/dev/gophers", "body": `{"name": "Gordon", "location": "Zurich"}`}},
		{"integration request", map[string]string{"route": "POST /gophers", "type": "aws", "target": "dynamodb:PutItem"}},
		{"integration response", map[string]string{"route": "POST /gophers", "status": "200"}},
		{"method response", map[string]string{"route": "POST /gophers", "status": "202"}},
	}
	for _, tt := range tests {
		attrs, ok := h.attrs(tt.msg)
		if !ok {
			t.Fatalf("no %q record", tt.msg)
		}
		for k, v := range tt.want {
			if attrs[k] != v {
				t.Errorf("%s: %s = %q, want %q", tt.msg, k, attrs[k], v)
			}
		}
	}
	ir, _ := h.attrs("integration request")
	if !strings.Contains(ir["body"], `"TableName": "gophers-jobs"`) || !strings.Contains(ir["body"], `"S": "Gordon"`) {
		t.Errorf("integration request body is not the rendered template: %s", ir["body"])
	}
	res, _ := h.attrs("integration response")
	if len(res["body"]) > maxLoggedBody+40 || !strings.HasSuffix(res["body"], "("+itoa(len(big))+" bytes)") {
		t.Errorf("integration response body not truncated: %d bytes, ends %q", len(res["body"]), res["body"][len(res["body"])-30:])
	}
	mr, _ := h.attrs("method response")
	if !strings.Contains(mr["body"], `"id": "req-1"`) {
		t.Errorf("method response body = %s", mr["body"])
	}

	// An unknown route still logs its response, with no route.
	do(t, a, "GET", "/dev/nope", "", "")
	h.mu.Lock()
	last := h.recs[len(h.recs)-1]
	h.mu.Unlock()
	if last.Message != "method response" {
		t.Fatalf("last record = %q", last.Message)
	}
}

func TestNoExecutionLogAtInfo(t *testing.T) {
	t.Parallel()
	a, h := newLoggedGophers(t, slog.LevelInfo, &fakeIntegrations{})
	if got := do(t, a, "POST", "/dev/gophers", "application/json", `{"name": "Gordon", "location": "Zurich"}`); got.status != 202 {
		t.Fatalf("status = %d", got.status)
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, r := range h.recs {
		t.Errorf("logged at info: %s %q", r.Level, r.Message)
	}
}

func TestLogBody(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("é", maxLoggedBody) // 2 bytes each: the cut falls inside a rune
	tests := []struct {
		in       string
		wantSame bool
	}{
		{"", true},
		{"short", true},
		{strings.Repeat("a", maxLoggedBody), true},
		{long, false},
	}
	for _, tt := range tests {
		got := logBody([]byte(tt.in))
		if (got == tt.in) != tt.wantSame {
			t.Errorf("logBody(%d bytes) = %d bytes", len(tt.in), len(got))
		}
		if !tt.wantSame && (!strings.HasPrefix(got, "éé") || !strings.HasSuffix(got, "("+itoa(len(tt.in))+" bytes)") || strings.ContainsRune(got, '\uFFFD')) {
			t.Errorf("logBody cut badly: ...%q", got[len(got)-30:])
		}
	}
}

func itoa(n int) string { return strconv.Itoa(n) }
