package logtap

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"
)

func TestTapWithoutSubscribersIsTheBaseHandler(t *testing.T) {
	t.Parallel()
	var base bytes.Buffer
	tap := New(slog.NewTextHandler(&base, &slog.HandlerOptions{Level: slog.LevelInfo}))
	log := slog.New(tap)
	if log.Enabled(context.Background(), slog.LevelDebug) {
		t.Fatal("debug is enabled with nobody listening: debug records would be built for nothing")
	}
	log.Info("hello", "k", 1)
	log.Debug("hidden")
	if got := base.String(); !strings.Contains(got, "msg=hello k=1") || strings.Contains(got, "hidden") {
		t.Fatalf("base got %q", got)
	}
}

func TestSubscriberGetsDebugJSONWithDerivedAttrs(t *testing.T) {
	t.Parallel()
	var base bytes.Buffer
	tap := New(slog.NewTextHandler(&base, &slog.HandlerOptions{Level: slog.LevelWarn}))
	log := slog.New(tap).With("component", "pipes").WithGroup("batch")
	sub := tap.Subscribe(8)
	if !log.Enabled(context.Background(), slog.LevelDebug) {
		t.Fatal("debug is disabled while a subscriber listens")
	}
	log.Debug("delivered", "records", 3)
	line := <-sub.C
	var rec map[string]any
	if err := json.Unmarshal(line, &rec); err != nil {
		t.Fatalf("line %q: %v", line, err)
	}
	batch, _ := rec["batch"].(map[string]any)
	if rec["msg"] != "delivered" || rec["level"] != "DEBUG" || rec["component"] != "pipes" || batch["records"] != float64(3) {
		t.Fatalf("record = %v", rec)
	}
	if base.Len() != 0 {
		t.Fatalf("the warn-level base handler printed a debug record: %q", base.String())
	}
	sub.Close()
	if log.Enabled(context.Background(), slog.LevelDebug) {
		t.Fatal("debug stays enabled after the last subscriber left")
	}
}

func TestSlowSubscriberDropsAndCounts(t *testing.T) {
	t.Parallel()
	tap := New(slog.DiscardHandler)
	log := slog.New(tap)
	sub := tap.Subscribe(2)
	defer sub.Close()
	for range 5 {
		log.Info("x")
	}
	if len(sub.C) != 2 {
		t.Fatalf("buffered %d lines, want 2", len(sub.C))
	}
	if d := sub.Dropped(); d != 3 {
		t.Fatalf("dropped %d, want 3", d)
	}
	if d := sub.Dropped(); d != 0 {
		t.Fatalf("Dropped does not reset: %d", d)
	}
}
