package ddb

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/sfapi/sfapi/internal/emulator/ddb/attr"
	"github.com/sfapi/sfapi/internal/emulator/kv"
	"github.com/sfapi/sfapi/internal/emulator/streams"
)

// storedRecords returns the stream's stored values (JSON after the 8-byte
// time), in order.
func storedRecords(t *testing.T, e *Engine, db *kv.DB, table string) [][]byte {
	t.Helper()
	tt, err := e.table(table)
	if err != nil {
		t.Fatal(err)
	}
	var out [][]byte
	err = db.View(func(tx *kv.Tx) error {
		r, _ := tt.current().latestStream()
		return tx.Bucket(tt.bucket).Bucket(r.bucket).ForEach(func(k, v []byte) error {
			out = append(out, append([]byte(nil), v[8:]...))
			return nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestStreamRecordBytes pins the stored record to what Record.AppendJSON
// writes for the record built from the items (the engine's encoding before
// it spliced stored image bytes), SizeBytes included.
func TestStreamRecordBytes(t *testing.T) {
	t.Parallel()
	for _, vt := range []streams.ViewType{streams.KeysOnly, streams.NewImage, streams.OldImage, streams.NewAndOldImages} {
		t.Run(string(vt), func(t *testing.T) {
			t.Parallel()
			e, db, _ := newEngine(t)
			ctx := context.Background()
			mustCreateStreamed(t, e, "Raw", "N", vt)
			keys := attr.Item{"pk": S("a<&>"), "sk": N("1.50")}
			v1 := attr.Item{"pk": S("a<&>"), "sk": N("1.50"), "l": {Type: attr.TypeL, L: []attr.Value{S("é"), attr.Null()}}, "ss": attr.StringSet("y", "x")}
			mustPut(t, e, "Raw", v1)
			if _, err := e.UpdateItem(ctx, UpdateItemInput{TableName: "Raw", Key: keys, UpdateExpression: "SET n = :n REMOVE l",
				ExpressionAttributeValues: Values{":n": N("7")}}); err != nil {
				t.Fatal(err)
			}
			v2 := attr.Item{"pk": S("a<&>"), "sk": N("1.5"), "ss": attr.StringSet("y", "x"), "n": N("7")}
			if _, err := e.DeleteItem(ctx, DeleteItemInput{TableName: "Raw", Key: keys}); err != nil {
				t.Fatal(err)
			}
			raw := storedRecords(t, e, db, "Raw")
			changes := []streams.Change{{Keys: keys, New: v1}, {Keys: keys, Old: v1, New: v2}, {Keys: keys, Old: v2}}
			if len(raw) != len(changes) {
				t.Fatalf("%d records, want %d", len(raw), len(changes))
			}
			for i, ch := range changes {
				got, err := streams.DecodeRecord(raw[i])
				if err != nil {
					t.Fatal(err)
				}
				oldImg, newImg := vt.Images(ch)
				want := streams.Record{EventID: got.EventID, EventName: ch.EventName(), EventVersion: "1.1", EventSource: "aws:dynamodb", AWSRegion: "us-east-1",
					DynamoDB: streams.StreamRecord{ApproximateCreationDateTime: testNow.Unix(), Keys: attr.Item{"pk": S("a<&>"), "sk": N("1.5")},
						NewImage: newImg, OldImage: oldImg, SequenceNumber: streams.FormatSequence(uint64(i + 1)), StreamViewType: vt,
						SizeBytes: int64(ItemSize(keys) + ItemSize(newImg) + ItemSize(oldImg))}}
				wantJSON, err := want.AppendJSON(nil)
				if err != nil {
					t.Fatal(err)
				}
				if string(raw[i]) != string(wantJSON) {
					t.Fatalf("record %d\n got %s\nwant %s", i, raw[i], wantJSON)
				}
			}
		})
	}
}

// TestConcurrentWritesOneItem: writers racing on one item, with parts of
// each write prepared before its transaction: each write applies to the
// item as it is when it commits, and the stream records chain without gaps.
func TestConcurrentWritesOneItem(t *testing.T) {
	t.Parallel()
	e, _, _ := newEngine(t)
	ctx := context.Background()
	mustCreateStreamed(t, e, "Race", "", streams.NewAndOldImages)
	const writers, each = 8, 25
	key := attr.Item{"pk": S("c")}
	var wg sync.WaitGroup
	created := make(chan int, writers)
	for w := range writers {
		wg.Go(func() {
			// Only one conditional create of the item may succeed.
			_, err := e.PutItem(ctx, PutItemInput{TableName: "Race", Item: attr.Item{"pk": S("c"), "n": N("0"), "by": N(fmt.Sprint(w))},
				ConditionExpression: "attribute_not_exists(pk)"})
			if err == nil {
				created <- w
			} else if code, _ := ErrorCode(err); code != ConditionalCheckFailed {
				t.Errorf("conditional create: %v", err)
			}
			for range each {
				if _, err := e.UpdateItem(ctx, UpdateItemInput{TableName: "Race", Key: key, UpdateExpression: "ADD n :one",
					ExpressionAttributeValues: Values{":one": N("1")}}); err != nil {
					t.Errorf("update: %v", err)
					return
				}
			}
		})
	}
	wg.Wait()
	close(created)
	if n := len(created); n != 1 {
		t.Fatalf("%d conditional creates succeeded, want 1", n)
	}
	got, err := e.GetItem(ctx, GetItemInput{TableName: "Race", Key: key, ConsistentRead: true})
	if err != nil {
		t.Fatal(err)
	}
	if n := got.Item["n"].S; n != fmt.Sprint(writers*each) {
		t.Fatalf("n = %s, want %d", n, writers*each)
	}
	arn, _ := e.StreamARN("Race")
	recs := readAll(t, e, arn)
	// The create may come after some updates (ADD creates the item too, and
	// the conditional put then fails), so follow n from record to record.
	prev := attr.Item(nil)
	for i, r := range recs {
		d := r.DynamoDB
		if !attr.ItemsEqual(d.OldImage, prev) {
			t.Fatalf("record %d: old image %v, want %v", i, d.OldImage, prev)
		}
		prev = d.NewImage
	}
	if !attr.ItemsEqual(prev, got.Item) {
		t.Fatalf("last new image %v, item %v", prev, got.Item)
	}
}

// TestPreparedWrite: what prepare encoded before the transaction is used
// only for the item and the table definition it was encoded for.
func TestPreparedWrite(t *testing.T) {
	t.Parallel()
	e, db, _ := newEngine(t)
	ctx := context.Background()
	mustCreate(t, e, pkSpec("Prep", ""))
	tbl, _ := e.table("Prep")
	keys := attr.Item{"pk": S("a")}
	item := attr.Item{"pk": S("a"), "g": S("x")}
	run := func(pre *prepared, fn compute) {
		t.Helper()
		err := db.Update(func(tx *kv.Tx) error {
			p, err := plan(tx, tbl, keys, fn, pre)
			if err != nil {
				return err
			}
			_, _, err = e.apply(tx, p, testNow)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	get := func() attr.Item {
		t.Helper()
		out, err := e.GetItem(ctx, GetItemInput{TableName: "Prep", Key: keys})
		if err != nil {
			t.Fatal(err)
		}
		return out.Item
	}
	pre := e.prepare(tbl, keys, item)
	if pre == nil || pre.new == nil || pre.new.t != tbl.current() {
		t.Fatalf("prepare = %+v", pre)
	}
	// A compute step that returns another item: that item is written.
	other := attr.Item{"pk": S("a"), "g": S("y")}
	run(pre, func(attr.Item) (attr.Item, error) { return other, nil })
	if got := get(); !attr.ItemsEqual(got, other) {
		t.Fatalf("item = %v, want %v", got, other)
	}
	// An index added after prepare: the transaction encodes the item for
	// the table as it is, index entry included.
	pre = e.prepare(tbl, keys, item)
	if _, err := e.UpdateTable(ctx, UpdateTableInput{TableName: "Prep",
		AttributeDefinitions: []AttributeDefinition{{"pk", "S"}, {"g", "S"}}, GlobalSecondaryIndexUpdates: []IndexUpdate{{Create: &IndexSpec{
			IndexName: "byG", KeySchema: []KeySchemaElement{{"g", KeyTypeHash}}, Projection: Projection{ProjectionType: "ALL"}}}}}); err != nil {
		t.Fatal(err)
	}
	run(pre, func(attr.Item) (attr.Item, error) { return item, nil })
	out, err := e.Query(ctx, QueryInput{TableName: "Prep", IndexName: "byG", KeyConditionExpression: "g = :g", ExpressionAttributeValues: Values{":g": S("x")}})
	if err != nil || len(out.Items) != 1 {
		t.Fatalf("index query = %v, %v", out, err)
	}
	if q, _ := e.Query(ctx, QueryInput{TableName: "Prep", IndexName: "byG", KeyConditionExpression: "g = :g", ExpressionAttributeValues: Values{":g": S("y")}}); len(q.Items) != 0 {
		t.Fatalf("stale index entry: %v", q.Items)
	}
	// An item prepare cannot encode (too large) fails inside the
	// transaction, after the condition, as before.
	big := attr.Item{"pk": S("a"), "v": S(strings.Repeat("x", MaxItemSize))}
	if pre := e.prepare(tbl, keys, big); pre == nil || pre.new != nil {
		t.Fatalf("prepare of an oversized item = %+v", pre)
	}
	_, err = e.PutItem(ctx, PutItemInput{TableName: "Prep", Item: big, ConditionExpression: "attribute_not_exists(pk)"})
	wantCode(t, err, ConditionalCheckFailed)
}
