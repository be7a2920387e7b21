//go:build windows

package kv

import (
	"errors"
	"os"
	"time"

	"golang.org/x/sys/windows"
)

// lockDir takes the store's exclusive lock, waiting up to timeout for
// another process to let go.
func lockDir(path string, timeout time.Duration) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, err
	}
	deadline := time.Now().Add(timeout)
	for {
		ol := new(windows.Overlapped)
		err := windows.LockFileEx(windows.Handle(f.Fd()), windows.LOCKFILE_EXCLUSIVE_LOCK|windows.LOCKFILE_FAIL_IMMEDIATELY, 0, 1, 0, ol)
		if err == nil {
			return f, nil
		}
		if !errors.Is(err, windows.ERROR_LOCK_VIOLATION) || time.Now().After(deadline) {
			f.Close()
			if errors.Is(err, windows.ERROR_LOCK_VIOLATION) {
				return nil, errLocked
			}
			return nil, err
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Windows cannot fsync a directory; its file system orders metadata itself.
func isSyncDirUnsupported(error) bool { return true }

// farValues is false on Windows: a file opened there cannot be removed or
// renamed over while open (Go opens files without FILE_SHARE_DELETE), and
// far values keep the log segments and the snapshot they point into open
// across checkpoints. So every value stays in memory.
const farValues = false
