package ddb

import (
	"context"
	"encoding/binary"
	"fmt"
	"sort"
	"time"

	"github.com/sfapi/sfapi/internal/emulator/kv"
	"github.com/sfapi/sfapi/internal/emulator/streams"
)

// Stream statuses.
const (
	StreamEnabled  = "ENABLED"
	StreamDisabled = "DISABLED"
)

// TrimmedDataAccess is the error code of a read before the trim horizon.
const TrimmedDataAccess Code = "TrimmedDataAccessException"

// StreamDescription describes a stream and its single shard.
type StreamDescription struct {
	StreamArn      string
	StreamLabel    string
	StreamStatus   string // ENABLED or DISABLED
	StreamViewType streams.ViewType
	TableName      string
	KeySchema      []KeySchemaElement
	Created        time.Time
	ShardID        string
	// First and Last are the sequence numbers of the oldest retained and the
	// newest record ("" when the stream is empty). A disabled stream's shard
	// is closed: Last is its EndingSequenceNumber.
	First, Last string
}

// streamRef is one stream of a table: the latest or an older one.
type streamRef struct {
	arn, label, shard string
	view              streams.ViewType
	created, off      time.Time // off is zero while the stream is enabled
	bucket            []byte
}

// latestStream returns the table's newest stream, if it ever had one.
func (t *table) latestStream() (streamRef, bool) {
	m := &t.meta
	if m.StreamARN == "" {
		return streamRef{}, false
	}
	b := streamBucket
	if m.StreamBucket != "" {
		b = []byte(m.StreamBucket)
	}
	r := streamRef{arn: m.StreamARN, label: m.StreamLabel, shard: m.StreamShard, view: m.StreamView, created: m.StreamCreate, bucket: b}
	if !m.StreamOn {
		r.off = m.StreamOff
		if r.off.IsZero() {
			r.off = m.StreamCreate
		}
	}
	return r, true
}

// streamRefs returns every stream of t still readable at now: the latest
// and the older ones disabled less than the retention period ago.
func (t *table) streamRefs(now time.Time) []streamRef {
	var out []streamRef
	if r, ok := t.latestStream(); ok {
		out = append(out, r)
	}
	for _, o := range t.meta.OldStreams {
		if now.Sub(o.Disabled) >= streams.Retention {
			continue
		}
		out = append(out, streamRef{arn: o.ARN, label: o.Label, shard: o.Shard, view: o.View, created: o.Created, off: o.Disabled, bucket: []byte(o.Bucket)})
	}
	return out
}

// StreamARN returns the ARN of a table's latest stream, if it has one.
func (e *Engine) StreamARN(table string) (arn string, ok bool) {
	e.mu.RLock()
	defer e.mu.RUnlock()
	t := e.tables[table]
	if t == nil || t.meta.StreamARN == "" {
		return "", false
	}
	return t.meta.StreamARN, true
}

// streamOf resolves a stream ARN to its table and stream.
func (e *Engine) streamOf(streamARN string) (*table, streamRef, error) {
	name, ok := streams.TableFromARN(streamARN)
	if !ok {
		return nil, streamRef{}, validationf("Invalid StreamArn")
	}
	e.mu.RLock()
	t := e.tables[name]
	e.mu.RUnlock()
	if t != nil {
		for _, r := range t.streamRefs(e.opts.Now()) {
			if r.arn == streamARN {
				return t, r, nil
			}
		}
	}
	return nil, streamRef{}, &Error{Code: ResourceNotFound, Message: fmt.Sprintf("Requested resource not found: Stream: %s not found", streamARN)}
}

// ListStreams returns the readable streams of all tables (or of one
// table), in table name order, newest stream first within a table.
func (e *Engine) ListStreams(ctx context.Context, table string) ([]StreamDescription, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	now := e.opts.Now()
	e.mu.RLock()
	var out []StreamDescription
	for _, t := range e.tables {
		if table != "" && t.meta.Spec.TableName != table {
			continue
		}
		for _, r := range t.streamRefs(now) {
			out = append(out, streamDesc(t, r))
		}
	}
	e.mu.RUnlock()
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].TableName != out[j].TableName {
			return out[i].TableName < out[j].TableName
		}
		return out[i].Created.After(out[j].Created)
	})
	return out, nil
}

func streamDesc(t *table, r streamRef) StreamDescription {
	status := StreamEnabled
	if !r.off.IsZero() {
		status = StreamDisabled
	}
	return StreamDescription{
		StreamArn: r.arn, StreamLabel: r.label, StreamStatus: status,
		StreamViewType: r.view, TableName: t.meta.Spec.TableName, KeySchema: t.meta.Spec.KeySchema,
		Created: r.created, ShardID: r.shard,
	}
}

// DescribeStream describes a stream, including its retained sequence
// number range.
func (e *Engine) DescribeStream(ctx context.Context, streamARN string) (*StreamDescription, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	t, r, err := e.streamOf(streamARN)
	if err != nil {
		return nil, err
	}
	d := streamDesc(t, r)
	cutoff := uint64(e.opts.Now().Add(-streams.Retention).UnixNano())
	err = e.db.View(func(tx *kv.Tx) error {
		sb := streamBucketOf(tx, t, r)
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

func streamBucketOf(tx *kv.Tx, t *table, r streamRef) *kv.Bucket {
	tb := tx.Bucket(t.bucket)
	if tb == nil {
		return nil
	}
	return tb.Bucket(r.bucket)
}

// ReadStream returns up to limit records with SequenceNumber > after (""
// = from the oldest retained), in order. Records older than the retention
// period are skipped even before they are physically trimmed. A position
// before the oldest retained record (other than "") is a
// TrimmedDataAccessException, as on AWS.
func (e *Engine) ReadStream(ctx context.Context, streamARN, after string, limit int) ([]streams.Record, error) {
	var out []streams.Record
	err := e.scanStream(ctx, streamARN, after, limit, func(v []byte) error {
		rec, err := streams.DecodeRecord(v)
		if err != nil {
			return err
		}
		out = append(out, rec)
		return nil
	})
	return out, err
}

// scanStream is ReadStream handing each record's stored JSON to fn
// (valid only during the call) instead of decoding it.
func (e *Engine) scanStream(ctx context.Context, streamARN, after string, limit int, fn func(v []byte) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	t, r, err := e.streamOf(streamARN)
	if err != nil {
		return err
	}
	var start uint64 = 1
	if after != "" {
		n, err := streams.ParseSequence(after)
		if err != nil {
			return validationf("Invalid SequenceNumber: %s", after)
		}
		start = n + 1
	}
	if limit <= 0 || limit > 1000 {
		limit = 1000
	}
	cutoff := uint64(e.opts.Now().Add(-streams.Retention).UnixNano())
	err = e.db.View(func(tx *kv.Tx) error {
		sb := streamBucketOf(tx, t, r)
		if sb == nil {
			return nil
		}
		c := sb.Cursor()
		k, v := c.Seek(seqKey(start))
		if after != "" {
			// Sequence numbers are dense, so anything between start and
			// the first retained record was written and then trimmed.
			first := sb.Sequence() + 1 // nothing retained: everything written is gone
			for fk, fv := c.First(); fk != nil; fk, fv = c.Next() {
				if len(fv) >= 8 && binary.BigEndian.Uint64(fv) >= cutoff {
					first = binary.BigEndian.Uint64(fk)
					break
				}
			}
			if start < first && start <= sb.Sequence() {
				return &Error{Code: TrimmedDataAccess, Message: "The operation attempted to read past the oldest stream record in a shard, or the records have been trimmed."}
			}
			k, v = c.Seek(seqKey(start))
		}
		for n := 0; k != nil && n < limit; k, v = c.Next() {
			if len(v) < 8 || binary.BigEndian.Uint64(v) < cutoff {
				continue
			}
			if err := fn(v[8:]); err != nil {
				return err
			}
			n++
		}
		return nil
	})
	return wrapStore("read stream", streamARN, err)
}

// WaitStream blocks until a record with SequenceNumber > after exists, or
// ctx is done. It sleeps on a channel that writers close, never polls.
func (e *Engine) WaitStream(ctx context.Context, streamARN, after string) error {
	for {
		ch := e.waitChan(streamARN)
		found := false
		err := e.scanStream(ctx, streamARN, after, 1, func([]byte) error {
			found = true
			return nil
		})
		if err != nil {
			return err
		}
		if found {
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
