//go:build !windows

package kv

import (
	"errors"
	"os"
	"syscall"
	"time"
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
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			return f, nil
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) || time.Now().After(deadline) {
			f.Close()
			if errors.Is(err, syscall.EWOULDBLOCK) {
				return nil, errLocked
			}
			return nil, err
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func isSyncDirUnsupported(err error) bool { return errors.Is(err, syscall.EINVAL) }

// farValues: large values may live in the files only (far.go), because a
// removed or replaced file stays readable through the descriptors that
// still hold it.
const farValues = true
