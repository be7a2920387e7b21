package ddb

import (
	"context"
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

// tokens remembers the ClientRequestTokens of successful transactions.
type tokens struct {
	mu   sync.Mutex
	seen map[string]tokenEntry
	// run serialises token-bearing transactions, so two concurrent
	// requests with one token cannot both apply.
	run sync.Mutex
}

type tokenEntry struct {
	fingerprint string
	at          time.Time
	caps        []Capacity
}

func (tk *tokens) lookup(token string, now time.Time) (tokenEntry, bool) {
	tk.mu.Lock()
	defer tk.mu.Unlock()
	for k, v := range tk.seen {
		if now.Sub(v.at) >= IdempotencyWindow {
			delete(tk.seen, k)
		}
	}
	v, ok := tk.seen[token]
	return v, ok
}

func (tk *tokens) store(token string, v tokenEntry) {
	tk.mu.Lock()
	defer tk.mu.Unlock()
	if tk.seen == nil {
		tk.seen = map[string]tokenEntry{}
	}
	tk.seen[token] = v
}

// TransactWriteItemsIdempotent is TransactWriteItems with a
// ClientRequestToken. fingerprint identifies the request's content (the
// wire layer hashes its canonical form). Within IdempotencyWindow, the
// same token with the same fingerprint answers as the first successful
// call did without applying anything again; with a different fingerprint
// it is an IdempotentParameterMismatchException. Tokens are remembered in
// memory only: a restart forgets them.
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
	if prev, ok := e.tokens.lookup(token, now); ok {
		if prev.fingerprint != fingerprint {
			return nil, &Error{Code: IdempotentParameterMismatch, Message: "DynamoDB rejected the request because you retried a request with a different payload but with an idempotent token that was already used."}
		}
		return prev.caps, nil
	}
	caps, err := e.TransactWriteItems(ctx, items)
	if err != nil {
		return nil, err
	}
	e.tokens.store(token, tokenEntry{fingerprint: fingerprint, at: now, caps: caps})
	return caps, nil
}
