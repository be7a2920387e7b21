package ddb

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"sort"
	"time"

	"github.com/sfapi/sfapi/internal/emulator/kv"
	"github.com/sfapi/sfapi/internal/emulator/streams"
)

// StreamDescription describes a table's stream and its single shard.
type StreamDescription struct {
	StreamArn      string
	StreamLabel    string
	StreamStatus   string // ENABLED
	StreamViewType streams.ViewType
	TableName      string
	KeySchema      []KeySchemaElement
	Created        time.Time
	ShardID        string
	// First and Last are the sequence numbers of the oldest retained and the
	// newest record ("" when the stream is empty).
	First, Last string
}

// StreamARN returns the ARN of a table's stream, if it has one.
func (e *Engine) StreamARN(table string) (arn string, ok bool) {
	e.mu.RLock()
	defer e.mu.RUnlock()
	t := e.tables[table]
	if t == nil || t.meta.StreamARN == "" {
		return "", false
	}
	return t.meta.StreamARN, true
}

// streamTable resolves a stream ARN to its table.
func (e *Engine) streamTable(streamARN string) (*table, error) {
	name, ok := streams.TableFromARN(streamARN)
	if !ok {
		return nil, validationf("Invalid StreamArn")
	}
	e.mu.RLock()
	t := e.tables[name]
	e.mu.RUnlock()
	if t == nil || t.meta.StreamARN != streamARN {
		return nil, &Error{Code: ResourceNotFound, Message: fmt.Sprintf("Requested resource not found: Stream: %s not found", streamARN)}
	}
	return t, nil
}

// ListStreams returns the streams of all tables (or of one table), in
// table name order.
func (e *Engine) ListStreams(ctx context.Context, table string) ([]StreamDescription, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	e.mu.RLock()
	var out []StreamDescription
	for _, t := range e.tables {
		if t.meta.StreamARN == "" || (table != "" && t.meta.Spec.TableName != table) {
			continue
		}
		out = append(out, streamDesc(t))
	}
	e.mu.RUnlock()
	sort.Slice(out, func(i, j int) bool { return out[i].TableName < out[j].TableName })
	return out, nil
}

func streamDesc(t *table) StreamDescription {
	return StreamDescription{
		StreamArn: t.meta.StreamARN, StreamLabel: t.meta.StreamLabel, StreamStatus: "ENABLED",
		StreamViewType: t.meta.StreamView, TableName: t.meta.Spec.TableName, KeySchema: t.meta.Spec.KeySchema,
		Created: t.meta.StreamCreate, ShardID: t.meta.StreamShard,
	}
}

// DescribeStream describes a stream, including its retained sequence
// number range.
func (e *Engine) DescribeStream(ctx context.Context, streamARN string) (*StreamDescription, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	t, err := e.streamTable(streamARN)
	if err != nil {
		return nil, err
	}
	d := streamDesc(t)
	cutoff := uint64(e.opts.Now().Add(-streams.Retention).UnixNano())
	err = e.db.View(func(tx *kv.Tx) error {
		sb := streamBucketOf(tx, t)
		if sb == nil {
			return nil
		}
		c := sb.Cursor()
		for k, v := c.First(); k != nil; k, v = c.Next() {
			if len(v) >= 8 && binary.BigEndian.Uint64(v) >= cutoff {
				d.First = streams.FormatSequence(binary.BigEndian.Uint64(k))
				break
			}
		}
		if k, _ := c.Last(); k != nil && d.First != "" {
			d.Last = streams.FormatSequence(binary.BigEndian.Uint64(k))
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("describe stream: %w", err)
	}
	return &d, nil
}

func streamBucketOf(tx *kv.Tx, t *table) *kv.Bucket {
	tb := tx.Bucket(t.bucket)
	if tb == nil {
		return nil
	}
	return tb.Bucket(streamBucket)
}

// ReadStream returns up to limit records with SequenceNumber > after (""
// = from the oldest retained), in order. Records older than the retention
// period are skipped even before they are trimmed.
func (e *Engine) ReadStream(ctx context.Context, streamARN, after string, limit int) ([]streams.Record, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	t, err := e.streamTable(streamARN)
	if err != nil {
		return nil, err
	}
	var start uint64 = 1
	if after != "" {
		n, err := streams.ParseSequence(after)
		if err != nil {
			return nil, validationf("Invalid SequenceNumber: %s", after)
		}
		start = n + 1
	}
	if limit <= 0 || limit > 1000 {
		limit = 1000
	}
	cutoff := uint64(e.opts.Now().Add(-streams.Retention).UnixNano())
	var out []streams.Record
	err = e.db.View(func(tx *kv.Tx) error {
		sb := streamBucketOf(tx, t)
		if sb == nil {
			return nil
		}
		c := sb.Cursor()
		for k, v := c.Seek(seqKey(start)); k != nil && len(out) < limit; k, v = c.Next() {
			if len(v) < 8 || binary.BigEndian.Uint64(v) < cutoff {
				continue
			}
			var r streams.Record
			if err := json.Unmarshal(v[8:], &r); err != nil {
				return fmt.Errorf("decode stream record: %w", err)
			}
			out = append(out, r)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read stream: %w", err)
	}
	return out, nil
}

// WaitStream blocks until a record with SequenceNumber > after exists, or
// ctx is done. It sleeps on a channel that writers close, never polls.
func (e *Engine) WaitStream(ctx context.Context, streamARN, after string) error {
	for {
		ch := e.waitChan(streamARN)
		recs, err := e.ReadStream(ctx, streamARN, after, 1)
		if err != nil {
			return err
		}
		if len(recs) > 0 {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-ch:
		}
	}
}

func (e *Engine) waitChan(arn string) chan struct{} {
	e.waitMu.Lock()
	defer e.waitMu.Unlock()
	ch := e.wake[arn]
	if ch == nil {
		ch = make(chan struct{})
		e.wake[arn] = ch
	}
	return ch
}

// notify wakes WaitStream callers of a stream after a commit.
func (e *Engine) notify(arn string) {
	if arn == "" {
		return
	}
	e.waitMu.Lock()
	if ch := e.wake[arn]; ch != nil {
		close(ch)
		delete(e.wake, arn)
	}
	e.waitMu.Unlock()
}
