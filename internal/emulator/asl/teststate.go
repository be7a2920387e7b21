package asl

import (
	"context"
	"strings"

	"github.com/sfapi/sfapi/internal/emulator/asl/jsonpath"
)

// TestState statuses.
const (
	TestStatusSucceeded   = "SUCCEEDED"
	TestStatusFailed      = "FAILED"
	TestStatusRetriable   = "RETRIABLE"
	TestStatusCaughtError = "CAUGHT_ERROR"
)

// Inspection levels of TestState.
const (
	InspectionInfo  = "INFO"
	InspectionDebug = "DEBUG"
	InspectionTrace = "TRACE"
)

// TestStateInput is a TestState request: one state (or a whole state
// machine and StateName) run once with Input.
type TestStateInput struct {
	Definition      string
	StateName       string // with a full state machine definition
	Input           string
	RoleArn         string
	Variables       string // a JSON object; accepted and echoed
	InspectionLevel string // INFO (default), DEBUG or TRACE
	RevealSecrets   bool   // only matters for HTTP tasks, which are not emulated
	Mock            *TestStateMock
}

// TestStateMock replaces the tested Task's call with a result or error.
type TestStateMock struct {
	Result string // JSON
	Error  string
	Cause  string
}

// InspectionData is the data-flow trace of TestState at DEBUG and TRACE.
type InspectionData struct {
	Input               string
	AfterInputPath      string
	AfterParameters     string
	Result              string
	AfterResultSelector string
	AfterResultPath     string
	Variables           string
}

// TestStateResult is TestState's answer.
type TestStateResult struct {
	Output     string
	Error      string
	Cause      string
	NextState  string
	Status     string
	Inspection *InspectionData // nil at INFO
}

const testStateName = "TestState"

// parseTestState parses a single state, or picks stateName out of a full
// state machine definition.
func parseTestState(definition, stateName string) (State, error) {
	v, err := jsonpath.ParseJSON([]byte(definition))
	if err != nil {
		return nil, apiErr(ErrInvalidDefinition, "Invalid State Machine Definition: 'INVALID_JSON_DESCRIPTION: %v'", err)
	}
	m, _ := v.(map[string]any)
	if _, full := m["States"]; full || stateName != "" {
		def, err := parseDefinition(definition)
		if err != nil {
			return nil, err
		}
		if stateName == "" {
			stateName = def.StartAt
		}
		st, ok := def.States[stateName]
		if !ok {
			return nil, apiErr(ErrValidation, "State '%s' is not a top-level state of the definition", stateName)
		}
		return st, nil
	}
	errs := &definitionError{}
	o, ok := newObj(v, "", errs)
	if !ok {
		return nil, errs.err()
	}
	st := parseState(testStateName, o, errs, 0)
	if err := errs.err(); err != nil {
		return nil, err
	}
	if st == nil {
		return nil, apiErr(ErrInvalidDefinition, "Invalid State Machine Definition: 'SCHEMA_VALIDATION_FAILED: These fields are required: [Type] at /'")
	}
	return st, nil
}

// TestState runs one state once, as AWS's TestState API does: Task states
// call their resource for real (or the request's mock); a Retry that
// matches the error yields RETRIABLE instead of retrying; a Catch that
// matches yields CAUGHT_ERROR with the Catch's output and next state. Wait
// states do not wait.
func (e *Engine) TestState(ctx context.Context, in TestStateInput) (*TestStateResult, error) {
	level := in.InspectionLevel
	if level == "" {
		level = InspectionInfo
	}
	if level != InspectionInfo && level != InspectionDebug && level != InspectionTrace {
		return nil, apiErr(ErrValidation, "1 validation error detected: Value '%s' at 'inspectionLevel' failed to satisfy constraint: Member must satisfy enum value set: [INFO, DEBUG, TRACE]", level)
	}
	st, err := parseTestState(in.Definition, in.StateName)
	if err != nil {
		return nil, err
	}
	if in.Variables != "" {
		v, err := jsonpath.ParseJSON([]byte(in.Variables))
		if _, isObj := v.(map[string]any); err != nil || !isObj {
			return nil, apiErr(ErrValidation, "Invalid variables: the value must be a JSON object")
		}
	}
	task, isTask := st.(*taskState)
	if in.Mock != nil && !isTask {
		// AWS also mocks Map and Parallel states; the emulator mocks Tasks only.
		return nil, apiErr(ErrValidation, "A mock can only be specified for Task states in sfapi (AWS also accepts Map and Parallel)")
	}
	if isTask && in.Mock == nil && (task.waitToken || strings.Contains(task.resource, ".sync")) {
		return nil, apiErr(ErrValidation, "TestState supports the %s integration pattern only with a mock", task.resource[strings.LastIndexByte(task.resource, '.'):])
	}
	input, value, err := checkInput(in.Input)
	if err != nil {
		return nil, apiErr(ErrValidation, "%s", err.(*APIError).Message)
	}
	name := newExecutionName()
	ex := Execution{Arn: e.executionArn("TestStateMachine", name), StateMachineArn: e.machineArn("TestStateMachine"), Name: name,
		Type: TypeStandard, Status: StatusRunning, Input: input, RoleArn: in.RoleArn, StartDate: e.now()}
	b := st.base()
	r := e.newRun(&ex, &machine{StartAt: b.Name, States: map[string]State{b.Name: st}}, value, false)
	r.mocks = nil
	insp := &InspectionData{Input: input, Variables: in.Variables}
	var res *TestStateResult
	if b.jsonata {
		// JSONata states run through the engine's own data flow: the result
		// is exact, the stage-by-stage inspection data is not recorded.
		res = fromOutcome(st.(stateRunner).run(ctx, r, &scope{}, value))
		res.finish(level, insp)
		return res, nil
	}
	switch s := st.(type) {
	case *taskState:
		res = s.test(ctx, r, value, insp, in.Mock)
	case *passState:
		res = s.test(r, value, insp)
	case *waitState:
		res = testPipeline(r, &s.stateBase, value, insp, nil)
		if res.Status == TestStatusSucceeded {
			res.NextState = s.Next
		}
	default:
		o := st.(stateRunner).run(ctx, r, &scope{}, value)
		res = fromOutcome(o)
	}
	res.finish(level, insp)
	return res, nil
}

// finish attaches the inspection data the level asks for.
func (res *TestStateResult) finish(level string, insp *InspectionData) {
	if level == InspectionInfo {
		res.Inspection = nil
	} else {
		res.Inspection = insp
	}
}

func fromOutcome(o outcome) *TestStateResult {
	switch {
	case o.fail != nil:
		return &TestStateResult{Status: TestStatusFailed, Error: o.fail.Error, Cause: o.fail.Cause}
	case o.caught:
		return &TestStateResult{Status: TestStatusCaughtError, Output: jsonpath.MarshalString(o.out), NextState: o.next}
	}
	return &TestStateResult{Status: TestStatusSucceeded, Output: jsonpath.MarshalString(o.out), NextState: o.next}
}

// testPipeline applies InputPath and OutputPath around an optional middle
// step (nil: the state's effective input is its result).
func testPipeline(r *run, b *stateBase, input any, insp *InspectionData, mid func(eff any) (any, *Failure)) *TestStateResult {
	ctxObj := r.ctxFunc(&scope{}, b.Name, r.e.now(), nil)
	eff, f := effectiveInput(b, input, ctxObj)
	if f != nil {
		return &TestStateResult{Status: TestStatusFailed, Error: f.Error, Cause: f.Cause}
	}
	insp.AfterInputPath = jsonpath.MarshalString(eff)
	out := eff
	if mid != nil {
		if out, f = mid(eff); f != nil {
			return &TestStateResult{Status: TestStatusFailed, Error: f.Error, Cause: f.Cause}
		}
	}
	if out, f = effectiveOutput(b, out, ctxObj); f != nil {
		return &TestStateResult{Status: TestStatusFailed, Error: f.Error, Cause: f.Cause}
	}
	return &TestStateResult{Status: TestStatusSucceeded, Output: jsonpath.MarshalString(out)}
}

func (s *passState) test(r *run, input any, insp *InspectionData) *TestStateResult {
	ctxObj := r.ctxFunc(&scope{}, s.Name, r.e.now(), nil)
	res := testPipeline(r, &s.stateBase, input, insp, func(eff any) (any, *Failure) {
		res := eff
		if s.hasResult {
			res = s.result
		} else if s.params != nil {
			var f *Failure
			if res, f = applyTemplate(s.params, eff, ctxObj); f != nil {
				return nil, f
			}
			insp.AfterParameters = jsonpath.MarshalString(res)
		}
		insp.Result = jsonpath.MarshalString(res)
		out, f := applyResult(s.resultPath, input, res)
		if f == nil {
			insp.AfterResultPath = jsonpath.MarshalString(out)
		}
		return out, f
	})
	if res.Status == TestStatusSucceeded {
		res.NextState = s.Next
	}
	return res
}

// test runs a Task state's data flow once, recording every stage.
func (s *taskState) test(ctx context.Context, r *run, input any, insp *InspectionData, mock *TestStateMock) *TestStateResult {
	sc := &scope{}
	retries := 0
	ctxObj := r.ctxFunc(sc, s.Name, r.e.now(), &retries)
	if s.waitToken {
		ctxObj = withTaskToken(ctxObj, newToken(r.arn))
	}
	var fail *Failure
	res := testPipeline(r, &s.stateBase, input, insp, func(eff any) (any, *Failure) {
		params, f := applyTemplate(s.params, eff, ctxObj)
		if f != nil {
			fail = f
			return nil, f
		}
		insp.AfterParameters = jsonpath.MarshalString(params)
		var result any
		if mock != nil {
			if mock.Error != "" || mock.Cause != "" {
				f = &Failure{Error: mock.Error, Cause: mock.Cause}
			} else if result, f = parseMockResult(mock.Result); f == nil {
				insp.Result = mock.Result
			}
		} else {
			var lim taskLimits
			if lim, f = s.limits(sc, eff, input, ctxObj); f == nil {
				result, f = s.invoke(ctx, r, sc, params, "", lim)
			}
			if f == nil {
				insp.Result = jsonpath.MarshalString(result)
			}
		}
		if f != nil {
			fail = f
			return nil, f
		}
		if result, f = applyTemplate(s.resultSelector, result, ctxObj); f != nil {
			fail = f
			return nil, f
		}
		insp.AfterResultSelector = jsonpath.MarshalString(result)
		out, f := applyResult(s.resultPath, input, result)
		if f != nil {
			fail = f
			return nil, f
		}
		insp.AfterResultPath = jsonpath.MarshalString(out)
		return out, nil
	})
	if res.Status == TestStatusSucceeded {
		res.NextState = s.Next
		return res
	}
	if fail == nil {
		return res // InputPath/OutputPath failures are not retried or caught
	}
	for _, rt := range s.retry {
		if errorMatches(rt.errorEquals, fail.Error) && rt.maxAttempts > 0 {
			return &TestStateResult{Status: TestStatusRetriable, Error: fail.Error, Cause: fail.Cause}
		}
	}
	for _, c := range s.Catch {
		if !errorMatches(c.errorEquals, fail.Error) {
			continue
		}
		out, cf := applyResult(c.result, input, map[string]any{"Error": fail.Error, "Cause": fail.Cause})
		if cf != nil {
			return &TestStateResult{Status: TestStatusFailed, Error: cf.Error, Cause: cf.Cause}
		}
		return &TestStateResult{Status: TestStatusCaughtError, Output: jsonpath.MarshalString(out), NextState: c.next, Error: fail.Error, Cause: fail.Cause}
	}
	return res
}

func parseMockResult(s string) (any, *Failure) {
	if s == "" {
		return map[string]any{}, nil
	}
	v, err := jsonpath.ParseJSON([]byte(s))
	if err != nil {
		return nil, &Failure{Error: StatesRuntime, Cause: "the mock result is not valid JSON: " + err.Error()}
	}
	return v, nil
}
