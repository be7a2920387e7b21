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

var _ = register("query-scan/paging-select-segments", func(t *testing.T, env *Env) {
	ctx := context.Background()
	name := createTable(t, env, "QS", true, nil)
	for i := 1; i <= 10; i++ {
		put(t, env, name, item{"pk": s("p"), "sk": n(fmt.Sprint(i)), "odd": boolean(i%2 == 1), "v": s(strings.Repeat("x", i))})
		put(t, env, name, item{"pk": s(fmt.Sprintf("q%d", i)), "sk": n("0")})
	}
	// Paging forwards with Limit: every key once, in order.
	var got []string
	var start item
	for range 20 {
		out := must[*dynamodb.QueryOutput](t, "query page")(env.DB.Query(ctx, &dynamodb.QueryInput{TableName: aws.String(name), Limit: aws.Int32(3),
			KeyConditionExpression: aws.String("pk = :p AND sk BETWEEN :lo AND :hi"), ExclusiveStartKey: start,
			ExpressionAttributeValues: item{":p": s("p"), ":lo": n("2"), ":hi": n("9")}}))
		for _, it := range out.Items {
			got = append(got, show(it["sk"]))
		}
		if start = out.LastEvaluatedKey; start == nil {
			break
		}
	}
	if strings.Join(got, ",") != "2,3,4,5,6,7,8,9" {
		t.Fatalf("paged query = %v", got)
	}
	back := must[*dynamodb.QueryOutput](t, "backward")(env.DB.Query(ctx, &dynamodb.QueryInput{TableName: aws.String(name), ScanIndexForward: aws.Bool(false), Limit: aws.Int32(2),
		KeyConditionExpression: aws.String("pk = :p AND sk < :hi"), ExpressionAttributeValues: item{":p": s("p"), ":hi": n("5")}}))
	if len(back.Items) != 2 || show(back.Items[0]["sk"]) != "4" || show(back.Items[1]["sk"]) != "3" || back.LastEvaluatedKey == nil {
		t.Fatalf("backward = %v", back.Items)
	}
	cnt := must[*dynamodb.QueryOutput](t, "count")(env.DB.Query(ctx, &dynamodb.QueryInput{TableName: aws.String(name), Select: types.SelectCount,
		KeyConditionExpression: aws.String("pk = :p"), FilterExpression: aws.String("odd = :t"), ExpressionAttributeValues: item{":p": s("p"), ":t": boolean(true)}}))
	if cnt.Count != 5 || cnt.ScannedCount != 10 || cnt.Items != nil {
		t.Fatalf("COUNT = %d/%d items %v", cnt.Count, cnt.ScannedCount, cnt.Items)
	}
	spec := must[*dynamodb.QueryOutput](t, "specific")(env.DB.Query(ctx, &dynamodb.QueryInput{TableName: aws.String(name), Select: types.SelectSpecificAttributes,
		ProjectionExpression: aws.String("sk"), KeyConditionExpression: aws.String("pk = :p AND #s > :nine"),
		ExpressionAttributeNames: map[string]string{"#s": "sk"}, ExpressionAttributeValues: item{":p": s("p"), ":nine": n("9")}}))
	if len(spec.Items) != 1 || show(spec.Items[0]) != "{sk:10}" {
		t.Fatalf("SPECIFIC_ATTRIBUTES = %v", spec.Items)
	}
	_, err := env.DB.Query(ctx, &dynamodb.QueryInput{TableName: aws.String(name), Select: types.SelectAllAttributes, ProjectionExpression: aws.String("sk"),
		KeyConditionExpression: aws.String("pk = :p"), ExpressionAttributeValues: item{":p": s("p")}})
	env.wantErr(t, "select with projection", err, "ValidationException", "Cannot specify the ProjectionExpression when choosing to get ALL_ATTRIBUTES")
	// Parallel scan: the segments partition the table.
	seen := map[string]int{}
	for seg := int32(0); seg < 3; seg++ {
		var start item
		for range 50 {
			out := must[*dynamodb.ScanOutput](t, "segment")(env.DB.Scan(ctx, &dynamodb.ScanInput{TableName: aws.String(name), Segment: aws.Int32(seg), TotalSegments: aws.Int32(3),
				Limit: aws.Int32(4), ExclusiveStartKey: start}))
			for _, it := range out.Items {
				seen[show(it["pk"])+show(it["sk"])]++
			}
			if start = out.LastEvaluatedKey; start == nil {
				break
			}
		}
	}
	if len(seen) != 20 {
		t.Fatalf("segments saw %d distinct items", len(seen))
	}
	for k, c := range seen {
		if c != 1 {
			t.Fatalf("item %s seen %d times", k, c)
		}
	}
	_, err = env.DB.Scan(ctx, &dynamodb.ScanInput{TableName: aws.String(name), Segment: aws.Int32(3), TotalSegments: aws.Int32(3)})
	env.wantErr(t, "segment out of range", err, "ValidationException", "Segment")
})

var _ = register("indexes/gsi-lsi-sparse", func(t *testing.T, env *Env) {
	ctx := context.Background()
	name := createTable(t, env, "Idx", true, func(in *dynamodb.CreateTableInput) {
		in.AttributeDefinitions = append(in.AttributeDefinitions, defs("status_", "S", "rank", "N")...)
		in.GlobalSecondaryIndexes = []types.GlobalSecondaryIndex{{IndexName: aws.String("byStatus"), KeySchema: ks("status_", "sk"),
			Projection: &types.Projection{ProjectionType: types.ProjectionTypeKeysOnly}}}
		in.LocalSecondaryIndexes = []types.LocalSecondaryIndex{{IndexName: aws.String("byRank"), KeySchema: ks("pk", "rank"),
			Projection: &types.Projection{ProjectionType: types.ProjectionTypeAll}}}
	})
	put(t, env, name, item{"pk": s("a"), "sk": n("1"), "status_": s("open"), "rank": n("3"), "extra": s("e")})
	put(t, env, name, item{"pk": s("a"), "sk": n("2"), "rank": n("1")})
	put(t, env, name, item{"pk": s("a"), "sk": n("3"), "status_": s("open")})
	g := must[*dynamodb.QueryOutput](t, "gsi")(env.DB.Query(ctx, &dynamodb.QueryInput{TableName: aws.String(name), IndexName: aws.String("byStatus"),
		KeyConditionExpression: aws.String("status_ = :s"), ExpressionAttributeValues: item{":s": s("open")}}))
	if g.Count != 2 || show(g.Items[0]) != `{pk:"a",sk:1,status_:"open"}` {
		t.Fatalf("sparse gsi = %v", g.Items)
	}
	lsi := must[*dynamodb.QueryOutput](t, "lsi")(env.DB.Query(ctx, &dynamodb.QueryInput{TableName: aws.String(name), IndexName: aws.String("byRank"),
		KeyConditionExpression: aws.String("pk = :p"), ExpressionAttributeValues: item{":p": s("a")}}))
	if lsi.Count != 2 || show(lsi.Items[0]["sk"]) != "2" || show(lsi.Items[1]["sk"]) != "1" {
		t.Fatalf("sparse lsi order = %v", lsi.Items)
	}
	_, err := env.DB.Query(ctx, &dynamodb.QueryInput{TableName: aws.String(name), IndexName: aws.String("byStatus"), Select: types.SelectAllAttributes,
		KeyConditionExpression: aws.String("status_ = :s"), ExpressionAttributeValues: item{":s": s("open")}})
	env.wantErr(t, "ALL_ATTRIBUTES on KEYS_ONLY gsi", err, "ValidationException", "Select type ALL_ATTRIBUTES is not supported for global secondary index byStatus")
	_, err = env.DB.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(name), Item: item{"pk": s("a"), "sk": n("9"), "status_": n("1")}})
	env.wantErr(t, "index key type", err, "ValidationException", "Type mismatch for Index Key status_")
})
