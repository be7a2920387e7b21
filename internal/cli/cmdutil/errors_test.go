package cmdutil

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/spf13/cobra"
)

func TestHints(t *testing.T) {
	t.Parallel()
	base := errors.New("boom")
	if WithHint(nil, "x") != nil {
		t.Fatal("WithHint(nil) != nil")
	}
	if FlagErrorWrap(nil) != nil {
		t.Fatal("FlagErrorWrap(nil) != nil")
	}
	err := fmt.Errorf("outer: %w", WithHint(base, "do this"))
	if got := HintOf(err); got != "do this" {
		t.Fatalf("HintOf = %q", got)
	}
	if !errors.Is(err, base) {
		t.Fatal("hint hides the wrapped error")
	}
	if HintOf(base) != "" {
		t.Fatal("plain error has a hint")
	}
	fe := FlagErrorWrap(base)
	var target *FlagError
	if !errors.As(fmt.Errorf("x: %w", fe), &target) || !errors.Is(fe, base) {
		t.Fatal("FlagError does not unwrap")
	}
}

func TestArgsValidators(t *testing.T) {
	t.Parallel()
	cmd := &cobra.Command{Use: "x"}
	if err := MaximumArgs(1)(cmd, []string{"a"}); err != nil {
		t.Fatal(err)
	}
	var fe *FlagError
	if err := MaximumArgs(1)(cmd, []string{"a", "b"}); !errors.As(err, &fe) {
		t.Fatalf("MaximumArgs over limit = %v, want FlagError", err)
	}
	if err := NoArgs(cmd, nil); err != nil {
		t.Fatal(err)
	}
	if err := NoArgs(cmd, []string{"a"}); !errors.As(err, &fe) {
		t.Fatalf("NoArgs with args = %v, want FlagError", err)
	}
}

func TestNewLogger(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	log := NewLogger(&buf, &Config{LogLevel: "warn", LogFormat: "json"})
	log.Info("hidden")
	log.Warn("shown", "k", 1)
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 1 {
		t.Fatalf("got %d lines: %q", len(lines), buf.String())
	}
	var rec map[string]any
	if err := json.Unmarshal([]byte(lines[0]), &rec); err != nil {
		t.Fatalf("not JSON: %v", err)
	}
	if rec["msg"] != "shown" || rec["level"] != "WARN" {
		t.Fatalf("record = %v", rec)
	}

	buf.Reset()
	NewLogger(&buf, nil).Debug("hidden")
	NewLogger(&buf, nil).Info("text")
	if !strings.Contains(buf.String(), "level=INFO msg=text") || strings.Contains(buf.String(), "hidden") {
		t.Fatalf("default logger output %q", buf.String())
	}
	if !NewLogger(&buf, &Config{LogLevel: "debug", LogFormat: "text"}).Enabled(t.Context(), slog.LevelDebug) {
		t.Fatal("debug level not enabled")
	}
}
