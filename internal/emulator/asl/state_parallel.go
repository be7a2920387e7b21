package asl

import (
	"context"
	"fmt"
	"sync"

	"github.com/sfapi/sfapi/internal/emulator/asl/jsonata"
	"github.com/sfapi/sfapi/internal/emulator/asl/jsonpath"
)

// parallelState runs its branches concurrently on the same input. Like Map,
// it is checkpointed only at its boundary: a resumed execution re-runs the
// whole Parallel state.
type parallelState struct {
	stateBase
	branches       []*machine
	params         *jsonpath.Template
	resultSelector *jsonpath.Template
	resultPath     resultSpec
	retry          []retrier
	Catch          []catcher
	arguments      *jsonata.Template // JSONata: Arguments (the branches' input)
}

func parseParallel(b stateBase, o *obj, errs *definitionError, depth int) *parallelState {
	s := &parallelState{stateBase: b}
	o.seen["Branches"] = true
	list, ok := o.m["Branches"].([]any)
	if !ok || len(list) == 0 {
		errs.add(schemaFailed, "The field 'Branches' should be a non-empty array at %s/Branches", o.at)
	}
	for i, e := range list {
		bo, ok := newObj(e, fmt.Sprintf("%s/Branches/%d", o.at, i), errs)
		if !ok {
			continue
		}
		bo.str("Comment", false)
		m := parseMachine(bo, errs, depth+1)
		bo.unknown()
		s.branches = append(s.branches, m)
	}
	if b.jsonata {
		s.arguments = o.jsonataField("Arguments")
	}
	s.params = o.template("Parameters")
	s.resultSelector = o.template("ResultSelector")
	s.resultPath = o.resultPath()
	s.retry, s.Catch = parseRetryCatch(o, b.jsonata)
	return s
}

func (s *parallelState) run(ctx context.Context, r *run, sc *scope, input any) outcome {
	retries := 0
	ctxObj := r.ctxFunc(sc, s.Name, r.e.now(), &retries)
	var vars map[string]any
	eff, f := effectiveInput(&s.stateBase, input, ctxObj)
	if f != nil {
		return outcome{fail: f}
	}
	if s.jsonata {
		vars = statesVars(sc, func() any { return plainContext(ctxObj) }, input, nil)
		if s.arguments != nil {
			if eff, f = applyJSONata(s.arguments, vars, "Arguments"); f != nil {
				return outcome{fail: f}
			}
		}
	} else if eff, f = applyTemplate(s.params, eff, ctxObj); f != nil {
		return outcome{fail: f}
	}
	var assigned map[string]any
	o := r.withRetryAssign(ctx, sc, ctxObj, s.jsonata, s.retry, s.Catch, input, &retries, withAssigned(&assigned, func() (any, *Failure) {
		assigned = nil
		r.emit(sc, "ParallelStateStarted", nil)
		res, f := s.runBranches(ctx, r, sc, eff)
		if f != nil {
			r.emit(sc, "ParallelStateFailed", nil)
			return nil, f
		}
		r.emit(sc, "ParallelStateSucceeded", nil)
		out, m, f := shapeResult(&s.stateBase, s.resultSelector, s.resultPath, vars, ctxObj, input, res)
		assigned = m
		return out, f
	}))
	if o.fail == nil && !o.caught {
		o.next = s.Next
	}
	return o
}

func (s *parallelState) runBranches(ctx context.Context, r *run, sc *scope, input any) (any, *Failure) {
	bctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	results := make([]any, len(s.branches))
	var (
		wg    sync.WaitGroup
		once  sync.Once
		first *Failure
	)
	for i, m := range s.branches {
		wg.Add(1)
		go func() {
			defer wg.Done()
			bsc := sc.child(sc.item)
			out, f := r.runMachine(bctx, bsc, m, input)
			if f != nil {
				once.Do(func() {
					first = f
					cancel(fmt.Errorf("branch %d failed", i))
				})
				return
			}
			results[i] = out
		}()
	}
	wg.Wait()
	if first != nil {
		return nil, first
	}
	return any(results), nil
}
