package asl

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/sfapi/sfapi/internal/emulator/asl/jsonata"
	"github.com/sfapi/sfapi/internal/emulator/asl/jsonpath"
	"github.com/sfapi/sfapi/internal/emulator/kv"
)

// A distributed Map state (ItemProcessor.ProcessorConfig.Mode DISTRIBUTED)
// runs a Map Run: one child execution per item (or per batch of items,
// with ItemBatcher), each recorded as an execution of its own with the
// Map Run's ARN, and the Map Run itself recorded for DescribeMapRun,
// ListMapRuns and UpdateMapRun. Items come from the state input only:
// ItemReader and ResultWriter (Amazon S3) are validated, and a state that
// uses them fails at run time with States.Runtime.
//
// Map Run and child ARNs are derived from the parent execution and the
// history event id the Map state starts at, so a parent resumed after a
// restart re-enters the same Map Run: children that had ended keep their
// stored result and only the others run again.

// distributed is a Map state's distributed-mode configuration.
type distributed struct {
	executionType string // TypeStandard or TypeExpress
	label         string
	itemReader    string // ItemReader's Resource ("" when absent)
	resultWriter  string // ResultWriter's Resource ("" when absent)
	batch         *itemBatcher
}

// itemBatcher is ItemBatcher: children get {"Items": [...]} (plus
// BatchInput) instead of one item each.
type itemBatcher struct {
	maxItems dynNum
	maxBytes dynNum
	input    *jsonpath.Template // BatchInput (JSONPath states)
	inputJ   *jsonata.Template  // BatchInput (JSONata states)
}

// parseProcessorConfig reads ItemProcessor.ProcessorConfig; nil means
// INLINE mode.
func parseProcessorConfig(po *obj) *distributed {
	if !po.has("ProcessorConfig") {
		return nil
	}
	co, ok := newObj(po.m["ProcessorConfig"], po.at+"/ProcessorConfig", po.errs)
	if !ok {
		return nil
	}
	defer co.unknown()
	mode := co.str("Mode", false)
	et := co.str("ExecutionType", false)
	switch mode {
	case "", "INLINE":
		if et != "" {
			co.errs.add(schemaFailed, "The field 'ExecutionType' is only supported when Mode is DISTRIBUTED at %s/ExecutionType", co.at)
		}
		return nil
	case "DISTRIBUTED":
	default:
		co.errs.add(schemaFailed, "The value for the field 'Mode' must be one of [INLINE, DISTRIBUTED] at %s/Mode", co.at)
		return nil
	}
	switch et {
	case TypeStandard, TypeExpress:
	case "":
		co.errs.add(schemaFailed, "These fields are required: [ExecutionType] at %s", co.at)
	default:
		co.errs.add(schemaFailed, "The value for the field 'ExecutionType' must be one of [STANDARD, EXPRESS] at %s/ExecutionType", co.at)
	}
	return &distributed{executionType: et}
}

// distributedOnly are Map fields that need ProcessorConfig Mode DISTRIBUTED.
var distributedOnly = []string{"ItemReader", "ResultWriter", "ItemBatcher", "Label"}

func parseDistributedFields(s *mapState, o *obj) {
	d := s.dist
	if d == nil {
		for _, k := range distributedOnly {
			if o.has(k) {
				o.errs.add(schemaFailed, "The field '%s' is only supported when the ItemProcessor's ProcessorConfig Mode is DISTRIBUTED at %s/%s", k, o.at, k)
			}
		}
		return
	}
	if o.has("Label") {
		d.label = o.str("Label", false)
		if len(d.label) > 40 || strings.ContainsAny(d.label, " <>{}[]?*\"#%\\^|~`$&,;:/") || strings.IndexFunc(d.label, func(r rune) bool { return r < ' ' || r == 0x7f }) >= 0 {
			o.errs.add(schemaFailed, "The value for the field 'Label' must be at most 40 characters with no whitespace or special characters at %s/Label", o.at)
		}
	}
	d.itemReader = parseS3Block(o, "ItemReader", "ReaderConfig", s.jsonata)
	d.resultWriter = parseS3Block(o, "ResultWriter", "WriterConfig", s.jsonata)
	if !o.has("ItemBatcher") {
		return
	}
	bo, ok := newObj(o.m["ItemBatcher"], o.at+"/ItemBatcher", o.errs)
	if !ok {
		return
	}
	b := &itemBatcher{
		maxItems: bo.dynNumber("MaxItemsPerBatch", true, 1, math.Inf(1), s.jsonata),
		maxBytes: bo.dynNumber("MaxInputBytesPerBatch", true, 1, MaxInputBytes, s.jsonata),
	}
	if !b.maxItems.present() && !b.maxBytes.present() {
		o.errs.add(schemaFailed, "The ItemBatcher must specify MaxItemsPerBatch or MaxInputBytesPerBatch at %s", bo.at)
	}
	if s.jsonata {
		b.inputJ = bo.jsonataField("BatchInput")
	} else {
		b.input = bo.template("BatchInput")
	}
	bo.str("Comment", false)
	bo.unknown()
	d.batch = b
}

// parseS3Block validates ItemReader / ResultWriter and returns its Resource.
func parseS3Block(o *obj, k, cfgKey string, jsonataQL bool) string {
	if !o.has(k) {
		return ""
	}
	bo, ok := newObj(o.m[k], o.at+"/"+k, o.errs)
	if !ok {
		return ""
	}
	res := bo.str("Resource", true)
	if res != "" && !strings.HasPrefix(res, "arn:") {
		bo.errs.add(schemaFailed, "The value for the field 'Resource' must be a valid ARN at %s/Resource", bo.at)
	}
	if bo.has(cfgKey) {
		if _, isObj := bo.m[cfgKey].(map[string]any); !isObj {
			bo.errs.add(schemaFailed, "The value for the field '%s' must be an OBJECT at %s/%s", cfgKey, bo.at, cfgKey)
		}
	}
	if jsonataQL {
		bo.forbid([]string{"Parameters"}, queryJSONata)
		bo.jsonataField("Arguments")
	} else {
		bo.forbid([]string{"Arguments"}, queryJSONPath)
		bo.template("Parameters")
	}
	bo.unknown()
	return res
}

// unrunnable fails a distributed Map that reads or writes Amazon S3.
func (d *distributed) unrunnable(state string) *Failure {
	switch {
	case d.itemReader != "":
		return &Failure{Error: StatesRuntime, Cause: fmt.Sprintf("An error occurred while executing the state '%s'. The ItemReader resource '%s' reads items from Amazon S3, which the emulator does not run; give the Map state its items inline (ItemsPath or Items)", state, d.itemReader)}
	case d.resultWriter != "":
		return &Failure{Error: StatesRuntime, Cause: fmt.Sprintf("An error occurred while executing the state '%s'. The ResultWriter resource '%s' writes results to Amazon S3, which the emulator does not run; remove ResultWriter to get the results in the state output", state, d.resultWriter)}
	}
	return nil
}

// Map Run statuses.
const (
	MapRunRunning   = "RUNNING"
	MapRunSucceeded = "SUCCEEDED"
	MapRunFailed    = "FAILED"
	MapRunAborted   = "ABORTED"
)

// MapRunCounts counts a Map Run's items or child executions by status.
type MapRunCounts struct {
	Pending        int64 `json:"pending"`
	Running        int64 `json:"running"`
	Succeeded      int64 `json:"succeeded"`
	Failed         int64 `json:"failed"`
	TimedOut       int64 `json:"timedOut"`
	Aborted        int64 `json:"aborted"`
	Total          int64 `json:"total"`
	ResultsWritten int64 `json:"resultsWritten"`
}

// MapRun describes one run of a distributed Map state (DescribeMapRun).
type MapRun struct {
	MapRunArn                  string       `json:"mapRunArn"`
	ExecutionArn               string       `json:"executionArn"`
	StateMachineArn            string       `json:"stateMachineArn"` // the parent execution's state machine
	Label                      string       `json:"label"`
	Status                     string       `json:"status"`
	StartDate                  time.Time    `json:"startDate"`
	StopDate                   time.Time    `json:"stopDate,omitzero"`
	MaxConcurrency             int64        `json:"maxConcurrency"`
	ToleratedFailurePercentage float64      `json:"toleratedFailurePercentage"`
	ToleratedFailureCount      int64        `json:"toleratedFailureCount"`
	ItemCounts                 MapRunCounts `json:"itemCounts"`
	ExecutionCounts            MapRunCounts `json:"executionCounts"`
}

// liveMapRun is a running Map Run: its record (counts change as children
// run) and the wake-up of its dispatcher (a child ended, or UpdateMapRun
// changed MaxConcurrency).
type liveMapRun struct {
	mu      sync.Mutex
	rec     MapRun
	pctSet  bool // ToleratedFailurePercentage was given
	cntSet  bool // ToleratedFailureCount was given
	running int64
	wake    chan struct{}
}

func (lr *liveMapRun) signal() {
	select {
	case lr.wake <- struct{}{}:
	default:
	}
}

// acquire waits for a child slot under the current MaxConcurrency.
func (lr *liveMapRun) acquire(ctx context.Context, items int64) bool {
	for {
		lr.mu.Lock()
		if limit := lr.rec.MaxConcurrency; limit <= 0 || lr.running < limit {
			lr.running++
			lr.rec.ExecutionCounts.Pending--
			lr.rec.ExecutionCounts.Running++
			lr.rec.ItemCounts.Pending -= items
			lr.rec.ItemCounts.Running += items
			lr.mu.Unlock()
			return true
		}
		lr.mu.Unlock()
		select {
		case <-lr.wake:
		case <-ctx.Done():
			return false
		}
	}
}

// release records a child's end and reports whether the failures now
// exceed the tolerated threshold.
func (lr *liveMapRun) release(items int64, status string) (exceeded bool) {
	lr.mu.Lock()
	defer lr.mu.Unlock()
	lr.running--
	lr.rec.ExecutionCounts.Running--
	lr.rec.ItemCounts.Running -= items
	for _, c := range []*MapRunCounts{&lr.rec.ExecutionCounts, &lr.rec.ItemCounts} {
		n := int64(1)
		if c == &lr.rec.ItemCounts {
			n = items
		}
		switch status {
		case StatusSucceeded:
			c.Succeeded += n
		case StatusFailed:
			c.Failed += n
		case StatusTimedOut:
			c.TimedOut += n
		default:
			c.Aborted += n
		}
	}
	lr.signal()
	failed := lr.rec.ItemCounts.Failed + lr.rec.ItemCounts.TimedOut
	return failed > lr.toleratedLocked()
}

// toleratedLocked is the number of failed items the Map Run tolerates.
func (lr *liveMapRun) toleratedLocked() int64 {
	if !lr.pctSet && !lr.cntSet {
		return 0
	}
	t := int64(math.MaxInt64)
	if lr.cntSet {
		t = lr.rec.ToleratedFailureCount
	}
	if lr.pctSet {
		t = min(t, int64(math.Floor(lr.rec.ToleratedFailurePercentage/100*float64(lr.rec.ItemCounts.Total))))
	}
	return t
}

var errMapRunFailed = errors.New("map run failed: tolerated failure threshold exceeded")

// stableUUID derives a UUID from parts, so a resumed execution finds the
// Map Run and children it had started.
func stableUUID(parts ...string) string {
	h := sha256.Sum256([]byte(strings.Join(parts, "\x00")))
	u, _ := uuid.FromBytes(h[:16]) // 16 bytes always make a UUID
	u[6] = u[6]&0x0f | 0x50
	u[8] = u[8]&0x3f | 0x80
	return u.String()
}

// child is one child execution's input and the number of items in it.
type child struct {
	input any
	items int64
}

// runDistributed runs the Map Run of a distributed Map state and returns
// the children's outputs in item order.
func (s *mapState) runDistributed(ctx context.Context, r *run, sc *scope, eff, input any, ctxObj func() any, list []any, lim mapLimits) (any, *Failure) {
	if r.rec == nil {
		return nil, &Failure{Error: StatesRuntime, Cause: fmt.Sprintf("An error occurred while executing the state '%s'. A distributed Map state runs in STANDARD state machines only", s.Name)}
	}
	children, f := s.children(r, sc, eff, input, ctxObj, list)
	if f != nil {
		return nil, f
	}
	e := r.e
	label := s.dist.label
	if label == "" {
		label = s.Name
	}
	runID := stableUUID(r.arn, s.Name, strconv.FormatInt(sc.prev, 10), strconv.Itoa(r.rec.RedriveCount))
	lr := &liveMapRun{wake: make(chan struct{}, 1), pctSet: lim.percent >= 0, cntSet: lim.count >= 0}
	lr.rec = MapRun{
		MapRunArn:    "arn:aws:states:" + e.opts.Region + ":" + e.opts.AccountID + ":mapRun:" + r.smName + "/" + label + ":" + runID,
		ExecutionArn: r.arn, StateMachineArn: r.smArn, Label: label, Status: MapRunRunning, StartDate: e.now(),
		MaxConcurrency: int64(lim.concurrency), ToleratedFailureCount: max(lim.count, 0), ToleratedFailurePercentage: max(lim.percent, 0),
	}
	for _, c := range children {
		lr.rec.ItemCounts.Total += c.items
	}
	lr.rec.ItemCounts.Pending = lr.rec.ItemCounts.Total
	lr.rec.ExecutionCounts.Total = int64(len(children))
	lr.rec.ExecutionCounts.Pending = lr.rec.ExecutionCounts.Total
	if err := e.openMapRun(lr); err != nil {
		return nil, &Failure{Error: StatesRuntime, Cause: "record map run: " + err.Error()}
	}
	defer e.closeMapRun(lr)
	r.emit(sc, "MapRunStarted", func(ev *HistoryEvent) { ev.MapRunStarted = &MapRunStartedDetails{MapRunArn: lr.rec.MapRunArn} })

	mctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	results := make([]any, len(children))
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		exceeded bool
	)
	for i, c := range children {
		if !lr.acquire(mctx, c.items) {
			break
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			out, status, f := s.runChild(mctx, r, lr, i, c.input)
			if status == "" {
				// Shutting down: the child stays RUNNING and runs again
				// when the parent resumes.
				lr.mu.Lock()
				lr.running--
				lr.mu.Unlock()
				return
			}
			over := lr.release(c.items, status)
			mu.Lock()
			defer mu.Unlock()
			if f != nil {
				results[i] = map[string]any{"Error": f.Error, "Cause": f.Cause}
			} else {
				results[i] = out
			}
			if over && !exceeded && status != StatusAborted {
				exceeded = true
				cancel(errMapRunFailed)
			}
		}()
	}
	wg.Wait()
	status, fail := MapRunSucceeded, (*Failure)(nil)
	switch {
	case exceeded:
		status = MapRunFailed
		fail = &Failure{Error: StatesExceedToleratedFailure, Cause: "The specified tolerated failure threshold was exceeded"}
	case ctx.Err() != nil:
		if errors.Is(context.Cause(ctx), errShutdown) {
			return nil, abortedFailure(ctx) // the record stays RUNNING: the parent resumes it
		}
		status = MapRunAborted
	}
	if err := e.endMapRun(lr, status); err != nil {
		return nil, &Failure{Error: StatesRuntime, Cause: "record map run: " + err.Error()}
	}
	switch status {
	case MapRunAborted:
		return nil, abortedFailure(ctx)
	case MapRunFailed:
		r.emit(sc, "MapRunFailed", func(ev *HistoryEvent) { ev.MapRunFailed = &ErrorDetails{Error: fail.Error, Cause: fail.Cause} })
		return nil, fail
	}
	r.emit(sc, "MapRunSucceeded", nil)
	return any(results), nil
}

// children applies ItemSelector to every item and groups the results
// into batches when the state has an ItemBatcher.
func (s *mapState) children(r *run, sc *scope, eff, input any, ctxObj func() any, list []any) ([]child, *Failure) {
	selected := make([]any, len(list))
	for i, item := range list {
		isc := &scope{prev: sc.prev, item: &mapItem{index: i, value: item}, vars: sc.vars}
		v := item
		var f *Failure
		switch {
		case s.itemSelectorJ != nil:
			ictx := r.ctxFunc(isc, s.Name, r.e.now(), nil)
			v, f = applyJSONata(s.itemSelectorJ, statesVars(sc, func() any { return plainContext(ictx) }, eff, nil), "ItemSelector")
		case s.itemSelector != nil:
			v, f = applyTemplate(s.itemSelector, eff, r.ctxFunc(isc, s.Name, r.e.now(), nil))
		}
		if f != nil {
			return nil, f
		}
		selected[i] = v
	}
	b := s.dist.batch
	if b == nil {
		out := make([]child, len(selected))
		for i, v := range selected {
			out[i] = child{input: v, items: 1}
		}
		return out, nil
	}
	vars := func() map[string]any { return statesVars(sc, func() any { return plainContext(ctxObj) }, input, nil) }
	maxItems, f := b.maxItems.resolve(s.Name, 0, eff, ctxObj, vars)
	if f != nil {
		return nil, f
	}
	maxBytes, f := b.maxBytes.resolve(s.Name, 0, eff, ctxObj, vars)
	if f != nil {
		return nil, f
	}
	var batchInput map[string]any
	switch {
	case b.inputJ != nil:
		v, f := applyJSONata(b.inputJ, vars(), "BatchInput")
		if f != nil {
			return nil, f
		}
		m, isObj := v.(map[string]any)
		if !isObj {
			return nil, &Failure{Error: StatesQueryEvaluationError, location: "BatchInput", Cause: fmt.Sprintf("The BatchInput field of state '%s' must evaluate to a JSON object, but returned %s", s.Name, jsonpath.MarshalString(v))}
		}
		batchInput = m
	case b.input != nil:
		v, f := applyTemplate(b.input, eff, ctxObj)
		if f != nil {
			return nil, f
		}
		batchInput, _ = v.(map[string]any) // the template is an object
	}
	var out []child
	var cur []any
	curBytes := 0
	flush := func() {
		if len(cur) == 0 {
			return
		}
		in := map[string]any{}
		for k, v := range batchInput {
			in[k] = v
		}
		in["Items"] = cur
		out = append(out, child{input: in, items: int64(len(cur))})
		cur, curBytes = nil, 0
	}
	for _, v := range selected {
		n := len(jsonpath.MarshalString(v)) + 1
		if maxBytes > 0 && n > int(maxBytes) {
			return nil, &Failure{Error: StatesRuntime, Cause: fmt.Sprintf("An error occurred while executing the state '%s'. An item of %d bytes does not fit in a batch of MaxInputBytesPerBatch %d bytes", s.Name, n, int(maxBytes))}
		}
		if len(cur) > 0 && ((maxItems > 0 && len(cur) >= int(maxItems)) || (maxBytes > 0 && curBytes+n > int(maxBytes))) {
			flush()
		}
		cur = append(cur, v)
		curBytes += n
	}
	flush()
	return out, nil
}

// runChild runs child execution i of a Map Run. status is its final
// status ("" when the engine is shutting down and the child must run
// again on resume); a child that ended before a restart is not run again.
func (s *mapState) runChild(ctx context.Context, r *run, lr *liveMapRun, i int, input any) (any, string, *Failure) {
	e := r.e
	id := stableUUID(lr.rec.MapRunArn, strconv.Itoa(i))
	arn := "arn:aws:states:" + e.opts.Region + ":" + e.opts.AccountID + ":execution:" + r.smName + "/" + lr.rec.Label + ":" + id
	var old execRecord
	var found bool
	if err := e.db.View(func(tx *kv.Tx) error {
		var err error
		found, err = getJSON(tx, bucketExecutions, arn, &old)
		return err
	}); err != nil {
		return nil, StatusFailed, &Failure{Error: StatesRuntime, Cause: "read child execution: " + err.Error()}
	}
	if found {
		switch old.Status {
		case StatusSucceeded:
			v, err := parseInput(old.Output)
			if err == nil {
				return v, StatusSucceeded, nil
			}
		case StatusFailed, StatusTimedOut:
			return nil, old.Status, &Failure{Error: old.Error, Cause: old.Cause}
		}
	}
	raw, err := jsonpath.Marshal(input)
	if err != nil {
		return nil, StatusFailed, &Failure{Error: StatesRuntime, Cause: err.Error()}
	}
	if len(raw) > MaxInputBytes {
		return nil, StatusFailed, &Failure{Error: StatesDataLimitExceeded, Cause: fmt.Sprintf("The input of child execution %d of state '%s' exceeds %d bytes", i, s.Name, MaxInputBytes)}
	}
	ex := Execution{Arn: arn, StateMachineArn: r.smArn + "/" + lr.rec.Label, Name: id, Type: s.dist.executionType,
		Status: StatusRunning, Input: string(raw), RoleArn: r.roleArn, StartDate: e.now(), MapRunArn: lr.rec.MapRunArn}
	standard := ex.Type == TypeStandard
	cr := e.newRun(&ex, s.processor, input, standard)
	cr.mocks = r.mocks
	// A child run again after a restart keeps its history's number: its
	// first write drops what the previous attempt left under it.
	rec := &execRecord{Execution: ex, HistoryID: old.HistoryID}
	if rec.HistoryID == 0 {
		rec.HistoryID = e.newHistoryID()
	}
	if standard {
		cr.rec = rec // .waitForTaskToken needs a stored, RUNNING execution
	}
	csc := &scope{}
	cr.emit(csc, "ExecutionStarted", func(ev *HistoryEvent) {
		ev.ExecutionStarted = &ExecutionStartedDetails{Input: ex.Input, RoleArn: ex.RoleArn}
	})
	if err := e.writeChild(rec, cr.takePending(), false); err != nil {
		return nil, StatusFailed, &Failure{Error: StatesRuntime, Cause: "record child execution: " + err.Error()}
	}
	out, f := cr.runMachine(ctx, csc, s.processor, input)
	if ctx.Err() != nil && errors.Is(context.Cause(ctx), errShutdown) {
		return nil, "", abortedFailure(ctx)
	}
	rec.StopDate = e.now()
	switch {
	case ctx.Err() != nil:
		rec.Status, rec.Error, rec.Cause = StatusAborted, "States.Aborted", "The Map Run was stopped"
		f = &Failure{Error: rec.Error, Cause: rec.Cause}
		cr.emit(csc, "ExecutionAborted", func(ev *HistoryEvent) { ev.ExecutionAborted = &ErrorDetails{Error: rec.Error, Cause: rec.Cause} })
	case f != nil:
		rec.Status, rec.Error, rec.Cause = StatusFailed, f.Error, f.Cause
		cr.emit(csc, "ExecutionFailed", func(ev *HistoryEvent) { ev.ExecutionFailed = &ErrorDetails{Error: f.Error, Cause: f.Cause} })
	default:
		b, err := jsonpath.Marshal(out)
		if err != nil {
			b = []byte("null")
		}
		rec.Status, rec.Output = StatusSucceeded, string(b)
		cr.emit(csc, "ExecutionSucceeded", func(ev *HistoryEvent) { ev.ExecutionSucceeded = &OutputDetails{Output: rec.Output} })
	}
	if err := e.writeChild(rec, cr.takePending(), true); err != nil {
		return nil, StatusFailed, &Failure{Error: StatesRuntime, Cause: "record child execution: " + err.Error()}
	}
	return out, rec.Status, f
}

// writeChild stores a child execution's record and history events; at the
// start (final false) it also drops history a previous attempt left.
func (e *Engine) writeChild(rec *execRecord, events []HistoryEvent, final bool) error {
	recJSON, err := encodeRecord(rec)
	if err != nil {
		return err
	}
	prefix := historyPrefix(rec)
	evs, err := encodeEvents(prefix, events)
	if err != nil {
		return err
	}
	return e.db.Update(func(tx *kv.Tx) error {
		if !final {
			if err := keepHistoryID(tx, rec.HistoryID); err != nil {
				return err
			}
			if err := deleteHistory(tx, prefix); err != nil {
				return err
			}
			// And what an attempt stored before history numbers left.
			if err := deleteHistory(tx, historyPrefix(&execRecord{Execution: Execution{Arn: rec.Arn}})); err != nil {
				return err
			}
		}
		if err := evs.put(tx); err != nil {
			return err
		}
		return tx.Bucket(bucketExecutions).Put([]byte(rec.Arn), recJSON)
	})
}

func deleteHistory(tx *kv.Tx, prefix []byte) error {
	var keys [][]byte
	c := tx.Bucket(bucketHistory).Cursor()
	for k, _ := c.Seek(prefix); k != nil && strings.HasPrefix(string(k), string(prefix)); k, _ = c.Next() {
		keys = append(keys, append([]byte(nil), k...))
	}
	for _, k := range keys {
		if err := tx.Bucket(bucketHistory).Delete(k); err != nil {
			return err
		}
	}
	return nil
}

// openMapRun stores a new (or resumed) Map Run and makes it live.
func (e *Engine) openMapRun(lr *liveMapRun) error {
	err := e.db.Update(func(tx *kv.Tx) error {
		var old MapRun
		found, err := getJSON(tx, bucketMapRuns, lr.rec.MapRunArn, &old)
		if err != nil {
			return err
		}
		if found {
			lr.rec.StartDate = old.StartDate // resumed after a restart
		}
		return putJSON(tx, bucketMapRuns, []byte(lr.rec.MapRunArn), &lr.rec)
	})
	if err != nil {
		return err
	}
	e.mu.Lock()
	e.mapRuns[lr.rec.MapRunArn] = lr
	e.mu.Unlock()
	return nil
}

func (e *Engine) endMapRun(lr *liveMapRun, status string) error {
	lr.mu.Lock()
	lr.rec.Status, lr.rec.StopDate = status, e.now()
	rec := lr.rec
	lr.mu.Unlock()
	return e.db.Update(func(tx *kv.Tx) error {
		return putJSON(tx, bucketMapRuns, []byte(rec.MapRunArn), &rec)
	})
}

func (e *Engine) closeMapRun(lr *liveMapRun) {
	e.mu.Lock()
	delete(e.mapRuns, lr.rec.MapRunArn)
	e.mu.Unlock()
}

// DescribeMapRun returns a Map Run, with live counts while it runs.
func (e *Engine) DescribeMapRun(ctx context.Context, arn string) (*MapRun, error) {
	e.mu.RLock()
	lr := e.mapRuns[arn]
	e.mu.RUnlock()
	if lr != nil {
		lr.mu.Lock()
		rec := lr.rec
		lr.mu.Unlock()
		return &rec, nil
	}
	var rec MapRun
	var found bool
	err := e.db.View(func(tx *kv.Tx) error {
		var err error
		found, err = getJSON(tx, bucketMapRuns, arn, &rec)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("read map run: %w", err)
	}
	if !found {
		return nil, apiErr(ErrResourceNotFound, "Resource not found: '%s'", arn)
	}
	return &rec, nil
}

// ListMapRuns lists the Map Runs an execution started, oldest first.
func (e *Engine) ListMapRuns(ctx context.Context, executionArn string, maxResults int, nextToken string) ([]MapRun, string, error) {
	var found bool
	var all []MapRun
	err := e.db.View(func(tx *kv.Tx) error {
		found = tx.Bucket(bucketExecutions).Get([]byte(executionArn)) != nil
		return tx.Bucket(bucketMapRuns).ForEach(func(_, v []byte) error {
			var rec MapRun
			if err := jsonUnmarshal(v, &rec); err != nil {
				return err
			}
			if rec.ExecutionArn == executionArn {
				all = append(all, rec)
			}
			return nil
		})
	})
	if err != nil {
		return nil, "", fmt.Errorf("list map runs: %w", err)
	}
	if !found {
		return nil, "", apiErr(ErrExecutionDoesNotExist, "Execution Does Not Exist: '%s'", executionArn)
	}
	sortMapRuns(all)
	return page(all, maxResults, nextToken)
}

func sortMapRuns(all []MapRun) {
	for i := 1; i < len(all); i++ {
		for j := i; j > 0 && all[j].StartDate.Before(all[j-1].StartDate); j-- {
			all[j], all[j-1] = all[j-1], all[j]
		}
	}
}

// MapRunUpdate changes a running Map Run (nil fields stay as they are).
type MapRunUpdate struct {
	MaxConcurrency             *int64
	ToleratedFailurePercentage *float64
	ToleratedFailureCount      *int64
}

// UpdateMapRun changes a running Map Run's MaxConcurrency and tolerated
// failure thresholds; they apply to the children it starts from now on
// and to the failures counted from now on.
func (e *Engine) UpdateMapRun(ctx context.Context, arn string, u MapRunUpdate) error {
	switch {
	case u.MaxConcurrency != nil && *u.MaxConcurrency < 0:
		return apiErr(ErrValidation, "1 validation error detected: Value '%d' at 'maxConcurrency' failed to satisfy constraint: Member must have value greater than or equal to 0", *u.MaxConcurrency)
	case u.ToleratedFailurePercentage != nil && (*u.ToleratedFailurePercentage < 0 || *u.ToleratedFailurePercentage > 100):
		return apiErr(ErrValidation, "1 validation error detected: Value '%g' at 'toleratedFailurePercentage' failed to satisfy constraint: Member must have value between 0 and 100", *u.ToleratedFailurePercentage)
	case u.ToleratedFailureCount != nil && *u.ToleratedFailureCount < 0:
		return apiErr(ErrValidation, "1 validation error detected: Value '%d' at 'toleratedFailureCount' failed to satisfy constraint: Member must have value greater than or equal to 0", *u.ToleratedFailureCount)
	}
	e.mu.RLock()
	lr := e.mapRuns[arn]
	e.mu.RUnlock()
	if lr == nil {
		rec, err := e.DescribeMapRun(ctx, arn)
		if err != nil {
			return err
		}
		return apiErr(ErrValidation, "Map Run '%s' is %s; only a RUNNING Map Run can be updated", arn, rec.Status)
	}
	lr.mu.Lock()
	if u.MaxConcurrency != nil {
		lr.rec.MaxConcurrency = *u.MaxConcurrency
	}
	if u.ToleratedFailurePercentage != nil {
		lr.rec.ToleratedFailurePercentage, lr.pctSet = *u.ToleratedFailurePercentage, true
	}
	if u.ToleratedFailureCount != nil {
		lr.rec.ToleratedFailureCount, lr.cntSet = *u.ToleratedFailureCount, true
	}
	rec := lr.rec
	lr.mu.Unlock()
	lr.signal()
	return e.db.Update(func(tx *kv.Tx) error {
		return putJSON(tx, bucketMapRuns, []byte(arn), &rec)
	})
}

// ListMapRunExecutions lists a Map Run's child executions (ListExecutions
// with mapRunArn), newest first.
func (e *Engine) ListMapRunExecutions(ctx context.Context, mapRunArn, statusFilter string, maxResults int, nextToken string) ([]Execution, string, error) {
	mr, err := e.DescribeMapRun(ctx, mapRunArn)
	if err != nil {
		return nil, "", err
	}
	smName := mr.StateMachineArn[strings.LastIndexByte(mr.StateMachineArn, ':')+1:]
	prefix := []byte(e.executionArn(smName+"/"+mr.Label, ""))
	var all []Execution
	err = e.db.View(func(tx *kv.Tx) error {
		c := tx.Bucket(bucketExecutions).Cursor()
		for k, v := c.Seek(prefix); k != nil && strings.HasPrefix(string(k), string(prefix)); k, v = c.Next() {
			var rec execRecord
			if err := jsonUnmarshal(v, &rec); err != nil {
				return err
			}
			if rec.MapRunArn == mapRunArn && (statusFilter == "" || rec.Status == statusFilter) {
				all = append(all, rec.Execution)
			}
		}
		return nil
	})
	if err != nil {
		return nil, "", fmt.Errorf("list map run executions: %w", err)
	}
	sortExecutions(all)
	return page(all, maxResults, nextToken)
}
