package asl

import (
	"context"
	"encoding/binary"
	"math/rand/v2"
	"time"

	"github.com/google/uuid"
	"github.com/sfapi/sfapi/internal/emulator/asl/jsonpath"
)

// SyncExecution is the result of StartSyncExecution.
type SyncExecution struct {
	Execution
}

// StartSyncExecution runs an EXPRESS execution to completion in the
// caller's goroutine and returns its result. Nothing is persisted.
func (e *Engine) StartSyncExecution(ctx context.Context, smArn, name, input string) (*SyncExecution, error) {
	me, err := e.machine(smArn)
	if err != nil {
		return nil, err
	}
	if me.sm.Type != TypeExpress {
		return nil, apiErr(ErrStateMachineTypeNotSupported, "This operation is not supported by this type of state machine")
	}
	if name == "" {
		name = newExecutionName()
	} else if err := validName("execution", name); err != nil {
		return nil, err
	}
	input, value, err := checkInput(input)
	if err != nil {
		return nil, err
	}
	ex := Execution{Arn: e.expressArn(me.sm.Name, name), StateMachineArn: smArn, Name: name, Type: TypeExpress,
		Input: input, RoleArn: me.sm.RoleArn, StartDate: e.now()}
	r := e.newRun(&ex, me.def, value, false)
	e.runExpress(ctx, r, &ex)
	return &SyncExecution{Execution: ex}, nil
}

// expressArn is AWS's express execution ARN form.
func (e *Engine) expressArn(smName, name string) string {
	return "arn:aws:states:" + e.opts.Region + ":" + e.opts.AccountID + ":express:" + smName + ":" + name + ":" + newExecutionName()
}

// runExpress runs a whole execution in memory and fills ex's result.
func (e *Engine) runExpress(ctx context.Context, r *run, ex *Execution) {
	if r.def.TimeoutSeconds > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, time.Duration(r.def.TimeoutSeconds)*time.Second)
		defer cancel()
	}
	out, f := r.runMachine(ctx, &scope{}, r.def, r.input)
	ex.StopDate = e.now()
	switch {
	case f != nil && ctx.Err() == context.DeadlineExceeded:
		ex.Status, ex.Error, ex.Cause = StatusTimedOut, StatesTimeout, "The execution timed out"
	case f != nil:
		ex.Status, ex.Error, ex.Cause = StatusFailed, f.Error, f.Cause
	default:
		b, err := jsonpath.Marshal(out)
		if err != nil {
			ex.Status, ex.Error, ex.Cause = StatusFailed, StatesRuntime, err.Error()
			return
		}
		ex.Status, ex.Output = StatusSucceeded, string(b)
	}
}

// launchExpress runs an asynchronous EXPRESS execution in the background.
func (e *Engine) launchExpress(ex Execution, def *machine, input any) error {
	r := e.newRun(&ex, def, input, false)
	ctx, cancel := context.WithCancelCause(e.baseCtx)
	r.cancel = cancel
	e.mu.Lock()
	if e.closed {
		e.mu.Unlock()
		cancel(errShutdown)
		return nil
	}
	e.wg.Add(1)
	e.express.Add(1)
	e.mu.Unlock()
	go func() {
		defer e.wg.Done()
		defer e.express.Done()
		defer cancel(nil)
		defer close(r.done)
		e.runExpress(ctx, r, &ex)
		if ex.Status == StatusFailed {
			e.log.Debug("express execution failed", "arn", ex.Arn, "error", ex.Error, "cause", ex.Cause)
		}
	}()
	return nil
}

// newExecutionName returns a random (version 4) UUID. It draws from
// math/rand/v2's per-thread ChaCha8 generator instead of crypto/rand: names
// need uniqueness, not secrecy, and EXPRESS executions start at a high rate.
func newExecutionName() string {
	var u uuid.UUID
	binary.LittleEndian.PutUint64(u[:8], rand.Uint64())
	binary.LittleEndian.PutUint64(u[8:], rand.Uint64())
	u[6] = u[6]&0x0f | 0x40
	u[8] = u[8]&0x3f | 0x80
	return u.String()
}
