package asl

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"math/rand/v2"
	"strings"
	"sync"
	"time"

	"github.com/sfapi/sfapi/internal/emulator/asl/jsonpath"
)

// run is one live execution: identity for the context object, the pending
// (not yet persisted) history events, and the event id counter.
type run struct {
	e         *Engine
	arn       string
	name      string
	smArn     string
	smName    string
	roleArn   string
	startTime time.Time
	input     any
	def       *machine
	history   bool        // EXPRESS executions skip history entirely
	rec       *execRecord // stored record of a STANDARD execution
	mocks     *runMocks   // the execution's mock test case, or nil
	vars      *varScope   // top-level variables restored from a checkpoint, or nil

	mu      sync.Mutex
	pending []HistoryEvent
	lastID  int64

	// cp is the execution's latest checkpoint (STANDARD only), owned by
	// the drive goroutine: the stored one, or a newer one whose commit was
	// deferred (see drive). Others read it only after done is closed.
	cp checkpoint
	// final is the execution as its terminal commit stored it (nil until
	// then, and when StopExecution ended it): WaitExecution answers with
	// it instead of reading the record back. Read only after done.
	final *Execution

	ctxOnce  sync.Once
	execCtx  map[string]any // $$.Execution / $$.StateMachine, built once
	stopOnce sync.Once
	cancel   context.CancelCauseFunc
	done     chan struct{}
}

// scope is one thread of control (the execution, a Parallel branch or a Map
// iteration): it chains previousEventId and carries $$.Map.Item.
type scope struct {
	prev int64
	item *mapItem
	vars *varScope // workflow variables; nil until first needed
}

type mapItem struct {
	index int
	value any
}

// outcome is what running one state produced.
type outcome struct {
	out    any
	next   string // "" with fail == nil: the execution (or branch) ends
	fail   *Failure
	caught bool // a Catch handled the failure: no *StateExited event
	// outJSON is out encoded, when step already encoded it for history.
	outJSON string
	// assign holds the variables the state (or its catcher) assigns; step
	// stores them when the state ends.
	assign map[string]any
}

// stateRunner is implemented by every state type.
type stateRunner interface {
	State
	run(ctx context.Context, r *run, sc *scope, input any) outcome
}

// emit appends a history event to the pending list. fill is only called
// when history is recorded, so EXPRESS runs pay nothing for details.
func (r *run) emit(sc *scope, typ string, fill func(*HistoryEvent)) {
	if !r.history {
		return
	}
	ev := HistoryEvent{Type: typ, Timestamp: r.e.now()}
	if fill != nil {
		fill(&ev)
	}
	r.mu.Lock()
	r.lastID++
	ev.ID = r.lastID
	ev.PreviousEventID = sc.prev
	if r.pending == nil {
		// A state emits about five events between checkpoints; growing
		// from one by doubling copied each 232-byte event several times.
		r.pending = make([]HistoryEvent, 0, 8)
	}
	r.pending = append(r.pending, ev)
	r.mu.Unlock()
	sc.prev = ev.ID
}

// recyclePending gives a slice takePending returned, no longer read, back
// for the events to come (unless some were emitted meanwhile), so that a
// transition does not allocate a new one: every transition checkpoints.
func (r *run) recyclePending(events []HistoryEvent) {
	if cap(events) == 0 {
		return
	}
	clear(events) // drop the details for the collector
	r.mu.Lock()
	if r.pending == nil {
		r.pending = events[:0]
	}
	r.mu.Unlock()
}

func (r *run) pendingLen() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.pending)
}

// takePending hands the pending events to the caller for persisting.
func (r *run) takePending() []HistoryEvent {
	r.mu.Lock()
	defer r.mu.Unlock()
	p := r.pending
	r.pending = nil
	return p
}

// contextObject builds $$ for a state. It is only called when a path needs it.
func (r *run) contextObject(sc *scope, state string, entered time.Time, retry int) map[string]any {
	r.ctxOnce.Do(func() {
		r.execCtx = map[string]any{
			"Execution": map[string]any{
				"Id":        r.arn,
				"Name":      r.name,
				"StartTime": formatTime(r.startTime),
				"Input":     r.input,
				"RoleArn":   r.roleArn,
			},
			"StateMachine": map[string]any{"Id": r.smArn, "Name": r.smName},
		}
	})
	c := map[string]any{
		"Execution":    r.execCtx["Execution"],
		"StateMachine": r.execCtx["StateMachine"],
		"State":        map[string]any{"Name": state, "EnteredTime": formatTime(entered), "RetryCount": int64(retry)},
		"Task":         map[string]any{},
	}
	if sc.item != nil {
		c["Map"] = map[string]any{"Item": map[string]any{"Index": int64(sc.item.index), "Value": sc.item.value}}
	}
	return c
}

func formatTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

// ctxFunc returns the lazily evaluated environment of one state's
// JSONPath fields: a *jsonpath.Env with the context object ("$$") and the
// workflow variables ("$name"). plainContext unwraps the context object.
func (r *run) ctxFunc(sc *scope, state string, entered time.Time, retry *int) func() any {
	sc.varScope()
	ctx := func() any {
		n := 0
		if retry != nil {
			n = *retry
		}
		return r.contextObject(sc, state, entered, n)
	}
	env := r.env(sc, state, ctx)
	return func() any { return env }
}

// plainContext returns the context object behind a ctxFunc.
func plainContext(ctxObj func() any) any {
	v := ctxObj()
	if env, ok := v.(*jsonpath.Env); ok {
		return env.Context()
	}
	return v
}

// step runs one state, emitting its Entered/Exited events. inputJSON is
// the input already encoded (or "" to encode it here); the returned
// outcome carries the encoded output when history needed it, so the
// top-level loop does not encode the same document twice.
func (r *run) step(ctx context.Context, sc *scope, st State, input any, inputJSON string) outcome {
	b := st.base()
	debug := r.e.log.Enabled(ctx, slog.LevelDebug) // `sfapi logs` is following
	if debug {
		r.e.log.DebugContext(ctx, "state entered", "execution", r.arn, "state", b.Name, "type", b.Type)
	}
	if r.history {
		if inputJSON == "" {
			inputJSON = jsonpath.MarshalString(input)
		}
		r.emit(sc, b.Type+"StateEntered", func(ev *HistoryEvent) {
			ev.StateEntered = &StateEnteredDetails{Name: b.Name, Input: inputJSON}
		})
	}
	entered := sc.prev // the StateEntered event (0 without history)
	o := st.(stateRunner).run(ctx, r, sc, input)
	if o.fail != nil && o.fail.Error == StatesRuntime {
		o.fail = nameRuntimeFailure(o.fail, b.Name, entered)
	}
	if o.fail == nil && o.assign != nil {
		if f := commitAssign(sc, o.assign); f != nil {
			o = outcome{fail: f}
		}
	}
	if o.fail != nil && o.fail.location != "" {
		// AWS records where a JSONata expression failed; the failure
		// travels on (to a branch's Parallel state, the execution)
		// without it, so only this state reports it.
		f := *o.fail
		f.location = ""
		if b.jsonata {
			r.emit(sc, "EvaluationFailed", func(ev *HistoryEvent) {
				ev.EvaluationFailed = &EvaluationFailedDetails{Error: f.Error, Cause: f.Cause, Location: o.fail.location, State: b.Name}
			})
		}
		o.fail = &f
	}
	if debug {
		if o.fail != nil {
			r.e.log.DebugContext(ctx, "state failed", "execution", r.arn, "state", b.Name, "error", o.fail.Error, "cause", o.fail.Cause)
		} else {
			r.e.log.DebugContext(ctx, "state exited", "execution", r.arn, "state", b.Name, "next", o.next)
		}
	}
	if o.fail == nil && !o.caught && r.history {
		o.outJSON = jsonpath.MarshalString(o.out)
		r.emit(sc, b.Type+"StateExited", func(ev *HistoryEvent) {
			ev.StateExited = &StateExitedDetails{Name: b.Name, Output: o.outJSON}
		})
	}
	return o
}

// runtimePrefix starts the data-flow runtime errors of asl/jsonpath, which
// do not know the state they run in.
const runtimePrefix = "An error occurred while executing the state. "

// nameRuntimeFailure names the state (and the id of its StateEntered
// event, when history is kept) in a data-flow runtime error, as AWS words
// it: "An error occurred while executing the state 'X' (entered at the
// event id #7). The JSONPath ...".
func nameRuntimeFailure(f *Failure, state string, entered int64) *Failure {
	rest, ok := strings.CutPrefix(f.Cause, runtimePrefix)
	if !ok {
		return f
	}
	named := *f
	if entered > 0 {
		named.Cause = fmt.Sprintf("An error occurred while executing the state '%s' (entered at the event id #%d). %s", state, entered, rest)
	} else {
		named.Cause = fmt.Sprintf("An error occurred while executing the state '%s'. %s", state, rest)
	}
	return &named
}

// runMachine runs a branch or item processor to its end, in memory (the
// execution checkpoints at the enclosing Map/Parallel state's boundary).
func (r *run) runMachine(ctx context.Context, sc *scope, m *machine, input any) (any, *Failure) {
	name := m.StartAt
	cur := input
	for {
		if err := ctx.Err(); err != nil {
			return nil, abortedFailure(ctx)
		}
		o := r.step(ctx, sc, m.States[name], cur, "")
		if o.fail != nil {
			return nil, o.fail
		}
		if o.next == "" {
			return o.out, nil
		}
		name, cur = o.next, o.out
	}
}

var errShutdown = errors.New("engine shutting down")

func abortedFailure(ctx context.Context) *Failure {
	cause := context.Cause(ctx)
	if cause == nil {
		cause = ctx.Err()
	}
	return &Failure{Error: "States.Aborted", Cause: cause.Error()}
}

// --- data-flow helpers shared by the state types ---

func toFailure(err error) *Failure {
	var je *jsonpath.Error
	if errors.As(err, &je) {
		return &Failure{Error: je.Name, Cause: je.Cause}
	}
	return &Failure{Error: StatesRuntime, Cause: err.Error()}
}

// effectiveInput applies InputPath.
func effectiveInput(b *stateBase, input any, ctxObj func() any) (any, *Failure) {
	if b.inputNull {
		return map[string]any{}, nil
	}
	if b.InputPath == nil {
		return input, nil
	}
	var c any
	if b.InputPath.NeedsEnv() {
		c = ctxObj()
	}
	v, err := jsonpath.Select(b.InputPath, input, c, "InputPath")
	if err != nil {
		return nil, toFailure(err)
	}
	return v, nil
}

// effectiveOutput applies OutputPath.
func effectiveOutput(b *stateBase, out any, ctxObj func() any) (any, *Failure) {
	if b.outputNull {
		return map[string]any{}, nil
	}
	if b.OutputPath == nil {
		return out, nil
	}
	var c any
	if b.OutputPath.NeedsEnv() {
		c = ctxObj()
	}
	v, err := jsonpath.Select(b.OutputPath, out, c, "OutputPath")
	if err != nil {
		return nil, toFailure(err)
	}
	return v, nil
}

// applyResult merges a result into the raw state input per ResultPath.
// shapeResult turns the raw result of a Task, Map or Parallel state into
// the state's output and the variables it assigns: Output and Assign in
// JSONata; ResultSelector, Assign, ResultPath and OutputPath, in that
// order, in JSONPath. The variables are returned even when a later step
// fails, as the states did before sharing this.
func shapeResult(b *stateBase, resultSelector *jsonpath.Template, resultPath resultSpec, vars map[string]any, ctxObj func() any, input, res any) (any, map[string]any, *Failure) {
	if b.jsonata {
		vars["states"].(map[string]any)["result"] = res
		return jsonataFinish(b.output, vars, res, b.assign)
	}
	res, f := applyTemplate(resultSelector, res, ctxObj)
	if f != nil {
		return nil, nil, f
	}
	assigned, f := evalAssign(b.assign, res, envOf(ctxObj), nil)
	if f != nil {
		return nil, nil, f
	}
	out, f := applyResult(resultPath, input, res)
	if f != nil {
		return nil, assigned, f
	}
	out, f = effectiveOutput(b, out, ctxObj)
	return out, assigned, f
}

func applyResult(rs resultSpec, input, result any) (any, *Failure) {
	if rs.discard {
		return input, nil
	}
	if rs.path == nil {
		return result, nil
	}
	v, err := jsonpath.SetResult(input, rs.path, result)
	if err != nil {
		return nil, toFailure(err)
	}
	return v, nil
}

func applyTemplate(t *jsonpath.Template, input any, ctxObj func() any) (any, *Failure) {
	if t == nil {
		return input, nil
	}
	v, err := t.Apply(input, ctxObj)
	if err != nil {
		return nil, toFailure(err)
	}
	return v, nil
}

// errorMatches implements ErrorEquals matching. States.ALL and
// States.TaskFailed do not match States.Runtime (AWS: runtime errors are
// not retriable and a Catch on States.ALL does not catch them);
// States.TaskFailed does not match States.Timeout either.
func errorMatches(list []string, name string) bool {
	for _, e := range list {
		switch {
		case e == name:
			return true
		case e == StatesALL && name != StatesRuntime && name != StatesDataLimitExceeded && name != "States.Aborted":
			return true
		case e == StatesTaskFailed && name != StatesRuntime && name != StatesTimeout && name != "States.Aborted":
			return true
		}
	}
	return false
}

// withRetry runs attempt under the state's Retry and Catch rules. input is
// the raw state input (Catch merges the error into it).
func (r *run) withRetry(ctx context.Context, retriers []retrier, catchers []catcher, input any, retryCount *int, attempt func() (any, *Failure)) outcome {
	return r.withRetryAssign(ctx, nil, nil, false, retriers, catchers, input, retryCount, func() (any, map[string]any, *Failure) {
		out, f := attempt()
		return out, nil, f
	})
}

// withRetryAssign is withRetry for attempts that also assign variables,
// with catchers that may Assign (and, in JSONata states, set Output). sc
// and ctxObj are the state's scope and environment (nil: no variables).
func (r *run) withRetryAssign(ctx context.Context, sc *scope, ctxObj func() any, jsonataQL bool, retriers []retrier, catchers []catcher, input any, retryCount *int, attempt func() (any, map[string]any, *Failure)) outcome {
	counts := make([]int64, len(retriers))
	for {
		out, assign, f := attempt()
		if f == nil {
			return outcome{out: out, assign: assign}
		}
		if f.Error == "States.Aborted" || ctx.Err() != nil {
			return outcome{fail: abortedFailure(ctx)}
		}
		retried := false
		for i, rt := range retriers {
			if !errorMatches(rt.errorEquals, f.Error) {
				continue
			}
			if counts[i] >= rt.maxAttempts {
				break
			}
			delay := rt.interval * math.Pow(rt.backoff, float64(counts[i]))
			if rt.maxDelay > 0 && delay > rt.maxDelay {
				delay = rt.maxDelay
			}
			if rt.jitter {
				delay = rand.Float64() * delay
			}
			counts[i]++
			*retryCount++
			if err := r.e.sleep(ctx, time.Duration(delay*float64(time.Second))); err != nil {
				return outcome{fail: abortedFailure(ctx)}
			}
			retried = true
			break
		}
		if retried {
			continue
		}
		for _, c := range catchers {
			if !errorMatches(c.errorEquals, f.Error) {
				continue
			}
			errOut := map[string]any{"Error": f.Error, "Cause": f.Cause}
			if jsonataQL && sc != nil {
				vars := statesVars(sc, func() any { return plainContext(ctxObj) }, input, map[string]any{"errorOutput": errOut})
				out, m, cf := jsonataFinish(c.output, vars, errOut, c.assign)
				if cf != nil {
					return outcome{fail: cf}
				}
				return outcome{out: out, next: c.next, caught: true, assign: m}
			}
			out, cf := applyResult(c.result, input, errOut)
			if cf != nil {
				return outcome{fail: cf}
			}
			var m map[string]any
			if c.assign != nil && sc != nil {
				env, _ := ctxObj().(*jsonpath.Env)
				if m, cf = evalAssign(c.assign, errOut, env, nil); cf != nil {
					return outcome{fail: cf}
				}
			}
			return outcome{out: out, next: c.next, caught: true, assign: m}
		}
		return outcome{fail: f}
	}
}
