package ddbapi

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"
	stypes "github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"

	"github.com/sfapi/sfapi/internal/emulator/awsjson"
	"github.com/sfapi/sfapi/internal/emulator/ddb"
	"github.com/sfapi/sfapi/internal/emulator/kv"
)

type fixture struct {
	store   *kv.DB
	mux     *awsjson.Mux
	url     string
	db      *dynamodb.Client
	streams *dynamodbstreams.Client
}

func newFixture(t testing.TB) *fixture {
	t.Helper()
	return newFixtureWith(t, kv.Options{})
}

func newFixtureWith(t testing.TB, opts kv.Options) *fixture {
	t.Helper()
	store, err := kv.Open(filepath.Join(t.TempDir(), "wire.db"), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = store.Close() })
	e, err := ddb.Open(store, ddb.Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	mux := awsjson.NewMux(slog.New(slog.DiscardHandler))
	Register(mux, e)
	// The fixture serves through the same HTTP front as `sfapi dev`.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := awsjson.NewServer(mux, awsjson.ServerOptions{})
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
	})
	url := "http://" + ln.Addr().String()
	cfg := aws.Config{
		Region:      "us-east-1",
		Credentials: credentials.NewStaticCredentialsProvider("AKID", "SECRET", ""),
	}
	return &fixture{
		store: store,
		mux:   mux, url: url,
		db:      dynamodb.NewFromConfig(cfg, func(o *dynamodb.Options) { o.BaseEndpoint = aws.String(url) }),
		streams: dynamodbstreams.NewFromConfig(cfg, func(o *dynamodbstreams.Options) { o.BaseEndpoint = aws.String(url) }),
	}
}

func sv(s string) types.AttributeValue { return &types.AttributeValueMemberS{Value: s} }
func nv(s string) types.AttributeValue { return &types.AttributeValueMemberN{Value: s} }

func str(av types.AttributeValue) string {
	switch v := av.(type) {
	case *types.AttributeValueMemberS:
		return v.Value
	case *types.AttributeValueMemberN:
		return v.Value
	}
	return fmt.Sprintf("%T", av)
}

func createGophers(t *testing.T, f *fixture) *types.TableDescription {
	t.Helper()
	out, err := f.db.CreateTable(context.Background(), &dynamodb.CreateTableInput{
		TableName: aws.String("Gophers"),
		KeySchema: []types.KeySchemaElement{{AttributeName: aws.String("pk"), KeyType: types.KeyTypeHash}, {AttributeName: aws.String("sk"), KeyType: types.KeyTypeRange}},
		AttributeDefinitions: []types.AttributeDefinition{
			{AttributeName: aws.String("pk"), AttributeType: types.ScalarAttributeTypeS},
			{AttributeName: aws.String("sk"), AttributeType: types.ScalarAttributeTypeN},
			{AttributeName: aws.String("color"), AttributeType: types.ScalarAttributeTypeS},
		},
		GlobalSecondaryIndexes: []types.GlobalSecondaryIndex{{
			IndexName:  aws.String("byColor"),
			KeySchema:  []types.KeySchemaElement{{AttributeName: aws.String("color"), KeyType: types.KeyTypeHash}, {AttributeName: aws.String("sk"), KeyType: types.KeyTypeRange}},
			Projection: &types.Projection{ProjectionType: types.ProjectionTypeAll},
		}},
		BillingMode:         types.BillingModePayPerRequest,
		StreamSpecification: &types.StreamSpecification{StreamEnabled: aws.Bool(true), StreamViewType: types.StreamViewTypeNewAndOldImages},
	})
	if err != nil {
		t.Fatalf("create table: %v", err)
	}
	return out.TableDescription
}

func TestTablesOverWire(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	d := createGophers(t, f)
	if d.TableStatus != types.TableStatusActive || aws.ToString(d.TableArn) != "arn:aws:dynamodb:us-east-1:000000000000:table/Gophers" ||
		!strings.HasPrefix(aws.ToString(d.LatestStreamArn), "arn:aws:dynamodb:us-east-1:000000000000:table/Gophers/stream/") ||
		d.CreationDateTime == nil || time.Since(*d.CreationDateTime) > time.Minute || d.BillingModeSummary.BillingMode != types.BillingModePayPerRequest {
		t.Fatalf("description = %+v", d)
	}
	_, err := f.db.CreateTable(ctx, &dynamodb.CreateTableInput{TableName: aws.String("Gophers"), KeySchema: []types.KeySchemaElement{{AttributeName: aws.String("pk"), KeyType: types.KeyTypeHash}},
		AttributeDefinitions: []types.AttributeDefinition{{AttributeName: aws.String("pk"), AttributeType: types.ScalarAttributeTypeS}}, BillingMode: types.BillingModePayPerRequest})
	var inUse *types.ResourceInUseException
	if !errors.As(err, &inUse) {
		t.Fatalf("duplicate create: %v", err)
	}
	desc, err := f.db.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String("Gophers")})
	if err != nil || len(desc.Table.GlobalSecondaryIndexes) != 1 || desc.Table.GlobalSecondaryIndexes[0].IndexStatus != types.IndexStatusActive {
		t.Fatalf("describe = %+v, %v", desc, err)
	}
	_, err = f.db.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String("Nope")})
	var nf *types.ResourceNotFoundException
	if !errors.As(err, &nf) {
		t.Fatalf("describe missing: %v", err)
	}
	lt, err := f.db.ListTables(ctx, &dynamodb.ListTablesInput{})
	if err != nil || len(lt.TableNames) != 1 || lt.TableNames[0] != "Gophers" {
		t.Fatalf("list = %+v, %v", lt, err)
	}
	if _, err := f.db.UpdateTimeToLive(ctx, &dynamodb.UpdateTimeToLiveInput{TableName: aws.String("Gophers"),
		TimeToLiveSpecification: &types.TimeToLiveSpecification{Enabled: aws.Bool(true), AttributeName: aws.String("exp")}}); err != nil {
		t.Fatal(err)
	}
	ttl, err := f.db.DescribeTimeToLive(ctx, &dynamodb.DescribeTimeToLiveInput{TableName: aws.String("Gophers")})
	if err != nil || ttl.TimeToLiveDescription.TimeToLiveStatus != types.TimeToLiveStatusEnabled {
		t.Fatalf("ttl = %+v, %v", ttl, err)
	}
	if _, err := f.db.DeleteTable(ctx, &dynamodb.DeleteTableInput{TableName: aws.String("Gophers")}); err != nil {
		t.Fatal(err)
	}
	_, err = f.db.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String("Gophers"), Key: map[string]types.AttributeValue{"pk": sv("a"), "sk": nv("1")}})
	if !errors.As(err, &nf) {
		t.Fatalf("get on deleted table: %v", err)
	}
}

func TestItemsOverWire(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	createGophers(t, f)
	tbl := aws.String("Gophers")
	item := map[string]types.AttributeValue{"pk": sv("g"), "sk": nv("1"), "color": sv("blue"), "n": nv("10"),
		"tags": &types.AttributeValueMemberSS{Value: []string{"a", "b"}}, "m": &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{"x": &types.AttributeValueMemberBOOL{Value: true}}}}
	put, err := f.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: tbl, Item: item, ConditionExpression: aws.String("attribute_not_exists(pk)"),
		ReturnConsumedCapacity: types.ReturnConsumedCapacityIndexes})
	if err != nil {
		t.Fatalf("put: %v", err)
	}
	if cc := put.ConsumedCapacity; cc == nil || aws.ToFloat64(cc.CapacityUnits) != 2 || cc.GlobalSecondaryIndexes["byColor"].CapacityUnits == nil {
		t.Fatalf("consumed = %+v", put.ConsumedCapacity)
	}
	_, err = f.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: tbl, Item: item, ConditionExpression: aws.String("attribute_not_exists(pk)"),
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld})
	var ccf *types.ConditionalCheckFailedException
	if !errors.As(err, &ccf) || aws.ToString(ccf.Message) != "The conditional request failed" {
		t.Fatalf("conditional put: %v", err)
	}
	key := map[string]types.AttributeValue{"pk": sv("g"), "sk": nv("1")}
	got, err := f.db.GetItem(ctx, &dynamodb.GetItemInput{TableName: tbl, Key: key, ProjectionExpression: aws.String("#n, m.x"),
		ExpressionAttributeNames: map[string]string{"#n": "n"}, ConsistentRead: aws.Bool(true)})
	if err != nil || len(got.Item) != 2 || str(got.Item["n"]) != "10" {
		t.Fatalf("get = %+v, %v", got.Item, err)
	}
	upd, err := f.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: tbl, Key: key, UpdateExpression: aws.String("SET n = n + :d ADD tags :t"),
		ConditionExpression: aws.String("n = :ten"), ExpressionAttributeValues: map[string]types.AttributeValue{":d": nv("5"), ":ten": nv("10"),
			":t": &types.AttributeValueMemberSS{Value: []string{"c"}}}, ReturnValues: types.ReturnValueUpdatedNew})
	if err != nil || str(upd.Attributes["n"]) != "15" || len(upd.Attributes["tags"].(*types.AttributeValueMemberSS).Value) != 3 || len(upd.Attributes) != 2 {
		t.Fatalf("update = %+v, %v", upd, err)
	}
	old, err := f.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: tbl, Key: key, UpdateExpression: aws.String("REMOVE m"), ReturnValues: types.ReturnValueAllOld})
	if err != nil || str(old.Attributes["n"]) != "15" || old.Attributes["m"] == nil {
		t.Fatalf("update ALL_OLD = %+v, %v", old, err)
	}
	_, err = f.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: tbl, Key: key, UpdateExpression: aws.String("SET n = :x"),
		ConditionExpression: aws.String("n = :x"), ExpressionAttributeValues: map[string]types.AttributeValue{":x": nv("1")}})
	if !errors.As(err, &ccf) {
		t.Fatalf("conditional update: %v", err)
	}
	del, err := f.db.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: tbl, Key: key, ReturnValues: types.ReturnValueAllOld})
	if err != nil || str(del.Attributes["color"]) != "blue" {
		t.Fatalf("delete = %+v, %v", del, err)
	}
	got, err = f.db.GetItem(ctx, &dynamodb.GetItemInput{TableName: tbl, Key: key})
	if err != nil || got.Item != nil {
		t.Fatalf("get after delete = %+v, %v", got.Item, err)
	}
	// Validation errors come back typed.
	_, err = f.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: tbl, Item: map[string]types.AttributeValue{"pk": sv("g"), "sk": sv("not a number")}})
	if err == nil || !strings.Contains(err.Error(), "ValidationException") || !strings.Contains(err.Error(), "Type mismatch for key sk") {
		t.Fatalf("type mismatch: %v", err)
	}
	_, err = f.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("Nope"), Item: item})
	var nf *types.ResourceNotFoundException
	if !errors.As(err, &nf) || aws.ToString(nf.Message) != "Requested resource not found" {
		t.Fatalf("missing table: %v", err)
	}
}

func TestQueryScanOverWire(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	createGophers(t, f)
	tbl := aws.String("Gophers")
	for i := range 12 {
		color := "red"
		if i%3 == 0 {
			color = "blue"
		}
		if _, err := f.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: tbl, Item: map[string]types.AttributeValue{
			"pk": sv("g"), "sk": nv(fmt.Sprint(i - 5)), "color": sv(color), "i": nv(fmt.Sprint(i))}}); err != nil {
			t.Fatal(err)
		}
	}
	// Table query with paging through the SDK paginator, newest first.
	var sks []string
	p := dynamodb.NewQueryPaginator(f.db, &dynamodb.QueryInput{TableName: tbl, KeyConditionExpression: aws.String("pk = :p AND sk >= :lo"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":p": sv("g"), ":lo": nv("-2")}, ScanIndexForward: aws.Bool(false), Limit: aws.Int32(4)})
	pages := 0
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		for _, it := range out.Items {
			sks = append(sks, str(it["sk"]))
		}
	}
	if strings.Join(sks, ",") != "6,5,4,3,2,1,0,-1,-2" || pages != 3 {
		t.Fatalf("query = %v over %d pages", sks, pages)
	}
	// GSI query with paging.
	in := &dynamodb.QueryInput{TableName: tbl, IndexName: aws.String("byColor"), KeyConditionExpression: aws.String("color = :c"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":c": sv("red")}, Limit: aws.Int32(3)}
	sks = nil
	for {
		out, err := f.db.Query(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		for _, it := range out.Items {
			sks = append(sks, str(it["sk"]))
		}
		if out.LastEvaluatedKey == nil {
			break
		}
		if _, ok := out.LastEvaluatedKey["color"]; !ok {
			t.Fatalf("index LastEvaluatedKey lacks the index key: %v", out.LastEvaluatedKey)
		}
		in.ExclusiveStartKey = out.LastEvaluatedKey
	}
	if strings.Join(sks, ",") != "-4,-3,-1,0,2,3,5,6" {
		t.Fatalf("gsi query = %v", sks)
	}
	// Scan with filter and COUNT.
	sc, err := f.db.Scan(ctx, &dynamodb.ScanInput{TableName: tbl, FilterExpression: aws.String("i > :five AND color = :b"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":five": nv("5"), ":b": sv("blue")}})
	if err != nil || sc.Count != 2 || sc.ScannedCount != 12 || len(sc.Items) != 2 {
		t.Fatalf("scan = count %d scanned %d, %v", sc.Count, sc.ScannedCount, err)
	}
	cnt, err := f.db.Query(ctx, &dynamodb.QueryInput{TableName: tbl, KeyConditionExpression: aws.String("pk = :p"), Select: types.SelectCount,
		ExpressionAttributeValues: map[string]types.AttributeValue{":p": sv("g")}})
	if err != nil || cnt.Count != 12 || cnt.Items != nil {
		t.Fatalf("count = %+v, %v", cnt, err)
	}
	_, err = f.db.Query(ctx, &dynamodb.QueryInput{TableName: tbl, KeyConditionExpression: aws.String("sk = :p"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":p": nv("1")}})
	if err == nil || !strings.Contains(err.Error(), "Query condition missed key schema element: pk") {
		t.Fatalf("bad key condition: %v", err)
	}
}

func TestBatchAndTransactOverWire(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	createGophers(t, f)
	var reqs []types.WriteRequest
	for i := range 10 {
		reqs = append(reqs, types.WriteRequest{PutRequest: &types.PutRequest{Item: map[string]types.AttributeValue{"pk": sv("b"), "sk": nv(fmt.Sprint(i))}}})
	}
	bw, err := f.db.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{RequestItems: map[string][]types.WriteRequest{"Gophers": reqs}})
	if err != nil || len(bw.UnprocessedItems) != 0 {
		t.Fatalf("batch write = %+v, %v", bw, err)
	}
	bg, err := f.db.BatchGetItem(ctx, &dynamodb.BatchGetItemInput{RequestItems: map[string]types.KeysAndAttributes{"Gophers": {
		Keys: []map[string]types.AttributeValue{{"pk": sv("b"), "sk": nv("3")}, {"pk": sv("b"), "sk": nv("99")}}}}})
	if err != nil || len(bg.Responses["Gophers"]) != 1 || str(bg.Responses["Gophers"][0]["sk"]) != "3" {
		t.Fatalf("batch get = %+v, %v", bg, err)
	}
	_, err = f.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
		{Put: &types.Put{TableName: aws.String("Gophers"), Item: map[string]types.AttributeValue{"pk": sv("t"), "sk": nv("1")}}},
		{ConditionCheck: &types.ConditionCheck{TableName: aws.String("Gophers"), Key: map[string]types.AttributeValue{"pk": sv("b"), "sk": nv("3")},
			ConditionExpression: aws.String("attribute_not_exists(pk)")}},
	}})
	var tc *types.TransactionCanceledException
	if !errors.As(err, &tc) || !strings.Contains(aws.ToString(tc.Message), "[None, ConditionalCheckFailed]") {
		t.Fatalf("transaction: %v", err)
	}
	if _, err := f.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
		{Put: &types.Put{TableName: aws.String("Gophers"), Item: map[string]types.AttributeValue{"pk": sv("t"), "sk": nv("1")}}},
		{Delete: &types.Delete{TableName: aws.String("Gophers"), Key: map[string]types.AttributeValue{"pk": sv("b"), "sk": nv("3")}}},
	}}); err != nil {
		t.Fatalf("transaction: %v", err)
	}
}

func TestStreamsOverWire(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	d := createGophers(t, f)
	tbl := aws.String("Gophers")
	key := map[string]types.AttributeValue{"pk": sv("s"), "sk": nv("1")}
	if _, err := f.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: tbl, Item: map[string]types.AttributeValue{"pk": sv("s"), "sk": nv("1"), "v": sv("one")}}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: tbl, Key: key, UpdateExpression: aws.String("SET v = :v"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":v": sv("two")}}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.db.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: tbl, Key: key}); err != nil {
		t.Fatal(err)
	}
	ls, err := f.streams.ListStreams(ctx, &dynamodbstreams.ListStreamsInput{TableName: tbl})
	if err != nil || len(ls.Streams) != 1 || aws.ToString(ls.Streams[0].StreamArn) != aws.ToString(d.LatestStreamArn) {
		t.Fatalf("list streams = %+v, %v", ls, err)
	}
	ds, err := f.streams.DescribeStream(ctx, &dynamodbstreams.DescribeStreamInput{StreamArn: d.LatestStreamArn})
	if err != nil || len(ds.StreamDescription.Shards) != 1 || ds.StreamDescription.StreamViewType != stypes.StreamViewTypeNewAndOldImages ||
		ds.StreamDescription.StreamStatus != stypes.StreamStatusEnabled {
		t.Fatalf("describe stream = %+v, %v", ds, err)
	}
	shard := ds.StreamDescription.Shards[0]
	it, err := f.streams.GetShardIterator(ctx, &dynamodbstreams.GetShardIteratorInput{StreamArn: d.LatestStreamArn, ShardId: shard.ShardId,
		ShardIteratorType: stypes.ShardIteratorTypeTrimHorizon})
	if err != nil {
		t.Fatal(err)
	}
	recs, err := f.streams.GetRecords(ctx, &dynamodbstreams.GetRecordsInput{ShardIterator: it.ShardIterator, Limit: aws.Int32(2)})
	if err != nil || len(recs.Records) != 2 {
		t.Fatalf("get records = %+v, %v", recs, err)
	}
	more, err := f.streams.GetRecords(ctx, &dynamodbstreams.GetRecordsInput{ShardIterator: recs.NextShardIterator})
	if err != nil || len(more.Records) != 1 {
		t.Fatalf("next records = %+v, %v", more, err)
	}
	all := append(recs.Records, more.Records...)
	var names []string
	for _, r := range all {
		names = append(names, string(r.EventName))
	}
	if strings.Join(names, ",") != "INSERT,MODIFY,REMOVE" {
		t.Fatalf("events = %v", names)
	}
	mod := all[1].Dynamodb
	if sOf(mod.OldImage["v"]) != "one" || sOf(mod.NewImage["v"]) != "two" || all[2].Dynamodb.NewImage != nil || sOf(all[2].Dynamodb.OldImage["v"]) != "two" ||
		aws.ToString(all[0].EventSource) != "aws:dynamodb" || aws.ToString(all[0].AwsRegion) != "us-east-1" || mod.ApproximateCreationDateTime == nil ||
		len(aws.ToString(mod.SequenceNumber)) != 21 {
		t.Fatalf("records = %+v", all)
	}
	// LATEST sees nothing old; AFTER_SEQUENCE_NUMBER resumes.
	latest, _ := f.streams.GetShardIterator(ctx, &dynamodbstreams.GetShardIteratorInput{StreamArn: d.LatestStreamArn, ShardId: shard.ShardId, ShardIteratorType: stypes.ShardIteratorTypeLatest})
	if r, err := f.streams.GetRecords(ctx, &dynamodbstreams.GetRecordsInput{ShardIterator: latest.ShardIterator}); err != nil || len(r.Records) != 0 || r.NextShardIterator == nil {
		t.Fatalf("latest = %+v, %v", r, err)
	}
	after, _ := f.streams.GetShardIterator(ctx, &dynamodbstreams.GetShardIteratorInput{StreamArn: d.LatestStreamArn, ShardId: shard.ShardId,
		ShardIteratorType: stypes.ShardIteratorTypeAfterSequenceNumber, SequenceNumber: all[0].Dynamodb.SequenceNumber})
	if r, err := f.streams.GetRecords(ctx, &dynamodbstreams.GetRecordsInput{ShardIterator: after.ShardIterator}); err != nil || len(r.Records) != 2 {
		t.Fatalf("after = %+v, %v", r, err)
	}
	_, err = f.streams.GetRecords(ctx, &dynamodbstreams.GetRecordsInput{ShardIterator: aws.String("garbage")})
	if err == nil || !strings.Contains(err.Error(), "ValidationException") {
		t.Fatalf("garbage iterator: %v", err)
	}
	_, err = f.streams.DescribeStream(ctx, &dynamodbstreams.DescribeStreamInput{StreamArn: aws.String(aws.ToString(d.LatestStreamArn) + "x")})
	var nf *stypes.ResourceNotFoundException
	if !errors.As(err, &nf) {
		t.Fatalf("missing stream: %v", err)
	}
}

func sOf(av stypes.AttributeValue) string {
	if s, ok := av.(*stypes.AttributeValueMemberS); ok {
		return s.Value
	}
	return ""
}

func TestMalformedRequests(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	createGophers(t, f)
	big := strings.Repeat("x", 500*1024)
	tests := []struct {
		op, body, code, msg string
	}{
		{"PutItem", `{"TableName":`, "SerializationException", ""},
		{"PutItem", `{"TableName":"Gophers","Item":{"pk":{"Q":"x"},"sk":{"N":"1"}}}`, "SerializationException", "Unknown attribute value type"},
		{"PutItem", `{"TableName":"Gophers","Item":{"pk":{"S":"x"},"sk":{"N":"abc"}}}`, "ValidationException", "numeric"},
		{"PutItem", `{"TableName":"Gophers","Item":{"pk":{"S":"x"},"sk":{"N":"1"},"big":{"S":"` + big + `"}}}`, "ValidationException", "Item size has exceeded"},
		{"PutItem", `{"TableName":"Gophers","Item":{"pk":{"S":"x"},"sk":{"N":"1"}},"Expected":{"pk":{"Exists":false}},"ConditionExpression":"attribute_not_exists(pk)"}`, "ValidationException", "Can not use both expression and non-expression parameters in the same request: Non-expression parameters: {Expected} Expression parameters: {ConditionExpression}"},
		{"PutItem", `{"TableName":"Gophers","Item":{"pk":{"S":"x"},"sk":{"N":"1"}},"ConditionExpression":"a = = b"}`, "ValidationException", "ConditionExpression"},
		{"GetItem", `{"TableName":"Gophers","Key":{"pk":{"S":"x"}}}`, "ValidationException", "does not match the schema"},
		{"Query", `{"TableName":"Gophers","KeyConditionExpression":"pk = :p","ExpressionAttributeValues":{":p":{"S":"x"}},"Limit":0}`, "ValidationException", "limit"},
		{"Scan", `{"TableName":5}`, "SerializationException", ""},
		{"DescribeTable", `{}`, "ValidationException", "tableName"},
		{"Bogus", `{}`, "UnknownOperationException", ""},
	}
	for _, tt := range tests {
		resp := f.mux.Invoke(context.Background(), DynamoDBPrefix+"."+tt.op, []byte(tt.body))
		body := string(resp.Body)
		if resp.Status != 400 || !strings.Contains(body, `"__type":"com.amazonaws.dynamodb.v20120810#`+tt.code+`"`) || !strings.Contains(body, tt.msg) {
			t.Errorf("%s %.60s: status %d body %.300s", tt.op, tt.body, resp.Status, body)
		}
	}
}
