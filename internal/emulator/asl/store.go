package asl

import (
	"encoding/binary"
	"encoding/json"
	"fmt"

	"github.com/sfapi/sfapi/internal/emulator/kv"
)

// Buckets owned by the engine.
var (
	bucketMachines    = []byte("sfn.machines")    // state machine ARN → StateMachine JSON
	bucketDefinitions = []byte("sfn.definitions") // definition hash → definition text (snapshots for executions)
	bucketExecutions  = []byte("sfn.executions")  // execution ARN → Execution JSON
	bucketHistory     = []byte("sfn.history")     // execution ARN + 0x00 + big-endian event id → HistoryEvent JSON
	bucketCheckpoints = []byte("sfn.checkpoints") // execution ARN → checkpoint JSON (RUNNING executions only)
	bucketRunning     = []byte("sfn.running")     // execution ARN → "" (index of RUNNING executions)
	bucketTokens      = []byte("sfn.tokens")      // task token → tokenRecord JSON (outstanding .waitForTaskToken tasks)
	bucketTokenKeys   = []byte("sfn.tokenkeys")   // execution ARN + 0x00 + state + 0x00 + map index → task token
	bucketTags        = []byte("sfn.tags")        // state machine ARN → tags JSON
)

var allBuckets = [][]byte{bucketMachines, bucketDefinitions, bucketExecutions, bucketHistory, bucketCheckpoints, bucketRunning,
	bucketTokens, bucketTokenKeys, bucketTags}

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
}

// execRecord is the stored form of an execution.
type execRecord struct {
	Execution
	DefHash string `json:"defHash"`
	// RedriveFrom is the checkpoint of the state in flight when the
	// execution failed, timed out or was aborted: RedriveExecution resumes
	// there.
	RedriveFrom *checkpoint `json:"redriveFrom,omitempty"`
}

func historyKey(arn string, id int64) []byte {
	k := make([]byte, 0, len(arn)+9)
	k = append(k, arn...)
	k = append(k, 0)
	return binary.BigEndian.AppendUint64(k, uint64(id))
}

func historyPrefix(arn string) []byte {
	return append([]byte(arn), 0)
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

func putEvents(tx *kv.Tx, arn string, events []HistoryEvent) error {
	for i := range events {
		if err := putJSON(tx, bucketHistory, historyKey(arn, events[i].ID), &events[i]); err != nil {
			return err
		}
	}
	return nil
}

// encodedEvents are history events encoded before a write transaction.
// kv runs every Update function of a group commit on its single commit
// goroutine, so whatever an Update function computes is serialised across
// all executions; encoding on the caller's goroutine keeps that critical
// section down to the bbolt puts.
type encodedEvents struct {
	keys, vals [][]byte
}

func encodeEvents(arn string, events []HistoryEvent) (encodedEvents, error) {
	enc := encodedEvents{keys: make([][]byte, len(events)), vals: make([][]byte, len(events))}
	for i := range events {
		v, err := json.Marshal(&events[i])
		if err != nil {
			return encodedEvents{}, fmt.Errorf("encode history event %d: %w", events[i].ID, err)
		}
		enc.keys[i], enc.vals[i] = historyKey(arn, events[i].ID), v
	}
	return enc, nil
}

// put writes the events. bbolt keeps value slices until commit, so the
// encoded values must not be reused; a retried Update puts the same bytes.
func (enc encodedEvents) put(tx *kv.Tx) error {
	b := tx.Bucket(bucketHistory)
	for i := range enc.keys {
		if err := b.Put(enc.keys[i], enc.vals[i]); err != nil {
			return fmt.Errorf("put history event: %w", err)
		}
	}
	return nil
}

func encodeJSON(v any, what string) ([]byte, error) {
	data, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("encode %s: %w", what, err)
	}
	return data, nil
}
