package ddb

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/sfapi/sfapi/internal/emulator/ddb/attr"
	"github.com/sfapi/sfapi/internal/emulator/kv"
)

// TestClientRequestTokenSurvivesRestart: a token is stored with the
// transaction it names, so after the engine is reopened on the same file
// the same request answers without a second write, a different request is
// a mismatch, and once the window has passed the token is free again.
func TestClientRequestTokenSurvivesRestart(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e, db, path := newEngine(t)
	mustCreate(t, e, pkSpec("Txn", ""))
	mustPut(t, e, "Txn", attr.Item{"pk": S("acct"), "bal": N("100")})
	items := func(amt string) []TransactItem {
		return []TransactItem{{Update: &UpdateItemInput{TableName: "Txn", Key: attr.Item{"pk": S("acct")},
			UpdateExpression: "SET bal = bal - :a", ExpressionAttributeValues: Values{":a": N(amt)}}}}
	}
	first, err := e.TransactWriteItemsIdempotent(ctx, "tok", "fp-10", items("10"))
	if err != nil || len(first) != 1 || first[0].Write != 2 {
		t.Fatalf("first = %+v, %v", first, err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	now := testNow
	db2 := openStore(t, path)
	t.Cleanup(func() { _ = db2.Close() })
	e2, err := Open(db2, Options{Logger: slog.New(slog.DiscardHandler), Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	bal := func() string {
		t.Helper()
		out, err := e2.GetItem(ctx, GetItemInput{TableName: "Txn", Key: attr.Item{"pk": S("acct")}, ConsistentRead: true})
		if err != nil {
			t.Fatal(err)
		}
		return out.Item["bal"].S
	}
	again, err := e2.TransactWriteItemsIdempotent(ctx, "tok", "fp-10", items("10"))
	if err != nil || len(again) != 1 || again[0].Write != first[0].Write {
		t.Fatalf("replay after restart = %+v, %v", again, err)
	}
	if got := bal(); got != "90" {
		t.Fatalf("balance after replay = %s, want 90 (applied once)", got)
	}
	_, err = e2.TransactWriteItemsIdempotent(ctx, "tok", "fp-20", items("20"))
	wantCode(t, err, IdempotentParameterMismatch)

	// A failed transaction is not remembered: its token stays free.
	bad := []TransactItem{{Update: &UpdateItemInput{TableName: "Txn", Key: attr.Item{"pk": S("acct")},
		UpdateExpression: "SET bal = :a", ConditionExpression: "attribute_not_exists(pk)", ExpressionAttributeValues: Values{":a": N("0")}}}}
	_, err = e2.TransactWriteItemsIdempotent(ctx, "tok2", "fp-bad", bad)
	wantCode(t, err, TransactionCanceled)
	if _, err := e2.TransactWriteItemsIdempotent(ctx, "tok2", "fp-5", items("5")); err != nil {
		t.Fatalf("token of a failed transaction reused: %v", err)
	}
	if got := bal(); got != "85" {
		t.Fatalf("balance = %s, want 85", got)
	}

	// After the window the token names a new transaction.
	now = now.Add(IdempotencyWindow)
	if _, err := e2.TransactWriteItemsIdempotent(ctx, "tok", "fp-20", items("20")); err != nil {
		t.Fatalf("token after the window: %v", err)
	}
	if got := bal(); got != "65" {
		t.Fatalf("balance = %s, want 65", got)
	}
	// The expired "tok2" record was dropped by that write.
	err = db2.View(func(tx *kv.Tx) error {
		if v := tx.Bucket(tokensBucket).Get([]byte("tok2")); v != nil {
			t.Errorf("expired token record kept: %s", v)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
