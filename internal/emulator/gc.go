package emulator

import (
	"os"
	"runtime/debug"
	"runtime/metrics"
	"sync"
	"time"
)

// Garbage-collector settings for a long-running `sfapi dev`.
const (
	// DevGCPercent trades memory for CPU while the heap is small: with
	// GOGC=100 the collector took about 10 % of the server's CPU under a
	// PutItem load; at 400, server CPU per durable PutItem fell by about
	// 10 µs (docs/benchmarks.md).
	DevGCPercent = 400
	// DevMemoryFloor is the least the memory limit is set to.
	DevMemoryFloor = 192 << 20
	// DevMemoryHeadroom is the limit's share above the live heap. The
	// stores keep every item in memory (kv's B-trees), so the live heap
	// grows with the data; GOGC=400 alone would let the heap reach five
	// times the data before collecting, while the data is mostly pointer
	// free bytes that cost the collector little to mark.
	DevMemoryHeadroom = 0.6
)

var adaptOnce sync.Once

// TuneGC applies DevGCPercent, and keeps a soft memory limit of
// max(DevMemoryFloor, live heap × (1 + DevMemoryHeadroom)), re-read every
// 250 ms, so a small heap collects rarely and a big one does not balloon.
// GOGC or GOMEMLIMIT set by the user always win. `sfapi dev` calls it at
// start; it is not done in Start because it changes process-wide settings.
func TuneGC() {
	if _, set := os.LookupEnv("GOGC"); !set {
		debug.SetGCPercent(DevGCPercent)
	}
	if _, set := os.LookupEnv("GOMEMLIMIT"); set {
		return
	}
	debug.SetMemoryLimit(DevMemoryFloor)
	adaptOnce.Do(func() {
		go func() {
			sample := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
			var last int64
			for range time.Tick(250 * time.Millisecond) {
				metrics.Read(sample)
				if sample[0].Value.Kind() != metrics.KindUint64 {
					return
				}
				limit := memoryLimitFor(sample[0].Value.Uint64())
				// Only move it for a real change: setting it is cheap, not free.
				if d := limit - last; d > last/16 || -d > last/16 {
					debug.SetMemoryLimit(limit)
					last = limit
				}
			}
		}()
	})
}

// memoryLimitFor is the soft memory limit for a live heap of live bytes.
func memoryLimitFor(live uint64) int64 {
	return max(DevMemoryFloor, int64(float64(live)*(1+DevMemoryHeadroom)))
}
