package asl

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/sfapi/sfapi/internal/emulator/asl/jsonata"
	"github.com/sfapi/sfapi/internal/emulator/asl/jsonpath"
)

// TaskRequest is one task invocation handed to the TaskInvoker.
type TaskRequest struct {
	Resource   string          // e.g. "arn:aws:states:::dynamodb:updateItem"
	Parameters json.RawMessage // the effective task input after InputPath/Parameters
	// Value is Parameters as the engine holds it (map[string]any, []any,
	// string, int64, float64, bool, nil), for in-process invokers that
	// would otherwise decode Parameters again; nil when the caller only
	// has the JSON. It may share memory with the execution's data: read
	// it, never modify it.
	Value        any
	ExecutionArn string
	StateName    string
}

// TaskInvoker runs Task states' resources. It returns the task result, or
// an error: one made by NewTaskError (error name and cause) or any other
// error, which fails the task with States.TaskFailed.
type TaskInvoker interface {
	Invoke(ctx context.Context, req TaskRequest) (json.RawMessage, error)
}

type taskState struct {
	stateBase
	resource       string
	resourceType   string // for history: "dynamodb", "aws-sdk:dynamodb", "lambda"
	resourceName   string // for history: "updateItem", "query"
	params         *jsonpath.Template
	resultSelector *jsonpath.Template
	resultPath     resultSpec
	timeout        int64 // constant TimeoutSeconds (0: none or dynamic)
	heartbeat      int64 // constant HeartbeatSeconds (0: none or dynamic)
	timeoutF       dynNum
	heartbeatF     dynNum
	waitToken      bool // Resource ends in .waitForTaskToken
	retry          []retrier
	Catch          []catcher
	arguments      *jsonata.Template // JSONata: Arguments
}

func parseTask(b stateBase, o *obj) *taskState {
	s := &taskState{stateBase: b}
	s.resource = o.str("Resource", true)
	s.resourceType, s.resourceName = splitResource(s.resource)
	s.waitToken = strings.HasSuffix(s.resource, waitForTaskToken)
	if s.resource != "" && !strings.HasPrefix(s.resource, "arn:") {
		o.errs.add(schemaFailed, "The value for the field 'Resource' must be a valid ARN at %s/Resource", o.at)
	}
	s.params = o.template("Parameters")
	s.resultSelector = o.template("ResultSelector")
	s.resultPath = o.resultPath()
	if b.jsonata {
		s.arguments = o.jsonataField("Arguments")
	}
	s.timeoutF = o.dynNumber("TimeoutSeconds", true, 1, math.Inf(1), b.jsonata)
	s.heartbeatF = o.dynNumber("HeartbeatSeconds", true, 1, math.Inf(1), b.jsonata)
	if s.timeoutF.set {
		s.timeout = int64(s.timeoutF.val)
	}
	if s.heartbeatF.set {
		s.heartbeat = int64(s.heartbeatF.val)
	}
	if s.timeoutF.set && s.heartbeatF.set && s.heartbeat >= s.timeout {
		o.errs.add(schemaFailed, "HeartbeatSeconds must be smaller than TimeoutSeconds at %s/HeartbeatSeconds", o.at)
	}
	// Accepted for compatibility; the emulator has no IAM.
	o.has("Credentials")
	s.retry, s.Catch = parseRetryCatch(o, b.jsonata)
	return s
}

// taskLimits are one attempt's TimeoutSeconds and HeartbeatSeconds (0:
// none), resolved from constants, JSONata expressions or *Path fields.
type taskLimits struct{ timeout, heartbeat int64 }

// limits resolves the attempt's timeout and heartbeat. A dynamic heartbeat
// not below the timeout fails the state, as AWS does at run time.
func (s *taskState) limits(sc *scope, eff, input any, ctxObj func() any) (taskLimits, *Failure) {
	lim := taskLimits{timeout: s.timeout, heartbeat: s.heartbeat}
	if !s.timeoutF.dynamic() && !s.heartbeatF.dynamic() {
		return lim, nil
	}
	vars := func() map[string]any { return statesVars(sc, func() any { return plainContext(ctxObj) }, input, nil) }
	t, f := s.timeoutF.resolve(s.Name, 0, eff, ctxObj, vars)
	if f != nil {
		return lim, f
	}
	h, f := s.heartbeatF.resolve(s.Name, 0, eff, ctxObj, vars)
	if f != nil {
		return lim, f
	}
	lim.timeout, lim.heartbeat = int64(t), int64(h)
	if lim.timeout > 0 && lim.heartbeat >= lim.timeout {
		return lim, &Failure{Error: StatesRuntime, Cause: fmt.Sprintf("An error occurred while executing the state '%s'. The HeartbeatSeconds (%d) must be smaller than the TimeoutSeconds (%d)", s.Name, lim.heartbeat, lim.timeout)}
	}
	return lim, nil
}

// splitResource derives history's resourceType/resource from an ARN, as
// AWS shows them: "arn:aws:states:::aws-sdk:dynamodb:query" →
// ("aws-sdk:dynamodb", "query").
func splitResource(arn string) (string, string) {
	if _, rest, ok := strings.Cut(arn, "arn:aws:states:::"); ok {
		if i := strings.LastIndexByte(rest, ':'); i > 0 {
			return rest[:i], rest[i+1:]
		}
		return rest, ""
	}
	parts := strings.Split(arn, ":")
	if len(parts) > 2 {
		return parts[2], arn
	}
	return "", arn
}

func (s *taskState) run(ctx context.Context, r *run, sc *scope, input any) outcome {
	entered := r.e.now()
	retries := 0
	ctxObj := r.ctxFunc(sc, s.Name, entered, &retries)
	eff, f := effectiveInput(&s.stateBase, input, ctxObj)
	if f != nil {
		return outcome{fail: f}
	}
	var assigned map[string]any
	o := r.withRetryAssign(ctx, sc, ctxObj, s.jsonata, s.retry, s.Catch, input, &retries, withAssigned(&assigned, func() (any, *Failure) {
		assigned = nil
		// Parameters are evaluated per attempt: $$.State.RetryCount changes.
		ctxObj := ctxObj
		lim, f := s.limits(sc, eff, input, ctxObj)
		if f != nil {
			return nil, f
		}
		var tok string
		if s.waitToken && !r.mocks.has(s.Name) {
			var f *Failure
			if tok, f = s.taskToken(r, sc, entered, lim); f != nil {
				return nil, f
			}
			ctxObj = withTaskToken(ctxObj, tok)
		}
		var vars map[string]any
		var params any
		if s.jsonata {
			vars = statesVars(sc, func() any { return plainContext(ctxObj) }, input, nil)
			params = input
			if s.arguments != nil {
				params, f = applyJSONata(s.arguments, vars, "Arguments")
			}
		} else {
			params, f = applyTemplate(s.params, eff, ctxObj)
		}
		if f != nil {
			return nil, f
		}
		res, f := s.invoke(ctx, r, sc, params, tok, lim)
		if f != nil {
			return nil, f
		}
		out, m, f := shapeResult(&s.stateBase, s.resultSelector, s.resultPath, vars, ctxObj, input, res)
		assigned = m
		return out, f
	}))
	if o.fail == nil && !o.caught {
		o.next = s.Next
	}
	return o
}

// invoke calls the TaskInvoker once, recording Scheduled/Started and the
// result event. tok is the task token of a .waitForTaskToken attempt.
func (s *taskState) invoke(ctx context.Context, r *run, sc *scope, params any, tok string, lim taskLimits) (any, *Failure) {
	raw, err := jsonpath.Marshal(params)
	if err != nil {
		return nil, &Failure{Error: StatesRuntime, Cause: err.Error()}
	}
	r.emit(sc, "TaskScheduled", func(ev *HistoryEvent) {
		ev.TaskScheduled = &TaskScheduledDetails{ResourceType: s.resourceType, Resource: s.resourceName, Region: r.e.opts.Region, Parameters: string(raw), TimeoutInSeconds: lim.timeout, HeartbeatInSeconds: lim.heartbeat}
	})
	r.emit(sc, "TaskStarted", func(ev *HistoryEvent) {
		ev.TaskStarted = &TaskResourceDetails{ResourceType: s.resourceType, Resource: s.resourceName}
	})
	callCtx := ctx
	if lim.timeout > 0 {
		var cancel context.CancelFunc
		callCtx, cancel = context.WithTimeout(ctx, time.Duration(lim.timeout)*time.Second)
		defer cancel()
	}
	fail := func(f *Failure, typ string) (any, *Failure) {
		r.emit(sc, typ, func(ev *HistoryEvent) {
			d := &TaskFailedDetails{ResourceType: s.resourceType, Resource: s.resourceName, Error: f.Error, Cause: f.Cause}
			if typ == "TaskTimedOut" {
				ev.TaskTimedOut = d
			} else {
				ev.TaskFailed = d
			}
		})
		return nil, f
	}
	mocked, mf, isMocked := r.mocks.answer(s.Name)
	if mf != nil {
		return fail(mf, "TaskFailed")
	}
	if !isMocked && tok != "" && r.e.opts.Tasks != nil {
		return s.waitForToken(ctx, r, sc, raw, tok, fail)
	}
	if !isMocked && r.e.opts.Tasks == nil {
		return fail(&Failure{Error: StatesTaskFailed, Cause: "no task invoker is configured for resource " + s.resource}, "TaskFailed")
	}
	out, err := mocked, error(nil)
	if !isMocked {
		out, err = safeInvoke(callCtx, r.e.opts.Tasks, TaskRequest{Resource: s.resource, Parameters: raw, Value: params, ExecutionArn: r.arn, StateName: s.Name})
	}
	if ctx.Err() != nil {
		// Stopped or shutting down: not a task failure.
		return nil, abortedFailure(ctx)
	}
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) && callCtx.Err() != nil {
			return fail(&Failure{Error: StatesTimeout, Cause: fmt.Sprintf("The task did not complete within %d seconds", lim.timeout)}, "TaskTimedOut")
		}
		return fail(failureFromTaskError(err), "TaskFailed")
	}
	var res any = map[string]any{}
	if len(out) > 0 {
		v, perr := jsonpath.ParseJSON(out)
		if perr != nil {
			return fail(&Failure{Error: StatesTaskFailed, Cause: "the task returned invalid JSON: " + perr.Error()}, "TaskFailed")
		}
		res = v
	}
	r.emit(sc, "TaskSucceeded", func(ev *HistoryEvent) {
		ev.TaskSucceeded = &TaskSucceededDetails{ResourceType: s.resourceType, Resource: s.resourceName, Output: string(out)}
	})
	return res, nil
}

// safeInvoke keeps a panicking invoker from crashing the engine.
func safeInvoke(ctx context.Context, t TaskInvoker, req TaskRequest) (out json.RawMessage, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("task invoker panicked: %v", p)
		}
	}()
	return t.Invoke(ctx, req)
}
