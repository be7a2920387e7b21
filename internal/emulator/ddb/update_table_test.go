package ddb

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/sfapi/sfapi/internal/emulator/ddb/attr"
	"github.com/sfapi/sfapi/internal/emulator/streams"
)

// Writes racing with an UpdateTable that adds an index must all end up in
// the index: either the backfill sees them or they see the new index.
func TestUpdateTableConcurrentWritesIndexed(t *testing.T) {
	t.Parallel()
	e, _, _ := newEngine(t)
	ctx := context.Background()
	mustCreate(t, e, pkSpec("Race", ""))
	const writers, each = 4, 50
	var wg sync.WaitGroup
	start := make(chan struct{})
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			for i := range each {
				if _, err := e.PutItem(ctx, PutItemInput{TableName: "Race", Item: attr.Item{"pk": S(fmt.Sprintf("%d-%d", w, i)), "g": S("x")}}); err != nil {
					t.Errorf("put: %v", err)
					return
				}
			}
		}()
	}
	close(start)
	_, err := e.UpdateTable(ctx, UpdateTableInput{TableName: "Race", AttributeDefinitions: []AttributeDefinition{{"g", "S"}},
		GlobalSecondaryIndexUpdates: []IndexUpdate{{Create: &IndexSpec{IndexName: "byG", KeySchema: []KeySchemaElement{{"g", KeyTypeHash}}, Projection: Projection{ProjectionType: ProjectKeysOnly}}}}})
	if err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	total := 0
	var start2 attr.Item
	for {
		out, err := e.Query(ctx, QueryInput{TableName: "Race", IndexName: "byG", KeyConditionExpression: "g = :g", ExpressionAttributeValues: Values{":g": S("x")}, ExclusiveStartKey: start2})
		if err != nil {
			t.Fatal(err)
		}
		total += out.Count
		if start2 = out.LastEvaluatedKey; start2 == nil {
			break
		}
	}
	if total != writers*each {
		t.Fatalf("index holds %d of %d items", total, writers*each)
	}
	d, err := e.DescribeTable(ctx, "Race")
	if err != nil || len(d.GlobalSecondaryIndexes) != 1 || d.GlobalSecondaryIndexes[0].ItemCount != writers*each {
		t.Fatalf("describe = %+v, %v", d, err)
	}
}

func TestUpdateTableValidation(t *testing.T) {
	t.Parallel()
	e, _, _ := newEngine(t)
	ctx := context.Background()
	s := pkSpec("Val", "")
	s.AttributeDefinitions = append(s.AttributeDefinitions, AttributeDefinition{"g", "S"})
	s.GlobalSecondaryIndexes = []IndexSpec{{IndexName: "byG", KeySchema: []KeySchemaElement{{"g", KeyTypeHash}}, Projection: Projection{ProjectionType: ProjectAll}}}
	mustCreate(t, e, s)
	gsi := func(name, key string) *IndexSpec {
		return &IndexSpec{IndexName: name, KeySchema: []KeySchemaElement{{key, KeyTypeHash}}, Projection: Projection{ProjectionType: ProjectAll}}
	}
	tests := []struct {
		name string
		in   UpdateTableInput
		code Code
	}{
		{"nothing", UpdateTableInput{TableName: "Val"}, Validation},
		{"missing table", UpdateTableInput{TableName: "Nope", BillingMode: BillingPayPerRequest}, ResourceNotFound},
		{"existing index", UpdateTableInput{TableName: "Val", GlobalSecondaryIndexUpdates: []IndexUpdate{{Create: gsi("byG", "g")}}}, Validation},
		{"undefined key", UpdateTableInput{TableName: "Val", GlobalSecondaryIndexUpdates: []IndexUpdate{{Create: gsi("byH", "h")}}}, Validation},
		{"two at once", UpdateTableInput{TableName: "Val", AttributeDefinitions: []AttributeDefinition{{"h", "S"}},
			GlobalSecondaryIndexUpdates: []IndexUpdate{{Create: gsi("byH", "h")}, {Delete: "byG"}}}, LimitExceeded},
		{"delete missing", UpdateTableInput{TableName: "Val", GlobalSecondaryIndexUpdates: []IndexUpdate{{Delete: "nope"}}}, ResourceNotFound},
		{"stream without view", UpdateTableInput{TableName: "Val", StreamSpecification: &StreamSpec{StreamEnabled: true}}, Validation},
		{"disable absent stream", UpdateTableInput{TableName: "Val", StreamSpecification: &StreamSpec{}}, Validation},
		{"provisioned without throughput", UpdateTableInput{TableName: "Val", BillingMode: BillingProvisioned}, Validation},
	}
	for _, tt := range tests {
		_, err := e.UpdateTable(ctx, tt.in)
		if code, _ := ErrorCode(err); code != tt.code {
			t.Errorf("%s: err = %v, want %s", tt.name, err, tt.code)
		}
	}
	// Deleting the index drops its now unused attribute definition.
	d, err := e.UpdateTable(ctx, UpdateTableInput{TableName: "Val", GlobalSecondaryIndexUpdates: []IndexUpdate{{Delete: "byG"}}})
	if err != nil || len(d.GlobalSecondaryIndexes) != 0 || len(d.AttributeDefinitions) != 1 {
		t.Fatalf("delete index = %+v, %v", d, err)
	}
}

// Stream state and tags survive a reopen; the old stream stays readable
// for 24 hours after it is replaced, then disappears.
func TestStreamReplacementAndReopen(t *testing.T) {
	t.Parallel()
	path := t.TempDir() + "/s.db"
	now := testNow
	clock := func() time.Time { return now }
	var db interface{ Close() error }
	open := func() *Engine {
		store := openStore(t, path)
		db = store
		e, err := Open(store, Options{Now: clock})
		if err != nil {
			t.Fatal(err)
		}
		return e
	}
	e := open()
	t.Cleanup(func() { _ = db.Close() })
	ctx := context.Background()
	s := pkSpec("Rep", "")
	s.StreamSpecification = &StreamSpec{StreamEnabled: true, StreamViewType: streams.KeysOnly}
	s.Tags = map[string]string{"a": "1"}
	mustCreate(t, e, s)
	first, _ := e.StreamARN("Rep")
	mustPut(t, e, "Rep", attr.Item{"pk": S("1")})
	if _, err := e.UpdateTable(ctx, UpdateTableInput{TableName: "Rep", StreamSpecification: &StreamSpec{}}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.UpdateTable(ctx, UpdateTableInput{TableName: "Rep", StreamSpecification: &StreamSpec{StreamEnabled: true, StreamViewType: streams.NewImage}}); err != nil {
		t.Fatal(err)
	}
	second, _ := e.StreamARN("Rep")
	if second == first {
		t.Fatalf("stream ARN unchanged: %s", second)
	}
	mustPut(t, e, "Rep", attr.Item{"pk": S("2")})
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	e = open() // reopened from disk
	if len(readAll(t, e, first)) != 1 || len(readAll(t, e, second)) != 1 {
		t.Fatalf("records after reopen: old %d new %d", len(readAll(t, e, first)), len(readAll(t, e, second)))
	}
	tags, err := e.ListTagsOfResource(ctx, "arn:aws:dynamodb:us-east-1:000000000000:table/Rep")
	if err != nil || len(tags) != 1 || tags[0] != (Tag{"a", "1"}) {
		t.Fatalf("tags = %v, %v", tags, err)
	}
	now = now.Add(25 * time.Hour)
	if _, err := e.ReadStream(ctx, first, "", 10); err == nil {
		t.Fatalf("old stream readable after 24 hours")
	}
	ls, err := e.ListStreams(ctx, "Rep")
	if err != nil || len(ls) != 1 || ls[0].StreamArn != second {
		t.Fatalf("streams = %+v, %v", ls, err)
	}
}

// RunTTL sweeps on its ticker until the context ends; the test waits on
// the stream, never sleeps.
func TestRunTTL(t *testing.T) {
	t.Parallel()
	e, _, _ := newEngine(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	mustCreateStreamed(t, e, "Run", "", streams.KeysOnly)
	if _, err := e.UpdateTimeToLive(ctx, "Run", TTLSpec{Enabled: true, AttributeName: "exp"}); err != nil {
		t.Fatal(err)
	}
	for i := range 250 { // more than one sweep batch
		mustPut(t, e, "Run", attr.Item{"pk": S(fmt.Sprint(i)), "exp": attr.Int(testNow.Unix() - 1)})
	}
	arn, _ := e.StreamARN("Run")
	inserts := readAll(t, e, arn)
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { e.RunTTL(runCtx, time.Millisecond); close(done) }()
	last := inserts[len(inserts)-1].DynamoDB.SequenceNumber
	removed := 0
	for removed < 250 {
		if err := e.WaitStream(ctx, arn, last); err != nil {
			t.Fatalf("waiting for TTL deletions: %v (%d removed)", err, removed)
		}
		recs, err := e.ReadStream(ctx, arn, last, 1000)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range recs {
			if r.EventName != streams.EventRemove || r.UserIdentity == nil || *r.UserIdentity != streams.TTLIdentity {
				t.Fatalf("record = %+v", r)
			}
			removed++
		}
		last = recs[len(recs)-1].DynamoDB.SequenceNumber
	}
	stop()
	<-done
	d, err := e.DescribeTable(ctx, "Run")
	if err != nil || d.ItemCount != 0 {
		t.Fatalf("items left = %d, %v", d.ItemCount, err)
	}
}

func TestItemSizeAndNesting(t *testing.T) {
	t.Parallel()
	tests := []struct {
		it   attr.Item
		want int
	}{
		{attr.Item{"a": S("xyz")}, 4},
		{attr.Item{"n": N("1200")}, 1 + 2},    // "12": one byte for two digits, plus one
		{attr.Item{"n": N("0.00012")}, 1 + 2}, // leading and trailing zeros do not count
		{attr.Item{"n": N("123")}, 1 + 3},
		{attr.Item{"m": attr.Map(map[string]attr.Value{"k": S("v")})}, 1 + 3 + 1 + 1 + 1},
		{attr.Item{"l": attr.List(attr.Bool(true), attr.Null())}, 1 + 3 + 2 + 2},
	}
	for _, tt := range tests {
		if got := ItemSize(tt.it); got != tt.want {
			t.Errorf("ItemSize(%v) = %d, want %d", tt.it, got, tt.want)
		}
	}
	v := S("x")
	for range MaxNesting {
		v = attr.Map(map[string]attr.Value{"k": v})
	}
	if err := checkNesting(attr.Item{"d": v}); err != nil {
		t.Fatalf("32 levels: %v", err)
	}
	if err := checkNesting(attr.Item{"d": attr.List(v)}); err == nil {
		t.Fatalf("33 levels accepted")
	}
}
