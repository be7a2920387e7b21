package asl_test

import (
	"context"
	"encoding/json"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/sfapi/sfapi/internal/emulator/asl"
	"github.com/sfapi/sfapi/internal/emulator/kv"
)

const resumeDef = `{
  "StartAt": "A",
  "States": {
    "A": {"Type": "Pass", "Result": {"step": "a"}, "ResultPath": "$.a", "Next": "B"},
    "B": {"Type": "Task", "Resource": "arn:aws:states:::dynamodb:updateItem", "Parameters": {"id.$": "$$.Execution.Name"}, "ResultPath": "$.b", "Next": "C"},
    "C": {"Type": "Pass", "Parameters": {"a.$": "$.a.step", "b.$": "$.b.ok", "input.$": "$$.Execution.Input.n"}, "End": true}
  }
}`

// TestCrashResume closes the store while task B is in flight, so B's
// transition is never persisted; a new engine on the reopened store must
// resume at B (the last checkpoint), run it again and finish with every
// state's events exactly once.
func TestCrashResume(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sfn.db")
	db1 := openDB(t, path)
	entered := make(chan struct{})
	release := make(chan struct{})
	calls1 := 0
	tasks1 := &fakeTasks{invoke: func(ctx context.Context, req asl.TaskRequest) (json.RawMessage, error) {
		calls1++
		close(entered)
		<-release
		return json.RawMessage(`{"ok": "first-engine"}`), nil
	}}
	e1, err := asl.NewEngine(asl.Options{Store: db1, Tasks: tasks1})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := e1.Start(ctx); err != nil {
		t.Fatal(err)
	}
	sm, err := e1.CreateStateMachine(ctx, "resume", resumeDef, asl.TypeStandard, "")
	if err != nil {
		t.Fatal(err)
	}
	ex, err := e1.StartExecution(ctx, sm.Arn, "run-1", `{"n": 7}`)
	if err != nil {
		t.Fatal(err)
	}
	<-entered
	// Crash: the store goes away with B in flight; B's result cannot be
	// checkpointed.
	if err := db1.Close(); err != nil {
		t.Fatal(err)
	}
	close(release)
	sctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := e1.Shutdown(sctx); err != nil {
		t.Fatal(err)
	}

	db2 := openDB(t, path)
	defer db2.Close()
	var calls2 []asl.TaskRequest
	tasks2 := &fakeTasks{invoke: func(ctx context.Context, req asl.TaskRequest) (json.RawMessage, error) {
		calls2 = append(calls2, req)
		return json.RawMessage(`{"ok": "second-engine"}`), nil
	}}
	e2, err := asl.NewEngine(asl.Options{Store: db2, Tasks: tasks2})
	if err != nil {
		t.Fatal(err)
	}
	before, err := e2.DescribeExecution(ctx, ex.Arn)
	if err != nil {
		t.Fatal(err)
	}
	if before.Status != asl.StatusRunning {
		t.Fatalf("status after crash = %s, want RUNNING", before.Status)
	}
	if err := e2.Start(ctx); err != nil {
		t.Fatal(err)
	}
	defer e2.Shutdown(ctx)
	wctx, wcancel := context.WithTimeout(ctx, 5*time.Second)
	defer wcancel()
	done, err := e2.WaitExecution(wctx, ex.Arn)
	if err != nil {
		t.Fatal(err)
	}
	if done.Status != asl.StatusSucceeded {
		t.Fatalf("status = %s (%s: %s), want SUCCEEDED", done.Status, done.Error, done.Cause)
	}
	if want := `{"a":"a","b":"second-engine","input":7}`; done.Output != want {
		t.Errorf("output = %s, want %s", done.Output, want)
	}
	if calls1 != 1 || len(calls2) != 1 {
		t.Errorf("task calls = %d then %d, want 1 then 1 (B re-runs once after resume)", calls1, len(calls2))
	}
	if string(calls2[0].Parameters) != `{"id":"run-1"}` {
		t.Errorf("resumed task parameters = %s", calls2[0].Parameters)
	}
	events, _, err := e2.GetExecutionHistory(ctx, ex.Arn, false, 100, "")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"ExecutionStarted", "PassStateEntered", "PassStateExited",
		"TaskStateEntered", "TaskScheduled", "TaskStarted", "TaskSucceeded", "TaskStateExited",
		"PassStateEntered", "PassStateExited", "ExecutionSucceeded"}
	if got := eventTypes(events); !slices.Equal(got, want) {
		t.Fatalf("events = %v\nwant %v", got, want)
	}
	for i, ev := range events {
		if ev.ID != int64(i+1) {
			t.Errorf("event %d has id %d: ids must be contiguous across the resume", i, ev.ID)
		}
		if i > 0 && ev.PreviousEventID != int64(i) {
			t.Errorf("event %d (%s) previousEventId = %d, want %d", ev.ID, ev.Type, ev.PreviousEventID, i)
		}
	}
}

// TestShutdownKeepsRunning checks that Shutdown leaves a blocked execution
// RUNNING on disk and a new engine finishes it.
func TestShutdownKeepsRunning(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sfn.db")
	db := openDB(t, path)
	entered := make(chan struct{}, 1)
	block := &fakeTasks{invoke: func(ctx context.Context, req asl.TaskRequest) (json.RawMessage, error) {
		entered <- struct{}{}
		<-ctx.Done()
		return nil, ctx.Err()
	}}
	ctx := context.Background()
	e1, err := asl.NewEngine(asl.Options{Store: db, Tasks: block})
	if err != nil {
		t.Fatal(err)
	}
	sm, err := e1.CreateStateMachine(ctx, "resume", resumeDef, "", "")
	if err != nil {
		t.Fatal(err)
	}
	ex, err := e1.StartExecution(ctx, sm.Arn, "", `{"n": 1}`)
	if err != nil {
		t.Fatal(err)
	}
	<-entered
	if err := e1.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	got, err := e1.DescribeExecution(ctx, ex.Arn)
	if err != nil || got.Status != asl.StatusRunning {
		t.Fatalf("after shutdown: %v, %v; want RUNNING", got, err)
	}
	ok := &fakeTasks{invoke: func(ctx context.Context, req asl.TaskRequest) (json.RawMessage, error) {
		return json.RawMessage(`{"ok": true}`), nil
	}}
	e2, err := asl.NewEngine(asl.Options{Store: db, Tasks: ok})
	if err != nil {
		t.Fatal(err)
	}
	if err := e2.Start(ctx); err != nil {
		t.Fatal(err)
	}
	done, err := e2.WaitExecution(ctx, ex.Arn)
	if err != nil || done.Status != asl.StatusSucceeded {
		t.Fatalf("resumed: %+v, %v", done, err)
	}
	if err := e2.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	db.Close()
}

// An execution stored before history IDs (its history keyed by its ARN)
// resumes, and its history reads back whole: the events written before
// and after the resume share its ARN prefix. A new execution gets a
// history ID above every one stored.
func TestResumesExecutionStoredBeforeHistoryIDs(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sfn.db")
	db := openDB(t, path)
	defer db.Close()
	entered := make(chan struct{}, 1)
	block := &fakeTasks{invoke: func(ctx context.Context, req asl.TaskRequest) (json.RawMessage, error) {
		entered <- struct{}{}
		<-ctx.Done()
		return nil, ctx.Err()
	}}
	ctx := context.Background()
	e1, err := asl.NewEngine(asl.Options{Store: db, Tasks: block})
	if err != nil {
		t.Fatal(err)
	}
	sm, err := e1.CreateStateMachine(ctx, "legacy", resumeDef, "", "")
	if err != nil {
		t.Fatal(err)
	}
	ex, err := e1.StartExecution(ctx, sm.Arn, "old", `{"n": 1}`)
	if err != nil {
		t.Fatal(err)
	}
	<-entered
	if err := e1.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	prefix := func(arn string) []byte {
		t.Helper()
		var p []byte
		if err := db.View(func(tx *kv.Tx) (err error) { p, err = asl.HistoryPrefixOf(tx, arn); return err }); err != nil {
			t.Fatal(err)
		}
		return p
	}
	first := prefix(ex.Arn)
	if len(first) != 9 || first[0] != 0 {
		t.Fatalf("history prefix of a new execution = %q, want 0x00 and 8 bytes", first)
	}
	if err := asl.StoreAsBeforeHistoryIDs(db, ex.Arn); err != nil {
		t.Fatal(err)
	}
	if got := prefix(ex.Arn); string(got) != ex.Arn+"\x00" {
		t.Fatalf("history prefix after the rewrite = %q", got)
	}
	ok := &fakeTasks{invoke: func(ctx context.Context, req asl.TaskRequest) (json.RawMessage, error) {
		return json.RawMessage(`{"ok": true}`), nil
	}}
	e2, err := asl.NewEngine(asl.Options{Store: db, Tasks: ok})
	if err != nil {
		t.Fatal(err)
	}
	if err := e2.Start(ctx); err != nil {
		t.Fatal(err)
	}
	defer e2.Shutdown(ctx)
	done, err := e2.WaitExecution(ctx, ex.Arn)
	if err != nil || done.Status != asl.StatusSucceeded {
		t.Fatalf("resumed: %+v, %v", done, err)
	}
	events, _, err := e2.GetExecutionHistory(ctx, ex.Arn, false, 100, "")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"ExecutionStarted", "PassStateEntered", "PassStateExited",
		"TaskStateEntered", "TaskScheduled", "TaskStarted", "TaskSucceeded", "TaskStateExited",
		"PassStateEntered", "PassStateExited", "ExecutionSucceeded"}
	if got := eventTypes(events); !slices.Equal(got, want) {
		t.Fatalf("events = %v\nwant %v", got, want)
	}
	next, err := e2.StartExecution(ctx, sm.Arn, "new", `{"n": 2}`)
	if err != nil {
		t.Fatal(err)
	}
	if p := prefix(next.Arn); len(p) != 9 || string(p) <= string(first) {
		t.Fatalf("history prefix of the next execution = %q, want above %q", p, first)
	}
}
