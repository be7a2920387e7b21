package asl

import (
	"context"

	"github.com/sfapi/sfapi/internal/emulator/asl/jsonpath"
)

type passState struct {
	stateBase
	result     any
	hasResult  bool
	params     *jsonpath.Template
	resultPath resultSpec
}

func parsePass(b stateBase, o *obj) *passState {
	s := &passState{stateBase: b}
	if b.jsonata {
		return s
	}
	if o.has("Result") {
		s.result, s.hasResult = o.m["Result"], true
	}
	s.params = o.template("Parameters")
	s.resultPath = o.resultPath()
	return s
}

func (s *passState) run(_ context.Context, r *run, sc *scope, input any) outcome {
	ctxObj := r.ctxFunc(sc, s.Name, r.e.now(), nil)
	if s.jsonata {
		vars := statesVars(sc, func() any { return plainContext(ctxObj) }, input, nil)
		out, m, f := jsonataFinish(s.output, vars, input, s.assign)
		return outcome{out: out, next: s.Next, fail: f, assign: m}
	}
	eff, f := effectiveInput(&s.stateBase, input, ctxObj)
	if f != nil {
		return outcome{fail: f}
	}
	res := eff
	if s.hasResult {
		res = s.result
	} else if s.params != nil {
		if res, f = applyTemplate(s.params, eff, ctxObj); f != nil {
			return outcome{fail: f}
		}
	}
	m, f := evalAssign(s.assign, res, envOf(ctxObj), nil)
	if f != nil {
		return outcome{fail: f}
	}
	out, f := applyResult(s.resultPath, input, res)
	if f != nil {
		return outcome{fail: f}
	}
	if out, f = effectiveOutput(&s.stateBase, out, ctxObj); f != nil {
		return outcome{fail: f}
	}
	return outcome{out: out, next: s.Next, assign: m}
}
