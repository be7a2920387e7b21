package asl

import (
	"errors"
	"fmt"
	"strings"

	"github.com/sfapi/sfapi/internal/emulator/asl/jsonata"
	"github.com/sfapi/sfapi/internal/emulator/asl/jsonpath"
)

// JSONata data flow: a JSONata state reads $states.input (its raw input),
// computes Arguments for a Task/Parallel (or Items/ItemSelector for a Map),
// and, once it has $states.result (or $states.errorOutput in a Catch),
// evaluates Output (default: the result, or the input for states without
// one) and Assign against the same $states and the variables as they were
// when the state was entered.

// StatesQueryEvaluationError is raised when a JSONata expression fails.
const StatesQueryEvaluationError = jsonata.ErrorName

const (
	queryJSONPath = "JSONPath"
	queryJSONata  = "JSONata"
)

// jsonPathOnlyFields may not appear in a JSONata state.
var jsonPathOnlyFields = []string{"InputPath", "OutputPath", "Parameters", "ResultSelector", "ResultPath",
	"ItemsPath", "SecondsPath", "TimestampPath", "ErrorPath", "CausePath", "TimeoutSecondsPath",
	"HeartbeatSecondsPath", "MaxConcurrencyPath", "ToleratedFailureCountPath", "ToleratedFailurePercentagePath"}

// jsonataOnlyFields may not appear in a JSONPath state.
var jsonataOnlyFields = []string{"Arguments", "Output", "Items"}

// forbid reports, and drops, fields the state's query language lacks.
func (o *obj) forbid(fields []string, ql string) {
	for _, k := range fields {
		if _, ok := o.m[k]; ok {
			o.seen[k] = true
			o.errs.add(schemaFailed, "The field '%s' is not supported for the %s query language at %s/%s", k, ql, o.at, k)
			delete(o.m, k)
		}
	}
}

func jsonataCompileMessage(err error, at string) string {
	var ce *jsonata.CompileError
	if errors.As(err, &ce) {
		return ce.Cause + " at " + at + ce.At
	}
	return err.Error() + " at " + at
}

// jsonataField compiles a JSONata-state field that takes any JSON value
// with "{% %}" expressions (Arguments, Output, Items, ...).
func (o *obj) jsonataField(k string) *jsonata.Template {
	o.seen[k] = true
	v, ok := o.m[k]
	if !ok {
		return nil
	}
	t, err := jsonata.CompileTemplate(v)
	if err != nil {
		o.errs.add(schemaFailed, "%s", jsonataCompileMessage(err, o.at+"/"+k))
		return nil
	}
	return t
}

// jsonataOrNumber reads a field that is a number or a JSONata expression
// string (Seconds, TimeoutSeconds, ...). It returns the constant, or the
// compiled expression.
func (o *obj) jsonataOrNumber(k string) (*jsonata.Template, bool) {
	o.seen[k] = true
	v, ok := o.m[k]
	if !ok {
		return nil, false
	}
	if s, isStr := v.(string); isStr {
		if _, isExpr := jsonata.IsExpression(s); !isExpr {
			o.errs.add(schemaFailed, "The value for the field '%s' must be a NUMBER or a JSONata expression at %s/%s", k, o.at, k)
			return nil, false
		}
		return o.jsonataField(k), true
	}
	return nil, false
}

// applyJSONata evaluates a JSONata template, turning failures into
// States.QueryEvaluationError.
func applyJSONata(t *jsonata.Template, vars map[string]any, field string) (any, *Failure) {
	v, err := t.Apply(vars, field)
	if err != nil {
		return nil, &Failure{Error: StatesQueryEvaluationError, Cause: err.Error(), location: field}
	}
	return v, nil
}

// statesVars builds the variables of a JSONata evaluation: the visible
// workflow variables and $states.
func statesVars(sc *scope, ctxObj func() any, input any, extra map[string]any) map[string]any {
	vars := map[string]any{}
	sc.vars.all(vars)
	st := map[string]any{"input": input, "context": ctxObj()}
	for k, v := range extra {
		st[k] = v
	}
	vars["states"] = st
	return vars
}

// jsonataFinish computes a JSONata state's output (Output, default def)
// and assignments from one $states.
func jsonataFinish(output *jsonata.Template, vars map[string]any, def any, assign *assignSpec) (any, map[string]any, *Failure) {
	out := def
	if output != nil {
		v, f := applyJSONata(output, vars, "Output")
		if f != nil {
			return nil, nil, f
		}
		out = v
	}
	m, f := evalAssign(assign, nil, nil, vars)
	if f != nil {
		return nil, nil, f
	}
	return out, m, nil
}

// intField evaluates a JSONata field that must yield an integer >= minV.
func intField(t *jsonata.Template, vars map[string]any, field, state string, minV int64) (int64, *Failure) {
	v, f := applyJSONata(t, vars, field)
	if f != nil {
		return 0, f
	}
	switch n := v.(type) {
	case int64:
		if n >= minV {
			return n, nil
		}
	case float64:
		if n == float64(int64(n)) && int64(n) >= minV {
			return int64(n), nil
		}
	}
	return 0, &Failure{Error: StatesQueryEvaluationError, location: field, Cause: fmt.Sprintf("The JSONata expression for the field '%s' in state '%s' must return an integer >= %d, but returned %s", field, state, minV, strings.TrimSpace(fmt.Sprint(v)))}
}

// withAssigned adapts an attempt that reports its assignments through
// *assigned to withRetryAssign.
func withAssigned(assigned *map[string]any, attempt func() (any, *Failure)) func() (any, map[string]any, *Failure) {
	return func() (any, map[string]any, *Failure) {
		out, f := attempt()
		return out, *assigned, f
	}
}

// envOf returns the *jsonpath.Env behind a ctxFunc, or nil.
func envOf(ctxObj func() any) *jsonpath.Env {
	env, _ := ctxObj().(*jsonpath.Env)
	return env
}
