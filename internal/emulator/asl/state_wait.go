package asl

import (
	"context"
	"time"

	"github.com/sfapi/sfapi/internal/emulator/asl/jsonata"
	"github.com/sfapi/sfapi/internal/emulator/asl/jsonpath"
)

type waitState struct {
	stateBase
	seconds       int64
	hasSeconds    bool
	secondsPath   *jsonpath.Path
	timestamp     time.Time
	hasTimestamp  bool
	timestampPath *jsonpath.Path
	secondsT      *jsonata.Template // JSONata: Seconds / Timestamp expressions
	timestampT    *jsonata.Template
}

func parseWait(b stateBase, o *obj) *waitState {
	s := &waitState{stateBase: b}
	n := 0
	if b.jsonata {
		if t, ok := o.jsonataOrNumber("Seconds"); ok {
			s.secondsT = t
			n++
		}
		if ts, ok := o.m["Timestamp"].(string); ok {
			if _, isExpr := jsonata.IsExpression(ts); isExpr {
				s.timestampT = o.jsonataField("Timestamp")
				n++
			}
		}
	}
	if s.secondsT != nil || s.timestampT != nil {
		// expressions: constants of the other field still count below
	} else if v, ok := o.integer("Seconds", 0); ok {
		s.seconds, s.hasSeconds = v, true
		n++
	}
	if o.has("Timestamp") && s.timestampT == nil {
		ts := o.str("Timestamp", false)
		t, err := parseTimestamp(ts)
		if err != nil {
			o.errs.add(schemaFailed, "The value for the field 'Timestamp' must be a valid ISO-8601 timestamp at %s/Timestamp", o.at)
		}
		s.timestamp, s.hasTimestamp = t, true
		n++
	}
	if s.secondsPath, _ = o.path("SecondsPath", true); s.secondsPath != nil {
		n++
	}
	if s.timestampPath, _ = o.path("TimestampPath", true); s.timestampPath != nil {
		n++
	}
	if n != 1 {
		o.errs.add(schemaFailed, "A Wait state must have exactly one of Seconds, Timestamp, SecondsPath or TimestampPath at %s", o.at)
	}
	return s
}

// run waits with the engine's clock. A resumed execution restarts a
// Seconds wait from the beginning (the wait is one state: at-least-once).
func (s *waitState) run(ctx context.Context, r *run, sc *scope, input any) outcome {
	ctxObj := r.ctxFunc(sc, s.Name, r.e.now(), nil)
	var vars map[string]any
	if s.jsonata {
		vars = statesVars(sc, func() any { return plainContext(ctxObj) }, input, nil)
	}
	eff, f := effectiveInput(&s.stateBase, input, ctxObj)
	if f != nil {
		return outcome{fail: f}
	}
	var d time.Duration
	switch {
	case s.secondsT != nil:
		n, f := intField(s.secondsT, vars, "Seconds", s.Name, 0)
		if f != nil {
			return outcome{fail: f}
		}
		d = time.Duration(n) * time.Second
	case s.timestampT != nil:
		v, f := applyJSONata(s.timestampT, vars, "Timestamp")
		if f != nil {
			return outcome{fail: f}
		}
		str, _ := v.(string)
		t, err := parseTimestamp(str)
		if err != nil {
			return outcome{fail: &Failure{Error: StatesQueryEvaluationError, Cause: "The JSONata expression for the field 'Timestamp' in state '" + s.Name + "' must return an ISO-8601 timestamp string, but returned " + jsonpath.MarshalString(v)}}
		}
		d = t.Sub(r.e.now())
	case s.hasSeconds:
		d = time.Duration(s.seconds) * time.Second
	case s.hasTimestamp:
		d = s.timestamp.Sub(r.e.now())
	case s.secondsPath != nil:
		v, ok := getPath(s.secondsPath, eff, ctxObj)
		n, isNum := jsonpath.ToFloat(v)
		if !ok || !isNum || n < 0 {
			return outcome{fail: &Failure{Error: StatesRuntime, Cause: "An error occurred while executing the state '" + s.Name + "'. The SecondsPath parameter does not reference a valid non-negative integer: " + s.secondsPath.String()}}
		}
		d = time.Duration(n * float64(time.Second))
	case s.timestampPath != nil:
		v, ok := getPath(s.timestampPath, eff, ctxObj)
		str, isStr := v.(string)
		t, err := parseTimestamp(str)
		if !ok || !isStr || err != nil {
			return outcome{fail: &Failure{Error: StatesRuntime, Cause: "An error occurred while executing the state '" + s.Name + "'. The TimestampPath parameter does not reference a valid ISO-8601 extended offset date-time format string: " + s.timestampPath.String()}}
		}
		d = t.Sub(r.e.now())
	}
	if d > 0 {
		if err := r.e.sleep(ctx, d); err != nil {
			return outcome{fail: abortedFailure(ctx)}
		}
	}
	if s.jsonata {
		out, m, f := jsonataFinish(s.output, vars, input, s.assign)
		return outcome{out: out, next: s.Next, fail: f, assign: m}
	}
	m, f := evalAssign(s.assign, eff, envOf(ctxObj), nil)
	if f != nil {
		return outcome{fail: f}
	}
	out, f := effectiveOutput(&s.stateBase, eff, ctxObj)
	return outcome{out: out, next: s.Next, fail: f, assign: m}
}
