package asl_test

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sfapi/sfapi/internal/emulator/asl"
)

var update = flag.Bool("update", false, "rewrite golden files")

// The corpus: testdata/machines/NAME.asl.json is a state machine,
// NAME.cases.json its cases, NAME.golden.json what each case produced
// (status, output, error, the full execution history with timestamps
// removed, and the task requests), and the optional NAME.mocks.json a Step
// Functions Local MockConfigFile for cases that name a testCase (the
// machine is named "m" there). TestGoldenMachines runs every case on the
// embedded engine; TestCorpusEndpoint runs them on a Step Functions
// endpoint (corpus_endpoint_test.go).

// goldenCase is one case of NAME.cases.json.
type goldenCase struct {
	Name  string          `json:"name"`
	Input json.RawMessage `json:"input"`
	// Tasks answers Task states by resource (without .waitForTaskToken),
	// in order; the last answer repeats.
	Tasks map[string][]taskResponse `json:"tasks"`
	// Callback answers .waitForTaskToken tasks: the harness sends it with
	// SendTaskSuccess (output) or SendTaskFailure (error, cause) once the
	// integration has been called with the token.
	Callback *taskResponse `json:"callback,omitempty"`
	// TestCase selects a test case of NAME.mocks.json ("m#TestCase").
	TestCase string `json:"testCase,omitempty"`
	// Concurrent: Parallel branches or Map iterations run at the same time,
	// so their events interleave; the golden history is sorted and without
	// event ids.
	Concurrent bool `json:"concurrent,omitempty"`
	// EndpointSkip says why a Step Functions endpoint (Step Functions
	// Local) cannot run the case; empty means it can.
	EndpointSkip string `json:"endpointSkip,omitempty"`
}

type goldenResult struct {
	Status   string            `json:"status"`
	Output   json.RawMessage   `json:"output,omitempty"`
	Error    string            `json:"error,omitempty"`
	Cause    string            `json:"cause,omitempty"`
	History  []json.RawMessage `json:"history"`
	Requests []recordedRequest `json:"requests"`
}

type corpusMachine struct {
	name  string
	def   string
	cases []goldenCase
	mocks *asl.MockConfig
}

func loadCorpus(t *testing.T) []corpusMachine {
	t.Helper()
	files, err := filepath.Glob("testdata/machines/*.asl.json")
	if err != nil || len(files) == 0 {
		t.Fatalf("no machines found: %v", err)
	}
	var out []corpusMachine
	for _, file := range files {
		name := strings.TrimSuffix(filepath.Base(file), ".asl.json")
		def, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		rawCases, err := os.ReadFile(filepath.Join("testdata/machines", name+".cases.json"))
		if err != nil {
			t.Fatal(err)
		}
		m := corpusMachine{name: name, def: string(def)}
		if err := json.Unmarshal(rawCases, &m.cases); err != nil {
			t.Fatalf("decode %s cases: %v", name, err)
		}
		mockPath := filepath.Join("testdata/machines", name+".mocks.json")
		if _, err := os.Stat(mockPath); err == nil {
			if m.mocks, err = asl.LoadMockConfig(mockPath); err != nil {
				t.Fatalf("%s: %v", name, err)
			}
		}
		out = append(out, m)
	}
	return out
}

// TestGoldenMachines runs every corpus case as a STANDARD execution on the
// embedded engine (fake clock: Wait states and retries do not sleep) and
// compares the result with NAME.golden.json (-update rewrites it).
func TestGoldenMachines(t *testing.T) {
	for _, m := range loadCorpus(t) {
		t.Run(m.name, func(t *testing.T) {
			t.Parallel()
			got := map[string]goldenResult{}
			for _, c := range m.cases {
				got[c.Name] = runGoldenCase(t, m, c)
			}
			data, err := json.MarshalIndent(got, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			data = append(data, '\n')
			goldenPath := filepath.Join("testdata/machines", m.name+".golden.json")
			if *update {
				if err := os.WriteFile(goldenPath, data, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(goldenPath)
			if err != nil {
				t.Fatalf("read golden (run with -update to create): %v", err)
			}
			if !bytes.Equal(data, want) {
				t.Errorf("%s differs from golden; got:\n%s", goldenPath, data)
			}
		})
	}
}

func runGoldenCase(t *testing.T, m corpusMachine, c goldenCase) goldenResult {
	t.Helper()
	tasks := newScripted(c.Tasks)
	var e *asl.Engine
	var tokMu sync.Mutex
	var tokens []string
	tasks.onToken = func(tok string) {
		tokMu.Lock()
		tokens = append(tokens, tok)
		tokMu.Unlock()
		if c.Callback == nil {
			return
		}
		// Answered before the integration returns: the fake clock would
		// otherwise let the task's heartbeat expire at once.
		ctx := context.Background()
		var err error
		if c.Callback.Error != "" {
			err = e.SendTaskFailure(ctx, tok, c.Callback.Error, c.Callback.Cause)
		} else {
			err = e.SendTaskSuccess(ctx, tok, string(c.Callback.Output))
		}
		if err != nil {
			t.Errorf("%s: callback: %v", c.Name, err)
		}
	}
	e = newEngine(t, engineOpts{tasks: tasks.invoker(), mocks: m.mocks})
	ctx := context.Background()
	sm, err := e.CreateStateMachine(ctx, "m", m.def, asl.TypeStandard, "arn:aws:iam::123456789012:role/r")
	if err != nil {
		t.Fatalf("%s: CreateStateMachine: %v", c.Name, err)
	}
	arn := sm.Arn
	if c.TestCase != "" {
		arn += "#" + c.TestCase
	}
	ex, err := e.StartExecution(ctx, arn, "case-"+c.Name, string(c.Input))
	if err != nil {
		t.Fatalf("%s: StartExecution: %v", c.Name, err)
	}
	wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	done, err := e.WaitExecution(wctx, ex.Arn)
	if err != nil {
		t.Fatalf("%s: WaitExecution: %v", c.Name, err)
	}
	events, _, err := e.GetExecutionHistory(ctx, ex.Arn, false, 1000, "")
	if err != nil {
		t.Fatalf("%s: GetExecutionHistory: %v", c.Name, err)
	}
	tokMu.Lock()
	replacer := tokenReplacer(tokens)
	tokMu.Unlock()
	res := goldenResult{Status: done.Status, Error: done.Error, Cause: done.Cause, History: normalizeHistory(t, events, replacer, c.Concurrent)}
	if done.Output != "" {
		res.Output = json.RawMessage(done.Output)
	}
	tasks.mu.Lock()
	for _, r := range tasks.requests {
		r.Parameters = json.RawMessage(replacer.Replace(string(r.Parameters)))
		res.Requests = append(res.Requests, r)
	}
	tasks.mu.Unlock()
	if c.Concurrent {
		sort.SliceStable(res.Requests, func(i, j int) bool {
			return string(res.Requests[i].Parameters) < string(res.Requests[j].Parameters)
		})
	}
	return res
}

func tokenReplacer(tokens []string) *strings.Replacer {
	var pairs []string
	for _, tok := range tokens {
		pairs = append(pairs, tok, "<task token>")
	}
	return strings.NewReplacer(pairs...)
}

// normalizeHistory drops timestamps (and, for concurrent cases, event ids,
// sorting the events) so histories compare across runs.
func normalizeHistory(t *testing.T, events []asl.HistoryEvent, replacer *strings.Replacer, concurrent bool) []json.RawMessage {
	t.Helper()
	out := make([]json.RawMessage, 0, len(events))
	for _, ev := range events {
		data, err := json.Marshal(ev)
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]any
		if err := json.Unmarshal(data, &m); err != nil {
			t.Fatal(err)
		}
		delete(m, "timestamp")
		if concurrent {
			delete(m, "id")
			delete(m, "previousEventId")
		}
		data, err = json.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, json.RawMessage(replacer.Replace(string(data))))
	}
	if concurrent {
		sort.SliceStable(out, func(i, j int) bool { return string(out[i]) < string(out[j]) })
	}
	return out
}
