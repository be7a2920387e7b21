package asl

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/sfapi/sfapi/internal/emulator/asl/jsonpath"
	"github.com/sfapi/sfapi/internal/emulator/kv"
)

// Errors of SendTaskSuccess / SendTaskFailure / SendTaskHeartbeat.
var (
	ErrTaskDoesNotExist = &APIError{Code: "TaskDoesNotExist"}
	ErrTaskTimedOut     = &APIError{Code: "TaskTimedOut"}
	ErrInvalidOutput    = &APIError{Code: "InvalidOutput"}
)

const waitForTaskToken = ".waitForTaskToken"

// tokenRecord is an outstanding .waitForTaskToken task. It is stored so
// that a restart finds the task still waiting (the resumed state reuses
// the token instead of calling the integration again) and so that a
// SendTask* call that lands while the execution is not in memory is kept.
type tokenRecord struct {
	Token        string          `json:"token"`
	ExecutionArn string          `json:"executionArn"`
	Key          string          `json:"key"`
	Created      time.Time       `json:"created"`
	Heartbeat    time.Time       `json:"heartbeat"` // last heartbeat (Created until the first)
	HeartbeatSec int64           `json:"heartbeatSeconds,omitempty"`
	TimeoutSec   int64           `json:"timeoutSeconds,omitempty"`
	Invoked      bool            `json:"invoked"` // the integration accepted the request
	Submitted    json.RawMessage `json:"submitted,omitempty"`
	Done         bool            `json:"done"`
	Succeeded    bool            `json:"succeeded"`
	Output       json.RawMessage `json:"output,omitempty"`
	Error        string          `json:"error,omitempty"`
	Cause        string          `json:"cause,omitempty"`
}

// tokenClaims is what a token encodes: the execution it belongs to and a
// random part that makes it unguessable and unique.
type tokenClaims struct {
	Execution string `json:"e"`
	Nonce     string `json:"n"`
}

func newToken(execArn string) string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	data, _ := json.Marshal(tokenClaims{Execution: execArn, Nonce: hex.EncodeToString(b[:])})
	return base64.RawURLEncoding.EncodeToString(data)
}

func decodeToken(tok string) (tokenClaims, bool) {
	var c tokenClaims
	if tok == "" || len(tok) > 2048 {
		return c, false
	}
	data, err := base64.RawURLEncoding.DecodeString(tok)
	if err != nil || json.Unmarshal(data, &c) != nil || c.Execution == "" || len(c.Nonce) != 32 {
		return c, false
	}
	return c, true
}

// tokenKey identifies a waiting task within an execution: the state and
// the Map iteration it runs in.
func tokenKey(execArn, state string, sc *scope) string {
	idx := -1
	if sc.item != nil {
		idx = sc.item.index
	}
	return execArn + "\x00" + state + "\x00" + strconv.Itoa(idx)
}

// taskToken returns the token for this attempt of a .waitForTaskToken
// state: the outstanding one after a restart, otherwise a new one, stored
// before the integration is called.
func (s *taskState) taskToken(r *run, sc *scope, now time.Time, lim taskLimits) (string, *Failure) {
	if r.rec == nil {
		return "", &Failure{Error: StatesRuntime, Cause: "The " + waitForTaskToken + " integration pattern is supported by STANDARD state machines only"}
	}
	key := tokenKey(r.arn, s.Name, sc)
	var tok string
	err := r.e.db.Update(func(tx *kv.Tx) error {
		if old := tx.Bucket(bucketTokenKeys).Get([]byte(key)); old != nil {
			tok = string(old)
			return nil
		}
		tok = newToken(r.arn)
		rec := tokenRecord{Token: tok, ExecutionArn: r.arn, Key: key, Created: now, Heartbeat: now,
			HeartbeatSec: lim.heartbeat, TimeoutSec: lim.timeout}
		if err := putJSON(tx, bucketTokens, []byte(tok), &rec); err != nil {
			return err
		}
		return tx.Bucket(bucketTokenKeys).Put([]byte(key), []byte(tok))
	})
	if err != nil {
		return "", &Failure{Error: StatesRuntime, Cause: "store task token: " + err.Error()}
	}
	return tok, nil
}

// withTaskToken adds $$.Task.Token to a state's context object.
func withTaskToken(ctxObj func() any, tok string) func() any {
	return func() any {
		v := ctxObj()
		if env, isEnv := v.(*jsonpath.Env); isEnv {
			// The state's environment (context object and variables).
			withTok := *env
			withTok.Context = withTaskToken(env.Context, tok)
			return &withTok
		}
		c, ok := v.(map[string]any)
		if !ok {
			return v
		}
		c["Task"] = map[string]any{"Token": tok}
		return c
	}
}

func (e *Engine) loadToken(tok string) (*tokenRecord, error) {
	var rec tokenRecord
	var found bool
	err := e.db.View(func(tx *kv.Tx) error {
		var err error
		found, err = getJSON(tx, bucketTokens, tok, &rec)
		return err
	})
	if err != nil || !found {
		return nil, err
	}
	return &rec, nil
}

func (e *Engine) updateToken(tok string, fn func(*tokenRecord)) error {
	return e.db.Update(func(tx *kv.Tx) error {
		var rec tokenRecord
		found, err := getJSON(tx, bucketTokens, tok, &rec)
		if err != nil || !found {
			return err
		}
		fn(&rec)
		return putJSON(tx, bucketTokens, []byte(tok), &rec)
	})
}

// dropToken closes a token once its task has its result. The record stays
// as a tombstone so that a late SendTask* call gets TaskTimedOut, as in
// AWS, rather than TaskDoesNotExist.
func (e *Engine) dropToken(rec *tokenRecord) {
	err := e.db.Update(func(tx *kv.Tx) error {
		if err := closeToken(tx, rec.Token); err != nil {
			return err
		}
		if cur := tx.Bucket(bucketTokenKeys).Get([]byte(rec.Key)); string(cur) == rec.Token {
			return tx.Bucket(bucketTokenKeys).Delete([]byte(rec.Key))
		}
		return nil
	})
	if err != nil {
		e.log.Error("drop task token", "err", err)
	}
}

// closeToken marks a stored token done.
func closeToken(tx *kv.Tx, tok string) error {
	var rec tokenRecord
	found, err := getJSON(tx, bucketTokens, tok, &rec)
	if err != nil || !found {
		return err
	}
	rec.Done = true
	return putJSON(tx, bucketTokens, []byte(tok), &rec)
}

func (e *Engine) waiter(tok string) (chan struct{}, func()) {
	e.tokenMu.Lock()
	defer e.tokenMu.Unlock()
	ch := make(chan struct{}, 1)
	e.waiters[tok] = ch
	return ch, func() {
		e.tokenMu.Lock()
		defer e.tokenMu.Unlock()
		if e.waiters[tok] == ch {
			delete(e.waiters, tok)
		}
	}
}

func (e *Engine) wake(tok string) {
	e.tokenMu.Lock()
	ch := e.waiters[tok]
	e.tokenMu.Unlock()
	if ch != nil {
		select {
		case ch <- struct{}{}:
		default:
		}
	}
}

// deadlines of a waiting task; zero times mean none.
func (rec *tokenRecord) deadlines() (timeout, heartbeat time.Time) {
	if rec.TimeoutSec > 0 {
		timeout = rec.Created.Add(time.Duration(rec.TimeoutSec) * time.Second)
	}
	if rec.HeartbeatSec > 0 {
		heartbeat = rec.Heartbeat.Add(time.Duration(rec.HeartbeatSec) * time.Second)
	}
	return timeout, heartbeat
}

// expired names the timeout a task has passed at now, if any.
func (rec *tokenRecord) expired(now time.Time) string {
	timeout, heartbeat := rec.deadlines()
	switch {
	case !heartbeat.IsZero() && !now.Before(heartbeat):
		return StatesHeartbeatTimeout
	case !timeout.IsZero() && !now.Before(timeout):
		return StatesTimeout
	}
	return ""
}

// waitForToken calls the integration once (unless a restart finds it
// already called) and then waits, durably, for SendTaskSuccess /
// SendTaskFailure, heartbeats and timeouts measured on the engine clock.
func (s *taskState) waitForToken(ctx context.Context, r *run, sc *scope, raw []byte, tok string, fail func(*Failure, string) (any, *Failure)) (any, *Failure) {
	e := r.e
	rec, err := e.loadToken(tok)
	if err != nil || rec == nil {
		return fail(&Failure{Error: StatesRuntime, Cause: fmt.Sprintf("task token lost: %v", err)}, "TaskFailed")
	}
	if !rec.Invoked {
		req := TaskRequest{Resource: strings.TrimSuffix(s.resource, waitForTaskToken), Parameters: raw, ExecutionArn: r.arn, StateName: s.Name}
		out, err := safeInvoke(ctx, e.opts.Tasks, req)
		if err == nil {
			// Recorded even when the engine is shutting down meanwhile:
			// the integration has run, and a resumed task must not call
			// it again.
			if len(out) == 0 {
				out = json.RawMessage("{}")
			}
			if uerr := e.updateToken(tok, func(t *tokenRecord) { t.Invoked, t.Submitted = true, out }); uerr != nil {
				if ctx.Err() != nil {
					return nil, abortedFailure(ctx)
				}
				return fail(&Failure{Error: StatesRuntime, Cause: "store task token: " + uerr.Error()}, "TaskFailed")
			}
		}
		if ctx.Err() != nil {
			return nil, abortedFailure(ctx)
		}
		if err != nil {
			e.dropToken(rec)
			return fail(failureFromTaskError(err), "TaskFailed")
		}
		rec.Submitted = out
	}
	r.emit(sc, "TaskSubmitted", func(ev *HistoryEvent) {
		ev.TaskSubmitted = &TaskSucceededDetails{ResourceType: s.resourceType, Resource: s.resourceName, Output: string(rec.Submitted)}
	})
	wake, unregister := e.waiter(tok)
	defer unregister()
	for {
		rec, err := e.loadToken(tok)
		if err != nil || rec == nil {
			return fail(&Failure{Error: StatesRuntime, Cause: fmt.Sprintf("task token lost: %v", err)}, "TaskFailed")
		}
		if rec.Done {
			e.dropToken(rec)
			if !rec.Succeeded {
				return fail(&Failure{Error: rec.Error, Cause: rec.Cause}, "TaskFailed")
			}
			v, perr := jsonpath.ParseJSON(rec.Output)
			if perr != nil {
				return fail(&Failure{Error: StatesRuntime, Cause: "task output is not JSON: " + perr.Error()}, "TaskFailed")
			}
			r.emit(sc, "TaskSucceeded", func(ev *HistoryEvent) {
				ev.TaskSucceeded = &TaskSucceededDetails{ResourceType: s.resourceType, Resource: s.resourceName, Output: string(rec.Output)}
			})
			return v, nil
		}
		now := e.now()
		if name := rec.expired(now); name != "" {
			e.dropToken(rec)
			cause := fmt.Sprintf("The task did not complete within %d seconds", rec.TimeoutSec)
			if name == StatesHeartbeatTimeout {
				cause = fmt.Sprintf("No heartbeat was received within %d seconds", rec.HeartbeatSec)
			}
			return fail(&Failure{Error: name, Cause: cause}, "TaskTimedOut")
		}
		timeout, heartbeat := rec.deadlines()
		var next time.Time
		for _, d := range []time.Time{timeout, heartbeat} {
			if !d.IsZero() && (next.IsZero() || d.Before(next)) {
				next = d
			}
		}
		if next.IsZero() {
			select {
			case <-wake:
			case <-ctx.Done():
				return nil, abortedFailure(ctx)
			}
			continue
		}
		sctx, cancel := context.WithCancel(ctx)
		go func() {
			select {
			case <-wake:
				cancel()
			case <-sctx.Done():
			}
		}()
		err = e.sleep(sctx, next.Sub(now))
		cancel()
		if ctx.Err() != nil {
			return nil, abortedFailure(ctx)
		}
		_ = err // woken by a SendTask* call or the deadline: re-read the record either way
	}
}

// sendTask applies a SendTask* call to the token's record.
func (e *Engine) sendTask(tok string, fn func(*tokenRecord)) error {
	claims, ok := decodeToken(tok)
	if !ok {
		return apiErr(ErrInvalidToken, "Invalid Token: 'Invalid token'")
	}
	now := e.now()
	err := e.db.Update(func(tx *kv.Tx) error {
		var ex execRecord
		found, err := getJSON(tx, bucketExecutions, claims.Execution, &ex)
		if err != nil {
			return err
		}
		if !found {
			return apiErr(ErrTaskDoesNotExist, "Task Does Not Exist: the execution of this task token does not exist")
		}
		var rec tokenRecord
		found, err = getJSON(tx, bucketTokens, tok, &rec)
		if err != nil {
			return err
		}
		if !found {
			if ex.Status != StatusRunning {
				return apiErr(ErrTaskTimedOut, "Task Timed Out: 'Provided task does not exist anymore'")
			}
			return apiErr(ErrTaskDoesNotExist, "Task Does Not Exist: 'Provided task does not exist'")
		}
		if rec.Done || ex.Status != StatusRunning || rec.expired(now) != "" {
			return apiErr(ErrTaskTimedOut, "Task Timed Out: 'Provided task does not exist anymore'")
		}
		fn(&rec)
		return putJSON(tx, bucketTokens, []byte(tok), &rec)
	})
	if err != nil {
		var ae *APIError
		if errors.As(err, &ae) {
			return err
		}
		return fmt.Errorf("update task token: %w", err)
	}
	e.wake(tok)
	return nil
}

// SendTaskSuccess completes a .waitForTaskToken task with output.
func (e *Engine) SendTaskSuccess(ctx context.Context, token, output string) error {
	if len(output) > MaxInputBytes {
		return apiErr(ErrInvalidOutput, "Invalid Output: the output is %d bytes; the maximum is %d", len(output), MaxInputBytes)
	}
	if _, err := jsonpath.ParseJSON([]byte(output)); err != nil {
		return apiErr(ErrInvalidOutput, "Invalid Output: %v", err)
	}
	return e.sendTask(token, func(r *tokenRecord) {
		r.Done, r.Succeeded, r.Output = true, true, json.RawMessage(output)
	})
}

// SendTaskFailure fails a .waitForTaskToken task with an error and cause.
func (e *Engine) SendTaskFailure(ctx context.Context, token, errName, cause string) error {
	return e.sendTask(token, func(r *tokenRecord) {
		r.Done, r.Error, r.Cause = true, errName, cause
	})
}

// SendTaskHeartbeat restarts a waiting task's HeartbeatSeconds clock.
func (e *Engine) SendTaskHeartbeat(ctx context.Context, token string) error {
	now := e.now()
	return e.sendTask(token, func(r *tokenRecord) { r.Heartbeat = now })
}
