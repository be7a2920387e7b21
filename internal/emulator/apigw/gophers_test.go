package apigw

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

var gopherVars = map[string]string{
	"AWS::Region": "us-east-1", "AWS::Partition": "aws", "AWS::AccountId": "123456789012",
	"ServiceName": "gophers", "JobsTable": "gophers-jobs", "Jobs": "gophers-jobs",
}

func loadGophers(t testing.TB) string {
	t.Helper()
	src, err := os.ReadFile("../../../examples/gophers/openapi.yaml")
	if err != nil {
		t.Fatalf("read gophers openapi: %v", err)
	}
	return string(src)
}

func TestGophersEndToEnd(t *testing.T) {
	t.Parallel()
	var getItem, query atomic.Value
	getItem.Store(`{}`)
	query.Store(`{"Items":[],"Count":0}`)
	f := &fakeIntegrations{InvokeFunc: func(_ context.Context, service, action string, body []byte) (int, []byte, error) {
		switch action {
		case "PutItem":
			return 200, []byte(`{}`), nil
		case "GetItem":
			return 200, []byte(getItem.Load().(string)), nil
		case "Query":
			return 200, []byte(query.Load().(string)), nil
		}
		return 400, []byte(`{"__type":"UnknownOperationException"}`), nil
	}}
	a := newTestAPI(t, loadGophers(t), gopherVars, f)
	if w := a.Warnings(); len(w) != 0 {
		t.Fatalf("gophers document has warnings: %q", w)
	}

	// POST /gophers: stored as a job, 202 with Location and links.
	got := do(t, a, "POST", "/dev/gophers", "application/json", `{"name":"Gordon","location":"Garden 1"}`)
	if got.status != 202 {
		t.Fatalf("POST status %d: %s", got.status, got.body)
	}
	id := got.header.Get("x-amzn-RequestId")
	if got.header.Get("Location") != "/jobs/"+id || got.header.Get("Content-Type") != "application/json" {
		t.Fatalf("POST headers %v", got.header)
	}
	var accepted struct {
		ID, Status string
		Links      []struct{ Rel, Method, Href string }
	}
	if err := json.Unmarshal([]byte(got.body), &accepted); err != nil {
		t.Fatalf("POST body %s: %v", got.body, err)
	}
	if accepted.ID != id || accepted.Status != "Pending" || len(accepted.Links) != 1 || accepted.Links[0].Href != "/jobs/"+id {
		t.Fatalf("POST body %+v", accepted)
	}
	calls := f.Calls()
	if len(calls) != 1 || calls[0].service != "dynamodb" || calls[0].action != "PutItem" {
		t.Fatalf("calls %+v", calls)
	}
	var put struct {
		TableName           string
		Item                map[string]map[string]any
		ConditionExpression string
	}
	if err := json.Unmarshal(calls[0].body, &put); err != nil {
		t.Fatalf("PutItem is not JSON: %v\n%s", err, calls[0].body)
	}
	if put.TableName != "gophers-jobs" || put.Item["pk"]["S"] != id || put.Item["sk"]["S"] != "job#addGopher" ||
		put.Item["status"]["S"] != "Pending" || put.Item["createdAt"]["S"] != "07/Mar/2026:09:05:04 +0000" ||
		put.Item["createdAtEpoch"]["N"] != "1772874304123" || put.ConditionExpression != "attribute_not_exists(pk)" {
		t.Fatalf("PutItem = %s", calls[0].body)
	}
	input, _ := put.Item["input"]["M"].(map[string]any)
	if n, _ := input["name"].(map[string]any); n["S"] != "Gordon" {
		t.Fatalf("PutItem input = %v", input)
	}

	// Bad bodies: 400, nothing stored.
	for _, body := range []string{`{"name":"Gordon"}`, `{"name":"Gordon","location":"x","extra":1}`, `{"name":"<script>","location":"x"}`, `not json`, ``} {
		wantGatewayError(t, do(t, a, "POST", "/gophers", "application/json", body), 400, "Invalid request body")
	}
	// Unmapped content type: NEVER → 415, nothing stored.
	wantGatewayError(t, do(t, a, "POST", "/gophers", "text/plain", "x"), 415, "Unsupported Media Type")
	if n := len(f.Calls()); n != 1 {
		t.Fatalf("integration called %d times, want 1", n)
	}

	// GET /jobs/{id}: not found, then found.
	got = do(t, a, "GET", "/jobs/"+id, "", "")
	if got.status != 404 || wantJSON(t, got.body)["message"] != "Job not found" {
		t.Fatalf("GET missing job: %d %s", got.status, got.body)
	}
	last := f.Calls()[len(f.Calls())-1]
	if last.action != "GetItem" || !strings.Contains(string(last.body), `"pk": {"S": "`+id+`"}`) {
		t.Fatalf("GetItem body %s", last.body)
	}
	getItem.Store(`{"Item":{"pk":{"S":"` + id + `"},"sk":{"S":"job#addGopher"},"status":{"S":"Succeeded"},
		"createdAt":{"S":"07/Mar/2026:09:05:04 +0000"},"updatedAt":{"S":"later"},
		"result":{"M":{"gopherId":{"S":"Gordon"},"holesLinked":{"N":"2"}}}}}`)
	got = do(t, a, "GET", "/jobs/"+id, "", "")
	if got.status != 200 {
		t.Fatalf("GET job: %d %s", got.status, got.body)
	}
	var job struct {
		ID, Status, CreatedAt, UpdatedAt string
		Result                           struct {
			GopherID    string
			HolesLinked int
		}
		Links []struct{ Rel, Href string }
	}
	if err := json.Unmarshal([]byte(got.body), &job); err != nil {
		t.Fatalf("GET job body is not JSON: %v\n%s", err, got.body)
	}
	if job.ID != id || job.Status != "Succeeded" || job.UpdatedAt != "later" || job.Result.GopherID != "Gordon" || job.Result.HolesLinked != 2 ||
		len(job.Links) != 2 || job.Links[0].Href != "/gophers/Gordon" || job.Links[1].Href != "/jobs/"+id {
		t.Fatalf("GET job = %+v", job)
	}

	// GET /gophers/{id}: 404 without items, the gopher with its holes otherwise.
	got = do(t, a, "GET", "/gophers/Gordon", "", "")
	if got.status != 404 {
		t.Fatalf("GET missing gopher: %d %s", got.status, got.body)
	}
	query.Store(`{"Count":3,"Items":[
		{"pk":{"S":"gopher#Gordon"},"sk":{"S":"gopher"},"name":{"S":"Gordon"},"location":{"S":"Garden 1"},"jobId":{"S":"` + id + `"}},
		{"pk":{"S":"gopher#Gordon"},"sk":{"S":"hole#1"},"hole":{"S":"h1"}},
		{"pk":{"S":"gopher#Gordon"},"sk":{"S":"hole#2"},"hole":{"S":"h2"}}]}`)
	got = do(t, a, "GET", "/gophers/Gordon", "", "")
	var gopher struct {
		ID, Name, Location, JobID string
		LinkedHoles               []string
	}
	if err := json.Unmarshal([]byte(got.body), &gopher); err != nil || got.status != 200 {
		t.Fatalf("GET gopher: %d %v\n%s", got.status, err, got.body)
	}
	if gopher.Name != "Gordon" || gopher.JobID != id || strings.Join(gopher.LinkedHoles, ",") != "h1,h2" {
		t.Fatalf("GET gopher = %+v", gopher)
	}
	last = f.Calls()[len(f.Calls())-1]
	if !strings.Contains(string(last.body), `"gopher#Gordon"`) {
		t.Fatalf("Query body %s", last.body)
	}

	// A DynamoDB error (condition failed) maps to the 500 the document declares.
	f.InvokeFunc = func(context.Context, string, string, []byte) (int, []byte, error) {
		return 400, []byte(`{"__type":"com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException"}`), nil
	}
	got = do(t, a, "POST", "/gophers", "application/json", `{"name":"G","location":"L"}`)
	if got.status != 500 || wantJSON(t, got.body)["message"] != "The job could not be stored." {
		t.Fatalf("conditional failure: %d %s", got.status, got.body)
	}
}

// panicCatcher is a slog handler that remembers whether a panic was logged.
type panicCatcher struct{ panicked atomic.Bool }

func (h *panicCatcher) Enabled(context.Context, slog.Level) bool { return true }
func (h *panicCatcher) Handle(_ context.Context, r slog.Record) error {
	if strings.Contains(r.Message, "panic") {
		h.panicked.Store(true)
	}
	return nil
}
func (h *panicCatcher) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h *panicCatcher) WithGroup(string) slog.Handler      { return h }

func FuzzRequest(f *testing.F) {
	seeds := []struct{ method, path, ctype, body string }{
		{"POST", "/gophers", "application/json", `{"name":"Gordon","location":"Garden 1"}`},
		{"POST", "/dev/gophers", "", `{"name":"a","location":"b"}`},
		{"POST", "/gophers", "text/plain", "x"},
		{"POST", "/gophers", "application/json", `{"name":"\u0000\"'$","location":"#set($x = 1)"}`},
		{"GET", "/jobs/abc", "", ""},
		{"GET", "/jobs/%2e%2e", "", ""},
		{"GET", "/gophers/x%22y", "application/json", "{"},
		{"DELETE", "/gophers", "", ""},
		{"GET", "//", "", ""},
		{"PUT", "/dev/", "application/xml", "<a/>"},
	}
	for _, s := range seeds {
		f.Add(s.method, s.path, s.ctype, s.body)
	}
	catcher := &panicCatcher{}
	doc, lines := cfnYAML(f, loadGophers(f), gopherVars)
	integ := &fakeIntegrations{InvokeFunc: func(_ context.Context, _, action string, body []byte) (int, []byte, error) {
		if !json.Valid(body) {
			return 400, []byte(`{"__type":"SerializationException"}`), nil
		}
		switch action {
		case "GetItem":
			return 200, []byte(`{"Item":{"pk":{"S":"x"},"status":{"S":"Pending"}}}`), nil
		case "Query":
			return 200, []byte(`{"Items":[{"sk":{"S":"gopher"},"name":{"S":"n"}}]}`), nil
		}
		return 200, []byte(`{}`), nil
	}}
	a, err := New(Options{Doc: doc, File: "openapi.yaml", Lines: lines, Stage: "dev", Integrations: integ, Logger: slog.New(catcher)})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, method, path, ctype, body string) {
		if !validMethod(method) {
			method = "GET"
		}
		r, err := http.NewRequest(method, "http://localhost/", strings.NewReader(body))
		if err != nil {
			return
		}
		r.URL.Path = "/" + strings.TrimPrefix(path, "/")
		r.URL.RawPath = ""
		if ctype != "" {
			r.Header["Content-Type"] = []string{ctype}
		}
		w := httptest.NewRecorder()
		a.ServeHTTP(w, r)
		if catcher.panicked.Load() {
			t.Fatalf("panic on %s %q %q %q", method, path, ctype, body)
		}
		switch {
		case w.Code >= 500 && w.Code != 500 && w.Code != 502 && w.Code != 504:
			t.Fatalf("unexpected %d for %s %q", w.Code, method, path)
		case w.Code == 500 && !strings.Contains(w.Body.String(), "Internal server error") && !strings.Contains(w.Body.String(), "could not be"):
			t.Fatalf("500 that is not a deliberate one: %s", w.Body)
		}
		if w.Header().Get("x-amzn-RequestId") == "" || w.Header().Get("Content-Type") == "" {
			t.Fatalf("missing headers: %v", w.Header())
		}
	})
}

func validMethod(m string) bool {
	if m == "" || len(m) > 16 {
		return false
	}
	for _, c := range m {
		if c < 'A' || c > 'Z' {
			return false
		}
	}
	return true
}

func BenchmarkPostGopher(b *testing.B) {
	doc, lines := cfnYAML(b, loadGophers(b), gopherVars)
	a, err := New(Options{Doc: doc, File: "openapi.yaml", Lines: lines, Stage: "dev", Integrations: benchIntegrations{}, Now: func() time.Time { return fixedNow }})
	if err != nil {
		b.Fatal(err)
	}
	body := `{"name":"Gordon","location":"Garden 1"}`
	b.ReportAllocs()
	for b.Loop() {
		r := httptest.NewRequest("POST", "/dev/gophers", strings.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
		w := httptest.NewRecorder()
		a.ServeHTTP(w, r)
		if w.Code != 202 {
			b.Fatalf("status %d: %s", w.Code, w.Body)
		}
	}
}

// benchIntegrations answers PutItem without recording calls, so the
// benchmark measures the front and not the fake.
type benchIntegrations struct{}

func (benchIntegrations) Invoke(context.Context, string, string, []byte) (int, []byte, error) {
	return 200, []byte(`{}`), nil
}
