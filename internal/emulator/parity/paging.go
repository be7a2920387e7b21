package parity

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

var _ = register("query-scan/1mb-page-limit", func(t *testing.T, env *Env) {
	ctx := context.Background()
	name := createTable(t, env, "MB", true, nil)
	// 24 items of ~100 KB: 2.4 MB in one partition, so a page stops after
	// about ten items even without a Limit, and Count reflects the page.
	const items = 24
	body := strings.Repeat("x", 100*1024)
	for i := range items {
		put(t, env, name, item{"pk": s("p"), "sk": n(fmt.Sprint(i)), "body": s(body)})
	}
	pages, total := 0, 0
	var start item
	for range items {
		out := must[*dynamodb.QueryOutput](t, "query page")(env.DB.Query(ctx, &dynamodb.QueryInput{TableName: aws.String(name),
			KeyConditionExpression: aws.String("pk = :p"), ExpressionAttributeValues: item{":p": s("p")}, ExclusiveStartKey: start,
			ProjectionExpression: aws.String("sk")}))
		pages++
		// The limit counts the data read, not the projected data returned.
		if out.Count >= items/2 || int(out.Count) != len(out.Items) {
			t.Fatalf("page %d has %d items: the 1 MB limit did not stop it", pages, out.Count)
		}
		total += int(out.Count)
		if start = out.LastEvaluatedKey; start == nil {
			break
		}
	}
	if total != items || pages < 3 {
		t.Fatalf("query read %d items in %d pages, want %d in at least 3", total, pages, items)
	}
	// Scan stops at 1 MB too, and a filter that matches nothing still pages.
	sc := must[*dynamodb.ScanOutput](t, "scan")(env.DB.Scan(ctx, &dynamodb.ScanInput{TableName: aws.String(name),
		FilterExpression: aws.String("attribute_exists(nope)")}))
	if sc.Count != 0 || sc.ScannedCount >= items/2 || sc.ScannedCount == 0 || sc.LastEvaluatedKey == nil {
		t.Fatalf("filtered scan page = %d/%d, lek %v", sc.Count, sc.ScannedCount, sc.LastEvaluatedKey)
	}
	// COUNT pages the same way.
	cnt := must[*dynamodb.QueryOutput](t, "count")(env.DB.Query(ctx, &dynamodb.QueryInput{TableName: aws.String(name), Select: types.SelectCount,
		KeyConditionExpression: aws.String("pk = :p"), ExpressionAttributeValues: item{":p": s("p")}}))
	if cnt.Count >= items/2 || cnt.LastEvaluatedKey == nil {
		t.Fatalf("COUNT page = %d, lek %v", cnt.Count, cnt.LastEvaluatedKey)
	}
})

var _ = register("indexes/select-projected", func(t *testing.T, env *Env) {
	ctx := context.Background()
	name := createTable(t, env, "Proj", true, func(in *dynamodb.CreateTableInput) {
		in.AttributeDefinitions = append(in.AttributeDefinitions, defs("g", "S", "r", "N")...)
		in.GlobalSecondaryIndexes = []types.GlobalSecondaryIndex{{IndexName: aws.String("byG"), KeySchema: ks("g"),
			Projection: &types.Projection{ProjectionType: types.ProjectionTypeInclude, NonKeyAttributes: []string{"a"}}}}
		in.LocalSecondaryIndexes = []types.LocalSecondaryIndex{{IndexName: aws.String("byR"), KeySchema: ks("pk", "r"),
			Projection: &types.Projection{ProjectionType: types.ProjectionTypeKeysOnly}}}
	})
	put(t, env, name, item{"pk": s("p"), "sk": n("1"), "g": s("x"), "r": n("5"), "a": s("A"), "b": s("B")})
	tbl := aws.String(name)
	// ALL_PROJECTED_ATTRIBUTES (the default on an index): keys of the table
	// and the index, plus the included attributes.
	for _, sel := range []types.Select{types.SelectAllProjectedAttributes, ""} {
		g := must[*dynamodb.QueryOutput](t, "gsi projected")(env.DB.Query(ctx, &dynamodb.QueryInput{TableName: tbl, IndexName: aws.String("byG"), Select: sel,
			KeyConditionExpression: aws.String("g = :g"), ExpressionAttributeValues: item{":g": s("x")}}))
		if g.Count != 1 || show(g.Items[0]) != `{a:"A",g:"x",pk:"p",sk:1}` {
			t.Fatalf("gsi %q = %v", sel, g.Items)
		}
	}
	// An LSI fetches unprojected attributes from the table for
	// ALL_ATTRIBUTES (a GSI cannot: see indexes/gsi-lsi-sparse).
	lsi := must[*dynamodb.QueryOutput](t, "lsi keys")(env.DB.Query(ctx, &dynamodb.QueryInput{TableName: tbl, IndexName: aws.String("byR"),
		KeyConditionExpression: aws.String("pk = :p AND r > :r"), ExpressionAttributeValues: item{":p": s("p"), ":r": n("1")}}))
	if lsi.Count != 1 || show(lsi.Items[0]) != `{pk:"p",r:5,sk:1}` {
		t.Fatalf("lsi projected = %v", lsi.Items)
	}
	all := must[*dynamodb.QueryOutput](t, "lsi all")(env.DB.Query(ctx, &dynamodb.QueryInput{TableName: tbl, IndexName: aws.String("byR"), Select: types.SelectAllAttributes,
		KeyConditionExpression: aws.String("pk = :p"), ExpressionAttributeValues: item{":p": s("p")}}))
	if all.Count != 1 || show(all.Items[0]) != `{a:"A",b:"B",g:"x",pk:"p",r:5,sk:1}` {
		t.Fatalf("lsi ALL_ATTRIBUTES = %v", all.Items)
	}
	_, err := env.DB.Query(ctx, &dynamodb.QueryInput{TableName: tbl, Select: types.SelectAllProjectedAttributes,
		KeyConditionExpression: aws.String("pk = :p"), ExpressionAttributeValues: item{":p": s("p")}})
	env.wantErr(t, "projected on table", err, "ValidationException", "ALL_PROJECTED_ATTRIBUTES can be used only when Querying using an IndexName")
	_, err = env.DB.Scan(ctx, &dynamodb.ScanInput{TableName: tbl, Select: types.SelectCount, ProjectionExpression: aws.String("a")})
	env.wantErr(t, "count with projection", err, "ValidationException", "Cannot specify the ProjectionExpression when choosing to get COUNT")
})

var _ = register("batch/unprocessed-keys-16mb", func(t *testing.T, env *Env) {
	if env.Has(t, NoBatchGetSizeLimit) {
		t.Skip("the endpoint does not stop BatchGetItem at 16 MB")
	}
	if raceEnabled {
		// 35 MB of JSON through the SDK takes half a minute under the race
		// detector; the plain run covers this scenario, and ddb's
		// TestBatchGetStopsAt16MB covers the engine under -race.
		t.Skip("too slow under the race detector; runs without -race")
	}
	ctx := context.Background()
	name := createTable(t, env, "Big", false, nil)
	// 50 items of 380 KB: 19 MB, more than one BatchGetItem answers.
	const count = 50
	body := strings.Repeat("y", 380*1024)
	var keys []item
	var writes []types.WriteRequest
	for i := range count {
		writes = append(writes, types.WriteRequest{PutRequest: &types.PutRequest{Item: item{"pk": s(fmt.Sprint(i)), "body": s(body)}}})
		keys = append(keys, item{"pk": s(fmt.Sprint(i))})
		// 20 items a batch keep the request under BatchWriteItem's 16 MB.
		if len(writes) == 20 || i == count-1 {
			out := must[*dynamodb.BatchWriteItemOutput](t, "batch write")(env.DB.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{RequestItems: map[string][]types.WriteRequest{name: writes}}))
			if len(out.UnprocessedItems) != 0 {
				t.Fatalf("unprocessed writes: %d", len(out.UnprocessedItems[name]))
			}
			writes = nil
		}
	}
	seen := map[string]bool{}
	req := map[string]types.KeysAndAttributes{name: {Keys: keys, ConsistentRead: aws.Bool(true)}}
	rounds := 0
	for len(req) > 0 && rounds < 10 {
		rounds++
		out := must[*dynamodb.BatchGetItemOutput](t, "batch get")(env.DB.BatchGetItem(ctx, &dynamodb.BatchGetItemInput{RequestItems: req}))
		for _, it := range out.Responses[name] {
			k := show(it["pk"])
			if seen[k] {
				t.Fatalf("item %s returned twice", k)
			}
			seen[k] = true
		}
		if rounds == 1 {
			un := out.UnprocessedKeys[name]
			if len(un.Keys) == 0 || len(out.Responses[name])+len(un.Keys) != count || !aws.ToBool(un.ConsistentRead) {
				t.Fatalf("first round: %d items, unprocessed %+v", len(out.Responses[name]), un)
			}
		}
		req = out.UnprocessedKeys
	}
	if len(seen) != count || rounds < 2 {
		t.Fatalf("read %d items in %d rounds", len(seen), rounds)
	}
})
