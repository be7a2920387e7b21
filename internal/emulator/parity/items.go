package parity

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

var _ = register("items/return-values", func(t *testing.T, env *Env) {
	ctx := context.Background()
	name := createTable(t, env, "Ret", false, nil)
	key := item{"pk": s("a")}
	p := must[*dynamodb.PutItemOutput](t, "put")(env.DB.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(name), ReturnValues: types.ReturnValueAllOld,
		Item: item{"pk": s("a"), "doc": m(item{"x": n("1"), "y": n("2")}), "xs": l(n("1"), n("2"), n("3")), "top": s("t")}}))
	wantItem(t, "put ALL_OLD of new item", p.Attributes, "<nil>")
	upd := func(rv types.ReturnValue, expr string, vals item) item {
		t.Helper()
		out := must[*dynamodb.UpdateItemOutput](t, "update "+string(rv))(env.DB.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: aws.String(name), Key: key,
			UpdateExpression: aws.String(expr), ExpressionAttributeValues: vals, ReturnValues: rv}))
		return out.Attributes
	}
	wantItem(t, "UPDATED_NEW nested", upd(types.ReturnValueUpdatedNew, "SET doc.x = :v, xs[1] = :w", item{":v": n("10"), ":w": n("20")}), "{doc:{x:10},xs:[20]}")
	_ = upd
	out := must[*dynamodb.UpdateItemOutput](t, "update names")(env.DB.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: aws.String(name), Key: key,
		UpdateExpression: aws.String("SET doc.y = :v REMOVE #t"), ExpressionAttributeNames: map[string]string{"#t": "top"},
		ExpressionAttributeValues: item{":v": n("30")}, ReturnValues: types.ReturnValueUpdatedOld}))
	wantItem(t, "UPDATED_OLD with REMOVE", out.Attributes, `{doc:{y:2},top:"t"}`)
	wantItem(t, "ALL_OLD", upd(types.ReturnValueAllOld, "SET n1 = :v", item{":v": n("1")}), `{doc:{x:10,y:30},pk:"a",xs:[1,20,3]}`)
	wantItem(t, "ALL_NEW", upd(types.ReturnValueAllNew, "ADD n1 :v", item{":v": n("1")}), `{doc:{x:10,y:30},n1:2,pk:"a",xs:[1,20,3]}`)
	wantItem(t, "NONE", upd(types.ReturnValueNone, "ADD n1 :v", item{":v": n("1")}), "<nil>")
	wantItem(t, "UPDATED_NEW new attribute", upd(types.ReturnValueUpdatedNew, "SET fresh = :v", item{":v": s("f")}), `{fresh:"f"}`)
	wantItem(t, "UPDATED_OLD new attribute", upd(types.ReturnValueUpdatedOld, "SET brandnew = :v", item{":v": s("o")}), "<nil>")
	// Put with ALL_OLD, then conditional failures returning the item.
	p = must[*dynamodb.PutItemOutput](t, "put")(env.DB.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(name), ReturnValues: types.ReturnValueAllOld,
		Item: item{"pk": s("a"), "v": n("1")}, ReturnConsumedCapacity: types.ReturnConsumedCapacityTotal}))
	if show(p.Attributes["n1"]) != "3" || p.ConsumedCapacity == nil || aws.ToFloat64(p.ConsumedCapacity.CapacityUnits) < 1 {
		t.Fatalf("put ALL_OLD = %s, capacity %+v", show(p.Attributes), p.ConsumedCapacity)
	}
	_, err := env.DB.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(name), Item: item{"pk": s("a")}, ConditionExpression: aws.String("attribute_not_exists(pk)"),
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld})
	var ccf *types.ConditionalCheckFailedException
	if !asErr(err, &ccf) || show(ccf.Item) != `{pk:"a",v:1}` {
		t.Fatalf("condition failure = %v", err)
	}
	_, err = env.DB.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(name), Item: key, ReturnValues: types.ReturnValueAllNew})
	env.wantErr(t, "put ALL_NEW", err, "ValidationException", "ReturnValues can only be ALL_OLD or NONE")
	d := must[*dynamodb.DeleteItemOutput](t, "delete")(env.DB.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: aws.String(name), Key: key, ReturnValues: types.ReturnValueAllOld}))
	wantItem(t, "delete ALL_OLD", d.Attributes, `{pk:"a",v:1}`)
	wantItem(t, "get after delete", get(t, env, name, key), "<nil>")
})
