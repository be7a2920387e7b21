package emulator

import (
	"os"
	"runtime/debug"
)

// Garbage-collector defaults for a long-running `sfapi dev`.
const (
	// DevGCPercent trades memory for CPU: the emulator's heap is small
	// (items live in bbolt's mmap, not on the heap), and with GOGC=100 the
	// collector took about 10 % of the server's CPU under a PutItem load.
	// At 400, server CPU per durable PutItem fell by about 10 µs (81–92 →
	// 72–73 µs, 32 clients, load average 14–16) and RSS rose by about
	// 10 MB (docs/benchmarks.md).
	DevGCPercent = 400
	// DevMemoryLimit is a soft cap that makes the collector work harder
	// before the heap grows past it, so the higher GOGC cannot let a big
	// working set balloon.
	DevMemoryLimit = 1 << 30
)

// TuneGC applies DevGCPercent and DevMemoryLimit unless the user set GOGC
// or GOMEMLIMIT, which always win. `sfapi dev` calls it at start; it is
// not done in Start because it changes process-wide settings.
func TuneGC() {
	if _, set := os.LookupEnv("GOGC"); !set {
		debug.SetGCPercent(DevGCPercent)
	}
	if _, set := os.LookupEnv("GOMEMLIMIT"); !set {
		debug.SetMemoryLimit(DevMemoryLimit)
	}
}
