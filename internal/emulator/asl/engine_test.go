package asl_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/sfapi/sfapi/internal/emulator/asl"
)

const passDef = `{"StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}}`

func TestCreateStateMachineIdempotent(t *testing.T) {
	t.Parallel()
	e := newEngine(t, engineOpts{})
	ctx := context.Background()
	a, err := e.CreateStateMachine(ctx, "jobs", passDef, asl.TypeStandard, "arn:aws:iam::1:role/x")
	if err != nil {
		t.Fatal(err)
	}
	if a.Arn != "arn:aws:states:us-east-1:123456789012:stateMachine:jobs" {
		t.Errorf("arn = %s", a.Arn)
	}
	b, err := e.CreateStateMachine(ctx, "jobs", passDef, asl.TypeStandard, "arn:aws:iam::1:role/x")
	if err != nil {
		t.Fatalf("identical create: %v", err)
	}
	if !b.CreationDate.Equal(a.CreationDate) {
		t.Errorf("identical create changed creationDate")
	}
	_, err = e.CreateStateMachine(ctx, "jobs", `{"StartAt":"Q","States":{"Q":{"Type":"Succeed"}}}`, asl.TypeStandard, "arn:aws:iam::1:role/x")
	if !errors.Is(err, asl.ErrStateMachineAlreadyExists) {
		t.Fatalf("different definition: err = %v, want StateMachineAlreadyExists", err)
	}
	for _, bad := range []string{"", "a b", "x:y", strings.Repeat("n", 81)} {
		if _, err := e.CreateStateMachine(ctx, bad, passDef, "", ""); !errors.Is(err, asl.ErrInvalidName) {
			t.Errorf("name %q: err = %v, want InvalidName", bad, err)
		}
	}
	if _, err := e.DescribeStateMachine(ctx, "arn:aws:states:us-east-1:123456789012:stateMachine:nope"); !errors.Is(err, asl.ErrStateMachineDoesNotExist) {
		t.Errorf("describe missing: %v", err)
	}
	list, next, err := e.ListStateMachines(ctx, 0, "")
	if err != nil || len(list) != 1 || next != "" {
		t.Errorf("list = %v, %q, %v", list, next, err)
	}
	if err := e.DeleteStateMachine(ctx, a.Arn); err != nil {
		t.Fatal(err)
	}
	if _, err := e.DescribeStateMachine(ctx, a.Arn); !errors.Is(err, asl.ErrStateMachineDoesNotExist) {
		t.Errorf("after delete: %v", err)
	}
}

func TestStartExecutionIdempotency(t *testing.T) {
	t.Parallel()
	block := make(chan struct{})
	tasks := &fakeTasks{invoke: func(ctx context.Context, req asl.TaskRequest) (json.RawMessage, error) {
		select {
		case <-block:
			return json.RawMessage(`{}`), nil
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}}
	e := newEngine(t, engineOpts{tasks: tasks})
	ctx := context.Background()
	sm, err := e.CreateStateMachine(ctx, "m", `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","End":true}}}`, "", "")
	if err != nil {
		t.Fatal(err)
	}
	a, err := e.StartExecution(ctx, sm.Arn, "same", `{"x":1}`)
	if err != nil {
		t.Fatal(err)
	}
	b, err := e.StartExecution(ctx, sm.Arn, "same", `{"x":1}`)
	if err != nil {
		t.Fatalf("idempotent restart: %v", err)
	}
	if a.Arn != b.Arn || !a.StartDate.Equal(b.StartDate) {
		t.Errorf("restart returned %v/%v, want %v/%v", b.Arn, b.StartDate, a.Arn, a.StartDate)
	}
	if _, err := e.StartExecution(ctx, sm.Arn, "same", `{"x":2}`); !errors.Is(err, asl.ErrExecutionAlreadyExists) {
		t.Errorf("different input: %v, want ExecutionAlreadyExists", err)
	}
	if _, err := e.StartExecution(ctx, sm.Arn, "bad", `{`); !errors.Is(err, asl.ErrInvalidExecutionInput) {
		t.Errorf("bad JSON: %v", err)
	}
	if _, err := e.StartExecution(ctx, sm.Arn, "big", `"`+strings.Repeat("x", asl.MaxInputBytes)+`"`); !errors.Is(err, asl.ErrInvalidExecutionInput) {
		t.Errorf("oversized input: %v", err)
	}
	close(block)
	if _, err := e.WaitExecution(ctx, a.Arn); err != nil {
		t.Fatal(err)
	}
	if _, err := e.StartExecution(ctx, sm.Arn, "same", `{"x":1}`); !errors.Is(err, asl.ErrExecutionAlreadyExists) {
		t.Errorf("restart of a closed execution: %v, want ExecutionAlreadyExists", err)
	}
	gen, err := e.StartExecution(ctx, sm.Arn, "", "")
	if err != nil || len(gen.Name) != 36 {
		t.Errorf("generated name = %q, %v", gen.Name, err)
	}
}

func TestStopExecution(t *testing.T) {
	t.Parallel()
	started := make(chan struct{}, 1)
	tasks := &fakeTasks{invoke: func(ctx context.Context, req asl.TaskRequest) (json.RawMessage, error) {
		started <- struct{}{}
		<-ctx.Done()
		return nil, ctx.Err()
	}}
	e := newEngine(t, engineOpts{tasks: tasks})
	ctx := context.Background()
	sm, err := e.CreateStateMachine(ctx, "m", `{"StartAt":"P","States":{"P":{"Type":"Pass","Next":"T"},"T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","End":true}}}`, "", "")
	if err != nil {
		t.Fatal(err)
	}
	ex, err := e.StartExecution(ctx, sm.Arn, "s", "")
	if err != nil {
		t.Fatal(err)
	}
	<-started
	if _, err := e.StopExecution(ctx, ex.Arn, "Manual", "operator"); err != nil {
		t.Fatal(err)
	}
	got, err := e.DescribeExecution(ctx, ex.Arn)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != asl.StatusAborted || got.Error != "Manual" || got.StopDate.IsZero() {
		t.Errorf("after stop: %+v", got)
	}
	events, _, err := e.GetExecutionHistory(ctx, ex.Arn, true, 1, "")
	if err != nil || len(events) != 1 || events[0].Type != "ExecutionAborted" {
		t.Fatalf("last event = %+v, %v", events, err)
	}
	all, _, _ := e.GetExecutionHistory(ctx, ex.Arn, false, 0, "")
	want := "ExecutionStarted PassStateEntered PassStateExited TaskStateEntered TaskScheduled TaskStarted ExecutionAborted"
	if got := strings.Join(eventTypes(all), " "); got != want {
		t.Errorf("history = %s\nwant %s", got, want)
	}
	if _, err := e.StopExecution(ctx, ex.Arn+"x", "", ""); !errors.Is(err, asl.ErrExecutionDoesNotExist) {
		t.Errorf("stop missing: %v", err)
	}
}

func TestListExecutionsAndHistoryPaging(t *testing.T) {
	t.Parallel()
	e := newEngine(t, engineOpts{})
	ctx := context.Background()
	sm, err := e.CreateStateMachine(ctx, "m", passDef, "", "")
	if err != nil {
		t.Fatal(err)
	}
	failSM, err := e.CreateStateMachine(ctx, "f", `{"StartAt":"F","States":{"F":{"Type":"Fail","Error":"E","Cause":"C"}}}`, "", "")
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"a", "b", "c"} {
		ex, err := e.StartExecution(ctx, sm.Arn, n, "")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.WaitExecution(ctx, ex.Arn); err != nil {
			t.Fatal(err)
		}
	}
	fx, _ := e.StartExecution(ctx, failSM.Arn, "x", "")
	if got, _ := e.WaitExecution(ctx, fx.Arn); got.Status != asl.StatusFailed || got.Error != "E" || got.Cause != "C" {
		t.Errorf("fail machine: %+v", got)
	}
	page1, next, err := e.ListExecutions(ctx, sm.Arn, "", 2, "")
	if err != nil || len(page1) != 2 || next == "" {
		t.Fatalf("page1 = %d items, next %q, %v", len(page1), next, err)
	}
	if page1[0].Name != "c" {
		t.Errorf("newest first: got %s", page1[0].Name)
	}
	page2, next2, err := e.ListExecutions(ctx, sm.Arn, "", 2, next)
	if err != nil || len(page2) != 1 || next2 != "" || page2[0].Name != "a" {
		t.Fatalf("page2 = %+v, %q, %v", page2, next2, err)
	}
	if got, _, _ := e.ListExecutions(ctx, sm.Arn, asl.StatusFailed, 0, ""); len(got) != 0 {
		t.Errorf("status filter FAILED on pass machine: %d", len(got))
	}
	if _, _, err := e.ListExecutions(ctx, sm.Arn, "", 0, "garbage"); !errors.Is(err, asl.ErrInvalidToken) {
		t.Errorf("bad token: %v", err)
	}
	arn := page1[0].Arn
	h1, tok, err := e.GetExecutionHistory(ctx, arn, false, 2, "")
	if err != nil || len(h1) != 2 || h1[0].Type != "ExecutionStarted" {
		t.Fatalf("history page1: %+v %v", h1, err)
	}
	h2, _, err := e.GetExecutionHistory(ctx, arn, false, 10, tok)
	if err != nil || len(h2) != 2 || h2[1].Type != "ExecutionSucceeded" {
		t.Fatalf("history page2: %v %v", eventTypes(h2), err)
	}
	if _, _, err := e.GetExecutionHistory(ctx, arn+"nope", false, 0, ""); !errors.Is(err, asl.ErrExecutionDoesNotExist) {
		t.Errorf("missing history: %v", err)
	}
}

// TestDefinitionSnapshot checks that updating a machine does not affect
// an execution that already started.
func TestDefinitionSnapshot(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	tasks := &fakeTasks{invoke: func(ctx context.Context, req asl.TaskRequest) (json.RawMessage, error) {
		<-release
		return json.RawMessage(`{"v":"old"}`), nil
	}}
	e := newEngine(t, engineOpts{tasks: tasks})
	ctx := context.Background()
	sm, err := e.CreateStateMachine(ctx, "m", `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Next":"P"},"P":{"Type":"Pass","Parameters":{"from":"v1"},"End":true}}}`, "", "")
	if err != nil {
		t.Fatal(err)
	}
	ex, err := e.StartExecution(ctx, sm.Arn, "snap", "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.UpdateStateMachine(ctx, sm.Arn, `{"StartAt":"P","States":{"P":{"Type":"Pass","Parameters":{"from":"v2"},"End":true}}}`, ""); err != nil {
		t.Fatal(err)
	}
	close(release)
	done, err := e.WaitExecution(ctx, ex.Arn)
	if err != nil || done.Output != `{"from":"v1"}` {
		t.Fatalf("running execution saw the update: %+v %v", done, err)
	}
	ex2, _ := e.StartExecution(ctx, sm.Arn, "after", "")
	done2, _ := e.WaitExecution(ctx, ex2.Arn)
	if done2.Output != `{"from":"v2"}` {
		t.Errorf("new execution output = %s, want v2", done2.Output)
	}
}

func TestStartSyncExecution(t *testing.T) {
	t.Parallel()
	e := newEngine(t, engineOpts{})
	ctx := context.Background()
	std, _ := e.CreateStateMachine(ctx, "std", passDef, "", "")
	if _, err := e.StartSyncExecution(ctx, std.Arn, "", ""); !errors.Is(err, asl.ErrStateMachineTypeNotSupported) {
		t.Errorf("sync on STANDARD: %v", err)
	}
	exp, _ := e.CreateStateMachine(ctx, "exp", passDef, asl.TypeExpress, "")
	res, err := e.StartSyncExecution(ctx, exp.Arn, "n1", `{"a":[1,2.5,"x<y"]}`)
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != asl.StatusSucceeded || res.Output != `{"a":[1,2.5,"x<y"]}` {
		t.Errorf("sync result = %+v", res)
	}
	if !strings.Contains(res.Arn, ":express:exp:n1:") {
		t.Errorf("express arn = %s", res.Arn)
	}
	async, err := e.StartExecution(ctx, exp.Arn, "", "")
	if err != nil {
		t.Fatal(err)
	}
	wctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	if err := e.Wait(wctx); err != nil {
		t.Fatal(err)
	}
	if _, err := e.DescribeExecution(ctx, async.Arn); !errors.Is(err, asl.ErrExecutionDoesNotExist) {
		t.Errorf("EXPRESS executions are not recorded: %v", err)
	}
}

func TestExecutionTimeout(t *testing.T) {
	t.Parallel()
	tasks := &fakeTasks{invoke: func(ctx context.Context, req asl.TaskRequest) (json.RawMessage, error) {
		<-ctx.Done()
		return nil, ctx.Err()
	}}
	e := newEngine(t, engineOpts{tasks: tasks})
	ex, events := runStandard(t, e, `{"TimeoutSeconds":1,"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","End":true}}}`, "slow", "")
	if ex.Status != asl.StatusTimedOut || ex.Error != asl.StatesTimeout {
		t.Fatalf("got %+v", ex)
	}
	if last := events[len(events)-1]; last.Type != "ExecutionTimedOut" {
		t.Errorf("last event = %s", last.Type)
	}
}
