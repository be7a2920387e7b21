package parity

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"
	stypes "github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"
)

func waitABit() { time.Sleep(20 * time.Millisecond) }

// records reads a stream's whole shard from TRIM_HORIZON.
func records(t *testing.T, env *Env, arn string) []stypes.Record {
	t.Helper()
	ctx := context.Background()
	d := must[*dynamodbstreams.DescribeStreamOutput](t, "describe stream")(env.Streams.DescribeStream(ctx, &dynamodbstreams.DescribeStreamInput{StreamArn: aws.String(arn)}))
	var out []stypes.Record
	for _, sh := range d.StreamDescription.Shards {
		it := must[*dynamodbstreams.GetShardIteratorOutput](t, "iterator")(env.Streams.GetShardIterator(ctx, &dynamodbstreams.GetShardIteratorInput{
			StreamArn: aws.String(arn), ShardId: sh.ShardId, ShardIteratorType: stypes.ShardIteratorTypeTrimHorizon})).ShardIterator
		for range 100 {
			if it == nil {
				break
			}
			r := must[*dynamodbstreams.GetRecordsOutput](t, "records")(env.Streams.GetRecords(ctx, &dynamodbstreams.GetRecordsInput{ShardIterator: it}))
			out = append(out, r.Records...)
			if len(r.Records) == 0 {
				break
			}
			it = r.NextShardIterator
		}
	}
	return out
}

func keysOf(t *testing.T, env *Env, arn string) string {
	t.Helper()
	var parts []string
	for _, r := range records(t, env, arn) {
		parts = append(parts, show(toValue(r.Dynamodb.Keys["pk"])))
	}
	return strings.Join(parts, ",")
}

func events(recs []stypes.Record) string {
	var parts []string
	for _, r := range recs {
		parts = append(parts, string(r.EventName))
	}
	return strings.Join(parts, ",")
}

func streamTable(t *testing.T, env *Env, prefix string, view types.StreamViewType) (string, string) {
	t.Helper()
	name := createTable(t, env, prefix, false, func(in *dynamodb.CreateTableInput) {
		in.StreamSpecification = &types.StreamSpecification{StreamEnabled: aws.Bool(true), StreamViewType: view}
	})
	d := must[*dynamodb.DescribeTableOutput](t, "describe")(env.DB.DescribeTable(context.Background(), &dynamodb.DescribeTableInput{TableName: aws.String(name)})).Table
	return name, aws.ToString(d.LatestStreamArn)
}

var _ = register("streams/no-op-writes", func(t *testing.T, env *Env) {
	ctx := context.Background()
	name, arn := streamTable(t, env, "Noop", types.StreamViewTypeNewAndOldImages)
	put(t, env, name, item{"pk": s("a"), "v": n("1")})
	put(t, env, name, item{"pk": s("a"), "v": n("1")}) // identical put
	must[*dynamodb.UpdateItemOutput](t, "same update")(env.DB.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: aws.String(name), Key: item{"pk": s("a")},
		UpdateExpression: aws.String("SET v = :v"), ExpressionAttributeValues: item{":v": n("1")}}))
	must[*dynamodb.DeleteItemOutput](t, "delete missing")(env.DB.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: aws.String(name), Key: item{"pk": s("zz")}}))
	put(t, env, name, item{"pk": s("a"), "v": n("2")})
	must[*dynamodb.DeleteItemOutput](t, "delete")(env.DB.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: aws.String(name), Key: item{"pk": s("a")}}))
	recs := records(t, env, arn)
	if got := events(recs); got != "INSERT,MODIFY,REMOVE" {
		t.Fatalf("events = %s", got)
	}
	r := recs[1].Dynamodb
	if show(toItem(r.OldImage)) != `{pk:"a",v:1}` || show(toItem(r.NewImage)) != `{pk:"a",v:2}` || r.SizeBytes == nil || *r.SizeBytes <= 0 ||
		r.ApproximateCreationDateTime == nil || r.StreamViewType != stypes.StreamViewTypeNewAndOldImages || recs[1].UserIdentity != nil {
		t.Fatalf("modify record = %+v", r)
	}
})

var _ = register("streams/shards-and-limits", func(t *testing.T, env *Env) {
	ctx := context.Background()
	name, arn := streamTable(t, env, "Shard", types.StreamViewTypeKeysOnly)
	for _, k := range []string{"a", "b", "c"} {
		put(t, env, name, item{"pk": s(k)})
	}
	d := must[*dynamodbstreams.DescribeStreamOutput](t, "describe")(env.Streams.DescribeStream(ctx, &dynamodbstreams.DescribeStreamInput{StreamArn: aws.String(arn)}))
	sh := d.StreamDescription.Shards
	if len(sh) != 1 || sh[0].SequenceNumberRange == nil || sh[0].SequenceNumberRange.StartingSequenceNumber == nil ||
		sh[0].SequenceNumberRange.EndingSequenceNumber != nil || d.StreamDescription.StreamStatus != stypes.StreamStatusEnabled {
		t.Fatalf("shards = %+v", d.StreamDescription)
	}
	it := must[*dynamodbstreams.GetShardIteratorOutput](t, "iterator")(env.Streams.GetShardIterator(ctx, &dynamodbstreams.GetShardIteratorInput{
		StreamArn: aws.String(arn), ShardId: sh[0].ShardId, ShardIteratorType: stypes.ShardIteratorTypeTrimHorizon})).ShardIterator
	r := must[*dynamodbstreams.GetRecordsOutput](t, "limit 2")(env.Streams.GetRecords(ctx, &dynamodbstreams.GetRecordsInput{ShardIterator: it, Limit: aws.Int32(2)}))
	if len(r.Records) != 2 || r.NextShardIterator == nil {
		t.Fatalf("limit 2 = %d records", len(r.Records))
	}
	first := r.Records[0].Dynamodb.SequenceNumber
	rest := must[*dynamodbstreams.GetRecordsOutput](t, "rest")(env.Streams.GetRecords(ctx, &dynamodbstreams.GetRecordsInput{ShardIterator: r.NextShardIterator}))
	if len(rest.Records) != 1 {
		t.Fatalf("rest = %d records", len(rest.Records))
	}
	for _, lim := range []int32{0, 1001} {
		_, err := env.Streams.GetRecords(ctx, &dynamodbstreams.GetRecordsInput{ShardIterator: it, Limit: aws.Int32(lim)})
		wantErr(t, "bad limit", err, "ValidationException", "limit")
	}
	at := must[*dynamodbstreams.GetShardIteratorOutput](t, "at")(env.Streams.GetShardIterator(ctx, &dynamodbstreams.GetShardIteratorInput{
		StreamArn: aws.String(arn), ShardId: sh[0].ShardId, ShardIteratorType: stypes.ShardIteratorTypeAtSequenceNumber, SequenceNumber: first})).ShardIterator
	ra := must[*dynamodbstreams.GetRecordsOutput](t, "at records")(env.Streams.GetRecords(ctx, &dynamodbstreams.GetRecordsInput{ShardIterator: at}))
	if len(ra.Records) != 3 {
		t.Fatalf("AT_SEQUENCE_NUMBER read %d records", len(ra.Records))
	}
})

var _ = register("clock/streams-trim-horizon", func(t *testing.T, env *Env) {
	if env.Advance == nil {
		t.Log("endpoint cannot move its clock: trim horizon not checked")
		return
	}
	ctx := context.Background()
	name, arn := streamTable(t, env, "Trim", types.StreamViewTypeKeysOnly)
	put(t, env, name, item{"pk": s("old")})
	old := records(t, env, arn)[0].Dynamodb.SequenceNumber
	env.Advance(25 * time.Hour)
	put(t, env, name, item{"pk": s("new")})
	d := must[*dynamodbstreams.DescribeStreamOutput](t, "describe")(env.Streams.DescribeStream(ctx, &dynamodbstreams.DescribeStreamInput{StreamArn: aws.String(arn)}))
	shard := d.StreamDescription.Shards[0].ShardId
	for _, typ := range []stypes.ShardIteratorType{stypes.ShardIteratorTypeAtSequenceNumber, stypes.ShardIteratorTypeAfterSequenceNumber} {
		_, err := env.Streams.GetShardIterator(ctx, &dynamodbstreams.GetShardIteratorInput{StreamArn: aws.String(arn), ShardId: shard, ShardIteratorType: typ, SequenceNumber: old})
		if typ == stypes.ShardIteratorTypeAfterSequenceNumber {
			// AFTER the trimmed record is the first retained one: readable.
			if err != nil {
				t.Fatalf("AFTER trimmed record: %v", err)
			}
			continue
		}
		wantErr(t, string(typ), err, "TrimmedDataAccessException", "trimmed")
	}
	if got := keysOf(t, env, arn); got != `"new"` {
		t.Fatalf("retained keys = %s", got)
	}
})

// toItem converts a stream image to the dynamodb package's types, so show
// can render it.
func toItem(in map[string]stypes.AttributeValue) item {
	if in == nil {
		return nil
	}
	out := item{}
	for k, v := range in {
		out[k] = toValue(v)
	}
	return out
}

func toValue(v stypes.AttributeValue) types.AttributeValue {
	switch x := v.(type) {
	case *stypes.AttributeValueMemberS:
		return s(x.Value)
	case *stypes.AttributeValueMemberN:
		return n(x.Value)
	case *stypes.AttributeValueMemberB:
		return b(x.Value)
	case *stypes.AttributeValueMemberBOOL:
		return boolean(x.Value)
	case *stypes.AttributeValueMemberNULL:
		return &types.AttributeValueMemberNULL{Value: true}
	case *stypes.AttributeValueMemberSS:
		return ss(x.Value...)
	case *stypes.AttributeValueMemberNS:
		return ns(x.Value...)
	case *stypes.AttributeValueMemberBS:
		return &types.AttributeValueMemberBS{Value: x.Value}
	case *stypes.AttributeValueMemberL:
		out := make([]types.AttributeValue, len(x.Value))
		for i, e := range x.Value {
			out[i] = toValue(e)
		}
		return l(out...)
	case *stypes.AttributeValueMemberM:
		return m(toItem(x.Value))
	}
	return nil
}
