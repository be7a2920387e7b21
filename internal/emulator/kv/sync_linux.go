package kv

import (
	"os"
	"syscall"
)

// fdatasync flushes the file's data (and the size, which appends change)
// without the rest of its metadata.
func fdatasync(f *os.File) error { return syscall.Fdatasync(int(f.Fd())) }
