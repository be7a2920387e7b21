package asl_test

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/sfapi/sfapi/internal/emulator/asl"
)

const mockConfig = `{
 "StateMachines": {"m": {"TestCases": {"Retry": {"Charge": "FlakyCharge"}}}},
 "MockedResponses": {"FlakyCharge": {
   "0-1": {"Throw": {"Error": "Pay.Down", "Cause": "try later"}},
   "2": {"Return": {"Paid": true}}}}}`

const chargeDef = `{"StartAt":"Charge","States":{"Charge":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:123456789012:function:charge",
"Retry":[{"ErrorEquals":["Pay.Down"],"MaxAttempts":3}],"End":true}}}`

func TestMockConfigAnswersUnrunnableTask(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "mocks.json")
	if err := os.WriteFile(path, []byte(mockConfig), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := asl.LoadMockConfig(path)
	if err != nil {
		t.Fatal(err)
	}
	invoked := false
	tasks := &fakeTasks{invoke: func(context.Context, asl.TaskRequest) (json.RawMessage, error) {
		invoked = true
		return nil, asl.NewTaskError(asl.StatesRuntime, "lambda cannot run")
	}}
	clock := newFakeClock()
	db := openDB(t, "")
	t.Cleanup(func() { db.Close() })
	e, err := asl.NewEngine(asl.Options{Store: db, Tasks: tasks, Now: clock.Now, Sleep: clock.Sleep, Mocks: cfg})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = e.Shutdown(context.Background()) })
	ctx := context.Background()
	sm, err := e.CreateStateMachine(ctx, "m", chargeDef, asl.TypeStandard, "")
	if err != nil {
		t.Fatal(err)
	}
	ex, err := e.StartExecution(ctx, sm.Arn+"#Retry", "with-mock", `{}`)
	if err != nil {
		t.Fatal(err)
	}
	done := waitDone(t, e, ex.Arn)
	if done.Status != asl.StatusSucceeded || done.Output != `{"Paid":true}` || invoked {
		t.Fatalf("mocked execution = %s %q %s (invoker called: %v)", done.Status, done.Output, done.Cause, invoked)
	}
	// Without a test case the task reaches the invoker and fails.
	ex, err = e.StartExecution(ctx, sm.Arn, "no-mock", `{}`)
	if err != nil {
		t.Fatal(err)
	}
	if done := waitDone(t, e, ex.Arn); done.Status != asl.StatusFailed || done.Error != asl.StatesRuntime {
		t.Fatalf("unmocked execution = %s %s", done.Status, done.Error)
	}
	if _, err := e.StartExecution(ctx, sm.Arn+"#Nope", "", `{}`); !errors.Is(err, asl.ErrValidation) {
		t.Fatalf("unknown test case = %v, want ValidationException", err)
	}
}

func TestParseMockConfigErrors(t *testing.T) {
	t.Parallel()
	for name, src := range map[string]string{
		"not json":         `{`,
		"unknown response": `{"StateMachines":{"m":{"TestCases":{"c":{"S":"Missing"}}}},"MockedResponses":{}}`,
		"bad range":        `{"MockedResponses":{"R":{"2-1":{"Return":{}}}}}`,
		"overlap":          `{"MockedResponses":{"R":{"0-2":{"Return":{}},"1":{"Return":{}}}}}`,
		"both":             `{"MockedResponses":{"R":{"0":{"Return":{},"Throw":{"Error":"E"}}}}}`,
		"neither":          `{"MockedResponses":{"R":{"0":{}}}}`,
	} {
		if _, err := asl.ParseMockConfig([]byte(src)); err == nil {
			t.Errorf("%s: ParseMockConfig accepted %s", name, src)
		}
	}
	if _, err := asl.ParseMockConfig([]byte(mockConfig)); err != nil {
		t.Fatalf("valid config: %v", err)
	}
}

func FuzzParseMockConfig(f *testing.F) {
	f.Add([]byte(mockConfig))
	f.Add([]byte(`{"MockedResponses":{"R":{"0-2":{"Return":{}},"1":{"Return":{}}}}}`))
	f.Add([]byte(`{"MockedResponses":{"R":{"x":{"Throw":{"Error":""}}}}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		_, _ = asl.ParseMockConfig(data)
	})
}

func TestRedriveExecution(t *testing.T) {
	t.Parallel()
	calls := 0
	tasks := &fakeTasks{invoke: func(context.Context, asl.TaskRequest) (json.RawMessage, error) {
		calls++
		if calls == 1 {
			return nil, asl.NewTaskError("Flaky.Error", "first call fails")
		}
		return json.RawMessage(`{"n":2}`), nil
	}}
	e := newEngine(t, engineOpts{tasks: tasks})
	def := `{"StartAt":"P","States":{"P":{"Type":"Pass","Result":{"a":1},"Next":"T"},
"T":{"Type":"Task","Resource":"arn:aws:states:::dynamodb:putItem","ResultPath":"$.t","End":true}}}`
	done, _ := runStandard(t, e, def, "r", `{}`)
	if done.Status != asl.StatusFailed {
		t.Fatalf("first run = %s", done.Status)
	}
	if s, _ := e.RedriveStatus(done); s != asl.RedriveStatusRedrivable {
		t.Fatalf("redrive status %s", s)
	}
	ctx := context.Background()
	if _, err := e.RedriveExecution(ctx, done.Arn); err != nil {
		t.Fatal(err)
	}
	again := waitDone(t, e, done.Arn)
	if again.Status != asl.StatusSucceeded || again.Output != `{"a":1,"t":{"n":2}}` || again.RedriveCount != 1 || again.RedriveDate.IsZero() {
		t.Fatalf("redriven = %+v", again)
	}
	events, _, err := e.GetExecutionHistory(ctx, done.Arn, false, 100, "")
	if err != nil {
		t.Fatal(err)
	}
	types := eventTypes(events)
	i := slices.Index(types, "ExecutionRedriven")
	if i < 0 || types[i+1] != "TaskStateEntered" || slices.Index(types[i:], "PassStateEntered") >= 0 {
		t.Fatalf("history %v: want ExecutionRedriven then TaskStateEntered, without re-running the Pass state", types)
	}
	for k, ev := range events {
		if ev.ID != int64(k+1) {
			t.Fatalf("event ids not contiguous: %v", events)
		}
	}
	if _, err := e.RedriveExecution(ctx, done.Arn); !errors.Is(err, asl.ErrExecutionNotRedrivable) {
		t.Fatalf("redrive of a SUCCEEDED execution = %v", err)
	}
}

func TestUnrunnableTasks(t *testing.T) {
	t.Parallel()
	def := `{"StartAt":"P","States":{"P":{"Type":"Parallel","Branches":[{"StartAt":"L","States":{"L":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","End":true}}}],"Next":"A"},
"A":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:1:function:f","Next":"D"},
"D":{"Type":"Task","Resource":"arn:aws:states:::aws-sdk:dynamodb:query","Next":"S"},
"S":{"Type":"Task","Resource":"arn:aws:states:::states:startExecution.sync:2","Next":"Q"},
"Q":{"Type":"Task","Resource":"arn:aws:states:::dynamodb:putItem.waitForTaskToken","Next":"R"},
"R":{"Type":"Map","ItemReader":{"Resource":"arn:aws:states:::s3:getObject","ReaderConfig":{"InputType":"CSV"},"Parameters":{"Bucket":"b","Key":"k"}},
 "ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"EXPRESS"},"StartAt":"X","States":{"X":{"Type":"Pass","End":true}}},"End":true}}}`
	got := asl.UnrunnableTasks(def)
	var names []string
	for _, f := range got {
		names = append(names, f.State+"="+f.Resource)
		if f.Reason == "" {
			t.Errorf("finding %+v has no reason", f)
		}
	}
	want := []string{"A=arn:aws:lambda:us-east-1:1:function:f", "L=arn:aws:states:::lambda:invoke", "Q=arn:aws:states:::dynamodb:putItem.waitForTaskToken", "R=arn:aws:states:::s3:getObject"}
	if !slices.Equal(names, want) {
		t.Fatalf("UnrunnableTasks = %v, want %v", names, want)
	}
	if err := asl.ValidateDefinition(def); err != nil {
		t.Fatalf("definition with unrunnable resources must validate: %v", err)
	}
}

func TestTagsDoNotOutliveTheirMachine(t *testing.T) {
	t.Parallel()
	clock := newFakeClock()
	e := newEngine(t, engineOpts{clock: clock})
	ctx := context.Background()
	def := `{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}`
	sm, err := e.CreateStateMachine(ctx, "m", def, asl.TypeStandard, "")
	if err != nil {
		t.Fatal(err)
	}
	if err := e.TagResource(ctx, sm.Arn, []asl.Tag{{Key: "k", Value: "v"}}); err != nil {
		t.Fatal(err)
	}
	if err := e.DeleteStateMachine(ctx, sm.Arn); err != nil {
		t.Fatal(err)
	}
	if err := e.TagResource(ctx, sm.Arn, []asl.Tag{{Key: "k", Value: "v"}}); !errors.Is(err, asl.ErrResourceNotFound) {
		t.Fatalf("tagging a deleted machine = %v, want ResourceNotFound", err)
	}
	if _, err := e.CreateStateMachine(ctx, "m", def, asl.TypeStandard, ""); err != nil {
		t.Fatal(err)
	}
	tags, err := e.ListTagsForResource(ctx, sm.Arn)
	if err != nil || len(tags) != 0 {
		t.Fatalf("re-created machine tags = %v, %v; want none", tags, err)
	}
}

func FuzzTestState(f *testing.F) {
	for _, seed := range []string{
		`{"Type":"Pass","Parameters":{"x.$":"$.a"},"ResultPath":"$.p","Next":"N"}`,
		`{"Type":"Task","Resource":"arn:aws:states:::dynamodb:getItem","Retry":[{"ErrorEquals":["States.ALL"]}],"End":true}`,
		`{"Type":"Task","Resource":"arn:aws:states:::sqs:sendMessage.waitForTaskToken","End":true}`,
		`{"Type":"Choice","Choices":[{"Variable":"$.a","IsPresent":true,"Next":"Y"}],"Default":"N"}`,
		`{"Type":"Wait","Seconds":5,"Next":"N"}`,
		`{"Type":"Fail","Error":"E"}`,
		`{"StartAt":"A","States":{"A":{"Type":"Succeed"}}}`,
		`[]`, `{"Type":7}`,
	} {
		f.Add(seed, `{"a":1}`)
	}
	tasks := &fakeTasks{invoke: func(context.Context, asl.TaskRequest) (json.RawMessage, error) {
		return json.RawMessage(`{"ok":true}`), nil
	}}
	e := newEngine(f, engineOpts{tasks: tasks})
	f.Fuzz(func(t *testing.T, def, input string) {
		res, err := e.TestState(context.Background(), asl.TestStateInput{Definition: def, Input: input, InspectionLevel: asl.InspectionDebug})
		if err == nil && res.Status == "" {
			t.Fatalf("TestState(%s) returned no status", def)
		}
	})
}
