package parity

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

var _ = register("limits/types-and-sizes", func(t *testing.T, env *Env) {
	ctx := context.Background()
	name := createTable(t, env, "Lim", true, nil)
	putErr := func(it item) error {
		_, err := env.DB.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(name), Item: it})
		return err
	}
	nest := func(depth int) item {
		v := s("leaf")
		for range depth {
			v = l(v)
		}
		return item{"pk": s("deep"), "sk": n("1"), "d": v}
	}
	if err := putErr(nest(32)); err != nil {
		t.Fatalf("32 levels: %v", err)
	}
	env.wantErr(t, "33 levels", putErr(nest(33)), "ValidationException", "Nesting Levels have exceeded supported limits")
	if err := putErr(item{"pk": s(strings.Repeat("p", 2048)), "sk": n("1")}); err != nil {
		t.Fatalf("2048-byte partition key: %v", err)
	}
	env.wantErr(t, "2049-byte partition key", putErr(item{"pk": s(strings.Repeat("p", 2049)), "sk": n("1")}), "ValidationException",
		"One or more parameter values were invalid: Size of hashkey has exceeded the maximum size limit of2048 bytes")
	sortName := createTable(t, env, "LimS", false, func(in *dynamodb.CreateTableInput) {
		in.KeySchema, in.AttributeDefinitions = ks("pk", "sk"), defs("pk", "S", "sk", "S")
	})
	_, err := env.DB.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(sortName), Item: item{"pk": s("a"), "sk": s(strings.Repeat("s", 1025))}})
	env.wantErr(t, "1025-byte sort key", err, "ValidationException", "Aggregated size of all range keys has exceeded the size limit of 1024 bytes")
	env.wantErr(t, "empty key", putErr(item{"pk": s(""), "sk": n("1")}), "ValidationException",
		"One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty string value. Key: pk")
	if err := putErr(item{"pk": s("e"), "sk": n("1"), "empty": s(""), "bin": b(nil), "m": m(item{"x": s("")})}); err != nil {
		t.Fatalf("empty non-key values: %v", err)
	}
	env.wantErr(t, "empty set", putErr(item{"pk": s("e"), "sk": n("1"), "set": ss()}), "ValidationException", "An string set  may not be empty")
	big := strings.Repeat("x", 400*1024-20)
	if err := putErr(item{"pk": s("big"), "sk": n("1"), "v": s(big)}); err != nil {
		t.Fatalf("item just under 400 KB: %v", err)
	}
	env.wantErr(t, "item over 400 KB", putErr(item{"pk": s("big"), "sk": n("1"), "v": s(big + strings.Repeat("x", 40))}), "ValidationException",
		"Item size has exceeded the maximum allowed size")
	_, err = env.DB.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(name), Item: item{"pk": s("n"), "sk": n("1"), "big": n("1" + strings.Repeat("0", 38) + "1")}})
	env.wantErr(t, "39 digits", err, "ValidationException", "Attempting to store more than 38 significant digits in a Number")
	_, err = env.DB.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("NoSuchTable"), Item: item{"pk": s("x")}})
	env.wantErr(t, "unknown table", err, "ResourceNotFoundException", "Requested resource not found")
})

var _ = register("limits/index-keys-and-start-keys", func(t *testing.T, env *Env) {
	ctx := context.Background()
	name := createTable(t, env, "IdxK", true, func(in *dynamodb.CreateTableInput) {
		in.AttributeDefinitions = append(in.AttributeDefinitions, defs("g", "S")...)
		in.GlobalSecondaryIndexes = []types.GlobalSecondaryIndex{{IndexName: aws.String("byG"), KeySchema: ks("g"),
			Projection: &types.Projection{ProjectionType: types.ProjectionTypeKeysOnly}}}
	})
	_, err := env.DB.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(name), Item: item{"pk": s("a"), "sk": n("1"), "g": s("")}})
	env.wantErr(t, "empty GSI key", err, "ValidationException",
		"One or more parameter values are not valid. A value specified for a secondary index key is not supported. The AttributeValue for a key attribute cannot contain an empty string value. IndexName: byG, IndexKey: g")
	put(t, env, name, item{"pk": s("a"), "sk": n("1"), "g": s("x")})
	// A start key must name the table's key (and, on an index, the index's).
	_, err = env.DB.Query(ctx, &dynamodb.QueryInput{TableName: aws.String(name), KeyConditionExpression: aws.String("pk = :p"),
		ExpressionAttributeValues: item{":p": s("a")}, ExclusiveStartKey: item{"pk": s("a")}})
	env.wantErr(t, "start key without sort key", err, "ValidationException", "The provided starting key is invalid")
	_, err = env.DB.Scan(ctx, &dynamodb.ScanInput{TableName: aws.String(name), ExclusiveStartKey: item{"pk": s("a"), "sk": s("1")}})
	env.wantErr(t, "start key of the wrong type", err, "ValidationException", "The provided starting key is invalid")
	page := must[*dynamodb.QueryOutput](t, "gsi page")(env.DB.Query(ctx, &dynamodb.QueryInput{TableName: aws.String(name), IndexName: aws.String("byG"),
		KeyConditionExpression: aws.String("g = :g"), ExpressionAttributeValues: item{":g": s("x")}, Limit: aws.Int32(1)}))
	// An index's LastEvaluatedKey has the index key and the table key.
	if show(page.LastEvaluatedKey) != `{g:"x",pk:"a",sk:1}` {
		t.Fatalf("gsi LastEvaluatedKey = %s", show(page.LastEvaluatedKey))
	}
	rest := must[*dynamodb.QueryOutput](t, "gsi rest")(env.DB.Query(ctx, &dynamodb.QueryInput{TableName: aws.String(name), IndexName: aws.String("byG"),
		KeyConditionExpression: aws.String("g = :g"), ExpressionAttributeValues: item{":g": s("x")}, ExclusiveStartKey: page.LastEvaluatedKey}))
	if rest.Count != 0 || rest.LastEvaluatedKey != nil {
		t.Fatalf("after the last item: %d items, lek %v", rest.Count, rest.LastEvaluatedKey)
	}
})
