package sfnapi_test

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"
	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/sfapi/sfapi/internal/emulator/asl"
)

func TestSDKTestState(t *testing.T) {
	t.Parallel()
	tasks := &fakeTasks{invoke: func(ctx context.Context, req asl.TaskRequest) (json.RawMessage, error) {
		var p map[string]any
		_ = json.Unmarshal(req.Parameters, &p)
		if p["fail"] == true {
			return nil, asl.NewTaskError("DynamoDB.ConditionalCheckFailedException", "nope")
		}
		return json.RawMessage(`{"Attributes":{"n":{"N":"2"}},"Other":1}`), nil
	}}
	c, _ := setup(t, tasks)
	task := `{"Type":"Task","Resource":"arn:aws:states:::dynamodb:updateItem","InputPath":"$.in",
"Parameters":{"fail.$":"$.fail","k.$":"$.k"},"ResultSelector":{"n.$":"$.Attributes.n.N"},"ResultPath":"$.res",%s"Next":"After"}`
	cases := []struct {
		name, def, input, level string
		status                  types.TestExecutionStatus
		output, next, errName   string
		check                   func(t *testing.T, d *types.InspectionData)
	}{
		{name: "task debug", def: sprintf(task, ""), input: `{"in":{"k":"a","fail":false}}`, level: "DEBUG",
			status: types.TestExecutionStatusSucceeded, output: `{"in":{"fail":false,"k":"a"},"res":{"n":"2"}}`, next: "After",
			check: func(t *testing.T, d *types.InspectionData) {
				want := map[string]*string{"input": aws.String(`{"in":{"k":"a","fail":false}}`), "afterInputPath": aws.String(`{"fail":false,"k":"a"}`),
					"afterParameters": aws.String(`{"fail":false,"k":"a"}`), "result": aws.String(`{"Attributes":{"n":{"N":"2"}},"Other":1}`),
					"afterResultSelector": aws.String(`{"n":"2"}`), "afterResultPath": aws.String(`{"in":{"fail":false,"k":"a"},"res":{"n":"2"}}`)}
				got := map[string]*string{"input": d.Input, "afterInputPath": d.AfterInputPath, "afterParameters": d.AfterParameters,
					"result": d.Result, "afterResultSelector": d.AfterResultSelector, "afterResultPath": d.AfterResultPath}
				for k, w := range want {
					if aws.ToString(got[k]) != *w {
						t.Errorf("inspectionData.%s = %s, want %s", k, aws.ToString(got[k]), *w)
					}
				}
			}},
		{name: "task info has no inspection", def: sprintf(task, ""), input: `{"in":{"k":"a","fail":false}}`, level: "INFO",
			status: types.TestExecutionStatusSucceeded, output: `{"in":{"fail":false,"k":"a"},"res":{"n":"2"}}`, next: "After",
			check: func(t *testing.T, d *types.InspectionData) {
				if d != nil {
					t.Errorf("INFO returned inspection data %+v", d)
				}
			}},
		{name: "retriable", def: sprintf(task, `"Retry":[{"ErrorEquals":["States.ALL"]}],`), input: `{"in":{"k":"a","fail":true}}`,
			status: types.TestExecutionStatusRetriable, errName: "DynamoDB.ConditionalCheckFailedException"},
		{name: "caught", def: sprintf(task, `"Catch":[{"ErrorEquals":["States.TaskFailed"],"ResultPath":"$.err","Next":"Handler"}],`), input: `{"in":{"k":"a","fail":true}}`,
			status: types.TestExecutionStatusCaughtError, next: "Handler", errName: "DynamoDB.ConditionalCheckFailedException",
			output: `{"err":{"Cause":"nope","Error":"DynamoDB.ConditionalCheckFailedException"},"in":{"fail":true,"k":"a"}}`},
		{name: "failed", def: sprintf(task, ""), input: `{"in":{"k":"a","fail":true}}`, status: types.TestExecutionStatusFailed, errName: "DynamoDB.ConditionalCheckFailedException"},
		{name: "pass", def: `{"Type":"Pass","Parameters":{"x.$":"States.Format('hi {}', $.w)"},"ResultPath":"$.p","Next":"N"}`, input: `{"w":"you"}`, level: "DEBUG",
			status: types.TestExecutionStatusSucceeded, output: `{"p":{"x":"hi you"},"w":"you"}`, next: "N",
			check: func(t *testing.T, d *types.InspectionData) {
				if aws.ToString(d.AfterParameters) != `{"x":"hi you"}` {
					t.Errorf("afterParameters = %s", aws.ToString(d.AfterParameters))
				}
			}},
		{name: "choice", def: `{"Type":"Choice","Choices":[{"Variable":"$.n","NumericGreaterThan":1,"Next":"Big"}],"Default":"Small"}`, input: `{"n":5}`,
			status: types.TestExecutionStatusSucceeded, output: `{"n":5}`, next: "Big"},
		{name: "fail state", def: `{"Type":"Fail","Error":"E","Cause":"C"}`, status: types.TestExecutionStatusFailed, errName: "E"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			in := &sfn.TestStateInput{Definition: aws.String(tc.def), Input: aws.String(tc.input), RoleArn: aws.String("arn:aws:iam::123456789012:role/r")}
			if tc.input == "" {
				in.Input = nil
			}
			if tc.level != "" {
				in.InspectionLevel = types.InspectionLevel(tc.level)
			}
			out, err := c.TestState(context.Background(), in, noHostPrefix)
			if err != nil {
				t.Fatal(err)
			}
			if out.Status != tc.status || aws.ToString(out.NextState) != tc.next || aws.ToString(out.Error) != tc.errName {
				t.Fatalf("status=%s next=%q error=%q cause=%q, want %s %q %q", out.Status, aws.ToString(out.NextState), aws.ToString(out.Error), aws.ToString(out.Cause), tc.status, tc.next, tc.errName)
			}
			if tc.output != "" && aws.ToString(out.Output) != tc.output {
				t.Fatalf("output = %s, want %s", aws.ToString(out.Output), tc.output)
			}
			if tc.check != nil {
				tc.check(t, out.InspectionData)
			}
		})
	}
	// A mock replaces the call; bad definitions are rejected as AWS does.
	out, err := c.TestState(context.Background(), &sfn.TestStateInput{Definition: aws.String(sprintf(task, "")), Input: aws.String(`{"in":{"k":"a","fail":false}}`),
		Mock: &types.MockInput{Result: aws.String(`{"Attributes":{"n":{"N":"9"}}}`)}}, noHostPrefix)
	if err != nil || aws.ToString(out.Output) != `{"in":{"fail":false,"k":"a"},"res":{"n":"9"}}` {
		t.Fatalf("mocked TestState = %+v, %v", out, err)
	}
	_, err = c.TestState(context.Background(), &sfn.TestStateInput{Definition: aws.String(`{"Type":"Nope"}`)}, noHostPrefix)
	var inv *types.InvalidDefinition
	if !errors.As(err, &inv) {
		t.Fatalf("bad state type error = %v, want InvalidDefinition", err)
	}
}

// noHostPrefix disables the "sync-" host prefix the SDK puts on TestState.
var noHostPrefix = sfn.WithAPIOptions(func(stack *middleware.Stack) error {
	return stack.Finalize.Insert(middleware.FinalizeMiddlewareFunc("NoHostPrefix", func(ctx context.Context, in middleware.FinalizeInput, next middleware.FinalizeHandler) (middleware.FinalizeOutput, middleware.Metadata, error) {
		return next.HandleFinalize(smithyhttp.DisableEndpointHostPrefix(ctx, true), in)
	}), "EndpointHostPrefix", middleware.Before)
})

func sprintf(format, arg string) string {
	out := []rune{}
	done := false
	for i := 0; i < len(format); i++ {
		if !done && format[i] == '%' && i+1 < len(format) && format[i+1] == 's' {
			out = append(out, []rune(arg)...)
			i++
			done = true
			continue
		}
		out = append(out, rune(format[i]))
	}
	return string(out)
}

func TestSDKTaskTokenRedriveAndTags(t *testing.T) {
	t.Parallel()
	tokens := make(chan string, 4)
	tasks := &fakeTasks{invoke: func(ctx context.Context, req asl.TaskRequest) (json.RawMessage, error) {
		var p struct{ Token string }
		_ = json.Unmarshal(req.Parameters, &p)
		tokens <- p.Token
		return json.RawMessage(`{}`), nil
	}}
	c, _ := setup(t, tasks)
	ctx := context.Background()
	def := `{"StartAt":"W","States":{"W":{"Type":"Task","Resource":"arn:aws:states:::events:putEvents.waitForTaskToken",
"Parameters":{"Token.$":"$$.Task.Token"},"End":true}}}`
	sm, err := c.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{Name: aws.String("w"), Definition: aws.String(def),
		RoleArn: aws.String("arn:aws:iam::123456789012:role/r"), Tags: []types.Tag{{Key: aws.String("team"), Value: aws.String("gophers")}}})
	if err != nil {
		t.Fatal(err)
	}
	start, err := c.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: sm.StateMachineArn, Input: aws.String(`{}`)})
	if err != nil {
		t.Fatal(err)
	}
	tok := <-tokens
	if _, err := c.SendTaskFailure(ctx, &sfn.SendTaskFailureInput{TaskToken: aws.String(tok), Error: aws.String("Human.Said.No"), Cause: aws.String("rejected")}); err != nil {
		t.Fatal(err)
	}
	desc := waitStatus(t, c, *start.ExecutionArn, types.ExecutionStatusFailed)
	if aws.ToString(desc.Error) != "Human.Said.No" || desc.RedriveStatus != types.ExecutionRedriveStatusRedrivable {
		t.Fatalf("failed execution = %+v", desc)
	}
	var bad *types.InvalidToken
	if _, err := c.SendTaskHeartbeat(ctx, &sfn.SendTaskHeartbeatInput{TaskToken: aws.String("zzz")}); !errors.As(err, &bad) {
		t.Fatalf("heartbeat with garbage = %v, want InvalidToken", err)
	}
	var timedOut *types.TaskTimedOut
	if _, err := c.SendTaskSuccess(ctx, &sfn.SendTaskSuccessInput{TaskToken: aws.String(tok), Output: aws.String(`{}`)}); !errors.As(err, &timedOut) {
		t.Fatalf("success after failure = %v, want TaskTimedOut", err)
	}

	if _, err := c.RedriveExecution(ctx, &sfn.RedriveExecutionInput{ExecutionArn: start.ExecutionArn}); err != nil {
		t.Fatal(err)
	}
	tok2 := <-tokens
	if tok2 == tok {
		t.Fatal("the redriven task reused the old token")
	}
	if _, err := c.SendTaskSuccess(ctx, &sfn.SendTaskSuccessInput{TaskToken: aws.String(tok2), Output: aws.String(`{"approved":true}`)}); err != nil {
		t.Fatal(err)
	}
	desc = waitStatus(t, c, *start.ExecutionArn, types.ExecutionStatusSucceeded)
	if aws.ToString(desc.Output) != `{"approved":true}` || aws.ToInt32(desc.RedriveCount) != 1 || desc.RedriveDate == nil {
		t.Fatalf("redriven execution = %+v", desc)
	}
	hist, err := c.GetExecutionHistory(ctx, &sfn.GetExecutionHistoryInput{ExecutionArn: start.ExecutionArn})
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, ev := range hist.Events {
		if ev.Type == types.HistoryEventTypeExecutionRedriven {
			found = ev.ExecutionRedrivenEventDetails != nil && ev.ExecutionRedrivenEventDetails.RedriveCount != nil && *ev.ExecutionRedrivenEventDetails.RedriveCount == 1
		}
	}
	if !found {
		t.Fatal("history lacks ExecutionRedriven with redriveCount 1")
	}

	if _, err := c.TagResource(ctx, &sfn.TagResourceInput{ResourceArn: sm.StateMachineArn, Tags: []types.Tag{{Key: aws.String("env"), Value: aws.String("dev")}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.UntagResource(ctx, &sfn.UntagResourceInput{ResourceArn: sm.StateMachineArn, TagKeys: []string{"team"}}); err != nil {
		t.Fatal(err)
	}
	tags, err := c.ListTagsForResource(ctx, &sfn.ListTagsForResourceInput{ResourceArn: sm.StateMachineArn})
	if err != nil {
		t.Fatal(err)
	}
	if len(tags.Tags) != 1 || aws.ToString(tags.Tags[0].Key) != "env" || aws.ToString(tags.Tags[0].Value) != "dev" {
		t.Fatalf("tags = %+v", tags.Tags)
	}
	var nf *types.ResourceNotFound
	if _, err := c.ListTagsForResource(ctx, &sfn.ListTagsForResourceInput{ResourceArn: aws.String("arn:aws:states:us-east-1:123456789012:stateMachine:none")}); !errors.As(err, &nf) {
		t.Fatalf("tags of a missing machine = %v, want ResourceNotFound", err)
	}
}

func waitStatus(t *testing.T, c *sfn.Client, arn string, want types.ExecutionStatus) *sfn.DescribeExecutionOutput {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		d, err := c.DescribeExecution(context.Background(), &sfn.DescribeExecutionInput{ExecutionArn: aws.String(arn)})
		if err != nil {
			t.Fatal(err)
		}
		if d.Status == want {
			return d
		}
		if time.Now().After(deadline) {
			t.Fatalf("execution status %s (%s %s), want %s", d.Status, aws.ToString(d.Error), aws.ToString(d.Cause), want)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
