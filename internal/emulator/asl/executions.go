package asl

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/sfapi/sfapi/internal/emulator/asl/jsonpath"
	"github.com/sfapi/sfapi/internal/emulator/kv"
)

// Execution statuses.
const (
	StatusRunning   = "RUNNING"
	StatusSucceeded = "SUCCEEDED"
	StatusFailed    = "FAILED"
	StatusTimedOut  = "TIMED_OUT"
	StatusAborted   = "ABORTED"
)

// MaxInputBytes is AWS's limit on execution input and state payloads.
const MaxInputBytes = 256 * 1024

// Execution describes one execution.
type Execution struct {
	Arn             string    `json:"arn"`
	StateMachineArn string    `json:"stateMachineArn"`
	Name            string    `json:"name"`
	Type            string    `json:"type"`
	Status          string    `json:"status"`
	Input           string    `json:"input"`
	Output          string    `json:"output,omitempty"` // set when SUCCEEDED
	Error           string    `json:"error,omitempty"`
	Cause           string    `json:"cause,omitempty"`
	RoleArn         string    `json:"roleArn,omitempty"`
	StartDate       time.Time `json:"startDate"`
	StopDate        time.Time `json:"stopDate,omitzero"`
	RedriveCount    int       `json:"redriveCount,omitempty"`
	RedriveDate     time.Time `json:"redriveDate,omitzero"`
	// TestCase selects a test case of Options.Mocks (Step Functions
	// Local's "stateMachineArn#TestCase" form of StartExecution).
	TestCase string `json:"testCase,omitempty"`
	// MapRunArn is set on the child executions of a distributed Map state.
	MapRunArn string `json:"mapRunArn,omitempty"`
}

func jsonUnmarshal(data []byte, v any) error {
	if err := json.Unmarshal(data, v); err != nil {
		return fmt.Errorf("decode record: %w", err)
	}
	return nil
}

func parseInput(input string) (any, error) {
	return jsonpath.ParseJSON([]byte(input))
}

func checkInput(input string) (string, any, error) {
	if strings.TrimSpace(input) == "" {
		input = "{}"
	}
	if len(input) > MaxInputBytes {
		return "", nil, apiErr(ErrInvalidExecutionInput, "Invalid execution input: the input is %d bytes; the maximum is %d", len(input), MaxInputBytes)
	}
	v, err := parseInput(input)
	if err != nil {
		return "", nil, apiErr(ErrInvalidExecutionInput, "Invalid execution input: %v", err)
	}
	return input, v, nil
}

func (e *Engine) executionArn(smName, name string) string {
	return "arn:aws:states:" + e.opts.Region + ":" + e.opts.AccountID + ":execution:" + smName + ":" + name
}

// StartExecution starts an execution. For STANDARD machines it is
// idempotent by name: the same name and input as a RUNNING execution
// return that execution; otherwise an existing name is
// ExecutionAlreadyExists. An empty name gets a generated UUID.
func (e *Engine) StartExecution(ctx context.Context, smArn, name, input string) (*Execution, error) {
	smArn, testCase, err := e.splitTestCase(smArn)
	if err != nil {
		return nil, err
	}
	me, err := e.machine(smArn)
	if err != nil {
		return nil, err
	}
	if name == "" {
		name = newExecutionName()
	} else if err := validName("execution", name); err != nil {
		return nil, err
	}
	input, value, err := checkInput(input)
	if err != nil {
		return nil, err
	}
	ex := Execution{Arn: e.executionArn(me.sm.Name, name), StateMachineArn: smArn, Name: name, Type: me.sm.Type,
		Status: StatusRunning, Input: input, RoleArn: me.sm.RoleArn, StartDate: e.now(), TestCase: testCase}
	if me.sm.Type == TypeExpress {
		// EXPRESS: in memory only, like AWS which keeps no history for them.
		ex.Arn = e.expressArn(me.sm.Name, name)
		if err := e.launchExpress(ex, me.def, value); err != nil {
			return nil, err
		}
		return &ex, nil
	}
	rec := execRecord{Execution: ex, DefHash: me.hash, HistoryID: e.newHistoryID()}
	started := HistoryEvent{ID: 1, Type: "ExecutionStarted", Timestamp: ex.StartDate,
		ExecutionStarted: &ExecutionStartedDetails{Input: input, RoleArn: ex.RoleArn}}
	cp := checkpoint{State: me.def.StartAt, Input: json.RawMessage(input), LastEventID: 1, PrevEventID: 1}
	// Encoded here, not in the Update function: see encodedEvents.
	recJSON, err := encodeRecord(&rec)
	if err != nil {
		return nil, err
	}
	cpJSON, err := encodeCheckpoint(&cp)
	if err != nil {
		return nil, err
	}
	evs, err := encodeEvents(historyPrefix(&rec), []HistoryEvent{started})
	if err != nil {
		return nil, err
	}
	arnKey := []byte(ex.Arn)
	existing := false
	err = e.db.Update(func(tx *kv.Tx) error {
		var old execRecord
		found, err := getJSON(tx, bucketExecutions, ex.Arn, &old)
		if err != nil {
			return err
		}
		if found {
			if old.Status == StatusRunning && old.Input == input {
				rec, existing = old, true
				return nil
			}
			return apiErr(ErrExecutionAlreadyExists, "Execution Already Exists: '%s'", ex.Arn)
		}
		if tx.Bucket(bucketDefinitions).Get([]byte(rec.DefHash)) == nil {
			if err := tx.Bucket(bucketDefinitions).Put([]byte(rec.DefHash), []byte(me.sm.Definition)); err != nil {
				return err
			}
		}
		if err := keepHistoryID(tx, rec.HistoryID); err != nil {
			return err
		}
		if err := tx.Bucket(bucketExecutions).Put(arnKey, recJSON); err != nil {
			return err
		}
		if err := tx.Bucket(bucketCheckpoints).Put(arnKey, cpJSON); err != nil {
			return err
		}
		if err := tx.Bucket(bucketRunning).Put(arnKey, nil); err != nil {
			return err
		}
		return evs.put(tx)
	})
	if err != nil {
		return nil, err
	}
	if existing {
		out := rec.Execution
		return &out, nil
	}
	if err := e.launch(&rec, me.def, cp, value); err != nil {
		return nil, err
	}
	return &ex, nil
}

func (e *Engine) newRun(ex *Execution, def *machine, input any, history bool) *run {
	smName := ex.StateMachineArn[strings.LastIndexByte(ex.StateMachineArn, ':')+1:]
	return &run{e: e, arn: ex.Arn, name: ex.Name, smArn: ex.StateMachineArn, smName: smName, roleArn: ex.RoleArn,
		startTime: ex.StartDate, input: input, def: def, history: history, done: make(chan struct{}),
		mocks: e.mocksFor(smName, ex.TestCase)}
}

// launch starts the goroutine of a STANDARD execution at a checkpoint.
func (e *Engine) launch(rec *execRecord, def *machine, cp checkpoint, execInput any) error {
	var input any
	if cp.State == def.StartAt && cp.LastEventID == 1 {
		input = execInput
	} else {
		v, err := parseInput(string(cp.Input))
		if err != nil {
			return fmt.Errorf("decode checkpoint input: %w", err)
		}
		input = v
	}
	ctxInput := execInput
	if cp.LastEventID != 1 {
		// Resumed: $$.Execution.Input is the original input, not the checkpoint's.
		v, err := parseInput(rec.Input)
		if err != nil {
			return fmt.Errorf("decode execution input: %w", err)
		}
		ctxInput = v
	}
	r := e.newRun(&rec.Execution, def, ctxInput, true)
	r.rec = rec
	r.lastID = cp.LastEventID
	r.cp = cp
	vars, err := decodeVars(cp.Vars)
	if err != nil {
		return err
	}
	r.vars = vars
	ctx, cancel := context.WithCancelCause(e.baseCtx)
	r.cancel = cancel
	if def.TimeoutSeconds > 0 {
		// The execution's deadline counts from its start date, so a
		// resumed execution keeps its original deadline.
		// A redriven execution's deadline counts from its redrive date.
		deadline := firstNonZero(rec.RedriveDate, rec.StartDate).Add(time.Duration(def.TimeoutSeconds) * time.Second)
		tctx, tcancel := context.WithTimeoutCause(ctx, deadline.Sub(e.now()), errExecTimeout)
		ctx = tctx
		r.cancel = func(cause error) { cancel(cause); tcancel() }
	}
	e.mu.Lock()
	if e.closed {
		e.mu.Unlock()
		r.cancel(errShutdown)
		// Stays RUNNING on disk; the next Start resumes it.
		return nil
	}
	e.live[r.arn] = r
	e.wg.Add(1)
	e.mu.Unlock()
	go e.drive(ctx, r, cp.State, input, cp.PrevEventID)
	return nil
}

var (
	errStopped     = errors.New("execution stopped")
	errExecTimeout = errors.New("execution timed out")
)

// maxDeferredEvents bounds the history a run keeps uncommitted, so a loop
// of Pass and Choice states still checkpoints regularly.
const maxDeferredEvents = 64

// internalState reports whether running st has no effect outside the
// execution (Pass, Choice, Succeed, Fail): running it again after a crash
// is invisible except in the timestamps of its history events.
func internalState(st State) bool {
	switch st.(type) {
	case *passState, *choiceState, *succeedState, *failState:
		return true
	}
	return false
}

// drive runs a STANDARD execution. Every transition is persisted: its
// history events and the next state's checkpoint (name, input, variables)
// are written in one transaction, and that transaction is durable before
// the execution does anything visible outside itself:
//
//   - after a Task, Map, Parallel or Wait state, at once (so a Task's side
//     effect is never re-run once its transition is acknowledged, and a
//     crash re-runs at most the state in flight);
//   - after a Pass or Choice state, at once if the next state is a Task,
//     Map, Parallel or Wait (before its side effect starts); if the next
//     state is itself Pass, Choice, Succeed or Fail the commit is deferred
//     and carries several transitions, up to maxDeferredEvents events;
//   - the execution's end (finishStatus) commits every transition still
//     pending together with the terminal event and record.
//
// A crash therefore loses only deferred transitions of internal states,
// which re-run from the last stored checkpoint with the same input.
// GetExecutionHistory shows pending events, so readers see every
// transition as soon as it happens.
func (e *Engine) drive(ctx context.Context, r *run, state string, input any, prev int64) {
	defer func() {
		e.mu.Lock()
		delete(e.live, r.arn)
		e.mu.Unlock()
		close(r.done)
		r.cancel(nil)
		e.wg.Done()
	}()
	sc := &scope{prev: prev, vars: r.vars}
	inputJSON := ""
	for {
		if errors.Is(context.Cause(ctx), errExecTimeout) {
			e.finishTimedOut(r, sc)
			return
		}
		st, ok := r.def.States[state]
		if !ok {
			e.finish(r, sc, nil, &Failure{Error: StatesRuntime, Cause: "state " + state + " not found"})
			return
		}
		o := r.step(ctx, sc, st, input, inputJSON)
		if errors.Is(context.Cause(ctx), errExecTimeout) {
			e.finishTimedOut(r, sc)
			return
		}
		if ctx.Err() != nil {
			return // stopped or shutting down: StopExecution / the next Start takes over
		}
		if o.fail != nil {
			e.finish(r, sc, nil, o.fail)
			return
		}
		if o.next == "" {
			e.finish(r, sc, o.out, nil)
			return
		}
		raw := []byte(o.outJSON)
		if o.outJSON == "" {
			var err error
			if raw, err = jsonpath.Marshal(o.out); err != nil {
				e.finish(r, sc, nil, &Failure{Error: StatesRuntime, Cause: err.Error()})
				return
			}
		}
		if len(raw) > MaxInputBytes {
			e.finish(r, sc, nil, &Failure{Error: StatesDataLimitExceeded, Cause: fmt.Sprintf("The state/task '%s' returned a result with a size exceeding the maximum number of bytes service limit.", st.base().Name)})
			return
		}
		vars, verr := encodeVars(sc.vars)
		if verr != nil {
			e.finish(r, sc, nil, &Failure{Error: StatesRuntime, Cause: verr.Error()})
			return
		}
		r.cp = checkpoint{State: o.next, Input: raw, LastEventID: r.lastIDSafe(), PrevEventID: sc.prev, Vars: vars, compact: true}
		next, known := r.def.States[o.next]
		deferred := known && internalState(st) && internalState(next) && r.pendingLen() < maxDeferredEvents
		if !deferred && !e.commitCheckpoint(r) {
			return
		}
		state, input, inputJSON = o.next, o.out, string(raw)
	}
}

// commitCheckpoint durably writes the run's pending events and its latest
// checkpoint. It reports false when the run must end: the execution was
// stopped meanwhile, or the store failed (the execution stays RUNNING and
// resumes from its previous checkpoint at the next Start).
func (e *Engine) commitCheckpoint(r *run) bool {
	events := r.takePending()
	evs, err := encodeEvents(historyPrefix(r.rec), events)
	// The events are encoded: their slice can hold the next ones.
	r.recyclePending(events)
	if err == nil {
		var cpJSON []byte
		if cpJSON, err = encodeCheckpoint(&r.cp); err == nil {
			arnKey := []byte(r.arn)
			err = e.db.Update(func(tx *kv.Tx) error {
				if tx.Bucket(bucketRunning).Get(arnKey) == nil {
					return errStopped // stopped meanwhile: write nothing
				}
				if err := evs.put(tx); err != nil {
					return err
				}
				return tx.Bucket(bucketCheckpoints).Put(arnKey, cpJSON)
			})
		}
	}
	if err != nil {
		if !errors.Is(err, errStopped) {
			e.log.Error("checkpoint execution; it stays RUNNING and resumes at next start", "arn", r.arn, "err", err)
		}
		return false
	}
	return true
}

func (r *run) lastIDSafe() int64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.lastID
}

// finish records the terminal state of a STANDARD execution.
func (e *Engine) finish(r *run, sc *scope, out any, f *Failure) {
	e.finishStatus(r, sc, out, f, "")
}

// finishTimedOut records that the execution exceeded its TimeoutSeconds.
func (e *Engine) finishTimedOut(r *run, sc *scope) {
	e.finishStatus(r, sc, nil, &Failure{Error: StatesTimeout, Cause: "The execution timed out"}, StatusTimedOut)
}

func (e *Engine) finishStatus(r *run, sc *scope, out any, f *Failure, forced string) {
	var output string
	status := StatusSucceeded
	if forced == StatusTimedOut {
		status = StatusTimedOut
		r.emit(sc, "ExecutionTimedOut", func(ev *HistoryEvent) { ev.ExecutionTimedOut = &ErrorDetails{Error: f.Error, Cause: f.Cause} })
	} else if f != nil {
		status = StatusFailed
		r.emit(sc, "ExecutionFailed", func(ev *HistoryEvent) { ev.ExecutionFailed = &ErrorDetails{Error: f.Error, Cause: f.Cause} })
	} else {
		b, err := jsonpath.Marshal(out)
		if err != nil {
			b = []byte("null")
		}
		output = string(b)
		r.emit(sc, "ExecutionSucceeded", func(ev *HistoryEvent) { ev.ExecutionSucceeded = &OutputDetails{Output: output} })
	}
	events := r.takePending()
	rec := *r.rec
	rec.Status, rec.Output, rec.StopDate = status, output, e.now()
	if f != nil {
		// A failed execution redrives from the state in flight: the run's
		// latest checkpoint, stored or deferred.
		rec.Error, rec.Cause = f.Error, f.Cause
		cp := r.cp
		rec.RedriveFrom = &cp
	}
	// Encoded here, not in the Update function: see encodedEvents.
	evs, err := encodeEvents(historyPrefix(&rec), events)
	var recJSON []byte
	if err == nil {
		recJSON, err = encodeRecord(&rec)
	}
	if err == nil {
		arnKey := []byte(r.arn)
		err = e.db.Update(func(tx *kv.Tx) error {
			// Only StopExecution removes a RUNNING execution from the index
			// behind our back; its record then says ABORTED and must stay so.
			if tx.Bucket(bucketRunning).Get(arnKey) == nil {
				return errStopped
			}
			if err := evs.put(tx); err != nil {
				return err
			}
			if err := tx.Bucket(bucketCheckpoints).Delete(arnKey); err != nil {
				return err
			}
			if err := tx.Bucket(bucketRunning).Delete(arnKey); err != nil {
				return err
			}
			return tx.Bucket(bucketExecutions).Put(arnKey, recJSON)
		})
	}
	if err == nil {
		r.final = &rec.Execution
	} else if !errors.Is(err, errStopped) {
		e.log.Error("record execution result; it stays RUNNING and resumes at next start", "arn", r.arn, "err", err)
	}
}

// StopExecution aborts a RUNNING execution. Stopping one that has already
// ended changes nothing and returns its stop date.
func (e *Engine) StopExecution(ctx context.Context, arn, errName, cause string) (time.Time, error) {
	e.mu.RLock()
	r := e.live[arn]
	e.mu.RUnlock()
	if r != nil {
		r.cancel(errStopped)
		select {
		case <-r.done:
		case <-ctx.Done():
			return time.Time{}, ctx.Err()
		}
	}
	// Taken outside the transaction: Update may run its function twice.
	var inflight []HistoryEvent
	var inflightLast int64
	if r != nil {
		inflight = r.takePending()
		inflightLast = r.lastIDSafe()
	}
	var stop time.Time
	err := e.db.Update(func(tx *kv.Tx) error {
		var rec execRecord
		found, err := getJSON(tx, bucketExecutions, arn, &rec)
		if err != nil {
			return err
		}
		if !found {
			return apiErr(ErrExecutionDoesNotExist, "Execution Does Not Exist: '%s'", arn)
		}
		if rec.Status != StatusRunning {
			stop = rec.StopDate
			return nil
		}
		var cp checkpoint
		if r != nil {
			// The run's latest checkpoint: it may be newer than the
			// stored one when its commit was deferred (see drive).
			cp = r.cp
		} else if _, err := getJSON(tx, bucketCheckpoints, arn, &cp); err != nil {
			return err
		}
		last, prev := cp.LastEventID, cp.PrevEventID
		events := append([]HistoryEvent(nil), inflight...)
		if r != nil {
			last = inflightLast
			if len(events) > 0 {
				prev = events[len(events)-1].ID
			}
		}
		stop = e.now()
		events = append(events, HistoryEvent{ID: last + 1, PreviousEventID: prev, Timestamp: stop, Type: "ExecutionAborted",
			ExecutionAborted: &ErrorDetails{Error: errName, Cause: cause}})
		rec.Status, rec.StopDate, rec.Error, rec.Cause = StatusAborted, stop, errName, cause
		rec.RedriveFrom = &cp
		if err := putEvents(tx, historyPrefix(&rec), events); err != nil {
			return err
		}
		if err := tx.Bucket(bucketCheckpoints).Delete([]byte(arn)); err != nil {
			return err
		}
		if err := tx.Bucket(bucketRunning).Delete([]byte(arn)); err != nil {
			return err
		}
		return putJSON(tx, bucketExecutions, []byte(arn), &rec)
	})
	if err != nil {
		return time.Time{}, err
	}
	return stop, nil
}

// DescribeExecution returns an execution (STANDARD only: EXPRESS
// executions are not recorded, as in AWS).
func (e *Engine) DescribeExecution(ctx context.Context, arn string) (*Execution, error) {
	var rec execRecord
	var found bool
	err := e.db.View(func(tx *kv.Tx) error {
		var err error
		found, err = getJSON(tx, bucketExecutions, arn, &rec)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("read execution: %w", err)
	}
	if !found {
		return nil, apiErr(ErrExecutionDoesNotExist, "Execution Does Not Exist: '%s'", arn)
	}
	return &rec.Execution, nil
}

// ListExecutions lists a state machine's executions, newest first,
// optionally only those with statusFilter.
func (e *Engine) ListExecutions(ctx context.Context, smArn, statusFilter string, maxResults int, nextToken string) ([]Execution, string, error) {
	name, err := e.machineName(smArn)
	if err != nil {
		return nil, "", err
	}
	if _, err := e.machine(smArn); err != nil {
		return nil, "", err
	}
	prefix := []byte(e.executionArn(name, ""))
	var all []Execution
	err = e.db.View(func(tx *kv.Tx) error {
		c := tx.Bucket(bucketExecutions).Cursor()
		for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
			var rec execRecord
			if err := jsonUnmarshal(v, &rec); err != nil {
				return err
			}
			if statusFilter == "" || rec.Status == statusFilter {
				all = append(all, rec.Execution)
			}
		}
		return nil
	})
	if err != nil {
		return nil, "", fmt.Errorf("list executions: %w", err)
	}
	sortExecutions(all)
	return page(all, maxResults, nextToken)
}

// sortExecutions orders executions newest first (then by name).
func sortExecutions(all []Execution) {
	sort.SliceStable(all, func(i, j int) bool {
		if !all[i].StartDate.Equal(all[j].StartDate) {
			return all[i].StartDate.After(all[j].StartDate)
		}
		return all[i].Name < all[j].Name
	})
}

// GetExecutionHistory returns an execution's events in id order (or
// reversed), including events of the state in flight that are not yet
// checkpointed.
func (e *Engine) GetExecutionHistory(ctx context.Context, arn string, reverse bool, maxResults int, nextToken string) ([]HistoryEvent, string, error) {
	// Snapshot in-flight events before reading the store so that events
	// persisted in between are seen at least once (duplicates are dropped).
	var pending []HistoryEvent
	e.mu.RLock()
	r := e.live[arn]
	e.mu.RUnlock()
	if r != nil {
		r.mu.Lock()
		pending = append(pending, r.pending...)
		r.mu.Unlock()
	}
	var events []HistoryEvent
	var found bool
	err := e.db.View(func(tx *kv.Tx) error {
		var rec execRecord
		var err error
		if found, err = getJSON(tx, bucketExecutions, arn, &rec); err != nil || !found {
			return err
		}
		prefix := historyPrefix(&rec)
		c := tx.Bucket(bucketHistory).Cursor()
		for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
			var ev HistoryEvent
			if err := jsonUnmarshal(v, &ev); err != nil {
				return err
			}
			events = append(events, ev)
		}
		return nil
	})
	if err != nil {
		return nil, "", fmt.Errorf("read history: %w", err)
	}
	if !found {
		return nil, "", apiErr(ErrExecutionDoesNotExist, "Execution Does Not Exist: '%s'", arn)
	}
	last := int64(0)
	if len(events) > 0 {
		last = events[len(events)-1].ID
	}
	for _, ev := range pending {
		if ev.ID > last {
			events = append(events, ev)
		}
	}
	if reverse {
		for i, j := 0, len(events)-1; i < j; i, j = i+1, j-1 {
			events[i], events[j] = events[j], events[i]
		}
	}
	return page(events, maxResults, nextToken)
}

// MachineForExecution is DescribeStateMachineForExecution's answer.
type MachineForExecution struct {
	StateMachine
	MapRunArn string // set for the child executions of a distributed Map
	Label     string // the Map Run's label, for those children
}

// DescribeStateMachineForExecution returns the state machine as the
// execution ran it: the definition snapshotted when it started (its
// machine may have been updated since) and the execution's role. A child
// execution of a distributed Map answers with its parent's definition and
// its Map Run.
func (e *Engine) DescribeStateMachineForExecution(ctx context.Context, arn string) (*MachineForExecution, error) {
	var out MachineForExecution
	err := e.db.View(func(tx *kv.Tx) error {
		var rec execRecord
		found, err := getJSON(tx, bucketExecutions, arn, &rec)
		if err != nil {
			return err
		}
		if !found {
			return apiErr(ErrExecutionDoesNotExist, "Execution Does Not Exist: '%s'", arn)
		}
		if rec.MapRunArn != "" {
			var mr MapRun
			if ok, err := getJSON(tx, bucketMapRuns, rec.MapRunArn, &mr); err != nil || !ok {
				return errors.Join(err, fmt.Errorf("map run %s of %s missing", rec.MapRunArn, arn))
			}
			out.MapRunArn, out.Label = mr.MapRunArn, mr.Label
			role := rec.RoleArn
			if ok, err := getJSON(tx, bucketExecutions, mr.ExecutionArn, &rec); err != nil || !ok {
				return errors.Join(err, fmt.Errorf("parent execution %s missing", mr.ExecutionArn))
			}
			rec.RoleArn = role
		}
		def := tx.Bucket(bucketDefinitions).Get([]byte(rec.DefHash))
		if def == nil {
			return fmt.Errorf("definition snapshot of %s missing", arn)
		}
		out.Definition, out.RoleArn, out.Arn = string(def), rec.RoleArn, rec.StateMachineArn
		return nil
	})
	if err != nil {
		var ae *APIError
		if errors.As(err, &ae) {
			return nil, err
		}
		return nil, fmt.Errorf("describe state machine for execution: %w", err)
	}
	out.Name = out.Arn[strings.LastIndexByte(out.Arn, ':')+1:]
	if me, err := e.machine(out.Arn); err == nil {
		out.Type, out.Status, out.CreationDate, out.UpdateDate, out.RevisionID = me.sm.Type, me.sm.Status, me.sm.CreationDate, me.sm.UpdateDate, me.sm.RevisionID
	}
	return &out, nil
}
