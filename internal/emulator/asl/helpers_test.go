package asl_test

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sfapi/sfapi/internal/emulator/asl"
	"github.com/sfapi/sfapi/internal/emulator/kv"
)

// fakeTasks is a TaskInvoker whose behaviour is a function field.
type fakeTasks struct {
	invoke func(ctx context.Context, req asl.TaskRequest) (json.RawMessage, error)
}

var _ asl.TaskInvoker = (*fakeTasks)(nil)

func (f *fakeTasks) Invoke(ctx context.Context, req asl.TaskRequest) (json.RawMessage, error) {
	return f.invoke(ctx, req)
}

// scriptedTasks answers each resource from a list of responses, in order;
// the last response repeats. It records every request.
type scriptedTasks struct {
	mu        sync.Mutex
	responses map[string][]taskResponse
	calls     map[string]int
	requests  []recordedRequest
	// onToken, when set, gets the task token of each .waitForTaskToken
	// call (a string parameter, at any depth, whose name contains "Token").
	onToken func(tok string)
}

type taskResponse struct {
	Output json.RawMessage `json:"output,omitempty"`
	Error  string          `json:"error,omitempty"`
	Cause  string          `json:"cause,omitempty"`
}

type recordedRequest struct {
	Resource   string          `json:"resource"`
	State      string          `json:"state"`
	Parameters json.RawMessage `json:"parameters"`
}

// findTokens calls fn with every string under a key containing "token".
func findTokens(v any, fn func(string)) {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			if tok, ok := e.(string); ok && strings.Contains(strings.ToLower(k), "token") {
				fn(tok)
			} else {
				findTokens(e, fn)
			}
		}
	case []any:
		for _, e := range x {
			findTokens(e, fn)
		}
	}
}

func newScripted(responses map[string][]taskResponse) *scriptedTasks {
	return &scriptedTasks{responses: responses, calls: map[string]int{}}
}

func (s *scriptedTasks) invoker() *fakeTasks {
	return &fakeTasks{invoke: func(ctx context.Context, req asl.TaskRequest) (json.RawMessage, error) {
		s.mu.Lock()
		defer s.mu.Unlock()
		s.requests = append(s.requests, recordedRequest{Resource: req.Resource, State: req.StateName, Parameters: req.Parameters})
		if s.onToken != nil {
			var params any
			if json.Unmarshal(req.Parameters, &params) == nil {
				findTokens(params, s.onToken)
			}
		}
		list := s.responses[req.Resource]
		if len(list) == 0 {
			return nil, asl.NewTaskError("Test.NoResponse", "no scripted response for "+req.Resource)
		}
		n := s.calls[req.Resource]
		s.calls[req.Resource] = n + 1
		r := list[min(n, len(list)-1)]
		if r.Error != "" {
			return nil, asl.NewTaskError(r.Error, r.Cause)
		}
		return r.Output, nil
	}}
}

// fakeClock is a manual clock; Sleep advances it instantly and records
// the requested durations.
type fakeClock struct {
	mu     sync.Mutex
	now    time.Time
	sleeps []time.Duration
}

func newFakeClock() *fakeClock {
	return &fakeClock{now: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(time.Millisecond)
	return c.now
}

func (c *fakeClock) Sleep(ctx context.Context, d time.Duration) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.sleeps = append(c.sleeps, d)
	c.now = c.now.Add(d)
	return ctx.Err()
}

func (c *fakeClock) Sleeps() []time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]time.Duration(nil), c.sleeps...)
}

func openDB(t testing.TB, path string) *kv.DB {
	t.Helper()
	if path == "" {
		path = filepath.Join(t.TempDir(), "sfn.db")
	}
	db, err := kv.Open(path, kv.Options{})
	if err != nil {
		t.Fatalf("open kv: %v", err)
	}
	return db
}

type engineOpts struct {
	db    *kv.DB
	tasks asl.TaskInvoker
	clock *fakeClock
	mocks *asl.MockConfig
}

func newEngine(t testing.TB, o engineOpts) *asl.Engine {
	t.Helper()
	if o.db == nil {
		db, err := kv.Open(filepath.Join(t.TempDir(), "sfn.db"), kv.Options{InMemory: true})
		if err != nil {
			t.Fatalf("open kv: %v", err)
		}
		t.Cleanup(func() { db.Close() })
		o.db = db
	}
	if o.clock == nil {
		o.clock = newFakeClock()
	}
	e, err := asl.NewEngine(asl.Options{Store: o.db, Tasks: o.tasks, Now: o.clock.Now, Sleep: o.clock.Sleep, Mocks: o.mocks})
	if err != nil {
		t.Fatalf("NewEngine: %v", err)
	}
	if err := e.Start(context.Background()); err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := e.Shutdown(ctx); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
	})
	return e
}

// runSync runs a definition as an EXPRESS machine and returns the result.
func runSync(t *testing.T, def string, input string, tasks asl.TaskInvoker) *asl.SyncExecution {
	t.Helper()
	e := newEngine(t, engineOpts{tasks: tasks})
	sm, err := e.CreateStateMachine(context.Background(), "m", def, asl.TypeExpress, "arn:aws:iam::123456789012:role/r")
	if err != nil {
		t.Fatalf("CreateStateMachine: %v", err)
	}
	res, err := e.StartSyncExecution(context.Background(), sm.Arn, "", input)
	if err != nil {
		t.Fatalf("StartSyncExecution: %v", err)
	}
	return res
}

// runStandard runs a definition as a STANDARD machine to completion.
func runStandard(t *testing.T, e *asl.Engine, def, name, input string) (*asl.Execution, []asl.HistoryEvent) {
	t.Helper()
	ctx := context.Background()
	sm, err := e.CreateStateMachine(ctx, "m", def, asl.TypeStandard, "arn:aws:iam::123456789012:role/r")
	if err != nil {
		t.Fatalf("CreateStateMachine: %v", err)
	}
	ex, err := e.StartExecution(ctx, sm.Arn, name, input)
	if err != nil {
		t.Fatalf("StartExecution: %v", err)
	}
	wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	done, err := e.WaitExecution(wctx, ex.Arn)
	if err != nil {
		t.Fatalf("WaitExecution: %v", err)
	}
	events, _, err := e.GetExecutionHistory(ctx, ex.Arn, false, 1000, "")
	if err != nil {
		t.Fatalf("GetExecutionHistory: %v", err)
	}
	return done, events
}

func eventTypes(events []asl.HistoryEvent) []string {
	out := make([]string, len(events))
	for i, ev := range events {
		out[i] = ev.Type
	}
	return out
}
