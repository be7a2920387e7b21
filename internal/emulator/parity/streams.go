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
	if len(sh) == 0 || (len(sh) != 1 && !env.Has(t, StreamShardLayout)) || sh[0].SequenceNumberRange == nil || sh[0].SequenceNumberRange.StartingSequenceNumber == nil ||
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
		env.wantErr(t, "bad limit", err, "ValidationException", "limit")
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
		t.Skip("the endpoint cannot move its clock (Env.Advance): the 24-hour trim horizon is not checked")
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
		env.wantErr(t, string(typ), err, "TrimmedDataAccessException", "trimmed")
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

// shardOf returns a stream's first shard id.
func shardOf(t *testing.T, env *Env, arn string) *string {
	t.Helper()
	d := must[*dynamodbstreams.DescribeStreamOutput](t, "describe")(env.Streams.DescribeStream(context.Background(), &dynamodbstreams.DescribeStreamInput{StreamArn: aws.String(arn)}))
	if len(d.StreamDescription.Shards) == 0 {
		t.Fatalf("stream %s has no shard", arn)
	}
	return d.StreamDescription.Shards[0].ShardId
}

var _ = register("streams/iterator-types", func(t *testing.T, env *Env) {
	ctx := context.Background()
	name, arn := streamTable(t, env, "Iter", types.StreamViewTypeKeysOnly)
	for _, k := range []string{"a", "b"} {
		put(t, env, name, item{"pk": s(k)})
	}
	shard := shardOf(t, env, arn)
	iter := func(typ stypes.ShardIteratorType, seq *string) *string {
		t.Helper()
		return must[*dynamodbstreams.GetShardIteratorOutput](t, string(typ))(env.Streams.GetShardIterator(ctx, &dynamodbstreams.GetShardIteratorInput{
			StreamArn: aws.String(arn), ShardId: shard, ShardIteratorType: typ, SequenceNumber: seq})).ShardIterator
	}
	read := func(it *string) string {
		t.Helper()
		r := must[*dynamodbstreams.GetRecordsOutput](t, "records")(env.Streams.GetRecords(ctx, &dynamodbstreams.GetRecordsInput{ShardIterator: it}))
		var parts []string
		for _, rec := range r.Records {
			parts = append(parts, show(toValue(rec.Dynamodb.Keys["pk"])))
		}
		return strings.Join(parts, ",")
	}
	all := records(t, env, arn)
	if len(all) != 2 {
		t.Fatalf("records = %d", len(all))
	}
	first := all[0].Dynamodb.SequenceNumber
	if got := read(iter(stypes.ShardIteratorTypeTrimHorizon, nil)); got != `"a","b"` {
		t.Fatalf("TRIM_HORIZON = %s", got)
	}
	if got := read(iter(stypes.ShardIteratorTypeAtSequenceNumber, first)); got != `"a","b"` {
		t.Fatalf("AT_SEQUENCE_NUMBER = %s", got)
	}
	if got := read(iter(stypes.ShardIteratorTypeAfterSequenceNumber, first)); got != `"b"` {
		t.Fatalf("AFTER_SEQUENCE_NUMBER = %s", got)
	}
	// LATEST starts after the newest record: it sees only later writes.
	latest := iter(stypes.ShardIteratorTypeLatest, nil)
	put(t, env, name, item{"pk": s("c")})
	if got := read(latest); got != `"c"` {
		t.Fatalf("LATEST = %s", got)
	}
	// Sequence numbers are decimal strings that grow.
	if len(aws.ToString(all[0].Dynamodb.SequenceNumber)) == 0 || aws.ToString(all[0].Dynamodb.SequenceNumber) == aws.ToString(all[1].Dynamodb.SequenceNumber) {
		t.Fatalf("sequence numbers %v %v", all[0].Dynamodb.SequenceNumber, all[1].Dynamodb.SequenceNumber)
	}
	_, err := env.Streams.GetShardIterator(ctx, &dynamodbstreams.GetShardIteratorInput{StreamArn: aws.String(arn), ShardId: shard,
		ShardIteratorType: stypes.ShardIteratorTypeAtSequenceNumber})
	env.wantErr(t, "AT without sequence number", err, "ValidationException", "")
	_, err = env.Streams.GetShardIterator(ctx, &dynamodbstreams.GetShardIteratorInput{StreamArn: aws.String(arn), ShardId: aws.String("shardId-00000000000000000000-00000000"),
		ShardIteratorType: stypes.ShardIteratorTypeTrimHorizon})
	env.wantErr(t, "unknown shard", err, "ResourceNotFoundException", "")
	_, err = env.Streams.GetRecords(ctx, &dynamodbstreams.GetRecordsInput{ShardIterator: aws.String(strings.Repeat("x", 40))})
	env.wantErr(t, "garbage iterator", err, "ValidationException", "")
	_, err = env.Streams.DescribeStream(ctx, &dynamodbstreams.DescribeStreamInput{StreamArn: aws.String(strings.Replace(arn, name, name+"x", 1))})
	env.wantErr(t, "unknown stream", err, "ResourceNotFoundException", "Requested resource not found")
})

var _ = register("clock/streams-expired-iterator", func(t *testing.T, env *Env) {
	if env.Advance == nil {
		t.Skip("the endpoint cannot move its clock (Env.Advance): the 15-minute iterator expiry is not checked")
	}
	ctx := context.Background()
	name, arn := streamTable(t, env, "Exp", types.StreamViewTypeKeysOnly)
	put(t, env, name, item{"pk": s("a")})
	it := must[*dynamodbstreams.GetShardIteratorOutput](t, "iterator")(env.Streams.GetShardIterator(ctx, &dynamodbstreams.GetShardIteratorInput{
		StreamArn: aws.String(arn), ShardId: shardOf(t, env, arn), ShardIteratorType: stypes.ShardIteratorTypeTrimHorizon})).ShardIterator
	r := must[*dynamodbstreams.GetRecordsOutput](t, "records")(env.Streams.GetRecords(ctx, &dynamodbstreams.GetRecordsInput{ShardIterator: it}))
	env.Advance(14 * time.Minute)
	// Iterators are valid for 15 minutes from their issue.
	must[*dynamodbstreams.GetRecordsOutput](t, "next at 14 min")(env.Streams.GetRecords(ctx, &dynamodbstreams.GetRecordsInput{ShardIterator: r.NextShardIterator}))
	env.Advance(2 * time.Minute)
	_, err := env.Streams.GetRecords(ctx, &dynamodbstreams.GetRecordsInput{ShardIterator: it})
	env.wantErr(t, "iterator after 16 minutes", err, "ExpiredIteratorException", "Iterator expired")
})

var _ = register("streams/view-types-and-record-fields", func(t *testing.T, env *Env) {
	ctx := context.Background()
	views := []struct {
		view     types.StreamViewType
		old, new bool
	}{
		{types.StreamViewTypeKeysOnly, false, false},
		{types.StreamViewTypeNewImage, false, true},
		{types.StreamViewTypeOldImage, true, false},
		{types.StreamViewTypeNewAndOldImages, true, true},
	}
	for _, v := range views {
		name, arn := streamTable(t, env, "View", v.view)
		put(t, env, name, item{"pk": s("a"), "v": n("1")})
		must[*dynamodb.UpdateItemOutput](t, "update")(env.DB.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: aws.String(name), Key: item{"pk": s("a")},
			UpdateExpression: aws.String("SET v = :v"), ExpressionAttributeValues: item{":v": n("2")}}))
		must[*dynamodb.DeleteItemOutput](t, "delete")(env.DB.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: aws.String(name), Key: item{"pk": s("a")}}))
		recs := records(t, env, arn)
		if got := events(recs); got != "INSERT,MODIFY,REMOVE" {
			t.Fatalf("%s: events = %s", v.view, got)
		}
		ids := map[string]bool{}
		prevSeq := ""
		region := "us-east-1"
		if env.Has(t, LocalRegion) {
			region = "ddblocal"
		}
		for i, r := range recs {
			d := r.Dynamodb
			if aws.ToString(r.EventSource) != "aws:dynamodb" || aws.ToString(r.EventVersion) != "1.1" || aws.ToString(r.AwsRegion) != region ||
				aws.ToString(r.EventID) == "" || ids[aws.ToString(r.EventID)] || d.StreamViewType != stypes.StreamViewType(v.view) ||
				show(toItem(d.Keys)) != `{pk:"a"}` || d.SizeBytes == nil || *d.SizeBytes <= 0 || d.ApproximateCreationDateTime == nil {
				t.Fatalf("%s record %d = %+v / %+v", v.view, i, r, d)
			}
			ids[aws.ToString(r.EventID)] = true
			if seq := aws.ToString(d.SequenceNumber); len(seq) < len(prevSeq) || (len(seq) == len(prevSeq) && seq <= prevSeq) {
				t.Fatalf("%s: sequence %s not after %s", v.view, seq, prevSeq)
			} else {
				prevSeq = seq
			}
			// INSERT has no old image, REMOVE no new one; otherwise the view
			// type decides.
			wantOld := v.old && r.EventName != stypes.OperationTypeInsert
			wantNew := v.new && r.EventName != stypes.OperationTypeRemove
			if (d.OldImage != nil) != wantOld || (d.NewImage != nil) != wantNew {
				t.Fatalf("%s %s: old %v new %v", v.view, r.EventName, d.OldImage, d.NewImage)
			}
		}
		if v.view == types.StreamViewTypeNewAndOldImages {
			if show(toItem(recs[1].Dynamodb.OldImage)) != `{pk:"a",v:1}` || show(toItem(recs[1].Dynamodb.NewImage)) != `{pk:"a",v:2}` ||
				show(toItem(recs[2].Dynamodb.OldImage)) != `{pk:"a",v:2}` {
				t.Fatalf("images = %+v", recs)
			}
		}
	}
	// DescribeStream answers for each stream: table name, view type, key
	// schema, a shard whose range starts at or before the first record.
	name, arn := streamTable(t, env, "Desc", types.StreamViewTypeNewImage)
	put(t, env, name, item{"pk": s("a")})
	d := must[*dynamodbstreams.DescribeStreamOutput](t, "describe")(env.Streams.DescribeStream(ctx, &dynamodbstreams.DescribeStreamInput{StreamArn: aws.String(arn)})).StreamDescription
	if aws.ToString(d.TableName) != name || d.StreamViewType != stypes.StreamViewTypeNewImage || len(d.KeySchema) != 1 ||
		aws.ToString(d.KeySchema[0].AttributeName) != "pk" || aws.ToString(d.StreamLabel) == "" || d.CreationRequestDateTime == nil ||
		!strings.HasSuffix(arn, "/stream/"+aws.ToString(d.StreamLabel)) || aws.ToString(d.StreamArn) != arn {
		t.Fatalf("describe = %+v", d)
	}
	first := aws.ToString(records(t, env, arn)[0].Dynamodb.SequenceNumber)
	start := aws.ToString(d.Shards[0].SequenceNumberRange.StartingSequenceNumber)
	if len(start) > len(first) || (len(start) == len(first) && start > first) {
		t.Fatalf("shard starts at %s, after the first record %s", start, first)
	}
	ls := must[*dynamodbstreams.ListStreamsOutput](t, "list")(env.Streams.ListStreams(ctx, &dynamodbstreams.ListStreamsInput{TableName: aws.String(name)}))
	if len(ls.Streams) != 1 || aws.ToString(ls.Streams[0].StreamArn) != arn || aws.ToString(ls.Streams[0].TableName) != name {
		t.Fatalf("list streams = %+v", ls.Streams)
	}
})
