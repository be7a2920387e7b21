package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A bad project file stops `sfapi dev` with file:line:col and exit code 2,
// before any listener is bound.
func TestDevBadProjectExitsTwo(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "sfapi.yaml"), []byte("name: x\ntabels: {}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := run(t, nil, "dev", "--project", dir, "--api-addr", "127.0.0.1:0", "--aws-addr", "127.0.0.1:0", "--ws-addr", "127.0.0.1:0")
	if code != 2 {
		t.Fatalf("exit code = %d, want 2 (stderr %q)", code, stderr)
	}
	if !strings.HasPrefix(stderr, `sfapi.yaml:2:1: unknown field "tabels"`) {
		t.Fatalf("stderr = %q", stderr)
	}
	if stdout != "" {
		t.Fatalf("stdout = %q, want nothing (no ready lines)", stdout)
	}
}

// Flags that cannot work together are usage errors (exit 2).
func TestDevFlagErrors(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{
		{"dev", "--in-memory", "--reset"},
		{"dev", "--api-addr", "no-port"},
		{"dev", "extra-arg"},
	} {
		code, _, stderr := run(t, nil, args...)
		if code != 2 {
			t.Errorf("%v: exit code = %d, want 2 (stderr %q)", args, code, stderr)
		}
	}
}
