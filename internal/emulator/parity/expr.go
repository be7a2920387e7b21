package parity

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
)

var _ = register("expressions/conditions", func(t *testing.T, env *Env) {
	ctx := context.Background()
	name := createTable(t, env, "Cond", false, nil)
	put(t, env, name, item{"pk": s("a"), "n": n("5"), "str": s("hello"), "tags": ss("x", "y"), "doc": m(item{"inn": l(s("p"), s("q"))})})
	tests := []struct {
		cond string
		vals item
		ok   bool
	}{
		{"n = :v", item{":v": n("5")}, true},
		{"n <> :v", item{":v": n("5")}, false},
		{"n < :v AND n <= :w", item{":v": n("6"), ":w": n("5")}, true},
		{"n > :v OR n >= :w", item{":v": n("9"), ":w": n("6")}, false},
		{"n BETWEEN :lo AND :hi", item{":lo": n("1"), ":hi": n("5")}, true},
		{"n IN (:a, :b)", item{":a": n("1"), ":b": n("5")}, true},
		{"NOT (n = :v)", item{":v": n("5")}, false},
		{"attribute_exists(doc.inn[1]) AND attribute_not_exists(nope)", nil, true},
		{"attribute_type(tags, :t)", item{":t": s("SS")}, true},
		{"begins_with(str, :p)", item{":p": s("he")}, true},
		{"contains(tags, :x) AND contains(str, :sub)", item{":x": s("y"), ":sub": s("ell")}, true},
		{"size(str) = :five AND size(doc.inn) < :three", item{":five": n("5"), ":three": n("3")}, true},
	}
	for _, tt := range tests {
		_, err := env.DB.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(name), ConditionExpression: aws.String(tt.cond), ExpressionAttributeValues: tt.vals,
			Item: item{"pk": s("a"), "n": n("5"), "str": s("hello"), "tags": ss("x", "y"), "doc": m(item{"inn": l(s("p"), s("q"))})}})
		if tt.ok && err != nil {
			t.Errorf("%s: %v", tt.cond, err)
		}
		if !tt.ok {
			env.wantErr(t, tt.cond, err, "ConditionalCheckFailedException", "The conditional request failed")
		}
	}
	// Placeholder validation, as AWS words it.
	_, err := env.DB.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(name), Item: item{"pk": s("a")}, ConditionExpression: aws.String("attribute_exists(pk)"),
		ExpressionAttributeNames: map[string]string{"#unused": "x"}})
	env.wantErr(t, "unused name", err, "ValidationException", "Value provided in ExpressionAttributeNames unused in expressions: keys: {#unused}")
	_, err = env.DB.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(name), Item: item{"pk": s("a")}, ConditionExpression: aws.String("status = :v"),
		ExpressionAttributeValues: item{":v": s("x")}})
	env.wantErr(t, "reserved word", err, "ValidationException", "Attribute name is a reserved keyword; reserved keyword: status")
	_, err = env.DB.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(name), Item: item{"pk": s("a")}, ConditionExpression: aws.String("n = :missing")})
	env.wantErr(t, "missing value", err, "ValidationException", "An expression attribute value used in expression is not defined; attribute value: :missing")
})

var _ = register("expressions/updates-and-projection", func(t *testing.T, env *Env) {
	ctx := context.Background()
	name := createTable(t, env, "Upd", false, nil)
	key := item{"pk": s("a")}
	put(t, env, name, item{"pk": s("a"), "n": n("5"), "xs": l(s("a"), s("b"), s("c")), "ys": l(n("0"), n("1")), "tags": ss("x", "y"), "more": ss("m"), "doc": m(item{"k": s("v")})})
	must[*dynamodb.UpdateItemOutput](t, "update")(env.DB.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: aws.String(name), Key: key,
		UpdateExpression:          aws.String("SET n = n + :one, m2 = if_not_exists(m2, :zero) - :one, xs = list_append(xs, :more), doc.k2 = :v REMOVE ys[0] ADD cnt :one, more :z DELETE tags :x"),
		ExpressionAttributeValues: item{":one": n("1"), ":zero": n("0"), ":more": l(s("d")), ":v": s("w"), ":z": ss("z"), ":x": ss("x")}}))
	wantItem(t, "after update", get(t, env, name, key), `{cnt:1,doc:{k:"v",k2:"w"},m2:-1,more:SS["m" "z"],n:6,pk:"a",tags:SS["y"],xs:["a","b","c","d"],ys:[1]}`)
	pr := must[*dynamodb.GetItemOutput](t, "projection")(env.DB.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(name), Key: key,
		ProjectionExpression: aws.String("doc.k2, xs[2], #n"), ExpressionAttributeNames: map[string]string{"#n": "n"}}))
	wantItem(t, "projection", pr.Item, `{doc:{k2:"w"},n:6,xs:["c"]}`)
	_, err := env.DB.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: aws.String(name), Key: key, UpdateExpression: aws.String("SET pk = :v"), ExpressionAttributeValues: item{":v": s("b")}})
	env.wantErr(t, "update key", err, "ValidationException", "Cannot update attribute pk. This attribute is part of the key")
})
