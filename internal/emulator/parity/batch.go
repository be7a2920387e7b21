package parity

import (
	"context"
	"fmt"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

var _ = register("batch/limits", func(t *testing.T, env *Env) {
	ctx := context.Background()
	name := createTable(t, env, "Batch", false, nil)
	writes := func(k int) []types.WriteRequest {
		var out []types.WriteRequest
		for i := range k {
			out = append(out, types.WriteRequest{PutRequest: &types.PutRequest{Item: item{"pk": s(fmt.Sprint(i)), "v": n(fmt.Sprint(i))}}})
		}
		return out
	}
	bw := must[*dynamodb.BatchWriteItemOutput](t, "batch write 25")(env.DB.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{RequestItems: map[string][]types.WriteRequest{name: writes(25)}}))
	if len(bw.UnprocessedItems) != 0 {
		t.Fatalf("unprocessed = %v", bw.UnprocessedItems)
	}
	_, err := env.DB.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{RequestItems: map[string][]types.WriteRequest{name: writes(26)}})
	env.wantErr(t, "batch write 26", err, "ValidationException", "Member must have length less than or equal to 25")
	keys := func(k int) []item {
		var out []item
		for i := range k {
			out = append(out, item{"pk": s(fmt.Sprint(i))})
		}
		return out
	}
	bg := must[*dynamodb.BatchGetItemOutput](t, "batch get 100")(env.DB.BatchGetItem(ctx, &dynamodb.BatchGetItemInput{RequestItems: map[string]types.KeysAndAttributes{
		name: {Keys: keys(100), ProjectionExpression: aws.String("v")}}}))
	if len(bg.Responses[name]) != 25 || len(bg.UnprocessedKeys) != 0 {
		t.Fatalf("batch get = %d items, unprocessed %v", len(bg.Responses[name]), bg.UnprocessedKeys)
	}
	_, err = env.DB.BatchGetItem(ctx, &dynamodb.BatchGetItemInput{RequestItems: map[string]types.KeysAndAttributes{name: {Keys: keys(101)}}})
	env.wantErr(t, "batch get 101", err, "ValidationException", "Too many items requested for the BatchGetItem call")
	// Deletes in a batch.
	must[*dynamodb.BatchWriteItemOutput](t, "batch delete")(env.DB.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{RequestItems: map[string][]types.WriteRequest{
		name: {{DeleteRequest: &types.DeleteRequest{Key: item{"pk": s("0")}}}}}}))
	wantItem(t, "deleted", get(t, env, name, item{"pk": s("0")}), "<nil>")
})
