package ddb

import (
	"context"
	"fmt"
	"math/big"
	"time"

	"github.com/sfapi/sfapi/internal/emulator/ddb/attr"
	"github.com/sfapi/sfapi/internal/emulator/kv"
	"github.com/sfapi/sfapi/internal/emulator/streams"
)

// TTL sweeping limits.
const (
	// ttlBatch bounds the deletions of one write transaction, so a sweep
	// never holds the write path for long.
	ttlBatch = 100
	// ttlHorizon: DynamoDB ignores expiry times more than five years in
	// the past (AWS docs, "Using DynamoDB TTL").
	ttlHorizon = 5 * 365 * 24 * time.Hour
)

// expired reports whether it carries a TTL attribute (a number of epoch
// seconds) that is in the past at now, and not so old that DynamoDB would
// ignore it.
func expired(it attr.Item, name string, now time.Time) bool {
	v, ok := it[name]
	if !ok || v.Type != attr.TypeN {
		return false
	}
	r, err := attr.Rat(v.S)
	if err != nil {
		return false
	}
	nowSec := new(big.Rat).SetInt64(now.Unix())
	oldest := new(big.Rat).SetInt64(now.Add(-ttlHorizon).Unix())
	return r.Cmp(nowSec) < 0 && r.Cmp(oldest) >= 0
}

// SweepExpired deletes every item whose TTL attribute is in the past at
// now, in batches of at most 100 deletions per durable transaction. Each
// deletion writes a REMOVE stream record whose userIdentity is the
// DynamoDB service principal. It returns the number of items deleted.
func (e *Engine) SweepExpired(ctx context.Context, now time.Time) (int, error) {
	e.mu.RLock()
	var tables []*table
	for _, t := range e.tables {
		if t.meta.TTL.Enabled {
			tables = append(tables, t)
		}
	}
	e.mu.RUnlock()
	total := 0
	for _, t := range tables {
		n, err := e.sweepTable(ctx, t, now)
		total += n
		if err != nil {
			return total, err
		}
	}
	return total, nil
}

func (e *Engine) sweepTable(ctx context.Context, t *table, now time.Time) (int, error) {
	name := t.meta.TTL.AttributeName
	var after []byte // storage key to resume the scan after
	total := 0
	for {
		if err := ctx.Err(); err != nil {
			return total, err
		}
		var keys []attr.Item
		var last []byte
		err := e.db.View(func(tx *kv.Tx) error {
			tb := tx.Bucket(t.bucket)
			if tb == nil {
				return nil // deleted meanwhile
			}
			c := tb.Bucket(itemsBucket).Cursor()
			k, v := c.First()
			if after != nil {
				if k, v = c.Seek(after); k != nil && string(k) == string(after) {
					k, v = c.Next()
				}
			}
			for ; k != nil && len(keys) < ttlBatch; k, v = c.Next() {
				last = append(last[:0], k...)
				it, err := decodeItem(v)
				if err != nil {
					return err
				}
				if expired(it, name, now) {
					ks, err := t.key.extract(it, false)
					if err != nil {
						return err
					}
					keys = append(keys, ks)
				}
			}
			if k == nil {
				last = nil // scan complete
			}
			return nil
		})
		if err != nil {
			return total, fmt.Errorf("ttl sweep %q: %w", t.meta.Spec.TableName, err)
		}
		if len(keys) > 0 {
			n, err := e.expire(ctx, t, keys, name, now)
			total += n
			if err != nil {
				return total, err
			}
		}
		if last == nil {
			return total, nil
		}
		after = append([]byte(nil), last...)
	}
}

// expire deletes the given items in one transaction, re-checking each one:
// a write since the scan may have moved its expiry.
func (e *Engine) expire(ctx context.Context, t *table, keys []attr.Item, name string, now time.Time) (int, error) {
	id := streams.TTLIdentity
	writes := make([]pendingWrite, len(keys))
	for i, k := range keys {
		writes[i] = pendingWrite{t: t, keys: k, identity: &id, fn: func(old attr.Item) (attr.Item, error) {
			if old == nil || !expired(old, name, now) {
				return old, nil // unchanged: no write, no record
			}
			return nil, nil
		}}
	}
	_, plans, err := e.commitAll(ctx, writes, nil, nil)
	if err != nil {
		return 0, fmt.Errorf("ttl sweep %q: %w", t.meta.Spec.TableName, err)
	}
	n := 0
	for _, p := range plans {
		if p != nil && p.emit && p.new == nil {
			n++
		}
	}
	return n, nil
}

// RunTTL sweeps expired items every interval until ctx is done. Sweep
// errors are logged, not fatal: the next tick tries again.
func (e *Engine) RunTTL(ctx context.Context, every time.Duration) {
	if every <= 0 {
		every = time.Minute
	}
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
			n, err := e.SweepExpired(ctx, e.opts.Now())
			if err != nil && ctx.Err() == nil {
				e.log.Warn("ttl sweep failed", "err", err)
			}
			if n > 0 {
				e.log.Debug("ttl sweep", "deleted", n)
			}
		}
	}
}
