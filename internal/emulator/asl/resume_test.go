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
	events := resumedHistory(t, e2, ex.Arn)
	for i, ev := range events {
		if ev.ID != int64(i+1) {
			t.Errorf("event %d has id %d: ids must be contiguous across the resume", i, ev.ID)
		}
		if i > 0 && ev.PreviousEventID != int64(i) {
			t.Errorf("event %d (%s) previousEventId = %d, want %d", ev.ID, ev.Type, ev.PreviousEventID, i)
		}
	}
}

// resumedHistory reads the history of a resumeDef execution that
// succeeded, and checks that it has every state's events once.
func resumedHistory(t *testing.T, e *asl.Engine, arn string) []asl.HistoryEvent {
	t.Helper()
	events, _, err := e.GetExecutionHistory(context.Background(), arn, false, 100, "")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"ExecutionStarted", "PassStateEntered", "PassStateExited",
		"TaskStateEntered", "TaskScheduled", "TaskStarted", "TaskSucceeded", "TaskStateExited",
		"PassStateEntered", "PassStateExited", "ExecutionSucceeded"}
	if got := eventTypes(events); !slices.Equal(got, want) {
		t.Fatalf("events = %v\nwant %v", got, want)
	}
	return events
}

// leaveRunning starts an execution of resumeDef on db whose task blocks,
// and shuts its engine down with the task in flight: the execution stays
// RUNNING on disk.
func leaveRunning(t *testing.T, db *kv.DB, name string) (*asl.StateMachine, *asl.Execution) {
	t.Helper()
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
	ex, err := e1.StartExecution(ctx, sm.Arn, name, `{"n": 1}`)
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
	return sm, ex
}

// finishOnNewEngine starts a new engine on db, whose tasks succeed, and
// waits for the execution arn to succeed on it.
func finishOnNewEngine(t *testing.T, db *kv.DB, arn string) *asl.Engine {
	t.Helper()
	ctx := context.Background()
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
	t.Cleanup(func() { _ = e2.Shutdown(ctx) })
	done, err := e2.WaitExecution(ctx, arn)
	if err != nil || done.Status != asl.StatusSucceeded {
		t.Fatalf("resumed: %+v, %v", done, err)
	}
	return e2
}

// TestShutdownKeepsRunning checks that Shutdown leaves a blocked execution
// RUNNING on disk and a new engine finishes it.
func TestShutdownKeepsRunning(t *testing.T) {
	db := openDB(t, filepath.Join(t.TempDir(), "sfn.db"))
	defer db.Close()
	_, ex := leaveRunning(t, db, "")
	finishOnNewEngine(t, db, ex.Arn)
}

// An execution stored before history IDs (its history keyed by its ARN)
// resumes, and its history reads back whole: the events written before
// and after the resume share its ARN prefix. A new execution gets a
// history ID above every one stored.
func TestResumesExecutionStoredBeforeHistoryIDs(t *testing.T) {
	db := openDB(t, filepath.Join(t.TempDir(), "sfn.db"))
	defer db.Close()
	ctx := context.Background()
	sm, ex := leaveRunning(t, db, "old")
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
	e2 := finishOnNewEngine(t, db, ex.Arn)
	resumedHistory(t, e2, ex.Arn)
	next, err := e2.StartExecution(ctx, sm.Arn, "new", `{"n": 2}`)
	if err != nil {
		t.Fatal(err)
	}
	if p := prefix(next.Arn); len(p) != 9 || string(p) <= string(first) {
		t.Fatalf("history prefix of the next execution = %q, want above %q", p, first)
	}
}
