package remote

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/sfapi/sfapi/internal/emulator/awsjson"
	"github.com/sfapi/sfapi/internal/emulator/pipes"
)

// DefaultPollInterval is how often Wait asks an idle stream for records.
// DynamoDB Streams has no long poll; Lambda and Pipes poll a shard about
// four times a second.
const DefaultPollInterval = 250 * time.Millisecond

// StreamSource is a pipes.Source over the DynamoDB Streams API: it walks
// the stream's shards parent first, reads each with GetRecords, and finds
// its place again from a sequence number (the pipe's checkpoint) with
// GetShardIterator AFTER_SEQUENCE_NUMBER.
//
// Records are kept as the raw JSON the Streams API answered, so a pipe
// sees exactly the record document the remote produced.
type StreamSource struct {
	f    *Forwarder
	arn  string
	poll time.Duration

	mu sync.Mutex
	// pos is the sequence number the caller last asked to read after; buf
	// holds the records already fetched after pos, in order, and iter
	// continues after the last of them in shard.
	pos   string
	valid bool
	buf   []pipes.Record
	shard string
	iter  string
}

var _ pipes.Source = (*StreamSource)(nil)

// NewStreamSource reads the stream arn of the Streams endpoint f.
func NewStreamSource(f *Forwarder, arn string, poll time.Duration) *StreamSource {
	if poll <= 0 {
		poll = DefaultPollInterval
	}
	return &StreamSource{f: f, arn: arn, poll: poll}
}

// Read returns up to limit records after the sequence number after.
func (s *StreamSource) Read(ctx context.Context, after string, limit int) ([]pipes.Record, error) {
	if limit <= 0 {
		return nil, nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.seek(ctx, after); err != nil {
		return nil, err
	}
	if len(s.buf) < limit {
		if err := s.fetch(ctx); err != nil {
			return nil, err
		}
	}
	n := min(limit, len(s.buf))
	return slices.Clone(s.buf[:n]), nil
}

// Wait blocks until a record after the sequence number after exists.
func (s *StreamSource) Wait(ctx context.Context, after string) error {
	for {
		s.mu.Lock()
		err := s.seek(ctx, after)
		if err == nil && len(s.buf) == 0 {
			err = s.fetch(ctx)
		}
		have := len(s.buf) > 0
		s.mu.Unlock()
		if err != nil {
			return err
		}
		if have {
			return nil
		}
		t := time.NewTimer(s.poll)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
	}
}

// Latest returns the sequence number of the newest record, reading the
// stream's last shard to its end ("" when the stream holds no record).
func (s *StreamSource) Latest(ctx context.Context) (string, error) {
	shards, err := s.shards(ctx)
	if err != nil {
		return "", err
	}
	last := ""
	for _, sh := range shards {
		it, err := s.iterator(ctx, sh.ShardID, "TRIM_HORIZON", "")
		if err != nil {
			return "", err
		}
		for it != "" {
			recs, next, err := s.getRecords(ctx, it)
			if err != nil {
				return "", err
			}
			if len(recs) > 0 {
				last = recs[len(recs)-1].SequenceNumber
			}
			if len(recs) == 0 {
				break
			}
			it = next
		}
	}
	return last, nil
}

// seek lines the buffer up with after: kept when after is where it
// starts, trimmed when after is one of its records, else rebuilt from a
// new shard iterator.
func (s *StreamSource) seek(ctx context.Context, after string) error {
	if s.valid && after == s.pos {
		return nil
	}
	if s.valid {
		for i, r := range s.buf {
			if r.SequenceNumber == after {
				s.buf = s.buf[i+1:]
				s.pos = after
				return nil
			}
		}
	}
	s.valid, s.buf, s.iter, s.shard = false, nil, "", ""
	shards, err := s.shards(ctx)
	if err != nil {
		return err
	}
	sh, typ := positionIn(shards, after)
	if sh == "" {
		// An empty stream: no shard yet. The next call looks again.
		return nil
	}
	it, err := s.iterator(ctx, sh, typ, after)
	if err != nil {
		return err
	}
	s.pos, s.valid, s.shard, s.iter = after, true, sh, it
	return nil
}

// fetch appends the next page of records to the buffer, moving on to the
// child shard when the current one is closed and read to its end.
func (s *StreamSource) fetch(ctx context.Context) error {
	if !s.valid {
		return nil
	}
	for range 16 {
		if s.iter == "" {
			next, err := s.childOf(ctx, s.shard)
			if err != nil || next == "" {
				return err
			}
			it, err := s.iterator(ctx, next, "TRIM_HORIZON", "")
			if err != nil {
				return err
			}
			s.shard, s.iter = next, it
		}
		recs, next, err := s.getRecords(ctx, s.iter)
		var ae *awsjson.Error
		if errors.As(err, &ae) && (ae.Code == "ExpiredIteratorException" || ae.Code == "TrimmedDataAccessException") {
			// Iterators last 15 minutes; find the place again.
			last := s.pos
			if len(s.buf) > 0 {
				last = s.buf[len(s.buf)-1].SequenceNumber
			}
			keep, pos := s.buf, s.pos
			s.valid = false
			if err := s.seek(ctx, last); err != nil {
				return err
			}
			s.buf, s.pos = keep, pos
			continue
		}
		if err != nil {
			return err
		}
		s.iter = next
		if len(recs) > 0 {
			s.buf = append(s.buf, recs...)
			return nil
		}
		if next != "" {
			// An open shard with nothing new.
			return nil
		}
	}
	return nil
}

type shard struct {
	ShardID             string `json:"ShardId"`
	ParentShardID       string `json:"ParentShardId"`
	SequenceNumberRange struct {
		StartingSequenceNumber string
		EndingSequenceNumber   string
	}
}

// shards lists the stream's shards, parents before children.
func (s *StreamSource) shards(ctx context.Context) ([]shard, error) {
	var all []shard
	start := ""
	for {
		req := map[string]any{"StreamArn": s.arn}
		if start != "" {
			req["ExclusiveStartShardId"] = start
		}
		var out struct {
			StreamDescription struct {
				Shards               []shard
				LastEvaluatedShardId string
			}
		}
		if err := s.call(ctx, "DescribeStream", req, &out); err != nil {
			return nil, err
		}
		all = append(all, out.StreamDescription.Shards...)
		start = out.StreamDescription.LastEvaluatedShardId
		if start == "" {
			break
		}
	}
	return orderShards(all), nil
}

// orderShards sorts shards by their first sequence number, which puts a
// parent before its children (a child starts after its parent ends).
func orderShards(sh []shard) []shard {
	slices.SortStableFunc(sh, func(a, b shard) int {
		return compareSeq(a.SequenceNumberRange.StartingSequenceNumber, b.SequenceNumberRange.StartingSequenceNumber)
	})
	return sh
}

// positionIn picks the shard and iterator type that continue after the
// sequence number after ("" = from the oldest record).
func positionIn(shards []shard, after string) (id, iterType string) {
	if len(shards) == 0 {
		return "", ""
	}
	if after == "" {
		return shards[0].ShardID, "TRIM_HORIZON"
	}
	for i, sh := range shards {
		r := sh.SequenceNumberRange
		if compareSeq(after, r.StartingSequenceNumber) < 0 {
			// after is older than this shard (trimmed, or between shards).
			return sh.ShardID, "TRIM_HORIZON"
		}
		if r.EndingSequenceNumber == "" || compareSeq(after, r.EndingSequenceNumber) < 0 {
			return sh.ShardID, "AFTER_SEQUENCE_NUMBER"
		}
		if i == len(shards)-1 {
			// The last record of a closed shard with no child yet.
			return sh.ShardID, "AFTER_SEQUENCE_NUMBER"
		}
	}
	return shards[len(shards)-1].ShardID, "AFTER_SEQUENCE_NUMBER"
}

// childOf returns the shard that follows id ("" when none exists yet).
func (s *StreamSource) childOf(ctx context.Context, id string) (string, error) {
	shards, err := s.shards(ctx)
	if err != nil {
		return "", err
	}
	for _, sh := range shards {
		if sh.ParentShardID == id {
			return sh.ShardID, nil
		}
	}
	for i, sh := range shards {
		if sh.ShardID == id && i+1 < len(shards) {
			return shards[i+1].ShardID, nil
		}
	}
	return "", nil
}

func (s *StreamSource) iterator(ctx context.Context, shardID, typ, seq string) (string, error) {
	req := map[string]any{"StreamArn": s.arn, "ShardId": shardID, "ShardIteratorType": typ}
	if typ == "AFTER_SEQUENCE_NUMBER" {
		req["SequenceNumber"] = seq
	}
	var out struct{ ShardIterator string }
	if err := s.call(ctx, "GetShardIterator", req, &out); err != nil {
		return "", err
	}
	return out.ShardIterator, nil
}

func (s *StreamSource) getRecords(ctx context.Context, it string) ([]pipes.Record, string, error) {
	var out struct {
		Records           []json.RawMessage
		NextShardIterator string
	}
	if err := s.call(ctx, "GetRecords", map[string]any{"ShardIterator": it, "Limit": 1000}, &out); err != nil {
		return nil, "", err
	}
	recs := make([]pipes.Record, 0, len(out.Records))
	for _, raw := range out.Records {
		var r struct {
			DynamoDB struct{ SequenceNumber string } `json:"dynamodb"`
		}
		if err := json.Unmarshal(raw, &r); err != nil || r.DynamoDB.SequenceNumber == "" {
			return nil, "", fmt.Errorf("GetRecords on %s: a record without dynamodb.SequenceNumber", s.arn)
		}
		recs = append(recs, pipes.Record{SequenceNumber: r.DynamoDB.SequenceNumber, Body: raw})
	}
	return recs, out.NextShardIterator, nil
}

func (s *StreamSource) call(ctx context.Context, action string, req, out any) error {
	body, err := json.Marshal(req)
	if err != nil {
		return err
	}
	raw, err := s.f.Invoke(ctx, StreamsPrefix+"."+action, body)
	if err != nil {
		var ae *awsjson.Error
		if errors.As(err, &ae) && ae.Status >= http.StatusInternalServerError {
			return fmt.Errorf("stream %s: %s: %w", s.arn, action, err)
		}
		return err
	}
	if err := json.Unmarshal(raw, out); err != nil {
		return fmt.Errorf("stream %s: %s answer: %w", s.arn, action, err)
	}
	return nil
}

// compareSeq orders DynamoDB sequence numbers: decimal strings of any
// length (compared as numbers, leading zeros ignored).
func compareSeq(a, b string) int {
	a, b = strings.TrimLeft(a, "0"), strings.TrimLeft(b, "0")
	if len(a) != len(b) {
		if len(a) < len(b) {
			return -1
		}
		return 1
	}
	return strings.Compare(a, b)
}
