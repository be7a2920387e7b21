package parity

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

var _ = register("limits/numbers", func(t *testing.T, env *Env) {
	ctx := context.Background()
	name := createTable(t, env, "Num", false, nil)
	putN := func(v string) error {
		_, err := env.DB.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(name), Item: item{"pk": s(v), "n": n(v)}})
		return err
	}
	// The extremes DynamoDB stores, returned in its canonical form.
	for v, want := range map[string]string{
		"9.9999999999999999999999999999999999999E+125": "99999999999999999999999999999999999999" + strings.Repeat("0", 88),
		"-1E-130":                                "-0." + strings.Repeat("0", 129) + "1",
		"12345678901234567890123456789012345678": "12345678901234567890123456789012345678",
		"1.50":                                   "1.5",
	} {
		if err := putN(v); err != nil {
			t.Fatalf("put %s: %v", v, err)
		}
		if got := show(get(t, env, name, item{"pk": s(v)})["n"]); got != want {
			t.Fatalf("stored %s as %s, want %s", v, got, want)
		}
	}
	env.wantErr(t, "39 digits", putN("1"+strings.Repeat("0", 37)+"11"), "ValidationException",
		"Attempting to store more than 38 significant digits in a Number")
	env.wantErr(t, "overflow", putN("1E126"), "ValidationException",
		"Number overflow. Attempting to store a number with magnitude larger than supported range")
	env.wantErr(t, "underflow", putN("1E-131"), "ValidationException",
		"Number underflow. Attempting to store a number with magnitude smaller than supported range")
	env.wantErr(t, "not a number", putN("12a"), "ValidationException", "The parameter cannot be converted to a numeric value: 12a")
	// Arithmetic is exact decimal, and its result is held to the same limits.
	key := item{"pk": s("calc")}
	put(t, env, name, item{"pk": s("calc"), "n": n("0.1")})
	must[*dynamodb.UpdateItemOutput](t, "add")(env.DB.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: aws.String(name), Key: key,
		UpdateExpression: aws.String("SET n = n + :v"), ExpressionAttributeValues: item{":v": n("0.2")}}))
	wantItem(t, "0.1 + 0.2", get(t, env, name, key), `{n:0.3,pk:"calc"}`)
	_, err := env.DB.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: aws.String(name), Key: key,
		UpdateExpression: aws.String("SET n = :big + :big"), ExpressionAttributeValues: item{":big": n("9.9999999999999999999999999999999999999E+125")}})
	env.wantErr(t, "sum overflow", err, "ValidationException", "Number overflow. Attempting to store a number with magnitude larger than supported range")
	_, err = env.DB.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: aws.String(name), Key: key,
		UpdateExpression: aws.String("SET n = :a + :b"), ExpressionAttributeValues: item{":a": n("1" + strings.Repeat("0", 37)), ":b": n("0.1")}})
	env.wantErr(t, "sum precision", err, "ValidationException", "Attempting to store more than 38 significant digits in a Number")
})

var _ = register("limits/sets", func(t *testing.T, env *Env) {
	ctx := context.Background()
	name := createTable(t, env, "Sets", false, nil)
	putErr := func(v types.AttributeValue) error {
		_, err := env.DB.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(name), Item: item{"pk": s("a"), "set": v}})
		return err
	}
	env.wantErr(t, "empty SS", putErr(ss()), "ValidationException", "One or more parameter values were invalid: An string set  may not be empty")
	env.wantErr(t, "empty NS", putErr(ns()), "ValidationException", "One or more parameter values were invalid: An number set  may not be empty")
	env.wantErr(t, "empty BS", putErr(&types.AttributeValueMemberBS{Value: [][]byte{}}), "ValidationException",
		"One or more parameter values were invalid: Binary sets should not be empty")
	env.wantErr(t, "duplicate SS", putErr(ss("x", "y", "x")), "ValidationException",
		"One or more parameter values were invalid: Input collection [x, y, x] contains duplicates.")
	env.wantErr(t, "duplicate NS by value", putErr(ns("1", "1.0")), "ValidationException", "Input collection contains duplicates")
	env.wantErr(t, "duplicate BS", putErr(&types.AttributeValueMemberBS{Value: [][]byte{{1}, {1}}}), "ValidationException", "contains duplicates")
	// An update that empties a set removes the attribute; ADD of an empty
	// set is refused like any empty set.
	put(t, env, name, item{"pk": s("a"), "set": ss("x")})
	must[*dynamodb.UpdateItemOutput](t, "delete last")(env.DB.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: aws.String(name), Key: item{"pk": s("a")},
		UpdateExpression: aws.String("DELETE #s :x"), ExpressionAttributeNames: map[string]string{"#s": "set"}, ExpressionAttributeValues: item{":x": ss("x")}}))
	wantItem(t, "emptied set", get(t, env, name, item{"pk": s("a")}), `{pk:"a"}`)
	_, err := env.DB.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: aws.String(name), Key: item{"pk": s("a")},
		UpdateExpression: aws.String("ADD #s :x"), ExpressionAttributeNames: map[string]string{"#s": "set"}, ExpressionAttributeValues: item{":x": ss()}})
	env.wantErr(t, "ADD empty set", err, "ValidationException", "One or more parameter values were invalid: An string set  may not be empty")
	// Sets of the wrong type for ADD / DELETE.
	put(t, env, name, item{"pk": s("b"), "set": ss("x")})
	_, err = env.DB.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: aws.String(name), Key: item{"pk": s("b")},
		UpdateExpression: aws.String("ADD #s :x"), ExpressionAttributeNames: map[string]string{"#s": "set"}, ExpressionAttributeValues: item{":x": ns("1")}})
	env.wantErr(t, "ADD NS to SS", err, "ValidationException", "An operand in the update expression has an incorrect data type")
})

var _ = register("expressions/placeholders-and-reserved-words", func(t *testing.T, env *Env) {
	ctx := context.Background()
	name := createTable(t, env, "Ph", true, nil)
	tbl := aws.String(name)
	put(t, env, name, item{"pk": s("a"), "sk": n("1"), "data": s("d")})
	key := item{"pk": s("a"), "sk": n("1")}
	tests := []struct {
		what string
		call func() error
		msg  string
	}{
		{"unused value", func() error {
			_, err := env.DB.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: tbl, Key: key, UpdateExpression: aws.String("SET v = :a"),
				ExpressionAttributeValues: item{":a": n("1"), ":b": n("2")}})
			return err
		}, "Value provided in ExpressionAttributeValues unused in expressions: keys: {:b}"},
		{"unused name in a query", func() error {
			_, err := env.DB.Query(ctx, &dynamodb.QueryInput{TableName: tbl, KeyConditionExpression: aws.String("pk = :p"),
				ExpressionAttributeValues: item{":p": s("a")}, ExpressionAttributeNames: map[string]string{"#x": "x"}})
			return err
		}, "Value provided in ExpressionAttributeNames unused in expressions: keys: {#x}"},
		{"missing name in an update", func() error {
			_, err := env.DB.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: tbl, Key: key, UpdateExpression: aws.String("SET #v = :a"),
				ExpressionAttributeValues: item{":a": n("1")}})
			return err
		}, "Invalid UpdateExpression: An expression attribute name used in the document path is not defined; attribute name: #v"},
		{"missing value in a key condition", func() error {
			_, err := env.DB.Query(ctx, &dynamodb.QueryInput{TableName: tbl, KeyConditionExpression: aws.String("pk = :p"),
				ExpressionAttributeValues: item{":q": s("a")}})
			return err
		}, "Invalid KeyConditionExpression: An expression attribute value used in expression is not defined; attribute value: :p"},
		{"reserved word in a projection", func() error {
			_, err := env.DB.GetItem(ctx, &dynamodb.GetItemInput{TableName: tbl, Key: key, ProjectionExpression: aws.String("data")})
			return err
		}, "Invalid ProjectionExpression: Attribute name is a reserved keyword; reserved keyword: data"},
		{"reserved word in an update", func() error {
			_, err := env.DB.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: tbl, Key: key, UpdateExpression: aws.String("SET #d = size"),
				ExpressionAttributeNames: map[string]string{"#d": "d"}})
			return err
		}, "Invalid UpdateExpression: Attribute name is a reserved keyword; reserved keyword: size"},
		{"reserved word in a filter", func() error {
			_, err := env.DB.Scan(ctx, &dynamodb.ScanInput{TableName: tbl, FilterExpression: aws.String("name = :n"), ExpressionAttributeValues: item{":n": s("x")}})
			return err
		}, "Invalid FilterExpression: Attribute name is a reserved keyword; reserved keyword: name"},
		{"syntax error", func() error {
			_, err := env.DB.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: tbl, Key: key, UpdateExpression: aws.String("SET v = ")})
			return err
		}, `Invalid UpdateExpression: Syntax error; token: "<EOF>"`},
		{"value names without an expression", func() error {
			_, err := env.DB.GetItem(ctx, &dynamodb.GetItemInput{TableName: tbl, Key: key, ExpressionAttributeNames: map[string]string{"#a": "a"}})
			return err
		}, "ExpressionAttributeNames can only be specified when using expressions"},
	}
	for _, tt := range tests {
		env.wantErr(t, tt.what, tt.call(), "ValidationException", tt.msg)
	}
	// Names may spell reserved words, and may nest through maps and lists.
	must[*dynamodb.UpdateItemOutput](t, "names")(env.DB.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: tbl, Key: key,
		UpdateExpression:          aws.String("SET #data = :m, #status = :s"),
		ExpressionAttributeNames:  map[string]string{"#data": "data", "#status": "status"},
		ExpressionAttributeValues: item{":m": m(item{"in": l(s("x"))}), ":s": s("ok")}}))
	g := must[*dynamodb.GetItemOutput](t, "get nested")(env.DB.GetItem(ctx, &dynamodb.GetItemInput{TableName: tbl, Key: key,
		ProjectionExpression: aws.String("#data.#in[0], #status"), ExpressionAttributeNames: map[string]string{"#data": "data", "#in": "in", "#status": "status"}}))
	wantItem(t, "nested projection", g.Item, `{data:{in:["x"]},status:"ok"}`)
})
