package asl_test

import (
	"context"
	"encoding/json"
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sfapi/sfapi/internal/emulator/asl"
	"github.com/sfapi/sfapi/internal/emulator/kv"
)

// tokenSink is a TaskInvoker that records the task tokens it is sent.
type tokenSink struct {
	mu     sync.Mutex
	tokens []string
	calls  int
	got    chan string
}

func newTokenSink() *tokenSink { return &tokenSink{got: make(chan string, 16)} }

func (s *tokenSink) Invoke(ctx context.Context, req asl.TaskRequest) (json.RawMessage, error) {
	var p struct{ Token string }
	if err := json.Unmarshal(req.Parameters, &p); err != nil || p.Token == "" {
		return nil, errors.New("no token in parameters " + string(req.Parameters))
	}
	if strings.HasSuffix(req.Resource, ".waitForTaskToken") {
		return nil, errors.New("the invoker must get the resource without .waitForTaskToken")
	}
	s.mu.Lock()
	s.tokens = append(s.tokens, p.Token)
	s.calls++
	s.mu.Unlock()
	s.got <- p.Token
	return json.RawMessage(`{"MessageId":"m-1"}`), nil
}

func (s *tokenSink) next(t *testing.T) string {
	t.Helper()
	select {
	case tok := <-s.got:
		return tok
	case <-time.After(5 * time.Second):
		t.Fatal("no task token received")
		return ""
	}
}

const tokenDef = `{"StartAt":"Ask","States":{"Ask":{"Type":"Task","Resource":"arn:aws:states:::sqs:sendMessage.waitForTaskToken",
"Parameters":{"Token.$":"$$.Task.Token"},"ResultPath":"$.answer",%s"End":true}}}`

func waitDone(t *testing.T, e *asl.Engine, arn string) *asl.Execution {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	ex, err := e.WaitExecution(ctx, arn)
	if err != nil {
		t.Fatal(err)
	}
	return ex
}

func TestTaskTokenSurvivesRestart(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, err := kv.Open(filepath.Join(t.TempDir(), "sfn.db"), kv.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	sink := newTokenSink()
	e1, err := asl.NewEngine(asl.Options{Store: db, Tasks: sink})
	if err != nil {
		t.Fatal(err)
	}
	sm, err := e1.CreateStateMachine(ctx, "m", strings.Replace(tokenDef, "%s", "", 1), asl.TypeStandard, "")
	if err != nil {
		t.Fatal(err)
	}
	ex, err := e1.StartExecution(ctx, sm.Arn, "x", `{"q":1}`)
	if err != nil {
		t.Fatal(err)
	}
	tok := sink.next(t)
	if err := e1.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}

	e2, err := asl.NewEngine(asl.Options{Store: db, Tasks: sink})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = e2.Shutdown(context.Background()) })
	if err := e2.Start(ctx); err != nil {
		t.Fatal(err)
	}
	if err := e2.SendTaskHeartbeat(ctx, tok); err != nil {
		t.Fatalf("heartbeat after restart: %v", err)
	}
	if err := e2.SendTaskSuccess(ctx, tok, `{"ok":true}`); err != nil {
		t.Fatalf("SendTaskSuccess after restart: %v", err)
	}
	done := waitDone(t, e2, ex.Arn)
	if done.Status != asl.StatusSucceeded || done.Output != `{"answer":{"ok":true},"q":1}` {
		t.Fatalf("execution = %s %s %s", done.Status, done.Output, done.Cause)
	}
	if sink.calls != 1 {
		t.Fatalf("integration called %d times, want 1 (the resumed task must reuse its token)", sink.calls)
	}
	if err := e2.SendTaskSuccess(ctx, tok, `{}`); !errors.Is(err, asl.ErrTaskTimedOut) {
		t.Fatalf("second SendTaskSuccess = %v, want TaskTimedOut", err)
	}
	if err := e2.SendTaskSuccess(ctx, "not-a-token", `{}`); !errors.Is(err, asl.ErrInvalidToken) {
		t.Fatalf("garbage token = %v, want InvalidToken", err)
	}
	events, _, err := e2.GetExecutionHistory(ctx, ex.Arn, false, 100, "")
	if err != nil {
		t.Fatal(err)
	}
	if types := eventTypes(events); !slices.Contains(types, "TaskSubmitted") || !slices.Contains(types, "TaskSucceeded") {
		t.Fatalf("history %v lacks TaskSubmitted/TaskSucceeded", types)
	}
}

func TestTaskTokenFailureIsCaught(t *testing.T) {
	t.Parallel()
	sink := newTokenSink()
	e := newEngine(t, engineOpts{tasks: sink})
	def := strings.Replace(tokenDef, `"End":true`, `"Next":"Done"`, 1)
	def = strings.Replace(def, "%s", `"Catch":[{"ErrorEquals":["Order.Rejected"],"ResultPath":"$.err","Next":"Done"}],`, 1)
	def = strings.Replace(def, `}}}`, `},"Done":{"Type":"Succeed"}}}`, 1)
	sm, err := e.CreateStateMachine(context.Background(), "m", def, asl.TypeStandard, "")
	if err != nil {
		t.Fatal(err)
	}
	ex, err := e.StartExecution(context.Background(), sm.Arn, "x", `{}`)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.SendTaskFailure(context.Background(), sink.next(t), "Order.Rejected", "no stock"); err != nil {
		t.Fatal(err)
	}
	done := waitDone(t, e, ex.Arn)
	if done.Status != asl.StatusSucceeded || done.Output != `{"err":{"Cause":"no stock","Error":"Order.Rejected"}}` {
		t.Fatalf("execution = %s %q", done.Status, done.Output)
	}
}

// gateClock is a clock whose Sleep blocks until the test advances time
// past the sleeper's deadline, so heartbeats can land in between.
type gateClock struct {
	mu      sync.Mutex
	now     time.Time
	changed chan struct{}
	asleep  chan time.Duration
}

func newGateClock() *gateClock {
	return &gateClock{now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), changed: make(chan struct{}), asleep: make(chan time.Duration, 16)}
}

func (c *gateClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *gateClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	close(c.changed)
	c.changed = make(chan struct{})
	c.mu.Unlock()
}

func (c *gateClock) Sleep(ctx context.Context, d time.Duration) error {
	c.mu.Lock()
	until := c.now.Add(d)
	c.mu.Unlock()
	c.asleep <- d
	for {
		c.mu.Lock()
		if !c.now.Before(until) {
			c.mu.Unlock()
			return nil
		}
		ch := c.changed
		c.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

func (c *gateClock) waitSleep(t *testing.T) time.Duration {
	t.Helper()
	select {
	case d := <-c.asleep:
		return d
	case <-time.After(5 * time.Second):
		t.Fatal("the task never slept")
		return 0
	}
}

func TestTaskTokenHeartbeat(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	clock := newGateClock()
	sink := newTokenSink()
	db, err := kv.Open(filepath.Join(t.TempDir(), "sfn.db"), kv.Options{InMemory: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	e, err := asl.NewEngine(asl.Options{Store: db, Tasks: sink, Now: clock.Now, Sleep: clock.Sleep})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = e.Shutdown(context.Background()) })
	sm, err := e.CreateStateMachine(ctx, "m", strings.Replace(tokenDef, "%s", `"HeartbeatSeconds":10,`, 1), asl.TypeStandard, "")
	if err != nil {
		t.Fatal(err)
	}
	ex, err := e.StartExecution(ctx, sm.Arn, "x", `{}`)
	if err != nil {
		t.Fatal(err)
	}
	tok := sink.next(t)
	if d := clock.waitSleep(t); d != 10*time.Second {
		t.Fatalf("first sleep %v, want 10s", d)
	}
	clock.Advance(8 * time.Second)
	if err := e.SendTaskHeartbeat(ctx, tok); err != nil {
		t.Fatal(err)
	}
	if d := clock.waitSleep(t); d != 10*time.Second {
		t.Fatalf("sleep after heartbeat %v, want a fresh 10s", d)
	}
	clock.Advance(10 * time.Second)
	done := waitDone(t, e, ex.Arn)
	if done.Status != asl.StatusFailed || done.Error != asl.StatesHeartbeatTimeout {
		t.Fatalf("execution = %s %s %s, want FAILED States.HeartbeatTimeout", done.Status, done.Error, done.Cause)
	}
	if err := e.SendTaskSuccess(ctx, tok, `{}`); !errors.Is(err, asl.ErrTaskTimedOut) {
		t.Fatalf("SendTaskSuccess after timeout = %v, want TaskTimedOut", err)
	}
}

func TestRedriveAfterStopGetsNewToken(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	sink := newTokenSink()
	e := newEngine(t, engineOpts{tasks: sink})
	sm, err := e.CreateStateMachine(ctx, "m", strings.Replace(tokenDef, "%s", "", 1), asl.TypeStandard, "")
	if err != nil {
		t.Fatal(err)
	}
	ex, err := e.StartExecution(ctx, sm.Arn, "x", `{}`)
	if err != nil {
		t.Fatal(err)
	}
	old := sink.next(t)
	if _, err := e.StopExecution(ctx, ex.Arn, "Op.Stop", "by hand"); err != nil {
		t.Fatal(err)
	}
	if err := e.SendTaskSuccess(ctx, old, `{}`); !errors.Is(err, asl.ErrTaskTimedOut) {
		t.Fatalf("success on an aborted execution = %v, want TaskTimedOut", err)
	}
	if _, err := e.RedriveExecution(ctx, ex.Arn); err != nil {
		t.Fatal(err)
	}
	fresh := sink.next(t)
	if fresh == old {
		t.Fatal("redrive reused the aborted task's token")
	}
	if err := e.SendTaskSuccess(ctx, old, `{}`); !errors.Is(err, asl.ErrTaskTimedOut) {
		t.Fatalf("old token after redrive = %v, want TaskTimedOut", err)
	}
	if err := e.SendTaskSuccess(ctx, fresh, `{"v":1}`); err != nil {
		t.Fatal(err)
	}
	if done := waitDone(t, e, ex.Arn); done.Status != asl.StatusSucceeded || done.RedriveCount != 1 {
		t.Fatalf("redriven = %s count %d", done.Status, done.RedriveCount)
	}
}
