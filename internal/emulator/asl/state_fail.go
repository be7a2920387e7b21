package asl

import (
	"context"

	"github.com/sfapi/sfapi/internal/emulator/asl/jsonata"
	"github.com/sfapi/sfapi/internal/emulator/asl/jsonpath"
)

type failState struct {
	stateBase
	errName, cause       string
	errorPath, causePath *jsonpath.Path
	errorT, causeT       *jsonata.Template // JSONata: Error/Cause expressions
}

func parseFail(b stateBase, o *obj) *failState {
	s := &failState{stateBase: b}
	if b.jsonata {
		s.errorT, s.causeT = o.jsonataField("Error"), o.jsonataField("Cause")
		for k, t := range map[string]*jsonata.Template{"Error": s.errorT, "Cause": s.causeT} {
			if _, isStr := o.m[k].(string); t != nil && !isStr {
				o.errs.add(schemaFailed, "The value for the field '%s' must be a STRING at %s/%s", k, o.at, k)
			}
		}
		return s
	}
	s.errName = o.str("Error", false)
	s.cause = o.str("Cause", false)
	s.errorPath, _ = o.path("ErrorPath", true)
	s.causePath, _ = o.path("CausePath", true)
	if s.errName != "" && s.errorPath != nil {
		o.errs.add(schemaFailed, "Only one of Error or ErrorPath may be set at %s", o.at)
	}
	if s.cause != "" && s.causePath != nil {
		o.errs.add(schemaFailed, "Only one of Cause or CausePath may be set at %s", o.at)
	}
	return s
}

func (s *failState) run(_ context.Context, r *run, sc *scope, input any) outcome {
	ctxObj := r.ctxFunc(sc, s.Name, r.e.now(), nil)
	if s.jsonata {
		vars := statesVars(sc, func() any { return plainContext(ctxObj) }, input, nil)
		f := &Failure{}
		for _, x := range []struct {
			t     *jsonata.Template
			field string
			dst   *string
		}{{s.errorT, "Error", &f.Error}, {s.causeT, "Cause", &f.Cause}} {
			if x.t == nil {
				continue
			}
			v, ef := applyJSONata(x.t, vars, x.field)
			if ef != nil {
				return outcome{fail: ef}
			}
			str, ok := v.(string)
			if !ok {
				return outcome{fail: &Failure{Error: StatesQueryEvaluationError, Cause: "The JSONata expression for the field '" + x.field + "' in state '" + s.Name + "' must return a string, but returned " + jsonpath.MarshalString(v)}}
			}
			*x.dst = str
		}
		return outcome{fail: f}
	}
	f := &Failure{Error: s.errName, Cause: s.cause}
	pick := func(p *jsonpath.Path, field string) (string, *Failure) {
		var c any
		if p.NeedsEnv() {
			c = ctxObj()
		}
		v, ok := p.Get(input, c)
		if !ok {
			return "", &Failure{Error: StatesRuntime, Cause: "An error occurred while executing the state '" + s.Name + "'. The JsonPath argument for the field '" + field + "' could not be found in the input '" + jsonpath.MarshalString(input) + "'"}
		}
		str, ok := v.(string)
		if !ok {
			return "", &Failure{Error: StatesRuntime, Cause: "An error occurred while executing the state '" + s.Name + "'. The value for the field '" + field + "' must be a STRING"}
		}
		return str, nil
	}
	if s.errorPath != nil {
		v, rf := pick(s.errorPath, "ErrorPath")
		if rf != nil {
			return outcome{fail: rf}
		}
		f.Error = v
	}
	if s.causePath != nil {
		v, rf := pick(s.causePath, "CausePath")
		if rf != nil {
			return outcome{fail: rf}
		}
		f.Cause = v
	}
	return outcome{fail: f}
}
