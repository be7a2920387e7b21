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
	// DevGCPercent is the GOGC used when the user sets GOMEMLIMIT (so
	// TuneGC does not manage the limit): with GOGC=100 the collector took
	// about 10 % of the server's CPU under a PutItem load; at 400, server
	// CPU per durable PutItem fell by about 10 µs (docs/benchmarks.md).
	// When TuneGC manages the limit, GOGC is off: see TuneGC.
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

// TuneGC keeps a soft memory limit of max(DevMemoryFloor, live heap ×
// (1 + DevMemoryHeadroom)), re-read every 250 ms, and turns GOGC off: the
// limit alone says when to collect. GOGC or GOMEMLIMIT set by the user
// always win (with the user's limit, GOGC is DevGCPercent, since that
// limit may be no limit at all). `sfapi dev` calls it at start; it is not
// done in Start because it changes process-wide settings.
//
// Why no GOGC: in a runtime trace of POST /gophers (32 clients, two cores,
// ~10–15 MB live heap) every one of the slowest 1 % of requests ran during
// a mark phase: for its 5–18 ms the mark workers and the assists of the
// request goroutines take about half of both CPUs, completions drop about
// fourfold, and a hundred or two requests wait behind it. With GOGC=400
// the collector ran 4–4.5 times per 10,000 requests; collecting only at
// the limit, once (p99 7.4 → 6.2 ms at the same allocations, interleaved
// runs). The price is memory up to the limit while the heap is small
// (benchmark RSS ~200 MB instead of ~110 MB); once the live heap passes
// DevMemoryFloor/5 the limit decided under GOGC=400 as well, and the bound
// on memory is the same limit as before.
func TuneGC() {
	_, userGOGC := os.LookupEnv("GOGC")
	_, userLimit := os.LookupEnv("GOMEMLIMIT")
	percent, manage := gcSettings(userGOGC, userLimit)
	if !manage {
		if percent != 0 {
			debug.SetGCPercent(percent)
		}
		return
	}
	debug.SetMemoryLimit(DevMemoryFloor)
	if percent != 0 {
		debug.SetGCPercent(percent)
	}
	adaptOnce.Do(func() {
		go func() {
			sample := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
			var last int64
			for range time.Tick(250 * time.Millisecond) {
				metrics.Read(sample)
				if sample[0].Value.Kind() != metrics.KindUint64 {
					// No live-heap figure: the limit cannot follow the
					// heap, so GOGC must bound it again.
					if !userGOGC {
						debug.SetGCPercent(DevGCPercent)
					}
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

// gcSettings decides TuneGC's settings from which of GOGC and GOMEMLIMIT
// the user set: the GC percent to set (0: leave the user's) and whether
// TuneGC manages the memory limit. GOGC is off (-1) only when TuneGC owns
// the limit, since the user's limit may be no limit at all.
func gcSettings(userGOGC, userLimit bool) (percent int, manageLimit bool) {
	switch {
	case userGOGC:
		return 0, !userLimit
	case userLimit:
		return DevGCPercent, false
	}
	return -1, true
}

// memoryLimitFor is the soft memory limit for a live heap of live bytes.
func memoryLimitFor(live uint64) int64 {
	return max(DevMemoryFloor, int64(float64(live)*(1+DevMemoryHeadroom)))
}
