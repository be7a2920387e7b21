package emulator

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"time"

	"github.com/sfapi/sfapi/internal/emulator/apigw"
	"github.com/sfapi/sfapi/internal/emulator/asl"
	"github.com/sfapi/sfapi/internal/emulator/pipes"
)

// Faults injects failures into a running emulator so tests can drive the
// retry and dead-letter paths of a project (sfapitest exposes it). The zero
// value injects nothing; a nil *Faults is valid, injects nothing and
// ignores every call.
//
// Faults act where a call enters a service, never inside an engine, so the
// engines stay free of test hooks:
//   - a throttle is answered to the next DynamoDB call made by an API
//     Gateway integration, a Task state (optimized or AWS SDK integration),
//     or a client that asks TakeThrottle (sfapitest's aws.Config);
//   - a failed task makes every Task state of that name fail with the given
//     error and cause, before its resource is called;
//   - a dropped batch is a pipe batch lost on its way to the target: the
//     target never sees it and the pipe sees a failed invocation, so it
//     retries, bisects or parks the batch in its on-failure queue as AWS
//     Pipes would.
type Faults struct {
	mu          sync.Mutex
	throttles   int
	drops       int
	failedTasks map[string]TaskFailure
}

// TaskFailure is the error and cause a failed Task state reports.
type TaskFailure struct{ Error, Cause string }

// Throttle messages and codes, as DynamoDB answers them.
const (
	ThrottleCode    = "ProvisionedThroughputExceededException"
	ThrottleMessage = "The level of configured provisioned throughput for the table was exceeded. Consider increasing your provisioning level with the UpdateTable API."
)

// ErrBatchDropped is the error a pipe sees for a dropped batch.
var ErrBatchDropped = errors.New("batch dropped by fault injection before it reached the target")

// ThrottleNextDynamoDBCall makes the next DynamoDB call fail with
// ProvisionedThroughputExceededException; calls add up.
func (f *Faults) ThrottleNextDynamoDBCall() {
	if f == nil {
		return
	}
	f.mu.Lock()
	f.throttles++
	f.mu.Unlock()
}

// TakeThrottle reports whether the calling DynamoDB request must be
// throttled, consuming one pending throttle.
func (f *Faults) TakeThrottle() bool {
	if f == nil {
		return false
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.throttles == 0 {
		return false
	}
	f.throttles--
	return true
}

// FailTask makes every Task state named state (in any state machine) fail
// with errName and cause until ClearTask or Clear.
func (f *Faults) FailTask(state, errName, cause string) {
	if f == nil {
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.failedTasks == nil {
		f.failedTasks = map[string]TaskFailure{}
	}
	f.failedTasks[state] = TaskFailure{Error: errName, Cause: cause}
}

// ClearTask lets the Task state named state run again.
func (f *Faults) ClearTask(state string) {
	if f == nil {
		return
	}
	f.mu.Lock()
	delete(f.failedTasks, state)
	f.mu.Unlock()
}

// DropNextStreamBatch loses the next batch any pipe delivers; calls add up.
func (f *Faults) DropNextStreamBatch() {
	if f == nil {
		return
	}
	f.mu.Lock()
	f.drops++
	f.mu.Unlock()
}

// Clear removes every pending fault.
func (f *Faults) Clear() {
	if f == nil {
		return
	}
	f.mu.Lock()
	f.throttles, f.drops, f.failedTasks = 0, 0, nil
	f.mu.Unlock()
}

func (f *Faults) taskFailure(state string) (TaskFailure, bool) {
	if f == nil {
		return TaskFailure{}, false
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	tf, ok := f.failedTasks[state]
	return tf, ok
}

func (f *Faults) takeDrop() bool {
	if f == nil {
		return false
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.drops == 0 {
		return false
	}
	f.drops--
	return true
}

// ThrottleBody is the AWS JSON error body of a throttled DynamoDB call.
func ThrottleBody() []byte {
	b, _ := json.Marshal(map[string]string{"__type": "com.amazonaws.dynamodb.v20120810#" + ThrottleCode, "message": ThrottleMessage})
	return b
}

// wrapTasks binds Task states through the faults (nil: inv unchanged).
func (f *Faults) wrapTasks(inv asl.TaskInvoker) asl.TaskInvoker {
	if f == nil {
		return inv
	}
	return faultyTasks{f: f, next: inv}
}

// wrapIntegrations binds API Gateway integrations through the faults.
func (f *Faults) wrapIntegrations(in apigw.Integrations) apigw.Integrations {
	if f == nil {
		return in
	}
	return faultyIntegrations{f: f, next: in}
}

// wrapPipeTarget delivers pipe batches through the faults.
func (f *Faults) wrapPipeTarget(t pipes.Target) pipes.Target {
	if f == nil {
		return t
	}
	return faultyTarget{f: f, next: t}
}

type faultyTasks struct {
	f    *Faults
	next asl.TaskInvoker
}

func (t faultyTasks) Invoke(ctx context.Context, req asl.TaskRequest) (json.RawMessage, error) {
	if tf, ok := t.f.taskFailure(req.StateName); ok {
		return nil, asl.NewTaskError(tf.Error, tf.Cause)
	}
	// Step Functions names a service error after the integration:
	// "DynamoDB." for optimized ones, "DynamoDb." for AWS SDK ones.
	res := strings.TrimPrefix(req.Resource, "arn:aws:states:::")
	switch {
	case strings.HasPrefix(res, "dynamodb:") && t.f.TakeThrottle():
		return nil, asl.NewTaskError("DynamoDB."+ThrottleCode, ThrottleMessage)
	case strings.HasPrefix(res, "aws-sdk:dynamodb:") && t.f.TakeThrottle():
		return nil, asl.NewTaskError("DynamoDb."+ThrottleCode, ThrottleMessage)
	}
	return t.next.Invoke(ctx, req)
}

type faultyIntegrations struct {
	f    *Faults
	next apigw.Integrations
}

func (i faultyIntegrations) Invoke(ctx context.Context, svc, action string, body []byte) (int, []byte, error) {
	if svc == "dynamodb" && i.f.TakeThrottle() {
		return 400, ThrottleBody(), nil
	}
	return i.next.Invoke(ctx, svc, action, body)
}

type faultyTarget struct {
	f    *Faults
	next pipes.Target
}

func (t faultyTarget) Invoke(ctx context.Context, b pipes.Batch) error {
	if t.f.takeDrop() {
		return ErrBatchDropped
	}
	return t.next.Invoke(ctx, b)
}

// SweepTTL deletes the items whose TTL is past at the emulator's clock now,
// instead of waiting for the sweeper's next tick (a test that moved its
// clock wants the effect at once). It returns how many items it deleted.
func (e *Emulator) SweepTTL(ctx context.Context) (int, error) {
	if e.ddb == nil {
		return 0, errors.New("emulator: not started")
	}
	return e.ddb.SweepExpired(ctx, e.opts.Now())
}

// PipeFailures lists the on-failure queue (dead letters) of the named pipe.
func (e *Emulator) PipeFailures(pipe string) ([]pipes.Failure, error) {
	if e.pipeSet == nil {
		return nil, errors.New("emulator: not started")
	}
	return e.pipeSet.Failures(pipe)
}

// Now is the emulator's clock.
func (e *Emulator) Now() time.Time { return e.opts.Now() }
