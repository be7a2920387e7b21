package ddbapi_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/sfapi/sfapi/internal/emulator/awsjson"
	"github.com/sfapi/sfapi/internal/emulator/ddb"
	"github.com/sfapi/sfapi/internal/emulator/ddbapi"
	"github.com/sfapi/sfapi/internal/emulator/kv"
)

// A failed condition with ReturnValuesOnConditionCheckFailure=ALL_OLD
// carries the old item in the error body, and a cancelled transaction its
// CancellationReasons, as DynamoDB sends them.
func TestErrorBodiesCarryDetails(t *testing.T) {
	store, err := kv.Open(t.TempDir()+"/d.db", kv.Options{InMemory: true})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	eng, err := ddb.Open(store, ddb.Options{Region: "us-east-1", AccountID: "000000000000"})
	if err != nil {
		t.Fatal(err)
	}
	mux := awsjson.NewMux(nil)
	ddbapi.Register(mux, eng)
	ctx := context.Background()
	call := func(op, body string) (int, map[string]json.RawMessage) {
		resp := mux.Invoke(ctx, "DynamoDB_20120810."+op, []byte(body))
		var out map[string]json.RawMessage
		if err := json.Unmarshal(resp.Body, &out); err != nil {
			t.Fatalf("%s: %v", op, err)
		}
		return resp.Status, out
	}
	if st, out := call("CreateTable", `{"TableName":"Things","KeySchema":[{"AttributeName":"pk","KeyType":"HASH"}],"AttributeDefinitions":[{"AttributeName":"pk","AttributeType":"S"}],"BillingMode":"PAY_PER_REQUEST"}`); st != 200 {
		t.Fatalf("CreateTable: %d %s", st, out)
	}
	call("PutItem", `{"TableName":"Things","Item":{"pk":{"S":"a"},"v":{"N":"1"}}}`)

	st, out := call("PutItem", `{"TableName":"Things","Item":{"pk":{"S":"a"}},"ConditionExpression":"attribute_not_exists(pk)","ReturnValuesOnConditionCheckFailure":"ALL_OLD"}`)
	if st != 400 || string(out["__type"]) != `"com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException"` {
		t.Fatalf("conditional put: %d %s", st, out)
	}
	if string(out["Item"]) != `{"pk":{"S":"a"},"v":{"N":"1"}}` {
		t.Fatalf("Item in error body = %s", out["Item"])
	}

	st, out = call("TransactWriteItems", `{"TransactItems":[
		{"Put":{"TableName":"Things","Item":{"pk":{"S":"b"}}}},
		{"ConditionCheck":{"TableName":"Things","Key":{"pk":{"S":"a"}},"ConditionExpression":"v = :two","ExpressionAttributeValues":{":two":{"N":"2"}}}}]}`)
	if st != 400 {
		t.Fatalf("transaction: %d %s", st, out)
	}
	var reasons []map[string]any
	if err := json.Unmarshal(out["CancellationReasons"], &reasons); err != nil || len(reasons) != 2 {
		t.Fatalf("CancellationReasons = %s (%v)", out["CancellationReasons"], err)
	}
	if reasons[0]["Code"] != "None" || reasons[1]["Code"] != "ConditionalCheckFailed" {
		t.Fatalf("reasons = %v", reasons)
	}
}
