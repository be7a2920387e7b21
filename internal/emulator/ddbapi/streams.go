package ddbapi

import (
	"context"

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
		out.Shards = append(out.Shards, shard{ShardId: d.ShardID, SequenceNumberRange: sequenceNumberRange{StartingSequenceNumber: start}})
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
	if d.First != "" && in.SequenceNumber != "" && in.SequenceNumber < d.First {
		return nil, &ddb.Error{Code: "TrimmedDataAccessException", Message: "The operation attempted to read past the oldest stream record in a shard."}
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
	if recs == nil {
		recs = []streams.Record{}
	}
	next := it
	if len(recs) > 0 {
		next.After = recs[len(recs)-1].DynamoDB.SequenceNumber
	}
	next.Issued = h.e.Now()
	return &getRecordsOutput{Records: recs, NextShardIterator: next.Encode()}, nil
}
