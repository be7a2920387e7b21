package ddb

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/sfapi/sfapi/internal/emulator/ddb/attr"
	"github.com/sfapi/sfapi/internal/emulator/streams"
)

func TestBatchWriteAndGet(t *testing.T) {
	t.Parallel()
	e, _, _ := newEngine(t)
	ctx := context.Background()
	mustCreate(t, e, pkSpec("TabA", ""))
	mustCreate(t, e, pkSpec("TabB", "N"))
	mustPut(t, e, "TabA", attr.Item{"pk": S("gone")})
	reqs := map[string][]WriteRequest{
		"TabA": {{Put: attr.Item{"pk": S("x"), "v": N("1")}}, {Delete: attr.Item{"pk": S("gone")}}},
		"TabB": {{Put: attr.Item{"pk": S("y"), "sk": N("1")}}},
	}
	if _, err := e.BatchWriteItem(ctx, reqs); err != nil {
		t.Fatal(err)
	}
	out, err := e.BatchGetItem(ctx, map[string]KeysAndAttributes{
		"TabA": {Keys: []attr.Item{{"pk": S("x")}, {"pk": S("gone")}}, ProjectionExpression: "v"},
		"TabB": {Keys: []attr.Item{{"pk": S("y"), "sk": N("1")}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Responses["TabA"]) != 1 || !attr.ItemsEqual(out.Responses["TabA"][0], attr.Item{"v": N("1")}) || len(out.Responses["TabB"]) != 1 {
		t.Fatalf("responses = %v", out.Responses)
	}
	_, err = e.BatchWriteItem(ctx, map[string][]WriteRequest{"TabA": {{Put: attr.Item{"pk": S("d")}}, {Delete: attr.Item{"pk": S("d")}}}})
	wantCode(t, err, Validation)
	many := make([]WriteRequest, 26)
	for i := range many {
		many[i] = WriteRequest{Put: attr.Item{"pk": S(fmt.Sprint(i))}}
	}
	_, err = e.BatchWriteItem(ctx, map[string][]WriteRequest{"TabA": many})
	wantCode(t, err, Validation)
	_, err = e.BatchWriteItem(ctx, map[string][]WriteRequest{"Nope": {{Put: attr.Item{"pk": S("d")}}}})
	wantCode(t, err, ResourceNotFound)
}

func TestTransactWriteItems(t *testing.T) {
	t.Parallel()
	e, _, _ := newEngine(t)
	ctx := context.Background()
	mustCreateStreamed(t, e, "Tab", "", streams.NewImage)
	mustPut(t, e, "Tab", attr.Item{"pk": S("acct"), "bal": N("10")})
	mustPut(t, e, "Tab", attr.Item{"pk": S("old")})
	arn, _ := e.StreamARN("Tab")
	before := len(readAll(t, e, arn))
	tx := func(amount string) error {
		_, err := e.TransactWriteItems(ctx, []TransactItem{
			{Update: &UpdateItemInput{TableName: "Tab", Key: attr.Item{"pk": S("acct")}, UpdateExpression: "SET bal = bal - :a",
				ConditionExpression: "bal >= :a", ExpressionAttributeValues: Values{":a": N(amount)}}},
			{Put: &PutItemInput{TableName: "Tab", Item: attr.Item{"pk": S("log" + amount)}, ConditionExpression: "attribute_not_exists(pk)"}},
			{ConditionCheck: &DeleteItemInput{TableName: "Tab", Key: attr.Item{"pk": S("old")}, ConditionExpression: "attribute_exists(pk)"}},
			{Delete: &DeleteItemInput{TableName: "Tab", Key: attr.Item{"pk": S("tmp" + amount)}}},
		})
		return err
	}
	if err := tx("4"); err != nil {
		t.Fatalf("first transaction: %v", err)
	}
	err := tx("40")
	de := wantCode(t, err, TransactionCanceled)
	codes := []string{}
	for _, r := range de.Reasons {
		codes = append(codes, r.Code)
	}
	if strings.Join(codes, ",") != "ConditionalCheckFailed,None,None,None" || !strings.Contains(de.Message, "[ConditionalCheckFailed, None, None, None]") {
		t.Fatalf("reasons = %v (%s)", codes, de.Message)
	}
	got, _ := e.GetItem(ctx, GetItemInput{TableName: "Tab", Key: attr.Item{"pk": S("acct")}})
	if got.Item["bal"].S != "6" {
		t.Fatalf("balance = %v", got.Item)
	}
	if g, _ := e.GetItem(ctx, GetItemInput{TableName: "Tab", Key: attr.Item{"pk": S("log40")}}); g.Item != nil {
		t.Fatalf("cancelled put was applied")
	}
	// Two records (update + put) for the successful transaction, none for the check.
	if n := len(readAll(t, e, arn)) - before; n != 2 {
		t.Fatalf("transaction wrote %d stream records", n)
	}
	_, err = e.TransactWriteItems(ctx, []TransactItem{
		{Put: &PutItemInput{TableName: "Tab", Item: attr.Item{"pk": S("same")}}},
		{Delete: &DeleteItemInput{TableName: "Tab", Key: attr.Item{"pk": S("same")}}},
	})
	wantCode(t, err, Validation)
}

// TestBatchGetStopsAt16MB: once the answer reaches MaxBatchGetBytes the
// remaining keys, of this table and the ones after it in name order, come
// back as Unprocessed with their request's projection and consistency, and
// a projection that keeps the answer small reads everything.
func TestBatchGetStopsAt16MB(t *testing.T) {
	t.Parallel()
	e, _, _ := newEngine(t)
	ctx := context.Background()
	mustCreate(t, e, pkSpec("BigA", ""))
	mustCreate(t, e, pkSpec("BigB", ""))
	body := S(strings.Repeat("z", 390*1024))
	var keysA, keysB []attr.Item
	var writes []WriteRequest
	for i := range 45 {
		writes = append(writes, WriteRequest{Put: attr.Item{"pk": S(fmt.Sprint(i)), "body": body}})
		keysA = append(keysA, attr.Item{"pk": S(fmt.Sprint(i))})
		if len(writes) == 15 {
			if _, err := e.BatchWriteItem(ctx, map[string][]WriteRequest{"BigA": writes}); err != nil {
				t.Fatal(err)
			}
			writes = nil
		}
	}
	mustPut(t, e, "BigB", attr.Item{"pk": S("b")})
	keysB = append(keysB, attr.Item{"pk": S("b")})
	out, err := e.BatchGetItem(ctx, map[string]KeysAndAttributes{
		"BigA": {Keys: keysA, ConsistentRead: true, ProjectionExpression: "pk, body"},
		"BigB": {Keys: keysB},
	})
	if err != nil {
		t.Fatal(err)
	}
	got := len(out.Responses["BigA"])
	size := 0
	for _, it := range out.Responses["BigA"] {
		size += ItemSize(it)
	}
	un := out.Unprocessed["BigA"]
	if got == 0 || got+len(un.Keys) != 45 || size < MaxBatchGetBytes || size-ItemSize(out.Responses["BigA"][0]) >= MaxBatchGetBytes {
		t.Fatalf("read %d items (%d bytes), %d unprocessed", got, size, len(un.Keys))
	}
	if !un.ConsistentRead || un.ProjectionExpression != "pk, body" || !attr.ItemsEqual(un.Keys[0], keysA[got]) {
		t.Fatalf("unprocessed = %+v", un)
	}
	if len(out.Unprocessed["BigB"].Keys) != 1 || out.Responses["BigB"] != nil {
		t.Fatalf("BigB after the limit: responses %v, unprocessed %+v", out.Responses["BigB"], out.Unprocessed["BigB"])
	}
	small, err := e.BatchGetItem(ctx, map[string]KeysAndAttributes{"BigA": {Keys: keysA, ProjectionExpression: "pk"}})
	if err != nil || len(small.Responses["BigA"]) != 45 || len(small.Unprocessed) != 0 {
		t.Fatalf("projected batch = %d items, unprocessed %v, %v", len(small.Responses["BigA"]), small.Unprocessed, err)
	}
}
