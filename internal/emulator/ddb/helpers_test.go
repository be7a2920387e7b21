package ddb

import (
	"context"
	"errors"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/sfapi/sfapi/internal/emulator/ddb/attr"
	"github.com/sfapi/sfapi/internal/emulator/kv"
	"github.com/sfapi/sfapi/internal/emulator/streams"
)

var testNow = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

func openStore(t *testing.T, path string) *kv.DB {
	t.Helper()
	db, err := kv.Open(path, kv.Options{})
	if err != nil {
		t.Fatalf("open kv: %v", err)
	}
	return db
}

// newEngine opens an engine on a fresh bbolt file; the second result is
// the file path for reopen tests.
func newEngine(t *testing.T) (*Engine, *kv.DB, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "ddb.db")
	db := openStore(t, path)
	t.Cleanup(func() { _ = db.Close() })
	e, err := Open(db, Options{Logger: slog.New(slog.DiscardHandler), Now: func() time.Time { return testNow }})
	if err != nil {
		t.Fatalf("open engine: %v", err)
	}
	return e, db, path
}

func S(s string) attr.Value { return attr.String(s) }
func N(s string) attr.Value { return attr.Number(s) }

func pkSpec(name string, rangeType string) TableSpec {
	s := TableSpec{
		TableName:            name,
		KeySchema:            []KeySchemaElement{{"pk", KeyTypeHash}},
		AttributeDefinitions: []AttributeDefinition{{"pk", "S"}},
		BillingMode:          BillingPayPerRequest,
	}
	if rangeType != "" {
		s.KeySchema = append(s.KeySchema, KeySchemaElement{"sk", KeyTypeRange})
		s.AttributeDefinitions = append(s.AttributeDefinitions, AttributeDefinition{"sk", rangeType})
	}
	return s
}

// mustCreateStreamed creates pkSpec(name, rangeType) with a stream of view
// type vt.
func mustCreateStreamed(t *testing.T, e *Engine, name, rangeType string, vt streams.ViewType) {
	t.Helper()
	s := pkSpec(name, rangeType)
	s.StreamSpecification = &StreamSpec{StreamEnabled: true, StreamViewType: vt}
	mustCreate(t, e, s)
}

func mustCreate(t *testing.T, e *Engine, s TableSpec) {
	t.Helper()
	if _, err := e.CreateTable(context.Background(), s); err != nil {
		t.Fatalf("create table %s: %v", s.TableName, err)
	}
}

func mustPut(t *testing.T, e *Engine, table string, it attr.Item) {
	t.Helper()
	if _, err := e.PutItem(context.Background(), PutItemInput{TableName: table, Item: it}); err != nil {
		t.Fatalf("put %v: %v", it, err)
	}
}

func wantCode(t *testing.T, err error, code Code) *Error {
	t.Helper()
	var de *Error
	if !errors.As(err, &de) || de.Code != code {
		t.Fatalf("error = %v, want %s", err, code)
	}
	return de
}

func readAll(t *testing.T, e *Engine, arn string) []streams.Record {
	t.Helper()
	recs, err := e.ReadStream(context.Background(), arn, "", 1000)
	if err != nil {
		t.Fatalf("read stream: %v", err)
	}
	return recs
}
