package parity

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

var _ = register("legacy/parameters", func(t *testing.T, env *Env) {
	ctx := context.Background()
	name := createTable(t, env, "Legacy", true, nil)
	key := item{"pk": s("a"), "sk": n("1")}
	// Expected: Exists=false, then a comparison with ConditionalOperator.
	must[*dynamodb.PutItemOutput](t, "put expected")(env.DB.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(name),
		Item: item{"pk": s("a"), "sk": n("1"), "v": n("1")}, Expected: map[string]types.ExpectedAttributeValue{"pk": {Exists: aws.Bool(false)}}}))
	_, err := env.DB.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(name), Item: key,
		Expected: map[string]types.ExpectedAttributeValue{"pk": {Exists: aws.Bool(false)}}})
	env.wantErr(t, "expected exists=false", err, "ConditionalCheckFailedException", "The conditional request failed")
	must[*dynamodb.PutItemOutput](t, "put expected OR")(env.DB.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(name),
		Item: item{"pk": s("a"), "sk": n("1"), "v": n("2")}, ConditionalOperator: types.ConditionalOperatorOr,
		Expected: map[string]types.ExpectedAttributeValue{
			"v":    {ComparisonOperator: types.ComparisonOperatorEq, AttributeValueList: []types.AttributeValue{n("1")}},
			"nope": {ComparisonOperator: types.ComparisonOperatorNotNull},
		}}))
	// AttributeUpdates: PUT, ADD (number, set and list), DELETE.
	must[*dynamodb.UpdateItemOutput](t, "attribute updates")(env.DB.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: aws.String(name), Key: key,
		AttributeUpdates: map[string]types.AttributeValueUpdate{
			"v":    {Action: types.AttributeActionAdd, Value: n("10")},
			"name": {Action: types.AttributeActionPut, Value: s("gopher")},
			"tags": {Action: types.AttributeActionAdd, Value: ss("a", "b")},
			"hist": {Action: types.AttributeActionAdd, Value: l(s("h1"))},
		}}))
	must[*dynamodb.UpdateItemOutput](t, "attribute updates 2")(env.DB.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: aws.String(name), Key: key,
		AttributeUpdates: map[string]types.AttributeValueUpdate{
			"name": {Action: types.AttributeActionDelete},
			"tags": {Action: types.AttributeActionDelete, Value: ss("a")},
			"hist": {Action: types.AttributeActionAdd, Value: l(s("h2"))},
		}}))
	wantItem(t, "after attribute updates", get(t, env, name, key), `{hist:["h1","h2"],pk:"a",sk:1,tags:SS["b"],v:12}`)
	put(t, env, name, item{"pk": s("a"), "sk": n("2"), "v": n("20")})
	put(t, env, name, item{"pk": s("a"), "sk": n("3"), "v": n("30")})
	// KeyConditions + QueryFilter + AttributesToGet.
	q := must[*dynamodb.QueryOutput](t, "legacy query")(env.DB.Query(ctx, &dynamodb.QueryInput{TableName: aws.String(name),
		KeyConditions: map[string]types.Condition{
			"pk": {ComparisonOperator: types.ComparisonOperatorEq, AttributeValueList: []types.AttributeValue{s("a")}},
			"sk": {ComparisonOperator: types.ComparisonOperatorGe, AttributeValueList: []types.AttributeValue{n("2")}},
		},
		QueryFilter:     map[string]types.Condition{"v": {ComparisonOperator: types.ComparisonOperatorGt, AttributeValueList: []types.AttributeValue{n("25")}}},
		AttributesToGet: []string{"sk"}}))
	if q.Count != 1 || q.ScannedCount != 2 || show(q.Items[0]) != "{sk:3}" {
		t.Fatalf("legacy query = %d/%d %v", q.Count, q.ScannedCount, q.Items)
	}
	// ScanFilter with BETWEEN, and GetItem AttributesToGet.
	sc := must[*dynamodb.ScanOutput](t, "legacy scan")(env.DB.Scan(ctx, &dynamodb.ScanInput{TableName: aws.String(name),
		ScanFilter: map[string]types.Condition{"v": {ComparisonOperator: types.ComparisonOperatorBetween, AttributeValueList: []types.AttributeValue{n("11"), n("20")}}}}))
	if sc.Count != 2 {
		t.Fatalf("legacy scan count = %d", sc.Count)
	}
	g := must[*dynamodb.GetItemOutput](t, "legacy get")(env.DB.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(name), Key: key, AttributesToGet: []string{"v", "tags"}}))
	wantItem(t, "AttributesToGet", g.Item, `{tags:SS["b"],v:12}`)
	// Mixing is refused with AWS's message.
	_, err = env.DB.Query(ctx, &dynamodb.QueryInput{TableName: aws.String(name), KeyConditionExpression: aws.String("pk = :p"),
		ExpressionAttributeValues: item{":p": s("a")},
		QueryFilter:               map[string]types.Condition{"v": {ComparisonOperator: types.ComparisonOperatorGt, AttributeValueList: []types.AttributeValue{n("25")}}}})
	env.wantErr(t, "mixed query", err, "ValidationException", "Can not use both expression and non-expression parameters in the same request: Non-expression parameters: {QueryFilter} Expression parameters: {KeyConditionExpression}")
	_, err = env.DB.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: aws.String(name), Key: key, UpdateExpression: aws.String("SET a = :v"),
		ExpressionAttributeValues: item{":v": n("1")}, AttributeUpdates: map[string]types.AttributeValueUpdate{"b": {Value: n("1")}}})
	env.wantErr(t, "mixed update", err, "ValidationException", "Can not use both expression and non-expression parameters in the same request: Non-expression parameters: {AttributeUpdates} Expression parameters: {UpdateExpression}")
	_, err = env.DB.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(name), Key: key, AttributesToGet: []string{"v"}, ProjectionExpression: aws.String("v")})
	env.wantErr(t, "mixed get", err, "ValidationException", "Non-expression parameters: {AttributesToGet} Expression parameters: {ProjectionExpression}")
	_, err = env.DB.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(name), Item: key,
		Expected: map[string]types.ExpectedAttributeValue{"v": {ComparisonOperator: types.ComparisonOperatorBetween, AttributeValueList: []types.AttributeValue{n("1")}}}})
	env.wantErr(t, "bad arity", err, "ValidationException", "Invalid number of argument(s) for the BETWEEN ComparisonOperator")
})
