package asl

import "context"

type succeedState struct{ stateBase }

func (s *succeedState) run(_ context.Context, r *run, sc *scope, input any) outcome {
	ctxObj := r.ctxFunc(sc, s.Name, r.e.now(), nil)
	if s.jsonata {
		out, _, f := jsonataFinish(s.output, statesVars(sc, func() any { return plainContext(ctxObj) }, input, nil), input, nil)
		return outcome{out: out, fail: f}
	}
	eff, f := effectiveInput(&s.stateBase, input, ctxObj)
	if f != nil {
		return outcome{fail: f}
	}
	out, f := effectiveOutput(&s.stateBase, eff, ctxObj)
	if f != nil {
		return outcome{fail: f}
	}
	return outcome{out: out}
}
