package parity

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"
)

var _ = register("tables/lifecycle", func(t *testing.T, env *Env) {
	ctx := context.Background()
	name := createTable(t, env, "Life", true, func(in *dynamodb.CreateTableInput) {
		in.AttributeDefinitions = append(in.AttributeDefinitions, defs("lsk", "S", "gpk", "S")...)
		in.LocalSecondaryIndexes = []types.LocalSecondaryIndex{{IndexName: aws.String("byLsk"), KeySchema: ks("pk", "lsk"),
			Projection: &types.Projection{ProjectionType: types.ProjectionTypeInclude, NonKeyAttributes: []string{"a"}}}}
		in.GlobalSecondaryIndexes = []types.GlobalSecondaryIndex{{IndexName: aws.String("byG"), KeySchema: ks("gpk"),
			Projection: &types.Projection{ProjectionType: types.ProjectionTypeKeysOnly}}}
		in.Tags = []types.Tag{{Key: aws.String("team"), Value: aws.String("gophers")}}
	})
	d := must[*dynamodb.DescribeTableOutput](t, "describe")(env.DB.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(name)})).Table
	if d.TableStatus != types.TableStatusActive || len(d.LocalSecondaryIndexes) != 1 || len(d.GlobalSecondaryIndexes) != 1 ||
		d.BillingModeSummary == nil || d.BillingModeSummary.BillingMode != types.BillingModePayPerRequest {
		t.Fatalf("describe = %+v", d)
	}
	tags := must[*dynamodb.ListTagsOfResourceOutput](t, "tags")(env.DB.ListTagsOfResource(ctx, &dynamodb.ListTagsOfResourceInput{ResourceArn: d.TableArn}))
	if len(tags.Tags) != 1 || aws.ToString(tags.Tags[0].Value) != "gophers" {
		t.Fatalf("tags = %+v", tags.Tags)
	}
	// ListTables pages.
	second := createTable(t, env, "Life2", false, nil)
	seen := map[string]bool{}
	// Start just before this run's tables, so tables already on the
	// endpoint do not matter (ListTables sorts by name).
	start := aws.String(env.RunPrefix())
	for range 1000 {
		out := must[*dynamodb.ListTablesOutput](t, "list")(env.DB.ListTables(ctx, &dynamodb.ListTablesInput{Limit: aws.Int32(1), ExclusiveStartTableName: start}))
		if len(out.TableNames) > 1 {
			t.Fatalf("page of %d", len(out.TableNames))
		}
		for _, n := range out.TableNames {
			seen[n] = true
		}
		if seen[name] && seen[second] {
			break
		}
		if start = out.LastEvaluatedTableName; start == nil {
			break
		}
	}
	if !seen[name] || !seen[second] {
		t.Fatalf("paged list missed tables: %v", seen)
	}
	// TTL settings.
	must[*dynamodb.UpdateTimeToLiveOutput](t, "ttl on")(env.DB.UpdateTimeToLive(ctx, &dynamodb.UpdateTimeToLiveInput{TableName: aws.String(name),
		TimeToLiveSpecification: &types.TimeToLiveSpecification{Enabled: aws.Bool(true), AttributeName: aws.String("exp")}}))
	ttl := must[*dynamodb.DescribeTimeToLiveOutput](t, "ttl")(env.DB.DescribeTimeToLive(ctx, &dynamodb.DescribeTimeToLiveInput{TableName: aws.String(name)}))
	if ttl.TimeToLiveDescription.TimeToLiveStatus != types.TimeToLiveStatusEnabled || aws.ToString(ttl.TimeToLiveDescription.AttributeName) != "exp" {
		t.Fatalf("ttl = %+v", ttl.TimeToLiveDescription)
	}
	_, err := env.DB.UpdateTimeToLive(ctx, &dynamodb.UpdateTimeToLiveInput{TableName: aws.String(name),
		TimeToLiveSpecification: &types.TimeToLiveSpecification{Enabled: aws.Bool(true), AttributeName: aws.String("exp")}})
	env.wantErr(t, "ttl twice", err, "ValidationException", "TimeToLive is already enabled")
	must[*dynamodb.DeleteTableOutput](t, "delete")(env.DB.DeleteTable(ctx, &dynamodb.DeleteTableInput{TableName: aws.String(second)}))
	_, err = env.DB.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(second)})
	env.wantErr(t, "describe deleted", err, "ResourceNotFoundException", "Requested resource not found")
})

var _ = register("tables/tags", func(t *testing.T, env *Env) {
	ctx := context.Background()
	name := createTable(t, env, "Tags", false, nil)
	arn := must[*dynamodb.DescribeTableOutput](t, "describe")(env.DB.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(name)})).Table.TableArn
	must[*dynamodb.TagResourceOutput](t, "tag")(env.DB.TagResource(ctx, &dynamodb.TagResourceInput{ResourceArn: arn,
		Tags: []types.Tag{{Key: aws.String("b"), Value: aws.String("2")}, {Key: aws.String("a"), Value: aws.String("1")}}}))
	must[*dynamodb.UntagResourceOutput](t, "untag")(env.DB.UntagResource(ctx, &dynamodb.UntagResourceInput{ResourceArn: arn, TagKeys: []string{"b", "zz"}}))
	out := must[*dynamodb.ListTagsOfResourceOutput](t, "list")(env.DB.ListTagsOfResource(ctx, &dynamodb.ListTagsOfResourceInput{ResourceArn: arn}))
	if len(out.Tags) != 1 || aws.ToString(out.Tags[0].Key) != "a" || aws.ToString(out.Tags[0].Value) != "1" {
		t.Fatalf("tags = %+v", out.Tags)
	}
	missing := strings.Replace(aws.ToString(arn), name, "NoSuchTable", 1)
	_, err := env.DB.ListTagsOfResource(ctx, &dynamodb.ListTagsOfResourceInput{ResourceArn: aws.String(missing)})
	env.wantErr(t, "tags of missing", err, "ResourceNotFoundException", "Requested resource not found")
})

var _ = register("tables/update-gsi-backfill", func(t *testing.T, env *Env) {
	ctx := context.Background()
	name := createTable(t, env, "Upd", false, nil)
	put(t, env, name, item{"pk": s("a"), "color": s("red")})
	put(t, env, name, item{"pk": s("b"), "color": s("red")})
	put(t, env, name, item{"pk": s("c")}) // sparse: not indexed
	out := must[*dynamodb.UpdateTableOutput](t, "add gsi")(env.DB.UpdateTable(ctx, &dynamodb.UpdateTableInput{TableName: aws.String(name),
		AttributeDefinitions: defs("color", "S"),
		GlobalSecondaryIndexUpdates: []types.GlobalSecondaryIndexUpdate{{Create: &types.CreateGlobalSecondaryIndexAction{
			IndexName: aws.String("byColor"), KeySchema: ks("color"), Projection: &types.Projection{ProjectionType: types.ProjectionTypeAll}}}}}))
	if len(out.TableDescription.GlobalSecondaryIndexes) != 1 {
		t.Fatalf("gsi = %+v", out.TableDescription.GlobalSecondaryIndexes)
	}
	waitIndexActive(t, env, name, "byColor")
	q := must[*dynamodb.QueryOutput](t, "query gsi")(env.DB.Query(ctx, &dynamodb.QueryInput{TableName: aws.String(name), IndexName: aws.String("byColor"),
		KeyConditionExpression: aws.String("color = :c"), ExpressionAttributeValues: item{":c": s("red")}}))
	if q.Count != 2 {
		t.Fatalf("backfilled query count = %d", q.Count)
	}
	// Writes after the update maintain the new index.
	put(t, env, name, item{"pk": s("d"), "color": s("red")})
	q = must[*dynamodb.QueryOutput](t, "query gsi")(env.DB.Query(ctx, &dynamodb.QueryInput{TableName: aws.String(name), IndexName: aws.String("byColor"),
		KeyConditionExpression: aws.String("color = :c"), ExpressionAttributeValues: item{":c": s("red")}}))
	if q.Count != 3 {
		t.Fatalf("query count after write = %d", q.Count)
	}
	must[*dynamodb.UpdateTableOutput](t, "delete gsi")(env.DB.UpdateTable(ctx, &dynamodb.UpdateTableInput{TableName: aws.String(name),
		GlobalSecondaryIndexUpdates: []types.GlobalSecondaryIndexUpdate{{Delete: &types.DeleteGlobalSecondaryIndexAction{IndexName: aws.String("byColor")}}}}))
	waitIndexGone(t, env, name, "byColor")
	_, err := env.DB.Query(ctx, &dynamodb.QueryInput{TableName: aws.String(name), IndexName: aws.String("byColor"),
		KeyConditionExpression: aws.String("color = :c"), ExpressionAttributeValues: item{":c": s("red")}})
	env.wantErr(t, "query deleted gsi", err, "ValidationException", "The table does not have the specified index: byColor")
	// Billing mode switch.
	bm := must[*dynamodb.UpdateTableOutput](t, "billing")(env.DB.UpdateTable(ctx, &dynamodb.UpdateTableInput{TableName: aws.String(name),
		BillingMode: types.BillingModeProvisioned, ProvisionedThroughput: &types.ProvisionedThroughput{ReadCapacityUnits: aws.Int64(5), WriteCapacityUnits: aws.Int64(5)}}))
	if aws.ToInt64(bm.TableDescription.ProvisionedThroughput.ReadCapacityUnits) != 5 {
		t.Fatalf("throughput = %+v", bm.TableDescription.ProvisionedThroughput)
	}
})

// waitIndexActive waits for an index to be ACTIVE (at once on the embedded
// engine; DynamoDB Local may take a moment).
func waitIndexActive(t *testing.T, env *Env, table, index string) {
	t.Helper()
	for range 200 {
		d := must[*dynamodb.DescribeTableOutput](t, "describe")(env.DB.DescribeTable(context.Background(), &dynamodb.DescribeTableInput{TableName: aws.String(table)})).Table
		for _, g := range d.GlobalSecondaryIndexes {
			if aws.ToString(g.IndexName) == index && g.IndexStatus == types.IndexStatusActive {
				return
			}
		}
		waitABit()
	}
	t.Fatalf("index %s never became ACTIVE", index)
}

func waitIndexGone(t *testing.T, env *Env, table, index string) {
	t.Helper()
	for range 200 {
		d := must[*dynamodb.DescribeTableOutput](t, "describe")(env.DB.DescribeTable(context.Background(), &dynamodb.DescribeTableInput{TableName: aws.String(table)})).Table
		found := false
		for _, g := range d.GlobalSecondaryIndexes {
			found = found || aws.ToString(g.IndexName) == index
		}
		if !found {
			return
		}
		waitABit()
	}
	t.Fatalf("index %s never went away", index)
}

var _ = register("tables/stream-disable-enable", func(t *testing.T, env *Env) {
	ctx := context.Background()
	name := createTable(t, env, "Strm", false, func(in *dynamodb.CreateTableInput) {
		in.StreamSpecification = &types.StreamSpecification{StreamEnabled: aws.Bool(true), StreamViewType: types.StreamViewTypeKeysOnly}
	})
	d := must[*dynamodb.DescribeTableOutput](t, "describe")(env.DB.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(name)})).Table
	first := aws.ToString(d.LatestStreamArn)
	put(t, env, name, item{"pk": s("a")})
	must[*dynamodb.UpdateTableOutput](t, "disable")(env.DB.UpdateTable(ctx, &dynamodb.UpdateTableInput{TableName: aws.String(name),
		StreamSpecification: &types.StreamSpecification{StreamEnabled: aws.Bool(false)}}))
	put(t, env, name, item{"pk": s("b")}) // not streamed
	_, err := env.DB.UpdateTable(ctx, &dynamodb.UpdateTableInput{TableName: aws.String(name),
		StreamSpecification: &types.StreamSpecification{StreamEnabled: aws.Bool(false)}})
	env.wantErr(t, "disable twice", err, "ValidationException", "")
	up := must[*dynamodb.UpdateTableOutput](t, "enable")(env.DB.UpdateTable(ctx, &dynamodb.UpdateTableInput{TableName: aws.String(name),
		StreamSpecification: &types.StreamSpecification{StreamEnabled: aws.Bool(true), StreamViewType: types.StreamViewTypeNewImage}}))
	second := aws.ToString(up.TableDescription.LatestStreamArn)
	if second == "" || second == first || aws.ToString(up.TableDescription.LatestStreamLabel) == "" {
		t.Fatalf("new stream arn %q (old %q)", second, first)
	}
	put(t, env, name, item{"pk": s("c")})
	// The old stream is still readable and closed; the new one has the new write.
	old := must[*dynamodbstreams.DescribeStreamOutput](t, "describe old")(env.Streams.DescribeStream(ctx, &dynamodbstreams.DescribeStreamInput{StreamArn: aws.String(first)}))
	if old.StreamDescription.StreamStatus != "DISABLED" || len(old.StreamDescription.Shards) == 0 ||
		(len(old.StreamDescription.Shards) != 1 && !env.Has(t, StreamShardLayout)) ||
		old.StreamDescription.Shards[len(old.StreamDescription.Shards)-1].SequenceNumberRange.EndingSequenceNumber == nil {
		t.Fatalf("old stream = %+v", old.StreamDescription)
	}
	oldIt := must[*dynamodbstreams.GetShardIteratorOutput](t, "old iterator")(env.Streams.GetShardIterator(ctx, &dynamodbstreams.GetShardIteratorInput{
		StreamArn: aws.String(first), ShardId: old.StreamDescription.Shards[0].ShardId, ShardIteratorType: "TRIM_HORIZON"}))
	oldRecs := must[*dynamodbstreams.GetRecordsOutput](t, "old records")(env.Streams.GetRecords(ctx, &dynamodbstreams.GetRecordsInput{ShardIterator: oldIt.ShardIterator}))
	if len(oldRecs.Records) != 1 || oldRecs.NextShardIterator != nil {
		t.Fatalf("closed shard: %d records, next %v", len(oldRecs.Records), oldRecs.NextShardIterator)
	}
	if got := keysOf(t, env, first); got != `"a"` {
		t.Fatalf("old stream keys = %s", got)
	}
	if got := keysOf(t, env, second); got != `"c"` {
		t.Fatalf("new stream keys = %s", got)
	}
	ls := must[*dynamodbstreams.ListStreamsOutput](t, "list")(env.Streams.ListStreams(ctx, &dynamodbstreams.ListStreamsInput{TableName: aws.String(name)}))
	if len(ls.Streams) != 2 {
		t.Fatalf("streams = %+v", ls.Streams)
	}
})
