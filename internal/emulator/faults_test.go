package emulator

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/sfapi/sfapi/internal/emulator/asl"
	"github.com/sfapi/sfapi/internal/emulator/pipes"
)

type countingTasks struct{ n int }

func (c *countingTasks) Invoke(context.Context, asl.TaskRequest) (json.RawMessage, error) {
	c.n++
	return json.RawMessage(`{}`), nil
}

type countingIntegrations struct{ n int }

func (c *countingIntegrations) Invoke(context.Context, string, string, []byte) (int, []byte, error) {
	c.n++
	return 200, []byte(`{}`), nil
}

type countingTarget struct{ n int }

func (c *countingTarget) Invoke(context.Context, pipes.Batch) error { c.n++; return nil }

func TestFaultsNilIsInert(t *testing.T) {
	t.Parallel()
	var f *Faults
	f.ThrottleNextDynamoDBCall()
	f.FailTask("S", "E", "C")
	f.DropNextStreamBatch()
	f.ClearTask("S")
	f.Clear()
	if f.TakeThrottle() || f.takeDrop() {
		t.Fatal("a nil Faults injected something")
	}
	inv := &countingTasks{}
	if got := f.wrapTasks(inv); got != asl.TaskInvoker(inv) {
		t.Fatal("a nil Faults must not wrap the task invoker")
	}
}

func TestFaultsTasks(t *testing.T) {
	t.Parallel()
	f := &Faults{}
	next := &countingTasks{}
	inv := f.wrapTasks(next)
	ctx := context.Background()
	call := func(resource, state string) error {
		_, err := inv.Invoke(ctx, asl.TaskRequest{Resource: resource, StateName: state})
		return err
	}

	f.FailTask("Save", "Custom.Error", "why")
	if err := call("arn:aws:states:::dynamodb:putItem", "Save"); err == nil || err.Error() != "Custom.Error: why" {
		t.Fatalf("failed task: err = %v", err)
	}
	if err := call("arn:aws:states:::dynamodb:putItem", "Other"); err != nil || next.n != 1 {
		t.Fatalf("other state: err = %v, calls = %d", err, next.n)
	}
	f.ClearTask("Save")
	if err := call("arn:aws:states:::dynamodb:putItem", "Save"); err != nil {
		t.Fatalf("cleared task: %v", err)
	}

	// A throttle is taken by the next DynamoDB task only, named as Step
	// Functions names the integration's errors.
	f.ThrottleNextDynamoDBCall()
	f.ThrottleNextDynamoDBCall()
	if err := call("arn:aws:states:::events:putEvents", "Announce"); err != nil {
		t.Fatalf("non-DynamoDB task took the throttle: %v", err)
	}
	if err := call("arn:aws:states:::dynamodb:updateItem", "Mark"); err == nil || !strings.HasPrefix(err.Error(), "DynamoDB.ProvisionedThroughputExceededException: ") {
		t.Fatalf("optimized integration: err = %v", err)
	}
	if err := call("arn:aws:states:::aws-sdk:dynamodb:query", "Find"); err == nil || !strings.HasPrefix(err.Error(), "DynamoDb.ProvisionedThroughputExceededException: ") {
		t.Fatalf("AWS SDK integration: err = %v", err)
	}
	if err := call("arn:aws:states:::dynamodb:updateItem", "Mark"); err != nil {
		t.Fatalf("throttles were used up: %v", err)
	}
}

func TestFaultsIntegrationsAndPipes(t *testing.T) {
	t.Parallel()
	f := &Faults{}
	ctx := context.Background()
	in := &countingIntegrations{}
	api := f.wrapIntegrations(in)
	f.ThrottleNextDynamoDBCall()
	if st, _, _ := api.Invoke(ctx, "states", "StartExecution", nil); st != 200 {
		t.Fatalf("non-DynamoDB integration throttled: %d", st)
	}
	st, body, err := api.Invoke(ctx, "dynamodb", "PutItem", nil)
	if err != nil || st != 400 || !strings.Contains(string(body), `"__type":"com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException"`) {
		t.Fatalf("throttled PutItem = %d %s %v", st, body, err)
	}
	if st, _, _ := api.Invoke(ctx, "dynamodb", "PutItem", nil); st != 200 || in.n != 2 {
		t.Fatalf("after the throttle: %d, calls %d", st, in.n)
	}

	tgt := &countingTarget{}
	p := f.wrapPipeTarget(tgt)
	f.DropNextStreamBatch()
	if err := p.Invoke(ctx, pipes.Batch{}); !errors.Is(err, ErrBatchDropped) || tgt.n != 0 {
		t.Fatalf("dropped batch: err = %v, target calls %d", err, tgt.n)
	}
	if err := p.Invoke(ctx, pipes.Batch{}); err != nil || tgt.n != 1 {
		t.Fatalf("next batch: err = %v, target calls %d", err, tgt.n)
	}
	f.ThrottleNextDynamoDBCall()
	f.DropNextStreamBatch()
	f.FailTask("S", "E", "C")
	f.Clear()
	if f.TakeThrottle() || f.takeDrop() {
		t.Fatal("Clear left faults behind")
	}
	if _, ok := f.taskFailure("S"); ok {
		t.Fatal("Clear left a failed task behind")
	}
}
