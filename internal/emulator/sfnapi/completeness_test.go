package sfnapi_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"
)

// TestSDKAPICompleteness walks the APIs of issue 9 not covered elsewhere
// through the SDK: UpdateStateMachine, DescribeStateMachineForExecution,
// ListExecutions filters and paging, GetExecutionHistory paging in reverse,
// ValidateStateMachineDefinition diagnostics.
func TestSDKAPICompleteness(t *testing.T) {
	t.Parallel()
	c, e := setup(t, nil)
	ctx := context.Background()
	v1 := `{"StartAt":"P","States":{"P":{"Type":"Pass","Result":{"v":1},"Next":"Q"},"Q":{"Type":"Pass","End":true}}}`
	v2 := `{"StartAt":"P","States":{"P":{"Type":"Pass","Result":{"v":2},"End":true}}}`
	sm, err := c.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{Name: aws.String("api"), Definition: aws.String(v1), RoleArn: aws.String("arn:aws:iam::123456789012:role/r")})
	if err != nil {
		t.Fatal(err)
	}
	first, err := c.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: sm.StateMachineArn, Name: aws.String("x0")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.WaitExecution(ctx, *first.ExecutionArn); err != nil {
		t.Fatal(err)
	}
	if _, err := c.UpdateStateMachine(ctx, &sfn.UpdateStateMachineInput{StateMachineArn: sm.StateMachineArn, Definition: aws.String(v2)}); err != nil {
		t.Fatalf("UpdateStateMachine: %v", err)
	}
	if d, err := c.DescribeStateMachine(ctx, &sfn.DescribeStateMachineInput{StateMachineArn: sm.StateMachineArn}); err != nil || *d.Definition != v2 {
		t.Fatalf("after update: %+v %v", d, err)
	}
	// The execution keeps the definition it ran with.
	forEx, err := c.DescribeStateMachineForExecution(ctx, &sfn.DescribeStateMachineForExecutionInput{ExecutionArn: first.ExecutionArn})
	if err != nil || *forEx.Definition != v1 || *forEx.Name != "api" || *forEx.StateMachineArn != *sm.StateMachineArn {
		t.Fatalf("DescribeStateMachineForExecution = %+v, %v", forEx, err)
	}
	for i := 1; i < 5; i++ {
		ex, err := c.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: sm.StateMachineArn, Name: aws.String(fmt.Sprintf("x%d", i))})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.WaitExecution(ctx, *ex.ExecutionArn); err != nil {
			t.Fatal(err)
		}
	}
	seen := map[string]bool{}
	var token *string
	pages := 0
	for {
		out, err := c.ListExecutions(ctx, &sfn.ListExecutionsInput{StateMachineArn: sm.StateMachineArn, MaxResults: 2, NextToken: token})
		if err != nil {
			t.Fatal(err)
		}
		pages++
		for _, it := range out.Executions {
			seen[*it.Name] = true
			if it.Status != types.ExecutionStatusSucceeded || it.StopDate == nil {
				t.Fatalf("list item %+v", it)
			}
		}
		if token = out.NextToken; token == nil {
			break
		}
	}
	if len(seen) != 5 || pages != 3 {
		t.Fatalf("paged %d executions in %d pages", len(seen), pages)
	}
	running, err := c.ListExecutions(ctx, &sfn.ListExecutionsInput{StateMachineArn: sm.StateMachineArn, StatusFilter: types.ExecutionStatusRunning})
	if err != nil || len(running.Executions) != 0 {
		t.Fatalf("RUNNING filter = %+v, %v", running, err)
	}
	_, err = c.ListExecutions(ctx, &sfn.ListExecutionsInput{StateMachineArn: sm.StateMachineArn, StatusFilter: "DONE"})
	if err == nil || !strings.Contains(err.Error(), "statusFilter") {
		t.Fatalf("bad status filter: %v", err)
	}
	_, err = c.ListExecutions(ctx, &sfn.ListExecutionsInput{StateMachineArn: sm.StateMachineArn, NextToken: aws.String("bogus")})
	var badToken *types.InvalidToken
	if !errors.As(err, &badToken) {
		t.Fatalf("bad next token: %v", err)
	}

	// History of x0 (two Pass states: 6 events), two per page, newest first.
	var ids []int64
	token = nil
	for {
		out, err := c.GetExecutionHistory(ctx, &sfn.GetExecutionHistoryInput{ExecutionArn: first.ExecutionArn, ReverseOrder: true, MaxResults: 2, NextToken: token})
		if err != nil {
			t.Fatal(err)
		}
		for _, ev := range out.Events {
			ids = append(ids, ev.Id)
		}
		if token = out.NextToken; token == nil {
			break
		}
	}
	if fmt.Sprint(ids) != "[6 5 4 3 2 1]" {
		t.Fatalf("reverse history ids %v", ids)
	}

	bad := `{"StartAt":"P","States":{"P":{"Type":"Pass","Next":"Nowhere"},"Lost":{"Type":"Succeed"}}}`
	val, err := c.ValidateStateMachineDefinition(ctx, &sfn.ValidateStateMachineDefinitionInput{Definition: aws.String(bad)})
	if err != nil {
		t.Fatal(err)
	}
	if val.Result != types.ValidateStateMachineDefinitionResultCodeFail || len(val.Diagnostics) != 2 {
		t.Fatalf("validate = %+v", val)
	}
	got := map[string]string{}
	for _, d := range val.Diagnostics {
		if d.Severity != types.ValidateStateMachineDefinitionSeverityError || d.Message == nil || d.Location == nil {
			t.Fatalf("diagnostic %+v", d)
		}
		got[*d.Code] = *d.Location
	}
	if got["MISSING_TRANSITION_TARGET"] != "/States/P/Next" || got["UNREACHABLE_STATE"] != "/States/Lost" {
		t.Fatalf("diagnostics %v", got)
	}
	ok, err := c.ValidateStateMachineDefinition(ctx, &sfn.ValidateStateMachineDefinitionInput{Definition: aws.String(v2)})
	if err != nil || ok.Result != types.ValidateStateMachineDefinitionResultCodeOk || len(ok.Diagnostics) != 0 {
		t.Fatalf("validate ok = %+v %v", ok, err)
	}
}

// TestSDKMapRuns runs a distributed Map state and reads its Map Run,
// children and history events through the SDK.
func TestSDKMapRuns(t *testing.T) {
	t.Parallel()
	c, e := setup(t, nil)
	ctx := context.Background()
	def := `{"StartAt":"M","States":{"M":{"Type":"Map","Label":"fan","MaxConcurrency":2,"ToleratedFailurePercentage":10,
	 "ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"STANDARD"},"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}},"End":true}}}`
	sm, err := c.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{Name: aws.String("dm"), Definition: aws.String(def), RoleArn: aws.String("arn:aws:iam::123456789012:role/r")})
	if err != nil {
		t.Fatal(err)
	}
	ex, err := c.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: sm.StateMachineArn, Input: aws.String(`[1,2,3]`)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.WaitExecution(ctx, *ex.ExecutionArn); err != nil {
		t.Fatal(err)
	}
	runs, err := c.ListMapRuns(ctx, &sfn.ListMapRunsInput{ExecutionArn: ex.ExecutionArn})
	if err != nil || len(runs.MapRuns) != 1 {
		t.Fatalf("ListMapRuns = %+v, %v", runs, err)
	}
	arn := runs.MapRuns[0].MapRunArn
	mr, err := c.DescribeMapRun(ctx, &sfn.DescribeMapRunInput{MapRunArn: arn})
	if err != nil {
		t.Fatal(err)
	}
	if mr.Status != types.MapRunStatusSucceeded || mr.MaxConcurrency != 2 || mr.ToleratedFailurePercentage != 10 ||
		mr.ItemCounts.Total != 3 || mr.ItemCounts.Succeeded != 3 || mr.ExecutionCounts.Succeeded != 3 || mr.StopDate == nil || *mr.ExecutionArn != *ex.ExecutionArn {
		t.Fatalf("DescribeMapRun = %+v (items %+v)", mr, mr.ItemCounts)
	}
	children, err := c.ListExecutions(ctx, &sfn.ListExecutionsInput{MapRunArn: arn})
	if err != nil || len(children.Executions) != 3 {
		t.Fatalf("ListExecutions(mapRunArn) = %+v, %v", children, err)
	}
	child, err := c.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: children.Executions[0].ExecutionArn})
	if err != nil || child.MapRunArn == nil || *child.MapRunArn != *arn || child.Status != types.ExecutionStatusSucceeded {
		t.Fatalf("child = %+v, %v", child, err)
	}
	forChild, err := c.DescribeStateMachineForExecution(ctx, &sfn.DescribeStateMachineForExecutionInput{ExecutionArn: child.ExecutionArn})
	if err != nil || *forChild.MapRunArn != *arn || *forChild.Label != "fan" || *forChild.Definition != def {
		t.Fatalf("DescribeStateMachineForExecution(child) = %+v, %v", forChild, err)
	}
	hist, err := c.GetExecutionHistory(ctx, &sfn.GetExecutionHistoryInput{ExecutionArn: ex.ExecutionArn})
	if err != nil {
		t.Fatal(err)
	}
	var started *types.MapRunStartedEventDetails
	for _, ev := range hist.Events {
		if ev.Type == types.HistoryEventTypeMapRunStarted {
			started = ev.MapRunStartedEventDetails
		}
	}
	if started == nil || *started.MapRunArn != *arn {
		t.Fatalf("MapRunStarted details %+v", started)
	}
	_, err = c.UpdateMapRun(ctx, &sfn.UpdateMapRunInput{MapRunArn: arn, MaxConcurrency: aws.Int32(5)})
	var verr *types.ValidationException
	if !errors.As(err, &verr) {
		t.Fatalf("UpdateMapRun of a finished run: %v", err)
	}
	_, err = c.DescribeMapRun(ctx, &sfn.DescribeMapRunInput{MapRunArn: aws.String(*arn + "0")})
	var nf *types.ResourceNotFound
	if !errors.As(err, &nf) {
		t.Fatalf("unknown map run: %v", err)
	}
}

// TestSDKEvaluationFailed: a failing JSONata expression writes an
// EvaluationFailed event the SDK decodes.
func TestSDKEvaluationFailed(t *testing.T) {
	t.Parallel()
	c, e := setup(t, nil)
	ctx := context.Background()
	def := `{"QueryLanguage":"JSONata","StartAt":"P","States":{"P":{"Type":"Pass","Output":"{% $states.input.a.b %}","End":true}}}`
	sm, err := c.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{Name: aws.String("ev"), Definition: aws.String(def), RoleArn: aws.String("arn:aws:iam::123456789012:role/r")})
	if err != nil {
		t.Fatal(err)
	}
	ex, err := c.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: sm.StateMachineArn, Input: aws.String(`{}`)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.WaitExecution(ctx, *ex.ExecutionArn); err != nil {
		t.Fatal(err)
	}
	hist, err := c.GetExecutionHistory(ctx, &sfn.GetExecutionHistoryInput{ExecutionArn: ex.ExecutionArn, ReverseOrder: true, MaxResults: 2})
	if err != nil {
		t.Fatal(err)
	}
	if len(hist.Events) != 2 || hist.Events[0].Type != types.HistoryEventTypeExecutionFailed || hist.Events[1].Type != types.HistoryEventTypeEvaluationFailed {
		t.Fatalf("last events %+v", hist.Events)
	}
	d := hist.Events[1].EvaluationFailedEventDetails
	if d == nil || *d.State != "P" || *d.Location != "Output" || *d.Error != "States.QueryEvaluationError" || d.Cause == nil {
		t.Fatalf("EvaluationFailed details %+v", d)
	}
}
