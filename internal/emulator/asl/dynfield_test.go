package asl_test

import (
	"context"
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sfapi/sfapi/internal/emulator/asl"
)

func okTasks() *fakeTasks {
	return &fakeTasks{invoke: func(ctx context.Context, req asl.TaskRequest) (json.RawMessage, error) {
		return json.RawMessage(`{"ok":true}`), nil
	}}
}

func findEvent(events []asl.HistoryEvent, typ string) *asl.HistoryEvent {
	for i := range events {
		if events[i].Type == typ {
			return &events[i]
		}
	}
	return nil
}

// TestDynamicTaskLimits covers TimeoutSeconds/HeartbeatSeconds given as
// JSONata expressions and as *Path reference paths: the resolved values
// reach TaskScheduled, and bad values fail the state as AWS does.
func TestDynamicTaskLimits(t *testing.T) {
	t.Parallel()
	const jsonataTask = `{"QueryLanguage":"JSONata","StartAt":"T","States":{"T":{"Type":"Task",
		"Resource":"arn:aws:states:::events:putEvents","Arguments":{"Entries":[]},
		"TimeoutSeconds":"{% $states.input.t %}","HeartbeatSeconds":"{% $states.input.h %}","End":true}}}`
	const pathTask = `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::events:putEvents",
		"Parameters":{"Entries":[]},"TimeoutSecondsPath":"$.limits.t","HeartbeatSecondsPath":"$.limits.h","End":true}}}`
	for _, tc := range []struct {
		name, def, input   string
		status, err        string
		timeout, heartbeat int64
		evaluationFailed   string // location of the EvaluationFailed event, if any
	}{
		{name: "jsonata", def: jsonataTask, input: `{"t":30,"h":10}`, status: asl.StatusSucceeded, timeout: 30, heartbeat: 10},
		{name: "jsonata-not-integer", def: jsonataTask, input: `{"t":"x","h":1}`, status: asl.StatusFailed,
			err: asl.StatesQueryEvaluationError, evaluationFailed: "TimeoutSeconds"},
		{name: "jsonata-undefined", def: jsonataTask, input: `{"t":30}`, status: asl.StatusFailed,
			err: asl.StatesQueryEvaluationError, evaluationFailed: "HeartbeatSeconds"},
		{name: "jsonata-heartbeat-not-below-timeout", def: jsonataTask, input: `{"t":5,"h":5}`, status: asl.StatusFailed, err: asl.StatesRuntime},
		{name: "path", def: pathTask, input: `{"limits":{"t":60,"h":20}}`, status: asl.StatusSucceeded, timeout: 60, heartbeat: 20},
		{name: "path-missing", def: pathTask, input: `{"limits":{"t":60}}`, status: asl.StatusFailed, err: asl.StatesRuntime},
		{name: "path-negative", def: pathTask, input: `{"limits":{"t":-1,"h":1}}`, status: asl.StatusFailed, err: asl.StatesRuntime},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newEngine(t, engineOpts{tasks: okTasks()})
			ex, events := runStandard(t, e, tc.def, "x", tc.input)
			if ex.Status != tc.status || ex.Error != tc.err {
				t.Fatalf("status %s error %s (%s); want %s %s", ex.Status, ex.Error, ex.Cause, tc.status, tc.err)
			}
			if tc.status == asl.StatusSucceeded {
				ev := findEvent(events, "TaskScheduled")
				if ev == nil || ev.TaskScheduled.TimeoutInSeconds != tc.timeout || ev.TaskScheduled.HeartbeatInSeconds != tc.heartbeat {
					t.Fatalf("TaskScheduled %+v; want timeout %d heartbeat %d", ev, tc.timeout, tc.heartbeat)
				}
			}
			ev := findEvent(events, "EvaluationFailed")
			switch {
			case tc.evaluationFailed == "" && ev != nil:
				t.Fatalf("unexpected EvaluationFailed %+v", ev.EvaluationFailed)
			case tc.evaluationFailed != "":
				if ev == nil {
					t.Fatalf("no EvaluationFailed event in %v", eventTypes(events))
				}
				d := ev.EvaluationFailed
				if d.Location != tc.evaluationFailed || d.State != "T" || d.Error != asl.StatesQueryEvaluationError || d.Cause == "" {
					t.Fatalf("EvaluationFailed %+v", d)
				}
				if next := events[len(events)-1]; next.Type != "ExecutionFailed" || next.PreviousEventID != ev.ID {
					t.Fatalf("EvaluationFailed must precede ExecutionFailed: %v", eventTypes(events))
				}
			}
		})
	}
}

// TestDynamicTaskTimeoutFires shows that a resolved TimeoutSeconds bounds
// the task call.
func TestDynamicTaskTimeoutFires(t *testing.T) {
	t.Parallel()
	blocking := &fakeTasks{invoke: func(ctx context.Context, req asl.TaskRequest) (json.RawMessage, error) {
		<-ctx.Done()
		return nil, ctx.Err()
	}}
	e := newEngine(t, engineOpts{tasks: blocking})
	def := `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::events:putEvents",
		"TimeoutSecondsPath":"$.t","End":true}}}`
	ex, events := runStandard(t, e, def, "x", `{"t":1}`)
	if ex.Status != asl.StatusFailed || ex.Error != asl.StatesTimeout {
		t.Fatalf("got %s %s %s", ex.Status, ex.Error, ex.Cause)
	}
	if findEvent(events, "TaskTimedOut") == nil {
		t.Fatalf("no TaskTimedOut in %v", eventTypes(events))
	}
}

// TestDynamicMapLimits covers MaxConcurrency and ToleratedFailure* as
// JSONata expressions and *Path fields.
func TestDynamicMapLimits(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var running, peak int
	tasks := &fakeTasks{invoke: func(ctx context.Context, req asl.TaskRequest) (json.RawMessage, error) {
		mu.Lock()
		running++
		peak = max(peak, running)
		mu.Unlock()
		time.Sleep(5 * time.Millisecond)
		mu.Lock()
		running--
		mu.Unlock()
		var p struct{ Fail bool }
		if err := json.Unmarshal(req.Parameters, &p); err != nil {
			return nil, err
		}
		if p.Fail {
			return nil, asl.NewTaskError("Item.Failed", "asked to fail")
		}
		return json.RawMessage(`{}`), nil
	}}
	const jsonataMap = `{"QueryLanguage":"JSONata","StartAt":"M","States":{"M":{"Type":"Map","Items":"{% $states.input.items %}",
		"MaxConcurrency":"{% $states.input.mc %}","ToleratedFailureCount":"{% $states.input.tc %}",
		"ItemProcessor":{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::events:putEvents",
		"Arguments":{"Fail":"{% $states.input %}"},"End":true}}},"End":true}}}`
	const pathMap = `{"StartAt":"M","States":{"M":{"Type":"Map","ItemsPath":"$.items",
		"MaxConcurrencyPath":"$.mc","ToleratedFailurePercentagePath":"$.tp",
		"ItemProcessor":{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::events:putEvents",
		"Parameters":{"Fail.$":"$"},"End":true}}},"End":true}}}`
	items := `[false,true,false,true,false,false]`
	for _, tc := range []struct {
		name, def, input string
		err              string
		peak             int
	}{
		{"jsonata-tolerated", jsonataMap, `{"items":` + items + `,"mc":2,"tc":2}`, "", 2},
		{"jsonata-exceeded", jsonataMap, `{"items":` + items + `,"mc":1,"tc":1}`, asl.StatesExceedToleratedFailure, 1},
		{"jsonata-bad-concurrency", jsonataMap, `{"items":` + items + `,"mc":-1,"tc":1}`, asl.StatesQueryEvaluationError, 0},
		{"path-tolerated", pathMap, `{"items":` + items + `,"mc":3,"tp":34}`, "", 3},
		{"path-exceeded", pathMap, `{"items":` + items + `,"mc":3,"tp":33}`, asl.StatesExceedToleratedFailure, 3},
		{"path-percent-out-of-range", pathMap, `{"items":` + items + `,"mc":3,"tp":101}`, asl.StatesRuntime, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			mu.Lock()
			running, peak = 0, 0
			mu.Unlock()
			e := newEngine(t, engineOpts{tasks: tasks})
			ex, _ := runStandard(t, e, tc.def, "x", tc.input)
			if ex.Error != tc.err {
				t.Fatalf("error %q (%s); want %q", ex.Error, ex.Cause, tc.err)
			}
			mu.Lock()
			defer mu.Unlock()
			if tc.peak > 0 && (peak > tc.peak || peak < 1) {
				t.Fatalf("peak concurrency %d; MaxConcurrency %d", peak, tc.peak)
			}
		})
	}
}

func TestDynamicFieldValidation(t *testing.T) {
	t.Parallel()
	e := newEngine(t, engineOpts{})
	for _, tc := range []struct{ name, def, want string }{
		{"expression in JSONPath state", `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::events:putEvents","TimeoutSeconds":"{% 1 %}","End":true}}}`,
			"'TimeoutSeconds' must be a NUMBER"},
		{"both forms", `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::events:putEvents","TimeoutSeconds":5,"TimeoutSecondsPath":"$.t","End":true}}}`,
			"Only one of TimeoutSeconds or TimeoutSecondsPath"},
		{"path form in JSONata", `{"QueryLanguage":"JSONata","StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::events:putEvents","HeartbeatSecondsPath":"$.t","End":true}}}`,
			"'HeartbeatSecondsPath' is not supported for the JSONata query language"},
		{"static heartbeat not below timeout", `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::events:putEvents","TimeoutSeconds":5,"HeartbeatSeconds":5,"End":true}}}`,
			"HeartbeatSeconds must be smaller than TimeoutSeconds"},
		{"bad JSONata", `{"QueryLanguage":"JSONata","StartAt":"M","States":{"M":{"Type":"Map","MaxConcurrency":"{% ( %}","ItemProcessor":{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}},"End":true}}}`,
			"/States/M/MaxConcurrency"},
		{"percentage range", `{"StartAt":"M","States":{"M":{"Type":"Map","ToleratedFailurePercentage":150,"ItemProcessor":{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}},"End":true}}}`,
			"'ToleratedFailurePercentage' must be a NUMBER between 0 and 100"},
	} {
		_, err := e.CreateStateMachine(context.Background(), "v", tc.def, asl.TypeStandard, "")
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got %v; want %q", tc.name, err, tc.want)
		}
	}
}

// TestEvaluationFailedOnlyForJSONata: JSONPath failures write no
// EvaluationFailed event (AWS writes it for JSONata states only), and a
// failure caught by a Catch writes none either.
func TestEvaluationFailedOnlyForJSONata(t *testing.T) {
	t.Parallel()
	for _, def := range []string{
		`{"StartAt":"P","States":{"P":{"Type":"Pass","Parameters":{"x.$":"$.missing"},"End":true}}}`,
		`{"QueryLanguage":"JSONata","StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::events:putEvents",
		 "Arguments":"{% $error('boom') %}","Catch":[{"ErrorEquals":["States.ALL"],"Next":"Done"}],"End":true},"Done":{"Type":"Succeed"}}}`,
	} {
		e := newEngine(t, engineOpts{})
		_, events := runStandard(t, e, def, "x", `{}`)
		if ev := findEvent(events, "EvaluationFailed"); ev != nil {
			t.Fatalf("unexpected EvaluationFailed in %v", eventTypes(events))
		}
	}
}
