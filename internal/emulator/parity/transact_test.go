package parity

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

var _ = register("transact/write-get-idempotency", func(t *testing.T, env *Env) {
	ctx := context.Background()
	name := createTable(t, env, "Tx", false, nil)
	put(t, env, name, item{"pk": s("acct"), "bal": n("100")})
	tbl := aws.String(name)
	// A cancelled transaction applies nothing and explains each item in order.
	_, err := env.DB.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
		{Put: &types.Put{TableName: tbl, Item: item{"pk": s("new")}}},
		{Update: &types.Update{TableName: tbl, Key: item{"pk": s("acct")}, UpdateExpression: aws.String("SET bal = bal - :amt"),
			ConditionExpression: aws.String("bal >= :amt"), ExpressionAttributeValues: item{":amt": n("500")},
			ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld}},
	}})
	var tc *types.TransactionCanceledException
	if !asErr(err, &tc) || len(tc.CancellationReasons) != 2 || aws.ToString(tc.CancellationReasons[0].Code) != "None" ||
		aws.ToString(tc.CancellationReasons[1].Code) != "ConditionalCheckFailed" || show(tc.CancellationReasons[1].Item) != `{bal:100,pk:"acct"}` {
		t.Fatalf("cancelled = %v", err)
	}
	wantItem(t, "not applied", get(t, env, name, item{"pk": s("new")}), "<nil>")
	// Idempotent retry with a ClientRequestToken applies once.
	in := &dynamodb.TransactWriteItemsInput{ClientRequestToken: aws.String("token-1"), TransactItems: []types.TransactWriteItem{
		{Update: &types.Update{TableName: tbl, Key: item{"pk": s("acct")}, UpdateExpression: aws.String("SET bal = bal - :amt"), ExpressionAttributeValues: item{":amt": n("10")}}},
		{ConditionCheck: &types.ConditionCheck{TableName: tbl, Key: item{"pk": s("acct")}, ConditionExpression: aws.String("attribute_exists(pk)")}},
	}}
	in.TransactItems = in.TransactItems[:1]
	for range 3 {
		must[*dynamodb.TransactWriteItemsOutput](t, "tokened write")(env.DB.TransactWriteItems(ctx, in))
	}
	wantItem(t, "applied once", get(t, env, name, item{"pk": s("acct")}), `{bal:90,pk:"acct"}`)
	in.TransactItems[0].Update.ExpressionAttributeValues = item{":amt": n("20")}
	_, err = env.DB.TransactWriteItems(ctx, in)
	wantErr(t, "token reuse", err, "IdempotentParameterMismatchException", "")
	// TransactGetItems reads in order, nil entries for missing items.
	g := must[*dynamodb.TransactGetItemsOutput](t, "transact get")(env.DB.TransactGetItems(ctx, &dynamodb.TransactGetItemsInput{TransactItems: []types.TransactGetItem{
		{Get: &types.Get{TableName: tbl, Key: item{"pk": s("missing")}}},
		{Get: &types.Get{TableName: tbl, Key: item{"pk": s("acct")}, ProjectionExpression: aws.String("bal")}},
	}}))
	if len(g.Responses) != 2 || g.Responses[0].Item != nil || show(g.Responses[1].Item) != "{bal:90}" {
		t.Fatalf("transact get = %+v", g.Responses)
	}
	_, err = env.DB.TransactGetItems(ctx, &dynamodb.TransactGetItemsInput{TransactItems: []types.TransactGetItem{
		{Get: &types.Get{TableName: tbl, Key: item{"pk": s("acct")}}}, {Get: &types.Get{TableName: tbl, Key: item{"pk": s("acct")}}},
	}})
	wantErr(t, "duplicate get", err, "ValidationException", "Transaction request cannot include multiple operations on one item")
})
