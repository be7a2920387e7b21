package ddbapi

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/sfapi/sfapi/internal/emulator/ddb"
	"github.com/sfapi/sfapi/internal/emulator/streams"
)

// The DynamoDB Streams operations: each table stream has one open shard.

func (h *handler) listStreams(ctx context.Context, in *listStreamsInput) (*listStreamsOutput, error) {
	limit, err := limitOf(in.Limit, "limit", 100)
	if err != nil {
		return nil, err
	}
	if limit == 0 {
		limit = 100
	}
	all, err := h.e.ListStreams(ctx, in.TableName)
	if err != nil {
		return nil, err
	}
	out := &listStreamsOutput{Streams: []streamSummary{}}
	started := in.ExclusiveStartStreamArn == ""
	for _, s := range all {
		if !started {
			started = s.StreamArn == in.ExclusiveStartStreamArn
			continue
		}
		if len(out.Streams) == limit {
			out.LastEvaluatedStreamArn = out.Streams[limit-1].StreamArn
			break
		}
		out.Streams = append(out.Streams, streamSummary{StreamArn: s.StreamArn, StreamLabel: s.StreamLabel, TableName: s.TableName})
	}
	return out, nil
}

func (h *handler) describeStream(ctx context.Context, in *describeStreamInput) (*describeStreamOutput, error) {
	if in.StreamArn == "" {
		return nil, validation("1 validation error detected: Value null at 'streamArn' failed to satisfy constraint: Member must not be null")
	}
	if _, err := limitOf(in.Limit, "limit", 100); err != nil {
		return nil, err
	}
	d, err := h.e.DescribeStream(ctx, in.StreamArn)
	if err != nil {
		return nil, err
	}
	start := d.First
	if start == "" {
		start = streams.FormatSequence(1)
	}
	out := streamDescription{StreamArn: d.StreamArn, StreamLabel: d.StreamLabel, StreamStatus: d.StreamStatus,
		StreamViewType: string(d.StreamViewType), CreationRequestDateTime: epoch(d.Created), TableName: d.TableName,
		KeySchema: d.KeySchema, Shards: []shard{}}
	if in.ExclusiveStartShardId != d.ShardID {
		r := sequenceNumberRange{StartingSequenceNumber: start}
		if d.StreamStatus == ddb.StreamDisabled {
			// A disabled stream's shard is closed at its last record.
			r.EndingSequenceNumber = d.Last
			if r.EndingSequenceNumber == "" {
				r.EndingSequenceNumber = start
			}
		}
		out.Shards = append(out.Shards, shard{ShardId: d.ShardID, SequenceNumberRange: r})
	}
	return &describeStreamOutput{StreamDescription: out}, nil
}

func (h *handler) getShardIterator(ctx context.Context, in *getShardIteratorInput) (*getShardIteratorOutput, error) {
	if in.StreamArn == "" || in.ShardId == "" {
		return nil, validation("1 validation error detected: Value null at 'streamArn' failed to satisfy constraint: Member must not be null")
	}
	d, err := h.e.DescribeStream(ctx, in.StreamArn)
	if err != nil {
		return nil, err
	}
	if in.ShardId != d.ShardID {
		return nil, &ddb.Error{Code: ddb.ResourceNotFound, Message: "Requested resource not found: Shard does not exist"}
	}
	t := streams.IteratorType(in.ShardIteratorType)
	switch t {
	case streams.AtSequenceNumber, streams.AfterSequenceNumber:
		if in.SequenceNumber == "" {
			return nil, validation("Must specify a sequence number for iterator type %s", t)
		}
	case streams.TrimHorizon, streams.Latest:
		if in.SequenceNumber != "" {
			return nil, validation("Cannot specify a sequence number for iterator type %s", t)
		}
	default:
		return nil, validation("1 validation error detected: Value '%s' at 'shardIteratorType' failed to satisfy constraint: Member must satisfy enum value set: [AFTER_SEQUENCE_NUMBER, LATEST, AT_SEQUENCE_NUMBER, TRIM_HORIZON]", in.ShardIteratorType)
	}
	after, err := streams.StartPosition(t, in.SequenceNumber, d.Last)
	if err != nil {
		return nil, validation("Invalid SequenceNumber: %s", in.SequenceNumber)
	}
	if in.SequenceNumber != "" {
		// A position before the trim horizon: ReadStream reports it.
		pos := after
		if pos == "" { // AT the first record ever: sequence 0 is "before it"
			pos = streams.FormatSequence(0)
		}
		if _, err := h.e.ReadStream(ctx, in.StreamArn, pos, 1); err != nil {
			return nil, err
		}
	}
	it := streams.Iterator{StreamARN: in.StreamArn, ShardID: in.ShardId, After: after, Issued: h.e.Now()}
	return &getShardIteratorOutput{ShardIterator: it.Encode()}, nil
}

func (h *handler) getRecords(ctx context.Context, in *getRecordsInput) (*getRecordsOutput, error) {
	limit, err := limitOf(in.Limit, "limit", 1000)
	if err != nil {
		return nil, err
	}
	if in.ShardIterator == "" {
		return nil, validation("1 validation error detected: Value null at 'shardIterator' failed to satisfy constraint: Member must not be null")
	}
	it, err := streams.DecodeIterator(in.ShardIterator, h.e.Now())
	if err != nil {
		return nil, err
	}
	recs, err := h.e.ReadStream(ctx, it.StreamARN, it.After, limit)
	if err != nil {
		return nil, err
	}
	out := &getRecordsOutput{Records: make([]json.RawMessage, len(recs))}
	for i := range recs {
		if out.Records[i], err = recs[i].AppendAPIJSON(nil); err != nil {
			return nil, fmt.Errorf("encode stream record: %w", err)
		}
	}
	next := it
	if len(recs) > 0 {
		next.After = recs[len(recs)-1].DynamoDB.SequenceNumber
	}
	next.Issued = h.e.Now()
	// A closed (disabled) shard that has been read to its end has no next
	// iterator, as on AWS.
	if d, err := h.e.DescribeStream(ctx, it.StreamARN); err == nil && d.StreamStatus == ddb.StreamDisabled && len(recs) < limitOr(limit, 1000) && (d.Last == "" || next.After >= d.Last) {
		return out, nil
	}
	out.NextShardIterator = next.Encode()
	return out, nil
}

func limitOr(limit, def int) int {
	if limit == 0 {
		return def
	}
	return limit
}
