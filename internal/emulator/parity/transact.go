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
	env.wantErr(t, "token reuse", err, "IdempotentParameterMismatchException", "")
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
	env.wantErr(t, "duplicate get", err, "ValidationException", "Transaction request cannot include multiple operations on one item")
})

var _ = register("transact/all-kinds-across-tables", func(t *testing.T, env *Env) {
	ctx := context.Background()
	a := createTable(t, env, "TxA", false, nil)
	bt := createTable(t, env, "TxB", true, nil)
	put(t, env, a, item{"pk": s("keep"), "n": n("1")})
	put(t, env, a, item{"pk": s("drop")})
	put(t, env, bt, item{"pk": s("guard"), "sk": n("1"), "open": boolean(true)})
	all := []types.TransactWriteItem{
		{Put: &types.Put{TableName: aws.String(a), Item: item{"pk": s("new"), "n": n("0")}, ConditionExpression: aws.String("attribute_not_exists(pk)")}},
		{Update: &types.Update{TableName: aws.String(a), Key: item{"pk": s("keep")}, UpdateExpression: aws.String("ADD n :one"), ExpressionAttributeValues: item{":one": n("1")}}},
		{Delete: &types.Delete{TableName: aws.String(a), Key: item{"pk": s("drop")}, ConditionExpression: aws.String("attribute_exists(pk)")}},
		{ConditionCheck: &types.ConditionCheck{TableName: aws.String(bt), Key: item{"pk": s("guard"), "sk": n("1")}, ConditionExpression: aws.String("#o = :t"),
			ExpressionAttributeNames: map[string]string{"#o": "open"}, ExpressionAttributeValues: item{":t": boolean(true)}}},
	}
	must[*dynamodb.TransactWriteItemsOutput](t, "all four")(env.DB.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: all}))
	wantItem(t, "put", get(t, env, a, item{"pk": s("new")}), `{n:0,pk:"new"}`)
	wantItem(t, "update", get(t, env, a, item{"pk": s("keep")}), `{n:2,pk:"keep"}`)
	wantItem(t, "delete", get(t, env, a, item{"pk": s("drop")}), "<nil>")
	// Again: the put and the delete now fail their conditions; reasons come
	// in request order and nothing is applied (keep stays at 2).
	_, err := env.DB.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: all})
	var tc *types.TransactionCanceledException
	if !asErr(err, &tc) || len(tc.CancellationReasons) != 4 {
		t.Fatalf("second run = %v", err)
	}
	var codes []string
	for _, r := range tc.CancellationReasons {
		codes = append(codes, aws.ToString(r.Code))
	}
	if got := strings.Join(codes, ","); got != "ConditionalCheckFailed,None,ConditionalCheckFailed,None" {
		t.Fatalf("reasons = %s", got)
	}
	if !strings.Contains(aws.ToString(tc.Message), "[ConditionalCheckFailed, None, ConditionalCheckFailed, None]") {
		t.Fatalf("message = %s", aws.ToString(tc.Message))
	}
	wantItem(t, "not applied", get(t, env, a, item{"pk": s("keep")}), `{n:2,pk:"keep"}`)
	// Limits and shapes.
	_, err = env.DB.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
		{Put: &types.Put{TableName: aws.String(a), Item: item{"pk": s("x")}}},
		{Delete: &types.Delete{TableName: aws.String(a), Key: item{"pk": s("x")}}},
	}})
	env.wantErr(t, "two operations on one item", err, "ValidationException", "Transaction request cannot include multiple operations on one item")
	_, err = env.DB.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{ClientRequestToken: aws.String(strings.Repeat("t", 37)),
		TransactItems: []types.TransactWriteItem{{Put: &types.Put{TableName: aws.String(a), Item: item{"pk": s("x")}}}}})
	env.wantErr(t, "long token", err, "ValidationException", "Member must have length less than or equal to 36")
	var many []types.TransactWriteItem
	for i := range 101 {
		many = append(many, types.TransactWriteItem{Put: &types.Put{TableName: aws.String(a), Item: item{"pk": s(fmt.Sprint("m", i))}}})
	}
	_, err = env.DB.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: many})
	env.wantErr(t, "101 items", err, "ValidationException", "Member must have length less than or equal to 100")
	_, err = env.DB.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
		{Put: &types.Put{TableName: aws.String("NoSuchTable_" + a), Item: item{"pk": s("x")}}}}})
	env.wantErr(t, "unknown table", err, "ResourceNotFoundException", "Requested resource not found")
})
