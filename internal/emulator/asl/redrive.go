package asl

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"time"

	"github.com/sfapi/sfapi/internal/emulator/kv"
)

// Redrive statuses of DescribeExecution.
const (
	RedriveStatusRedrivable    = "REDRIVABLE"
	RedriveStatusNotRedrivable = "NOT_REDRIVABLE"
)

// redriveWindow is how long after its stop an execution can be redriven.
const redriveWindow = 14 * 24 * time.Hour

// RedriveStatus says whether an execution can be redriven now, and why not.
func (e *Engine) RedriveStatus(ex *Execution) (status, reason string) {
	switch {
	case ex.Type == TypeExpress:
		return RedriveStatusNotRedrivable, "Execution is of EXPRESS type"
	case ex.Status == StatusRunning:
		return RedriveStatusNotRedrivable, "Execution is RUNNING and cannot be redriven"
	case ex.Status == StatusSucceeded:
		return RedriveStatusNotRedrivable, "Execution is SUCCEEDED and cannot be redriven"
	case e.now().Sub(ex.StopDate) > redriveWindow:
		return RedriveStatusNotRedrivable, "Execution can no longer be redriven: it stopped more than 14 days ago"
	}
	return RedriveStatusRedrivable, ""
}

// RedriveExecution restarts a FAILED, TIMED_OUT or ABORTED STANDARD
// execution from the state that was running when it stopped, with that
// state's input. It records ExecutionRedriven and counts the redrive.
func (e *Engine) RedriveExecution(ctx context.Context, arn string) (time.Time, error) {
	var rec execRecord
	var cp checkpoint
	now := e.now()
	err := e.db.Update(func(tx *kv.Tx) error {
		found, err := getJSON(tx, bucketExecutions, arn, &rec)
		if err != nil {
			return err
		}
		if !found {
			return apiErr(ErrExecutionDoesNotExist, "Execution Does Not Exist: '%s'", arn)
		}
		if status, reason := e.RedriveStatus(&rec.Execution); status != RedriveStatusRedrivable {
			return apiErr(ErrExecutionNotRedrivable, "Execution Not Redrivable: '%s'", reason)
		}
		if rec.RedriveFrom == nil || rec.RedriveFrom.State == "" {
			return apiErr(ErrExecutionNotRedrivable, "Execution Not Redrivable: 'the execution stopped before entering a state'")
		}
		// Tokens of tasks that were waiting when the execution stopped are
		// void: the redriven state calls its integration with a new one.
		if err := dropExecutionTokens(tx, arn); err != nil {
			return err
		}
		prefix := historyPrefix(&rec)
		last := lastEventID(tx, prefix)
		cp = checkpoint{State: rec.RedriveFrom.State, Input: rec.RedriveFrom.Input, LastEventID: last + 1, PrevEventID: last + 1}
		rec.RedriveCount++
		rec.RedriveDate = now
		rec.Status, rec.StopDate, rec.Output, rec.Error, rec.Cause, rec.RedriveFrom = StatusRunning, time.Time{}, "", "", "", nil
		ev := HistoryEvent{ID: last + 1, PreviousEventID: last, Timestamp: now, Type: "ExecutionRedriven",
			ExecutionRedriven: &RedrivenDetails{RedriveCount: rec.RedriveCount}}
		if err := putEvents(tx, prefix, []HistoryEvent{ev}); err != nil {
			return err
		}
		if err := putJSON(tx, bucketCheckpoints, []byte(arn), &cp); err != nil {
			return err
		}
		if err := tx.Bucket(bucketRunning).Put([]byte(arn), nil); err != nil {
			return err
		}
		return putJSON(tx, bucketExecutions, []byte(arn), &rec)
	})
	if err != nil {
		return time.Time{}, err
	}
	var defText string
	if err := e.db.View(func(tx *kv.Tx) error {
		defText = string(tx.Bucket(bucketDefinitions).Get([]byte(rec.DefHash)))
		return nil
	}); err != nil {
		return time.Time{}, err
	}
	def, err := e.parsedDef(rec.DefHash, defText)
	if err != nil {
		return time.Time{}, err
	}
	var input any
	if err := json.Unmarshal(cp.Input, &input); err != nil {
		return time.Time{}, err
	}
	if err := e.launch(&rec, def, cp, input); err != nil {
		return time.Time{}, err
	}
	return now, nil
}

// ErrExecutionNotRedrivable is RedriveExecution's refusal.
var ErrExecutionNotRedrivable = &APIError{Code: "ExecutionNotRedrivable"}

// lastEventID returns the id of an execution's last stored history event.
func lastEventID(tx *kv.Tx, prefix []byte) int64 {
	c := tx.Bucket(bucketHistory).Cursor()
	var last int64
	for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix) && len(k) == len(prefix)+8; k, _ = c.Next() {
		last = int64(binary.BigEndian.Uint64(k[len(prefix):]))
	}
	return last
}

func dropExecutionTokens(tx *kv.Tx, arn string) error {
	prefix := []byte(arn + "\x00")
	var keys, toks [][]byte
	c := tx.Bucket(bucketTokenKeys).Cursor()
	for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
		keys = append(keys, append([]byte(nil), k...))
		toks = append(toks, append([]byte(nil), v...))
	}
	for i := range keys {
		if err := tx.Bucket(bucketTokenKeys).Delete(keys[i]); err != nil {
			return err
		}
		if err := closeToken(tx, string(toks[i])); err != nil {
			return err
		}
	}
	return nil
}

func firstNonZero(ts ...time.Time) time.Time {
	for _, t := range ts {
		if !t.IsZero() {
			return t
		}
	}
	return time.Time{}
}
