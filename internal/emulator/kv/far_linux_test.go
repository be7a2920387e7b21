package kv

import (
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"testing"
)

// openDeleted lists this process's open files under dir that were removed.
func openDeleted(t *testing.T, dir string) []string {
	t.Helper()
	fds, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, fd := range fds {
		target, err := os.Readlink(filepath.Join("/proc/self/fd", fd.Name()))
		if err == nil && strings.HasPrefix(target, dir) && strings.HasSuffix(target, " (deleted)") {
			out = append(out, target)
		}
	}
	return out
}

// The log segments a checkpoint removes, which far values pointed into,
// are closed soon after (their disk space is freed), not whenever the
// runtime happens to collect next.
func TestCheckpointReleasesRemovedFiles(t *testing.T) {
	// No collection but the checkpoint's own, as when a small heap sits
	// under the memory limit of `sfapi dev`.
	defer debug.SetGCPercent(debug.SetGCPercent(-1))
	path := filepath.Join(t.TempDir(), "kv")
	db := openAt(t, path, Options{InlineMax: 16, CheckpointBytes: 64 << 10})
	defer db.Close()
	for i := range 400 {
		mustPut(t, db, "k"+string(rune('a'+i%8)), farValueOf(i, 1000))
	}
	eventually(t, "the first segments go", func() bool {
		segs, _ := segments(path)
		return len(segs) > 0 && segs[0] > 2
	})
	eventually(t, "the removed files are closed", func() bool {
		// A checkpoint may start after the last write is answered; its
		// segments go once it ends.
		db.ckpt.Wait()
		return len(openDeleted(t, path)) == 0
	})
}
