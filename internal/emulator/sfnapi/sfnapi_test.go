package sfnapi_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"
	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/sfapi/sfapi/internal/emulator/asl"
	"github.com/sfapi/sfapi/internal/emulator/awsjson"
	"github.com/sfapi/sfapi/internal/emulator/kv"
	"github.com/sfapi/sfapi/internal/emulator/sfnapi"
)

type fakeTasks struct {
	invoke func(ctx context.Context, req asl.TaskRequest) (json.RawMessage, error)
}

var _ asl.TaskInvoker = (*fakeTasks)(nil)

func (f *fakeTasks) Invoke(ctx context.Context, req asl.TaskRequest) (json.RawMessage, error) {
	return f.invoke(ctx, req)
}

func setup(t *testing.T, tasks asl.TaskInvoker) (*sfn.Client, *asl.Engine) {
	t.Helper()
	db, err := kv.Open(filepath.Join(t.TempDir(), "sfn.db"), kv.Options{InMemory: true})
	if err != nil {
		t.Fatal(err)
	}
	e, err := asl.NewEngine(asl.Options{Store: db, Tasks: tasks})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	mux := awsjson.NewMux(nil)
	sfnapi.Register(mux, e)
	srv := httptest.NewServer(mux)
	t.Cleanup(func() {
		srv.Close()
		_ = e.Shutdown(context.Background())
		_ = db.Close()
	})
	client := sfn.New(sfn.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(srv.URL),
		Credentials:  credentials.NewStaticCredentialsProvider("AKID", "SECRET", ""),
		HTTPClient:   srv.Client(),
	})
	return client, e
}

const def = `{"StartAt":"P","States":{"P":{"Type":"Pass","Parameters":{"greeting.$":"States.Format('hi {}', $.who)"},"Next":"T"},
"T":{"Type":"Task","Resource":"arn:aws:states:::dynamodb:updateItem","Parameters":{"id.$":"$$.Execution.Id"},"ResultPath":"$.task","End":true}}}`

func TestSDKLifecycle(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	tasks := &fakeTasks{invoke: func(ctx context.Context, req asl.TaskRequest) (json.RawMessage, error) {
		select {
		case <-release:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		return json.RawMessage(`{"done":true}`), nil
	}}
	c, e := setup(t, tasks)
	ctx := context.Background()
	created, err := c.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{
		Name: aws.String("jobs"), Definition: aws.String(def), RoleArn: aws.String("arn:aws:iam::123456789012:role/sfn"),
	})
	if err != nil {
		t.Fatalf("CreateStateMachine: %v", err)
	}
	if *created.StateMachineArn != "arn:aws:states:us-east-1:123456789012:stateMachine:jobs" {
		t.Errorf("arn = %s", *created.StateMachineArn)
	}
	if d := time.Since(*created.CreationDate); d < 0 || d > time.Minute {
		t.Errorf("creationDate = %v: epoch seconds not decoded", created.CreationDate)
	}
	desc, err := c.DescribeStateMachine(ctx, &sfn.DescribeStateMachineInput{StateMachineArn: created.StateMachineArn})
	if err != nil || *desc.Definition != def || desc.Type != types.StateMachineTypeStandard || desc.Status != types.StateMachineStatusActive {
		t.Fatalf("DescribeStateMachine = %+v, %v", desc, err)
	}
	list, err := c.ListStateMachines(ctx, &sfn.ListStateMachinesInput{})
	if err != nil || len(list.StateMachines) != 1 || *list.StateMachines[0].Name != "jobs" {
		t.Fatalf("ListStateMachines = %+v, %v", list, err)
	}

	start, err := c.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: created.StateMachineArn, Name: aws.String("e1"), Input: aws.String(`{"who":"gopher"}`)})
	if err != nil {
		t.Fatalf("StartExecution: %v", err)
	}
	again, err := c.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: created.StateMachineArn, Name: aws.String("e1"), Input: aws.String(`{"who":"gopher"}`)})
	if err != nil {
		t.Fatalf("idempotent StartExecution: %v", err)
	}
	if *again.ExecutionArn != *start.ExecutionArn || !again.StartDate.Equal(*start.StartDate) {
		t.Errorf("restart = %v %v, want %v %v", *again.ExecutionArn, again.StartDate, *start.ExecutionArn, start.StartDate)
	}
	_, err = c.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: created.StateMachineArn, Name: aws.String("e1"), Input: aws.String(`{"who":"other"}`)})
	var exists *types.ExecutionAlreadyExists
	if !errors.As(err, &exists) {
		t.Fatalf("different input: err = %v, want *types.ExecutionAlreadyExists", err)
	}

	running, err := c.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: start.ExecutionArn})
	if err != nil || running.Status != types.ExecutionStatusRunning || running.StopDate != nil {
		t.Fatalf("DescribeExecution (running) = %+v, %v", running, err)
	}
	close(release)
	if _, err := e.WaitExecution(ctx, *start.ExecutionArn); err != nil {
		t.Fatal(err)
	}
	done, err := c.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: start.ExecutionArn})
	if err != nil {
		t.Fatal(err)
	}
	if done.Status != types.ExecutionStatusSucceeded || done.StopDate == nil || *done.Input != `{"who":"gopher"}` {
		t.Fatalf("DescribeExecution = %+v", done)
	}
	wantOut := `{"greeting":"hi gopher","task":{"done":true}}`
	if *done.Output != wantOut {
		t.Errorf("output = %s, want %s", *done.Output, wantOut)
	}

	hist, err := c.GetExecutionHistory(ctx, &sfn.GetExecutionHistoryInput{ExecutionArn: start.ExecutionArn})
	if err != nil {
		t.Fatal(err)
	}
	var typesSeen []string
	for _, ev := range hist.Events {
		typesSeen = append(typesSeen, string(ev.Type))
	}
	want := "ExecutionStarted PassStateEntered PassStateExited TaskStateEntered TaskScheduled TaskStarted TaskSucceeded TaskStateExited ExecutionSucceeded"
	if got := strings.Join(typesSeen, " "); got != want {
		t.Fatalf("history = %s", got)
	}
	first := hist.Events[0]
	if first.Id != 1 || first.ExecutionStartedEventDetails == nil || *first.ExecutionStartedEventDetails.Input != `{"who":"gopher"}` || time.Since(*first.Timestamp) > time.Minute {
		t.Errorf("first event = %+v", first)
	}
	sched := hist.Events[4].TaskScheduledEventDetails
	if sched == nil || *sched.ResourceType != "dynamodb" || *sched.Resource != "updateItem" || !strings.Contains(*sched.Parameters, *start.ExecutionArn) {
		t.Errorf("TaskScheduled details = %+v", sched)
	}
	if st := hist.Events[1].StateEnteredEventDetails; st == nil || *st.Name != "P" {
		t.Errorf("PassStateEntered details = %+v", st)
	}
	if hist.Events[2].PreviousEventId != 2 {
		t.Errorf("previousEventId = %d", hist.Events[2].PreviousEventId)
	}
	rev, err := c.GetExecutionHistory(ctx, &sfn.GetExecutionHistoryInput{ExecutionArn: start.ExecutionArn, ReverseOrder: true, MaxResults: 2})
	if err != nil || len(rev.Events) != 2 || rev.Events[0].Type != types.HistoryEventTypeExecutionSucceeded || rev.NextToken == nil {
		t.Fatalf("reverse page = %+v, %v", rev, err)
	}

	execs, err := c.ListExecutions(ctx, &sfn.ListExecutionsInput{StateMachineArn: created.StateMachineArn, StatusFilter: types.ExecutionStatusSucceeded})
	if err != nil || len(execs.Executions) != 1 || *execs.Executions[0].Name != "e1" {
		t.Fatalf("ListExecutions = %+v, %v", execs, err)
	}
}

func TestSDKStopAndErrors(t *testing.T) {
	t.Parallel()
	tasks := &fakeTasks{invoke: func(ctx context.Context, req asl.TaskRequest) (json.RawMessage, error) {
		<-ctx.Done()
		return nil, ctx.Err()
	}}
	c, _ := setup(t, tasks)
	ctx := context.Background()
	_, err := c.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{Name: aws.String("bad"), Definition: aws.String(`{"StartAt":"X","States":{}}`), RoleArn: aws.String("arn:aws:iam::1:role/r")})
	var invalid *types.InvalidDefinition
	if !errors.As(err, &invalid) || !strings.Contains(invalid.ErrorMessage(), "MISSING_TRANSITION_TARGET") {
		t.Fatalf("err = %v, want *types.InvalidDefinition", err)
	}
	sm, err := c.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{Name: aws.String("m"), Definition: aws.String(def), RoleArn: aws.String("arn:aws:iam::1:role/r")})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{Name: aws.String("m"), Definition: aws.String(`{"StartAt":"S","States":{"S":{"Type":"Succeed"}}}`), RoleArn: aws.String("arn:aws:iam::1:role/r")})
	var smExists *types.StateMachineAlreadyExists
	if !errors.As(err, &smExists) {
		t.Errorf("err = %v, want *types.StateMachineAlreadyExists", err)
	}
	_, err = c.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: aws.String("arn:aws:states:us-east-1:123456789012:execution:m:nope")})
	var missing *types.ExecutionDoesNotExist
	if !errors.As(err, &missing) {
		t.Errorf("err = %v, want *types.ExecutionDoesNotExist", err)
	}
	_, err = c.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: aws.String("arn:aws:states:us-east-1:123456789012:stateMachine:nope")})
	var noSM *types.StateMachineDoesNotExist
	if !errors.As(err, &noSM) {
		t.Errorf("err = %v, want *types.StateMachineDoesNotExist", err)
	}
	_, err = c.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: sm.StateMachineArn, Input: aws.String("{not json")})
	var badInput *types.InvalidExecutionInput
	if !errors.As(err, &badInput) {
		t.Errorf("err = %v, want *types.InvalidExecutionInput", err)
	}
	_, err = c.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: sm.StateMachineArn, Name: aws.String("has space")})
	var badName *types.InvalidName
	if !errors.As(err, &badName) {
		t.Errorf("err = %v, want *types.InvalidName", err)
	}

	start, err := c.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: sm.StateMachineArn, Input: aws.String(`{"who":"x"}`)})
	if err != nil {
		t.Fatal(err)
	}
	stop, err := c.StopExecution(ctx, &sfn.StopExecutionInput{ExecutionArn: start.ExecutionArn, Error: aws.String("Ops.Cancelled"), Cause: aws.String("by test")})
	if err != nil || stop.StopDate == nil {
		t.Fatalf("StopExecution = %+v, %v", stop, err)
	}
	d, err := c.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: start.ExecutionArn})
	if err != nil || d.Status != types.ExecutionStatusAborted || *d.Error != "Ops.Cancelled" || d.Output != nil {
		t.Fatalf("after stop: %+v, %v", d, err)
	}
	h, err := c.GetExecutionHistory(ctx, &sfn.GetExecutionHistoryInput{ExecutionArn: start.ExecutionArn, ReverseOrder: true, MaxResults: 1})
	if err != nil || h.Events[0].Type != types.HistoryEventTypeExecutionAborted || *h.Events[0].ExecutionAbortedEventDetails.Cause != "by test" {
		t.Fatalf("last event = %+v, %v", h.Events, err)
	}
	v, err := c.ValidateStateMachineDefinition(ctx, &sfn.ValidateStateMachineDefinitionInput{Definition: aws.String(`{"StartAt":"P","States":{"P":{"Type":"Pass","Next":"Q"},"Z":{"Type":"Succeed"}}}`)})
	if err != nil || v.Result != types.ValidateStateMachineDefinitionResultCodeFail || len(v.Diagnostics) != 2 {
		t.Fatalf("Validate = %+v, %v", v, err)
	}
	if loc := aws.ToString(v.Diagnostics[0].Location); loc != "/States/P/Next" {
		t.Errorf("diagnostic location = %q (%+v)", loc, v.Diagnostics)
	}
	ok, err := c.ValidateStateMachineDefinition(ctx, &sfn.ValidateStateMachineDefinitionInput{Definition: aws.String(def)})
	if err != nil || ok.Result != types.ValidateStateMachineDefinitionResultCodeOk {
		t.Fatalf("Validate ok = %+v, %v", ok, err)
	}
	if _, err := c.DeleteStateMachine(ctx, &sfn.DeleteStateMachineInput{StateMachineArn: sm.StateMachineArn}); err != nil {
		t.Fatal(err)
	}
}

func TestSDKStartSyncExecution(t *testing.T) {
	t.Parallel()
	c, _ := setup(t, nil)
	ctx := context.Background()
	sm, err := c.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{Name: aws.String("x"), Type: types.StateMachineTypeExpress, RoleArn: aws.String("arn:aws:iam::1:role/r"),
		Definition: aws.String(`{"StartAt":"C","States":{"C":{"Type":"Choice","Choices":[{"Variable":"$.n","NumericGreaterThan":1,"Next":"Big"}],"Default":"Small"},"Big":{"Type":"Succeed"},"Small":{"Type":"Fail","Error":"TooSmall","Cause":"n<=1"}}}`)})
	if err != nil {
		t.Fatal(err)
	}
	// The SDK sends StartSyncExecution to "sync-" + host; a local endpoint
	// has no such host, so the prefix is disabled as emulator users do.
	noPrefix := sfn.WithAPIOptions(func(stack *middleware.Stack) error {
		return stack.Finalize.Insert(middleware.FinalizeMiddlewareFunc("NoHostPrefix", func(ctx context.Context, in middleware.FinalizeInput, next middleware.FinalizeHandler) (middleware.FinalizeOutput, middleware.Metadata, error) {
			return next.HandleFinalize(smithyhttp.DisableEndpointHostPrefix(ctx, true), in)
		}), "EndpointHostPrefix", middleware.Before)
	})
	res, err := c.StartSyncExecution(ctx, &sfn.StartSyncExecutionInput{StateMachineArn: sm.StateMachineArn, Input: aws.String(`{"n":2}`)}, noPrefix)
	if err != nil || res.Status != types.SyncExecutionStatusSucceeded || *res.Output != `{"n":2}` {
		t.Fatalf("sync = %+v, %v", res, err)
	}
	res, err = c.StartSyncExecution(ctx, &sfn.StartSyncExecutionInput{StateMachineArn: sm.StateMachineArn, Input: aws.String(`{"n":1}`)}, noPrefix)
	if err != nil || res.Status != types.SyncExecutionStatusFailed || *res.Error != "TooSmall" || *res.Cause != "n<=1" {
		t.Fatalf("sync fail = %+v, %v", res, err)
	}
}
