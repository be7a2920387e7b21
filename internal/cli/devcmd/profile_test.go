package devcmd

import (
	"os"
	"path/filepath"
	"testing"
)

func TestProfileIsWrittenWhenAsked(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cpu.prof")
	t.Setenv(profileEnv, path)
	stop, err := startProfile()
	if err != nil {
		t.Fatal(err)
	}
	stop()
	if fi, err := os.Stat(path); err != nil || fi.Size() == 0 {
		t.Fatalf("profile %s: %v", path, err)
	}
	t.Setenv(profileEnv, filepath.Join(t.TempDir(), "missing-dir", "cpu.prof"))
	if _, err := startProfile(); err == nil {
		t.Fatal("an unwritable profile path must fail the start")
	}
}
