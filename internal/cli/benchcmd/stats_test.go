package benchcmd

import (
	"testing"
	"time"
)

func TestSummarise(t *testing.T) {
	t.Parallel()
	var samples []time.Duration
	for i := 100; i >= 1; i-- { // unsorted on purpose
		samples = append(samples, time.Duration(i)*time.Millisecond)
	}
	got := summarise(samples)
	want := Latency{Count: 100, P50: 50, P90: 90, P99: 99, Max: 100, Mean: 50.5}
	if got != want {
		t.Fatalf("summarise(1..100ms) = %+v, want %+v", got, want)
	}
	if got := summarise(nil); got != (Latency{}) {
		t.Fatalf("summarise(nil) = %+v", got)
	}
	one := summarise([]time.Duration{1500 * time.Microsecond})
	if one.P50 != 1.5 || one.P99 != 1.5 || one.Max != 1.5 {
		t.Fatalf("summarise(1.5ms) = %+v", one)
	}
	// Nearest rank: with 3 samples p50 is the 2nd, p90 and p99 the 3rd.
	three := summarise([]time.Duration{3 * time.Millisecond, time.Millisecond, 2 * time.Millisecond})
	if three.P50 != 2 || three.P90 != 3 || three.P99 != 3 {
		t.Fatalf("summarise(1,2,3ms) = %+v", three)
	}
}
