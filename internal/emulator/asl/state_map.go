package asl

import (
	"context"
	"fmt"
	"math"
	"strings"
	"sync"

	"github.com/sfapi/sfapi/internal/emulator/asl/jsonata"
	"github.com/sfapi/sfapi/internal/emulator/asl/jsonpath"
)

// mapState runs its item processor once per item of ItemsPath (inline
// mode). It is checkpointed only at its boundary: a resumed execution
// re-runs the whole Map state, so item tasks run at least once.
type mapState struct {
	stateBase
	itemsPath        *jsonpath.Path
	itemSelector     *jsonpath.Template
	processor        *machine
	maxConcurrency   dynNum
	resultSelector   *jsonpath.Template
	resultPath       resultSpec
	toleratedCount   dynNum
	toleratedPercent dynNum
	retry            []retrier
	Catch            []catcher
	items            *jsonata.Template // JSONata: Items (default: the state input)
	itemSelectorJ    *jsonata.Template // JSONata: ItemSelector
	dist             *distributed      // ProcessorConfig Mode DISTRIBUTED, else nil
}

func parseMap(b stateBase, o *obj, errs *definitionError, depth int) *mapState {
	s := &mapState{stateBase: b}
	s.itemsPath, _ = o.path("ItemsPath", true)
	if o.has("ItemSelector") && o.has("Parameters") {
		errs.add(schemaFailed, "Only one of ItemSelector or Parameters may be set at %s", o.at)
	}
	if b.jsonata {
		s.items = o.jsonataField("Items")
		s.itemSelectorJ = o.jsonataField("ItemSelector")
	}
	if b.jsonata {
		if sel, ok := o.m["ItemSelector"].(map[string]any); ok {
			for k := range sel {
				if strings.HasSuffix(k, ".$") {
					errs.add(schemaFailed, "The field '%s' is not supported for the JSONata query language: JSONata states do not use '.$' keys at %s/ItemSelector/%s", k, o.at, k)
				}
			}
		}
	} else {
		s.itemSelector = o.template("ItemSelector")
	}
	if s.itemSelector == nil && !b.jsonata {
		s.itemSelector = o.template("Parameters")
	}
	procKey := "ItemProcessor"
	if !o.has(procKey) {
		procKey = "Iterator"
	}
	o.seen["ItemProcessor"], o.seen["Iterator"] = true, true
	if po, ok := newObj(o.m[procKey], o.at+"/"+procKey, errs); ok {
		po.str("Comment", false)
		s.dist = parseProcessorConfig(po)
		s.processor = parseMachine(po, errs, depth+1)
		po.unknown()
	}
	s.maxConcurrency = o.dynNumber("MaxConcurrency", true, 0, math.Inf(1), b.jsonata)
	s.toleratedCount = o.dynNumber("ToleratedFailureCount", true, 0, math.Inf(1), b.jsonata)
	s.toleratedPercent = o.dynNumber("ToleratedFailurePercentage", false, 0, 100, b.jsonata)
	parseDistributedFields(s, o)
	s.resultSelector = o.template("ResultSelector")
	s.resultPath = o.resultPath()
	s.retry, s.Catch = parseRetryCatch(o, b.jsonata)
	return s
}

func (s *mapState) run(ctx context.Context, r *run, sc *scope, input any) outcome {
	retries := 0
	ctxObj := r.ctxFunc(sc, s.Name, r.e.now(), &retries)
	eff, f := effectiveInput(&s.stateBase, input, ctxObj)
	if f != nil {
		return outcome{fail: f}
	}
	if s.dist != nil {
		if f := s.dist.unrunnable(s.Name); f != nil {
			return outcome{fail: f}
		}
	}
	items := eff
	var vars map[string]any
	if s.jsonata {
		vars = statesVars(sc, func() any { return plainContext(ctxObj) }, input, nil)
		if s.items != nil {
			if items, f = applyJSONata(s.items, vars, "Items"); f != nil {
				return outcome{fail: f}
			}
			if _, isList := items.([]any); !isList {
				return outcome{fail: &Failure{Error: StatesQueryEvaluationError, location: "Items", Cause: fmt.Sprintf("The Items field of state '%s' must evaluate to a JSON array, but returned %s", s.Name, jsonpath.MarshalString(items))}}
			}
		}
	} else if s.itemsPath != nil {
		v, ok := getPath(s.itemsPath, eff, ctxObj)
		if !ok {
			return outcome{fail: &Failure{Error: StatesRuntime, Cause: fmt.Sprintf("An error occurred while executing the state '%s'. Invalid path '%s' : No results for path: %s", s.Name, s.itemsPath, s.itemsPath)}}
		}
		items = v
	}
	list, ok := items.([]any)
	if !ok {
		return outcome{fail: &Failure{Error: StatesRuntime, Cause: fmt.Sprintf("An error occurred while executing the state '%s'. The ItemsPath field refers to value that is not a JSON array.", s.Name)}}
	}
	lim, f := s.limits(sc, eff, input, ctxObj)
	if f != nil {
		return outcome{fail: f}
	}
	var assigned map[string]any
	o := r.withRetryAssign(ctx, sc, ctxObj, s.jsonata, s.retry, s.Catch, input, &retries, withAssigned(&assigned, func() (any, *Failure) {
		assigned = nil
		var res any
		var f *Failure
		if s.dist != nil {
			res, f = s.runDistributed(ctx, r, sc, eff, input, ctxObj, list, lim)
		} else {
			r.emit(sc, "MapStateStarted", func(ev *HistoryEvent) { ev.MapStateStarted = &MapStateStartedDetails{Length: len(list)} })
			res, f = s.runItems(ctx, r, sc, eff, list, lim)
			if f != nil {
				r.emit(sc, "MapStateFailed", nil)
				return nil, f
			}
			r.emit(sc, "MapStateSucceeded", nil)
		}
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

// mapLimits are one Map run's MaxConcurrency (0: unbounded) and
// tolerated failures: count and percent are -1 when not given.
type mapLimits struct {
	concurrency int
	count       int64
	percent     float64
}

// tolerated returns how many of n items may fail, and whether a
// ToleratedFailure* field was given (a failure beyond it is then
// States.ExceedToleratedFailureThreshold, not the item's own error).
func (l mapLimits) tolerated(n int) (int64, bool) {
	if l.count < 0 && l.percent < 0 {
		return 0, false
	}
	t := int64(math.MaxInt64)
	if l.count >= 0 {
		t = l.count
	}
	if l.percent >= 0 {
		t = min(t, int64(math.Floor(l.percent/100*float64(n))))
	}
	return t, true
}

// limits resolves MaxConcurrency and ToleratedFailure*.
func (s *mapState) limits(sc *scope, eff, input any, ctxObj func() any) (mapLimits, *Failure) {
	vars := func() map[string]any { return statesVars(sc, func() any { return plainContext(ctxObj) }, input, nil) }
	lim := mapLimits{count: -1, percent: -1}
	mc, f := s.maxConcurrency.resolve(s.Name, 0, eff, ctxObj, vars)
	if f != nil {
		return lim, f
	}
	lim.concurrency = int(min(mc, float64(math.MaxInt32)))
	count, f := s.toleratedCount.resolve(s.Name, -1, eff, ctxObj, vars)
	if f != nil {
		return lim, f
	}
	lim.count = int64(count)
	if lim.percent, f = s.toleratedPercent.resolve(s.Name, -1, eff, ctxObj, vars); f != nil {
		return lim, f
	}
	return lim, nil
}

func (s *mapState) runItems(ctx context.Context, r *run, sc *scope, eff any, list []any, lim mapLimits) (any, *Failure) {
	mctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	results := make([]any, len(list))
	limit := lim.concurrency
	if limit <= 0 || limit > len(list) {
		limit = len(list)
	}
	tolerated, thresholded := lim.tolerated(len(list))
	var (
		mu     sync.Mutex
		failed int64
		first  *Failure
		wg     sync.WaitGroup
	)
	sem := make(chan struct{}, max(limit, 1))
	for i, item := range list {
		select {
		case sem <- struct{}{}:
		case <-mctx.Done():
		}
		if mctx.Err() != nil {
			break
		}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			isc := sc.child(&mapItem{index: i, value: item})
			r.emit(isc, "MapIterationStarted", func(ev *HistoryEvent) { ev.MapIterationStarted = &MapIterationDetails{Name: s.Name, Index: i} })
			itemInput := item
			if s.itemSelectorJ != nil {
				ctxObj := r.ctxFunc(isc, s.Name, r.e.now(), nil)
				// Evaluated in the Map state's scope: $states.input is the
				// Map's input, $states.context.Map.Item the current item.
				v, f := applyJSONata(s.itemSelectorJ, statesVars(sc, func() any { return plainContext(ctxObj) }, eff, nil), "ItemSelector")
				if f != nil {
					s.itemFailed(r, isc, i, f, &mu, &failed, &first, tolerated, thresholded, cancel)
					return
				}
				itemInput = v
			} else if s.itemSelector != nil {
				ctxObj := r.ctxFunc(isc, s.Name, r.e.now(), nil)
				v, f := applyTemplate(s.itemSelector, eff, ctxObj)
				if f != nil {
					s.itemFailed(r, isc, i, f, &mu, &failed, &first, tolerated, thresholded, cancel)
					return
				}
				itemInput = v
			}
			out, f := r.runMachine(mctx, isc, s.processor, itemInput)
			if f != nil {
				results[i] = map[string]any{"Error": f.Error, "Cause": f.Cause}
				s.itemFailed(r, isc, i, f, &mu, &failed, &first, tolerated, thresholded, cancel)
				return
			}
			results[i] = out
			r.emit(isc, "MapIterationSucceeded", func(ev *HistoryEvent) { ev.MapIterationSucceeded = &MapIterationDetails{Name: s.Name, Index: i} })
		}()
	}
	wg.Wait()
	if first != nil {
		return nil, first
	}
	if err := ctx.Err(); err != nil {
		return nil, abortedFailure(ctx)
	}
	return any(results), nil
}

func (s *mapState) itemFailed(r *run, isc *scope, i int, f *Failure, mu *sync.Mutex, failed *int64, first **Failure, tolerated int64, thresholded bool, cancel context.CancelCauseFunc) {
	r.emit(isc, "MapIterationFailed", func(ev *HistoryEvent) { ev.MapIterationFailed = &MapIterationDetails{Name: s.Name, Index: i} })
	mu.Lock()
	defer mu.Unlock()
	*failed++
	if *failed <= tolerated || *first != nil {
		return
	}
	if thresholded {
		*first = &Failure{Error: StatesExceedToleratedFailure, Cause: "The specified tolerated failure threshold was exceeded"}
	} else {
		*first = f
	}
	cancel(fmt.Errorf("map iteration %d failed", i))
}
