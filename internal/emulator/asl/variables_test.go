package asl_test

import (
	"context"
	"encoding/json"
	"path/filepath"
	"testing"
	"time"

	"github.com/sfapi/sfapi/internal/emulator/asl"
)

// varsResumeDef assigns variables in both query languages before a task
// and reads them after it.
const varsResumeDef = `{
  "StartAt": "A",
  "States": {
    "A": {"Type": "Pass", "Assign": {"who.$": "$.who", "n": 1}, "Next": "J"},
    "J": {"Type": "Pass", "QueryLanguage": "JSONata", "Assign": {"n": "{% $n + 1 %}", "list": "{% [$who, $who] %}"}, "Next": "B"},
    "B": {"Type": "Task", "Resource": "arn:aws:states:::dynamodb:updateItem", "Parameters": {"who.$": "$who"}, "Next": "C"},
    "C": {"Type": "Pass", "QueryLanguage": "JSONata", "Output": {"who": "{% $who %}", "n": "{% $n %}", "list": "{% $list %}", "task": "{% $states.input.ok %}"}, "End": true}
  }
}`

// TestVariablesSurviveRestart crashes the store while task B is in flight:
// the resumed execution must still see the variables assigned before B.
func TestVariablesSurviveRestart(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sfn.db")
	db1 := openDB(t, path)
	entered := make(chan struct{})
	release := make(chan struct{})
	tasks1 := &fakeTasks{invoke: func(ctx context.Context, req asl.TaskRequest) (json.RawMessage, error) {
		close(entered)
		<-release
		return json.RawMessage(`{"ok": 1}`), nil
	}}
	e1, err := asl.NewEngine(asl.Options{Store: db1, Tasks: tasks1})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := e1.Start(ctx); err != nil {
		t.Fatal(err)
	}
	sm, err := e1.CreateStateMachine(ctx, "vars", varsResumeDef, asl.TypeStandard, "")
	if err != nil {
		t.Fatal(err)
	}
	ex, err := e1.StartExecution(ctx, sm.Arn, "run-1", `{"who": "ann"}`)
	if err != nil {
		t.Fatal(err)
	}
	<-entered
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
	var params []string
	tasks2 := &fakeTasks{invoke: func(ctx context.Context, req asl.TaskRequest) (json.RawMessage, error) {
		params = append(params, string(req.Parameters))
		return json.RawMessage(`{"ok": 2}`), nil
	}}
	e2, err := asl.NewEngine(asl.Options{Store: db2, Tasks: tasks2})
	if err != nil {
		t.Fatal(err)
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
	if want := `{"list":["ann","ann"],"n":2,"task":2,"who":"ann"}`; done.Output != want {
		t.Errorf("output = %s, want %s", done.Output, want)
	}
	if len(params) != 1 || params[0] != `{"who":"ann"}` {
		t.Errorf("resumed task parameters = %v, want one call with {\"who\":\"ann\"}", params)
	}
}

// TestVariableLimits checks AWS's size limits on assigned values.
func TestVariableLimits(t *testing.T) {
	t.Parallel()
	e := newEngine(t, engineOpts{})
	def := `{"QueryLanguage":"JSONata","StartAt":"A","States":{"A":{"Type":"Pass","Assign":{"big":"{% $pad('', 270000, 'x') %}"},"End":true}}}`
	ex, _ := runStandard(t, e, def, "too-big", `{}`)
	if ex.Status != asl.StatusFailed || ex.Error != "States.DataLimitExceeded" {
		t.Fatalf("status = %s %s (%s), want FAILED States.DataLimitExceeded", ex.Status, ex.Error, ex.Cause)
	}
}

// TestJSONataEvaluationBounded checks that a runaway expression fails the
// execution with States.QueryEvaluationError instead of hanging it.
func TestJSONataEvaluationBounded(t *testing.T) {
	t.Parallel()
	e := newEngine(t, engineOpts{})
	def := `{"QueryLanguage":"JSONata","StartAt":"A","States":{"A":{"Type":"Pass","Output":"{% ($f := function($n){ $f($n + 1) }; $f(0)) %}","End":true}}}`
	ex, _ := runStandard(t, e, def, "runaway", `{}`)
	if ex.Status != asl.StatusFailed || ex.Error != "States.QueryEvaluationError" {
		t.Fatalf("status = %s %s (%s), want FAILED States.QueryEvaluationError", ex.Status, ex.Error, ex.Cause)
	}
}
