package ddb

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"time"

	"github.com/sfapi/sfapi/internal/emulator/ddb/attr"
	"github.com/sfapi/sfapi/internal/emulator/kv"
)

// IdempotentParameterMismatch is the error of a ClientRequestToken reused
// for a different request.
const IdempotentParameterMismatch Code = "IdempotentParameterMismatchException"

// IdempotencyWindow is how long a ClientRequestToken is remembered.
const IdempotencyWindow = 10 * time.Minute

// TransactGet is one TransactGetItems entry.
type TransactGet struct {
	TableName                string
	Key                      attr.Item
	ProjectionExpression     string
	ExpressionAttributeNames Names
}

// TransactGetItems reads up to 100 items from one consistent snapshot. The
// answer has one entry per request, in order; nil where there is no item.
func (e *Engine) TransactGetItems(ctx context.Context, gets []TransactGet) ([]attr.Item, []Capacity, error) {
	if err := ctx.Err(); err != nil {
		return nil, nil, err
	}
	if len(gets) == 0 || len(gets) > MaxTransactItems {
		return nil, nil, validationf("1 validation error detected: Value '%d' at 'transactItems' failed to satisfy constraint: Member must have length less than or equal to 100 and greater than or equal to 1", len(gets))
	}
	type job struct {
		t    *table
		key  []byte
		proj *projection
	}
	jobs := make([]job, len(gets))
	seen := map[string]bool{}
	for i, g := range gets {
		t, err := e.table(g.TableName)
		if err != nil {
			return nil, nil, err
		}
		keys, err := t.key.extract(g.Key, true)
		if err != nil {
			return nil, nil, err
		}
		proj, err := parseProjection(g.ProjectionExpression, g.ExpressionAttributeNames)
		if err != nil {
			return nil, nil, err
		}
		k := t.key.storageKey(keys)
		id := g.TableName + "\x00" + string(k)
		if seen[id] {
			return nil, nil, validationf("Transaction request cannot include multiple operations on one item")
		}
		seen[id] = true
		jobs[i] = job{t: t, key: k, proj: proj}
	}
	out := make([]attr.Item, len(gets))
	caps := make([]Capacity, 0, len(gets))
	err := e.db.View(func(tx *kv.Tx) error {
		for i, j := range jobs {
			tb := tx.Bucket(j.t.bucket)
			if tb == nil {
				return errTableNotFound()
			}
			it, err := getItem(tb.Bucket(itemsBucket), j.key)
			if err != nil {
				return err
			}
			// Transactional reads cost twice a consistent read.
			caps = append(caps, Capacity{TableName: j.t.meta.Spec.TableName, Read: 2 * readUnits(ItemSize(it), true)})
			if it != nil {
				if out[i], err = j.proj.apply(it); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		return nil, nil, wrapStore("transact get", "transaction", err)
	}
	return out, mergeCapacity(caps), nil
}

// tokensBucket maps a ClientRequestToken to the tokenRecord of the
// successful transaction that used it. Records are written in the
// transaction they describe, so a token is remembered exactly when its
// writes are on disk, across restarts.
var tokensBucket = []byte("ddb.txtokens")

// tokenRecord is what a ClientRequestToken remembers.
type tokenRecord struct {
	Fingerprint string     `json:"f"`
	At          int64      `json:"at"` // engine clock, Unix nanoseconds
	Caps        []Capacity `json:"caps,omitempty"`
}

// tokens serialises token-bearing transactions, so two concurrent requests
// with one token cannot both apply (the lookup and the write are separate
// kv transactions).
type tokens struct {
	run sync.Mutex
	// lastPrune is when expired token records were last dropped (guarded
	// by run): pruning scans every record, so it runs once a minute, not
	// on every transaction.
	lastPrune time.Time
}

// tokenPruneEvery is how often a tokened transaction also drops expired
// token records.
const tokenPruneEvery = time.Minute

// lookupToken returns the live record of token, if any.
func (e *Engine) lookupToken(token string, now time.Time) (tokenRecord, bool, error) {
	var (
		rec   tokenRecord
		found bool
	)
	err := e.db.View(func(tx *kv.Tx) error {
		b := tx.Bucket(tokensBucket)
		if b == nil {
			return nil
		}
		v := b.Get([]byte(token))
		if v == nil {
			return nil
		}
		if err := json.Unmarshal(v, &rec); err != nil {
			return fmt.Errorf("decode token record: %w", err)
		}
		found = now.Sub(time.Unix(0, rec.At)) < IdempotencyWindow
		return nil
	})
	if err != nil {
		return tokenRecord{}, false, wrapStore("transact write", "token", err)
	}
	return rec, found, nil
}

// tokenHook records token in the transaction that applies its items and,
// if prune is set, drops records older than IdempotencyWindow on the way.
func tokenHook(token, fingerprint string, now time.Time, prune bool) *txHook {
	var b *kv.Bucket
	return &txHook{
		before: func(tx *kv.Tx) error {
			var err error
			if b, err = tx.CreateBucketIfNotExists(tokensBucket); err != nil {
				return fmt.Errorf("token bucket: %w", err)
			}
			return nil
		},
		after: func(tx *kv.Tx, caps []Capacity) error {
			data, err := json.Marshal(tokenRecord{Fingerprint: fingerprint, At: now.UnixNano(), Caps: transactCapacity(caps)})
			if err != nil {
				return fmt.Errorf("encode token record: %w", err)
			}
			if !prune {
				return b.Put([]byte(token), data)
			}
			var stale [][]byte
			err = b.ForEach(func(k, v []byte) error {
				var r tokenRecord
				if json.Unmarshal(v, &r) != nil || now.Sub(time.Unix(0, r.At)) >= IdempotencyWindow {
					stale = append(stale, append([]byte(nil), k...))
				}
				return nil
			})
			if err != nil {
				return fmt.Errorf("scan tokens: %w", err)
			}
			for _, k := range stale {
				if err := b.Delete(k); err != nil {
					return fmt.Errorf("drop token: %w", err)
				}
			}
			return b.Put([]byte(token), data)
		},
	}
}

// TransactWriteItemsIdempotent is TransactWriteItems with a
// ClientRequestToken. fingerprint identifies the request's content (the
// wire layer hashes its canonical form). Within IdempotencyWindow, the
// same token with the same fingerprint answers as the first successful
// call did without applying anything again; with a different fingerprint
// it is an IdempotentParameterMismatchException. The token is stored in
// the transaction that applies the items, so it survives a restart and is
// never remembered for writes that did not commit. Failed transactions are
// not remembered: a retry runs again.
func (e *Engine) TransactWriteItemsIdempotent(ctx context.Context, token, fingerprint string, items []TransactItem) ([]Capacity, error) {
	if token == "" {
		return e.TransactWriteItems(ctx, items)
	}
	if len(token) > 36 {
		return nil, validationf("1 validation error detected: Value '%s' at 'clientRequestToken' failed to satisfy constraint: Member must have length less than or equal to 36", token)
	}
	e.tokens.run.Lock()
	defer e.tokens.run.Unlock()
	now := e.opts.Now()
	prev, ok, err := e.lookupToken(token, now)
	if err != nil {
		return nil, err
	}
	if ok {
		if prev.Fingerprint != fingerprint {
			return nil, &Error{Code: IdempotentParameterMismatch, Message: "DynamoDB rejected the request because you retried a request with a different payload but with an idempotent token that was already used."}
		}
		return prev.Caps, nil
	}
	prune := now.Sub(e.tokens.lastPrune) >= tokenPruneEvery
	caps, err := e.transactWrite(ctx, items, tokenHook(token, fingerprint, now, prune))
	if err == nil && prune {
		e.tokens.lastPrune = now
	}
	return caps, err
}
