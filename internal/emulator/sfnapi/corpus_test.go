package sfnapi_test

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"

	"github.com/sfapi/sfapi/internal/emulator/asl"
	"github.com/sfapi/sfapi/internal/emulator/awsjson"
	"github.com/sfapi/sfapi/internal/emulator/kv"
	"github.com/sfapi/sfapi/internal/emulator/sfnapi"
)

// The state machine corpus of internal/emulator/asl/testdata/machines
// (see asl's golden_test.go), run over the Step Functions API with the
// SDK. With SFAPI_CORPUS_SFN_ENDPOINT set (e.g. Step Functions Local at
// http://localhost:8083) the cases run against that endpoint, except those
// whose case says why the endpoint cannot run them (endpointSkip) and those
// that need scripted task answers or callbacks, which only the embedded
// engine gets; each is logged. Without it they all run against the
// embedded engine behind sfnapi, which proves the runner.
//
// Compared with NAME.golden.json: status, error, output (as JSON) and the
// history's event types (sorted for concurrent cases); causes too on the
// embedded engine.

const corpusDir = "../asl/testdata/machines"

type corpusCase struct {
	Name  string          `json:"name"`
	Input json.RawMessage `json:"input"`
	Tasks map[string][]struct {
		Output json.RawMessage `json:"output"`
		Error  string          `json:"error"`
		Cause  string          `json:"cause"`
	} `json:"tasks"`
	Callback *struct {
		Output json.RawMessage `json:"output"`
		Error  string          `json:"error"`
		Cause  string          `json:"cause"`
	} `json:"callback"`
	TestCase     string `json:"testCase"`
	Concurrent   bool   `json:"concurrent"`
	EndpointSkip string `json:"endpointSkip"`
}

type corpusGolden struct {
	Status  string            `json:"status"`
	Output  json.RawMessage   `json:"output"`
	Error   string            `json:"error"`
	Cause   string            `json:"cause"`
	History []json.RawMessage `json:"history"`
}

// corpusTasks answers the embedded engine's tasks from the running
// case's scripted answers (by resource, in order, the last repeating) and
// sends the case's callback for .waitForTaskToken tasks over the API.
type corpusTasks struct {
	mu     sync.Mutex
	c      *corpusCase
	calls  map[string]int
	client *sfn.Client
	errs   []string
}

func (ct *corpusTasks) Invoke(ctx context.Context, req asl.TaskRequest) (json.RawMessage, error) {
	ct.mu.Lock()
	c := ct.c
	list := c.Tasks[req.Resource]
	n := ct.calls[req.Resource]
	ct.calls[req.Resource] = n + 1
	ct.mu.Unlock()
	if c.Callback != nil {
		var params any
		if json.Unmarshal(req.Parameters, &params) == nil {
			for _, tok := range tokensIn(params) {
				var err error
				if c.Callback.Error != "" {
					_, err = ct.client.SendTaskFailure(ctx, &sfn.SendTaskFailureInput{TaskToken: aws.String(tok), Error: aws.String(c.Callback.Error), Cause: aws.String(c.Callback.Cause)})
				} else {
					_, err = ct.client.SendTaskSuccess(ctx, &sfn.SendTaskSuccessInput{TaskToken: aws.String(tok), Output: aws.String(string(c.Callback.Output))})
				}
				if err != nil {
					ct.mu.Lock()
					ct.errs = append(ct.errs, err.Error())
					ct.mu.Unlock()
				}
			}
		}
	}
	if len(list) == 0 {
		return nil, asl.NewTaskError("Test.NoResponse", "no scripted response for "+req.Resource)
	}
	r := list[min(n, len(list)-1)]
	if r.Error != "" {
		return nil, asl.NewTaskError(r.Error, r.Cause)
	}
	return r.Output, nil
}

func tokensIn(v any) []string {
	var out []string
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			if s, ok := e.(string); ok && strings.Contains(strings.ToLower(k), "token") {
				out = append(out, s)
			} else {
				out = append(out, tokensIn(e)...)
			}
		}
	case []any:
		for _, e := range x {
			out = append(out, tokensIn(e)...)
		}
	}
	return out
}

// corpusClock is the embedded engine's clock: Wait states and retries
// advance it instead of sleeping, as in asl's golden test.
type corpusClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *corpusClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(time.Millisecond)
	return c.now
}

func (c *corpusClock) Sleep(ctx context.Context, d time.Duration) error {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
	return ctx.Err()
}

func TestCorpusEndpoint(t *testing.T) {
	runCorpus(t, os.Getenv("SFAPI_CORPUS_SFN_ENDPOINT"))
}

// runCorpus runs the corpus against endpoint ("" is a fresh embedded
// engine per case).
func runCorpus(t *testing.T, endpoint string) {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(corpusDir, "*.asl.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no corpus: %v", err)
	}
	ran := 0
	for _, file := range files {
		name := strings.TrimSuffix(filepath.Base(file), ".asl.json")
		def, cases, golden, mockPath := readCorpusMachine(t, name)
		for i := range cases {
			c := &cases[i]
			if endpoint != "" {
				if reason := endpointSkipReason(c); reason != "" {
					t.Logf("%s/%s: not run on %s: %s", name, c.Name, endpoint, reason)
					continue
				}
			}
			ran++
			t.Run(name+"/"+c.Name, func(t *testing.T) {
				if endpoint == "" {
					// A fresh engine per case; an endpoint is shared, so
					// its cases run one at a time (each names its machine
					// "m", as the golden files and mock configs do).
					t.Parallel()
				}
				client, tasks := corpusClient(t, endpoint, mockPath)
				if tasks != nil {
					tasks.c = c
				}
				got := runCorpusCase(t, client, name, def, c)
				compareCorpus(t, c, got, golden[c.Name], endpoint == "")
				if tasks != nil && len(tasks.errs) > 0 {
					t.Fatalf("callbacks failed: %v", tasks.errs)
				}
			})
		}
	}
	if ran == 0 {
		t.Fatal("no corpus case ran")
	}
}

func endpointSkipReason(c *corpusCase) string {
	switch {
	case c.EndpointSkip != "":
		return c.EndpointSkip
	case len(c.Tasks) > 0 || c.Callback != nil:
		return "scripted task answers and callbacks are given to the embedded engine only"
	}
	return ""
}

func readCorpusMachine(t *testing.T, name string) (string, []corpusCase, map[string]corpusGolden, string) {
	t.Helper()
	def, err := os.ReadFile(filepath.Join(corpusDir, name+".asl.json"))
	if err != nil {
		t.Fatal(err)
	}
	var cases []corpusCase
	data, err := os.ReadFile(filepath.Join(corpusDir, name+".cases.json"))
	if err == nil {
		err = json.Unmarshal(data, &cases)
	}
	if err != nil {
		t.Fatalf("%s cases: %v", name, err)
	}
	golden := map[string]corpusGolden{}
	data, err = os.ReadFile(filepath.Join(corpusDir, name+".golden.json"))
	if err == nil {
		err = json.Unmarshal(data, &golden)
	}
	if err != nil {
		t.Fatalf("%s golden: %v", name, err)
	}
	mockPath := filepath.Join(corpusDir, name+".mocks.json")
	if _, err := os.Stat(mockPath); err != nil {
		mockPath = ""
	}
	return string(def), cases, golden, mockPath
}

// corpusClient returns a client of the endpoint, or of a fresh embedded
// engine (with the case's task answers and the machine's mocks).
func corpusClient(t *testing.T, endpoint, mockPath string) (*sfn.Client, *corpusTasks) {
	t.Helper()
	opts := sfn.Options{Region: "us-east-1", Credentials: credentials.NewStaticCredentialsProvider("AKID", "SECRET", "")}
	if endpoint != "" {
		opts.BaseEndpoint = aws.String(endpoint)
		// aws-sdk-go-v2 now and then fails a call reading its answer
		// with "use of closed network connection" (seen against every
		// server, dynalite included; docs/benchmarks.md); the corpus's
		// calls are idempotent (same name and input → same execution),
		// so such a call is retried rather than failing a case.
		opts.Retryer = retry.NewStandard(func(o *retry.StandardOptions) {
			o.Retryables = append(o.Retryables, retry.IsErrorRetryableFunc(func(err error) aws.Ternary {
				if err != nil && strings.Contains(err.Error(), "use of closed network connection") {
					return aws.TrueTernary
				}
				return aws.UnknownTernary
			}))
		})
		return sfn.New(opts), nil
	}
	db, err := kv.Open(filepath.Join(t.TempDir(), "sfn.db"), kv.Options{InMemory: true})
	if err != nil {
		t.Fatal(err)
	}
	tasks := &corpusTasks{calls: map[string]int{}}
	clock := &corpusClock{now: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
	eo := asl.Options{Store: db, Tasks: tasks, Now: clock.Now, Sleep: clock.Sleep}
	if mockPath != "" {
		if eo.Mocks, err = asl.LoadMockConfig(mockPath); err != nil {
			t.Fatal(err)
		}
	}
	e, err := asl.NewEngine(eo)
	if err != nil {
		t.Fatal(err)
	}
	mux := awsjson.NewMux(nil)
	sfnapi.Register(mux, e)
	srv := httptest.NewServer(mux)
	t.Cleanup(func() {
		srv.Close()
		_ = e.Shutdown(context.Background())
		_ = db.Close()
	})
	opts.BaseEndpoint, opts.HTTPClient = aws.String(srv.URL), srv.Client()
	tasks.client = sfn.New(opts)
	return tasks.client, tasks
}

type corpusRun struct {
	status, errName, cause string
	output                 json.RawMessage
	events                 []string
}

func runCorpusCase(t *testing.T, client *sfn.Client, machine, def string, c *corpusCase) corpusRun {
	t.Helper()
	ctx := context.Background()
	// Named "m" as in the golden files ($$.StateMachine.Name appears in
	// outputs) and the mock configs; deleted afterwards so the next case
	// can create its own "m" on a shared endpoint.
	sm, err := client.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{Name: aws.String("m"), Definition: aws.String(def),
		RoleArn: aws.String("arn:aws:iam::123456789012:role/r")})
	if err != nil {
		t.Fatalf("%s: CreateStateMachine: %v", machine, err)
	}
	defer func() {
		if _, err := client.DeleteStateMachine(ctx, &sfn.DeleteStateMachineInput{StateMachineArn: sm.StateMachineArn}); err != nil {
			t.Errorf("DeleteStateMachine: %v", err)
		}
	}()
	arn := *sm.StateMachineArn
	if c.TestCase != "" {
		arn += "#" + c.TestCase
	}
	input := "{}"
	if len(c.Input) > 0 {
		input = string(c.Input)
	}
	ex, err := client.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: aws.String(arn), Name: aws.String("case-" + c.Name), Input: aws.String(input)})
	if err != nil {
		t.Fatalf("StartExecution: %v", err)
	}
	deadline := time.Now().Add(60 * time.Second)
	var d *sfn.DescribeExecutionOutput
	for {
		d, err = client.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: ex.ExecutionArn})
		if err != nil {
			t.Fatalf("DescribeExecution: %v", err)
		}
		if d.Status != types.ExecutionStatusRunning {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("execution still RUNNING after 60s")
		}
		time.Sleep(20 * time.Millisecond)
	}
	run := corpusRun{status: string(d.Status), errName: aws.ToString(d.Error), cause: aws.ToString(d.Cause)}
	if d.Output != nil {
		run.output = json.RawMessage(*d.Output)
	}
	p := sfn.NewGetExecutionHistoryPaginator(client, &sfn.GetExecutionHistoryInput{ExecutionArn: ex.ExecutionArn, MaxResults: 100})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Fatalf("GetExecutionHistory: %v", err)
		}
		for _, ev := range page.Events {
			run.events = append(run.events, string(ev.Type))
		}
	}
	return run
}

func compareCorpus(t *testing.T, c *corpusCase, got corpusRun, want corpusGolden, withCause bool) {
	t.Helper()
	if got.status != want.Status || got.errName != want.Error || (withCause && got.cause != want.Cause) {
		t.Fatalf("status %s error %s (%s); golden %s %s (%s)", got.status, got.errName, got.cause, want.Status, want.Error, want.Cause)
	}
	if !jsonEqual(got.output, want.Output) {
		t.Fatalf("output %s; golden %s", got.output, want.Output)
	}
	wantTypes := make([]string, len(want.History))
	for i, raw := range want.History {
		var ev struct{ Type string }
		if err := json.Unmarshal(raw, &ev); err != nil {
			t.Fatal(err)
		}
		wantTypes[i] = ev.Type
	}
	gotTypes := slices.Clone(got.events)
	if c.Concurrent {
		sort.Strings(gotTypes)
		sort.Strings(wantTypes)
	}
	if !slices.Equal(gotTypes, wantTypes) {
		t.Fatalf("history\n got  %v\n want %v", gotTypes, wantTypes)
	}
}

func jsonEqual(a, b json.RawMessage) bool {
	if len(a) == 0 || len(b) == 0 {
		return len(a) == len(b)
	}
	var x, y any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return false
	}
	return reflect.DeepEqual(x, y)
}
