package asl

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/sfapi/sfapi/internal/emulator/kv"
)

// Buckets owned by the engine.
var (
	bucketMachines    = []byte("sfn.machines")    // state machine ARN → StateMachine JSON
	bucketDefinitions = []byte("sfn.definitions") // definition hash → definition text (snapshots for executions)
	bucketExecutions  = []byte("sfn.executions")  // execution ARN → Execution JSON
	bucketHistory     = []byte("sfn.history")     // historyPrefix (0x00 + history id, or an older execution's ARN + 0x00) + big-endian event id → HistoryEvent JSON
	bucketCheckpoints = []byte("sfn.checkpoints") // execution ARN → checkpoint JSON (RUNNING executions only)
	bucketRunning     = []byte("sfn.running")     // execution ARN → "" (index of RUNNING executions)
	bucketTokens      = []byte("sfn.tokens")      // task token → tokenRecord JSON (outstanding .waitForTaskToken tasks)
	bucketTokenKeys   = []byte("sfn.tokenkeys")   // execution ARN + 0x00 + state + 0x00 + map index → task token
	bucketTags        = []byte("sfn.tags")        // state machine ARN → tags JSON
	bucketMapRuns     = []byte("sfn.mapruns")     // Map Run ARN → MapRun JSON (distributed Map states)
)

var allBuckets = [][]byte{bucketMachines, bucketDefinitions, bucketExecutions, bucketHistory, bucketCheckpoints, bucketRunning,
	bucketTokens, bucketTokenKeys, bucketTags, bucketMapRuns}

// checkpoint is where a RUNNING STANDARD execution resumes: the next
// state and its input, written in the same transaction as the history
// events of the transition that led there.
type checkpoint struct {
	State       string          `json:"state"`
	Input       json.RawMessage `json:"input"`
	LastEventID int64           `json:"lastEventId"`
	// PrevEventID chains the resumed state's first event to the last one.
	PrevEventID int64 `json:"prevEventId"`
	// Vars are the execution's top-level workflow variables (absent in
	// checkpoints written before variables existed, and when none are set).
	Vars json.RawMessage `json:"vars,omitempty"`
	// compact says Input and Vars are jsonpath.Marshal's output, valid
	// and compact already: appendCheckpoint stores them as they are
	// instead of compacting them again (every transition writes one).
	compact bool
}

// execRecord is the stored form of an execution.
type execRecord struct {
	Execution
	DefHash string `json:"defHash"`
	// HistoryID prefixes the execution's history keys (historyPrefix):
	// 9 bytes instead of the ARN's ~90 for each event kept. Executions
	// stored before it existed (0) have ARN-prefixed keys.
	HistoryID uint64 `json:"historyId,omitempty"`
	// RedriveFrom is the checkpoint of the state in flight when the
	// execution failed, timed out or was aborted: RedriveExecution resumes
	// there.
	RedriveFrom *checkpoint `json:"redriveFrom,omitempty"`
}

// historyPrefix is what the keys of rec's history events start with:
// 0x00 and its HistoryID, or (an execution stored before HistoryID) its
// ARN and 0x00. An ARN never starts with 0x00, so the two never mix. A
// key is the prefix and the event id (big endian).
func historyPrefix(rec *execRecord) []byte {
	if rec.HistoryID != 0 {
		return binary.BigEndian.AppendUint64([]byte{0}, rec.HistoryID)
	}
	return append([]byte(rec.Arn), 0)
}

func historyKey(prefix []byte, id int64) []byte {
	k := make([]byte, 0, len(prefix)+8)
	k = append(k, prefix...)
	return binary.BigEndian.AppendUint64(k, uint64(id))
}

// newHistoryID numbers a new execution's history; keepHistoryID, in the
// transaction that stores the execution, makes the number durable.
func (e *Engine) newHistoryID() uint64 { return e.historyIDs.Add(1) }

func keepHistoryID(tx *kv.Tx, id uint64) error {
	b := tx.Bucket(bucketHistory)
	if b.Sequence() >= id {
		return nil
	}
	return b.SetSequence(id)
}

func ensureBuckets(db *kv.DB) error {
	return db.Update(func(tx *kv.Tx) error {
		for _, b := range allBuckets {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return fmt.Errorf("create bucket %s: %w", b, err)
			}
		}
		return nil
	})
}

func getJSON(tx *kv.Tx, bucket []byte, key string, v any) (bool, error) {
	data := tx.Bucket(bucket).Get([]byte(key))
	if data == nil {
		return false, nil
	}
	if err := json.Unmarshal(data, v); err != nil {
		return false, fmt.Errorf("decode %s/%s: %w", bucket, key, err)
	}
	return true, nil
}

func putJSON(tx *kv.Tx, bucket []byte, key []byte, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode %s: %w", bucket, err)
	}
	return tx.Bucket(bucket).Put(key, data)
}

func putEvents(tx *kv.Tx, prefix []byte, events []HistoryEvent) error {
	for i := range events {
		if err := putJSON(tx, bucketHistory, historyKey(prefix, events[i].ID), &events[i]); err != nil {
			return err
		}
	}
	return nil
}

// encodedEvents are history events encoded before a write transaction.
// kv runs every Update function one at a time (under its mutex), so whatever
// an Update function computes is serialised across all executions;
// encoding on the caller's goroutine keeps that critical section down to
// the puts.
type encodedEvents struct {
	keys, vals [][]byte
}

func encodeEvents(prefix []byte, events []HistoryEvent) (encodedEvents, error) {
	enc := encodedEvents{keys: make([][]byte, len(events)), vals: make([][]byte, len(events))}
	// Encoded into a reused scratch buffer first, then copied to their
	// homes: the small values share one exact allocation; a value of
	// kv.WriteMostlyInlineMax bytes or more, which the store
	// (stepfunctions.db, emulator.openStores) keeps in its files only once
	// it is durable, gets its own, so no small value kept in memory holds
	// its bytes (or spare capacity) too. No slice is written again once
	// taken.
	scratch := scratchPool.Get().(*[]byte)
	defer scratchPool.Put(scratch)
	buf := (*scratch)[:0]
	ends := make([]int, len(events))
	small := 0
	for i := range events {
		start := len(buf)
		var err error
		if buf, err = appendEvent(buf, &events[i]); err != nil {
			return encodedEvents{}, err
		}
		ends[i] = len(buf)
		if n := len(buf) - start; n < kv.WriteMostlyInlineMax {
			small += n
		}
	}
	*scratch = buf
	shared := make([]byte, 0, small)
	start := 0
	for i, end := range ends {
		v := buf[start:end]
		start = end
		if len(v) >= kv.WriteMostlyInlineMax {
			enc.vals[i] = bytes.Clone(v)
			continue
		}
		at := len(shared)
		shared = append(shared, v...)
		enc.vals[i] = shared[at:len(shared):len(shared)]
	}
	keys := make([]byte, 0, len(events)*(len(prefix)+8))
	for i := range events {
		k := len(keys)
		keys = append(keys, prefix...)
		keys = binary.BigEndian.AppendUint64(keys, uint64(events[i].ID))
		enc.keys[i] = keys[k:len(keys):len(keys)]
	}
	return enc, nil
}

// scratchPool holds encodeEvents' scratch buffers.
var scratchPool = sync.Pool{New: func() any { return new([]byte) }}

// put writes the events. The encoded buffers are the store's from here on
// (PutOwned: no copy); a retried Update puts the same bytes.
func (enc encodedEvents) put(tx *kv.Tx) error {
	b := tx.Bucket(bucketHistory)
	for i := range enc.keys {
		if err := b.PutOwned(enc.keys[i], enc.vals[i]); err != nil {
			return fmt.Errorf("put history event: %w", err)
		}
	}
	return nil
}

// appendCheckpoint appends cp as JSON without reflection (every transition
// writes one). Raw JSON fields are compacted, as encoding/json does.
func appendCheckpoint(buf []byte, cp *checkpoint) ([]byte, error) {
	buf = append(buf, `{"state":`...)
	buf = appendJSONString(buf, cp.State)
	buf = append(buf, `,"input":`...)
	raw := appendRaw
	if cp.compact {
		raw = appendCompacted
	}
	buf, err := raw(buf, cp.Input)
	if err != nil {
		return nil, fmt.Errorf("encode checkpoint input: %w", err)
	}
	buf = append(buf, `,"lastEventId":`...)
	buf = strconv.AppendInt(buf, cp.LastEventID, 10)
	buf = append(buf, `,"prevEventId":`...)
	buf = strconv.AppendInt(buf, cp.PrevEventID, 10)
	if len(cp.Vars) > 0 {
		buf = append(buf, `,"vars":`...)
		if buf, err = raw(buf, cp.Vars); err != nil {
			return nil, fmt.Errorf("encode checkpoint variables: %w", err)
		}
	}
	return append(buf, '}'), nil
}

// appendRaw appends a raw JSON document, compacted; empty is null, as
// encoding/json writes an empty RawMessage.
func appendRaw(buf []byte, raw json.RawMessage) ([]byte, error) {
	if len(raw) == 0 {
		return append(buf, "null"...), nil
	}
	var b bytes.Buffer
	b.Grow(len(raw))
	if err := json.Compact(&b, raw); err != nil {
		return nil, err
	}
	return append(buf, b.Bytes()...), nil
}

// appendCompacted is appendRaw for a document known to be valid and
// compact.
func appendCompacted(buf []byte, raw json.RawMessage) ([]byte, error) {
	if len(raw) == 0 {
		return append(buf, "null"...), nil
	}
	return append(buf, raw...), nil
}

// encodeRecord encodes an execution record without reflection (every
// execution writes it at start and at its end). Field names, omitempty and
// omitzero follow the struct tags of Execution and execRecord.
func encodeRecord(rec *execRecord) ([]byte, error) {
	ex := &rec.Execution
	buf := make([]byte, 0, 256+len(ex.Input)+len(ex.Output)+len(ex.Cause))
	str := func(name, v string, omitEmpty bool) {
		if omitEmpty && v == "" {
			return
		}
		buf = append(buf, ',', '"')
		buf = append(buf, name...)
		buf = append(buf, '"', ':')
		buf = appendJSONString(buf, v)
	}
	var terr error
	tm := func(name string, t time.Time, omitZero bool) {
		if omitZero && t.IsZero() {
			return
		}
		if y := t.Year(); y < 0 || y > 9999 {
			terr = fmt.Errorf("encode execution %s: year %d outside of range [0,9999]", name, y)
			return
		}
		buf = append(buf, ',', '"')
		buf = append(buf, name...)
		buf = append(buf, `":"`...)
		buf = t.AppendFormat(buf, time.RFC3339Nano)
		buf = append(buf, '"')
	}
	buf = append(buf, `{"arn":`...)
	buf = appendJSONString(buf, ex.Arn)
	str("stateMachineArn", ex.StateMachineArn, false)
	str("name", ex.Name, false)
	str("type", ex.Type, false)
	str("status", ex.Status, false)
	str("input", ex.Input, false)
	str("output", ex.Output, true)
	str("error", ex.Error, true)
	str("cause", ex.Cause, true)
	str("roleArn", ex.RoleArn, true)
	tm("startDate", ex.StartDate, false)
	tm("stopDate", ex.StopDate, true)
	if ex.RedriveCount != 0 {
		buf = append(buf, `,"redriveCount":`...)
		buf = strconv.AppendInt(buf, int64(ex.RedriveCount), 10)
	}
	tm("redriveDate", ex.RedriveDate, true)
	str("testCase", ex.TestCase, true)
	str("mapRunArn", ex.MapRunArn, true)
	str("defHash", rec.DefHash, false)
	if terr != nil {
		return nil, terr
	}
	if rec.HistoryID != 0 {
		buf = append(buf, `,"historyId":`...)
		buf = strconv.AppendUint(buf, rec.HistoryID, 10)
	}
	if rec.RedriveFrom != nil {
		buf = append(buf, `,"redriveFrom":`...)
		var err error
		if buf, err = appendCheckpoint(buf, rec.RedriveFrom); err != nil {
			return nil, err
		}
	}
	return append(buf, '}'), nil
}

func encodeCheckpoint(cp *checkpoint) ([]byte, error) {
	return appendCheckpoint(make([]byte, 0, 96+len(cp.State)+len(cp.Input)+len(cp.Vars)), cp)
}
