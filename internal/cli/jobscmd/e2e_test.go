package jobscmd

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/charmbracelet/x/exp/teatest"

	"github.com/sfapi/sfapi/internal/cli/iostreams"
	"github.com/sfapi/sfapi/internal/emulator"
	"github.com/sfapi/sfapi/internal/project"
	"github.com/sfapi/sfapi/internal/tui"
)

const gophersDir = "../../../examples/gophers"

// startDev runs the gophers example in process on free ports, the way
// `sfapi dev` does, and returns a Locator that finds it as the commands
// would: through the endpoints file in the data dir.
func startDev(t *testing.T) (emulator.Endpoints, Locator) {
	t.Helper()
	p, err := project.Load(gophersDir)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	em, err := emulator.New(emulator.Options{Project: p, DataDir: dir, InMemory: true, APIAddr: "127.0.0.1:0", AWSAddr: "127.0.0.1:0", WSAddr: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	ep, err := em.Start(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := em.Shutdown(ctx); err != nil {
			t.Errorf("shutdown: %v", err)
		}
	})
	return ep, Locator{ProjectDir: gophersDir, DataDir: dir}
}

func post(t *testing.T, api, body string) string {
	t.Helper()
	resp, err := http.Post(api+"/gophers", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusAccepted {
		t.Fatalf("POST /gophers = %d %s", resp.StatusCode, data)
	}
	return jobID(data, "")
}

// TestWatchEndToEnd runs the watch UI against a live dev stack while jobs
// are submitted, and checks the screen shows one job reaching Succeeded and
// a duplicate gopher's job reaching Failed.
func TestWatchEndToEnd(t *testing.T) {
	t.Parallel()
	ep, loc := startDev(t)
	tgt, err := loc.Locate(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	io, _, _, _ := iostreams.Test()
	o := &JobsOptions{IO: io, Now: time.Now, Locator: loc}
	m := newWatchModel(t.Context(), o, tgt)
	tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(160, 40))
	// Submit only once the push connection is live: events published
	// before a client connects are, by design, not replayed to it.
	teatest.WaitFor(t, tm.Output(), func(b []byte) bool { return bytes.Contains(b, []byte("push events (live)")) },
		teatest.WithDuration(15*time.Second), teatest.WithCheckInterval(20*time.Millisecond))

	ok := post(t, ep.API, `{"name": "Gordon", "location": "meadow"}`)
	teatest.WaitFor(t, tm.Output(), func(b []byte) bool { return rowRe(ok, "Succeeded").Match(b) },
		teatest.WithDuration(15*time.Second), teatest.WithCheckInterval(20*time.Millisecond))
	dup := post(t, ep.API, `{"name": "Gordon", "location": "river"}`)
	teatest.WaitFor(t, tm.Output(), func(b []byte) bool { return rowRe(dup, "Failed").Match(b) },
		teatest.WithDuration(15*time.Second), teatest.WithCheckInterval(20*time.Millisecond))

	if err := tm.Quit(); err != nil {
		t.Fatal(err)
	}
	fm, isModel := tm.FinalModel(t, teatest.WithFinalTimeout(5*time.Second)).(*tui.Model)
	if !isModel {
		t.Fatal("final model is not *tui.Model")
	}
	if j, _ := fm.Job(ok); j.Status != tui.StatusSucceeded || j.Input == "" {
		t.Fatalf("job %s in the model: %+v", ok, j)
	}
	if j, _ := fm.Job(dup); j.Status != tui.StatusFailed || !strings.Contains(j.Error, "Gordon") && j.Error == "" {
		t.Fatalf("job %s in the model: %+v", dup, j)
	}
	// The push events reached the model too (progress from JobProgress /
	// JobSucceeded events; the table alone carries none).
	pushed := 0
	for _, ev := range fm.Events() {
		if ev.JobID == ok || ev.JobID == dup {
			pushed++
		}
	}
	if pushed < 3 {
		t.Fatalf("push events seen = %+v", fm.Events())
	}
}

// rowRe matches a table row of job id with status (ANSI codes tolerated).
func rowRe(id, status string) *regexp.Regexp {
	return regexp.MustCompile(regexp.QuoteMeta(id) + `\s+addGopher\s+(\x1b\[[0-9;]*m)?` + regexp.QuoteMeta(status))
}

// syncBuffer is a bytes.Buffer safe for one writer and one reader.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}
func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestCommandsEndToEnd runs submit --wait, list, get and the JSON-lines
// watch through jobsRun against a live dev stack.
func TestCommandsEndToEnd(t *testing.T) {
	t.Parallel()
	ep, loc := startDev(t)
	ctx := t.Context()

	// watch without a TTY prints JSON lines.
	wio, _, _, _ := iostreams.Test()
	lines := &syncBuffer{}
	wio.Out = lines
	wctx, stopWatch := context.WithCancel(ctx)
	watchDone := make(chan error, 1)
	go func() {
		watchDone <- jobsRun(wctx, &JobsOptions{IO: wio, Now: time.Now, Locator: loc, Command: "watch", PollInterval: 50 * time.Millisecond})
	}()
	time.Sleep(200 * time.Millisecond) // let watch connect before the job runs

	sio, in, out, errOut := iostreams.Test()
	in.WriteString(`{"name": "Gina", "location": "meadow"}`)
	if err := jobsRun(ctx, &JobsOptions{IO: sio, Now: time.Now, Locator: loc, Command: "submit", Wait: true, Output: "json", PollInterval: 20 * time.Millisecond}); err != nil {
		t.Fatalf("submit --wait: %v\n%s", err, errOut)
	}
	var job jobView
	if err := json.Unmarshal(out.Bytes(), &job); err != nil || job.Status != "Succeeded" || job.Operation != "addGopher" || job.Result == nil {
		t.Fatalf("submit --wait printed %s (%v)", out, err)
	}
	if !strings.Contains(errOut.String(), "202") || !strings.Contains(errOut.String(), "█") {
		t.Fatalf("submit progress on stderr = %q", errOut)
	}
	dup := post(t, ep.API, `{"name": "Gina", "location": "river"}`)

	waitFor(t, "the JSON lines of both jobs", func() bool {
		s := lines.String()
		return strings.Contains(s, `"jobId":"`+job.ID+`","status":"Succeeded"`) && strings.Contains(s, `"jobId":"`+dup+`","status":"Failed"`)
	})
	stopWatch()
	if err := <-watchDone; err != nil {
		t.Fatalf("watch: %v", err)
	}
	for _, l := range strings.Split(strings.TrimSpace(lines.String()), "\n") {
		var wl watchLine
		if err := json.Unmarshal([]byte(l), &wl); err != nil || (wl.Kind != "push" && wl.Kind != "status") || wl.JobID == "" {
			t.Fatalf("watch line %q: %v", l, err)
		}
	}
	if !strings.Contains(lines.String(), `"kind":"push"`) {
		t.Fatalf("no push event among the watch lines:\n%s", lines)
	}

	// list: both jobs, newest first, filters.
	run := func(o JobsOptions) string {
		t.Helper()
		io, _, out, _ := iostreams.Test()
		o.IO, o.Now, o.Locator = io, time.Now, loc
		if err := jobsRun(ctx, &o); err != nil {
			t.Fatalf("%s: %v", o.Command, err)
		}
		return out.String()
	}
	var listed []jobView
	if err := json.Unmarshal([]byte(run(JobsOptions{Command: "list", Output: "json"})), &listed); err != nil || len(listed) != 2 || listed[0].ID != dup || listed[1].ID != job.ID {
		t.Fatalf("list -o json = %+v, %v", listed, err)
	}
	if got := run(JobsOptions{Command: "list", Status: "Failed"}); !strings.Contains(got, dup) || strings.Contains(got, job.ID) || !strings.HasPrefix(got, "ID") {
		t.Fatalf("list --status Failed =\n%s", got)
	}
	if got := run(JobsOptions{Command: "list", Limit: 1, Output: "yaml"}); strings.Count(got, "- id:") != 1 {
		t.Fatalf("list --limit 1 -o yaml =\n%s", got)
	}
	if got := run(JobsOptions{Command: "list", Since: time.Nanosecond}); strings.Contains(got, dup) {
		t.Fatalf("list --since 1ns shows old jobs:\n%s", got)
	}

	// get: the failed job's states, error and events.
	var got jobView
	if err := json.Unmarshal([]byte(run(JobsOptions{Command: "get", ID: dup, Output: "json"})), &got); err != nil {
		t.Fatal(err)
	}
	if got.Status != "Failed" || got.Error == nil || len(got.States) == 0 || got.States[len(got.States)-1].Name != "JobFailed" {
		t.Fatalf("get -o json = %+v", got)
	}
	failed := false
	for _, s := range got.States {
		failed = failed || s.Failed
	}
	if !failed || len(got.Events) < 2 || got.Events[len(got.Events)-1].DetailType != "JobFailed" {
		t.Fatalf("get: states %+v events %+v", got.States, got.Events)
	}
	text := run(JobsOptions{Command: "get", ID: job.ID})
	for _, want := range []string{"status     Succeeded", "states:", "MarkSucceeded", "events:", "JobSucceeded"} {
		if !strings.Contains(text, want) {
			t.Fatalf("get text lacks %q:\n%s", want, text)
		}
	}
	// On AWS, Pipes cannot name executions after jobs: the journey is found
	// through the executionId the job item records. A job whose execution
	// has another name still shows its states.
	target, err := loc.Locate(ctx)
	if err != nil {
		t.Fatal(err)
	}
	stored, err := target.Source.Get(ctx, job.ID)
	if err != nil || stored.ExecutionARN == "" || !strings.HasSuffix(stored.ExecutionARN, ":"+job.ID) {
		t.Fatalf("job item's execution = %q (%v)", stored.ExecutionARN, err)
	}
	client, ok := target.Source.DDB.(*dynamodb.Client)
	if !ok {
		t.Fatalf("source's DynamoDB is a %T", target.Source.DDB)
	}
	_, err = client.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(target.Source.Table), Item: map[string]ddbtypes.AttributeValue{
		target.Source.PK: &ddbtypes.AttributeValueMemberS{Value: "renamed-job"},
		target.Source.SK: &ddbtypes.AttributeValueMemberS{Value: jobPrefix + "addGopher"},
		"status":         &ddbtypes.AttributeValueMemberS{Value: "Succeeded"},
		"executionId":    &ddbtypes.AttributeValueMemberS{Value: stored.ExecutionARN},
	}})
	if err != nil {
		t.Fatal(err)
	}
	steps, err := target.Source.Journey(ctx, "renamed-job")
	if err != nil || len(steps) == 0 || steps[len(steps)-1].Name != "AnnounceSucceeded" {
		t.Fatalf("journey through executionId = %+v, %v", steps, err)
	}
}
