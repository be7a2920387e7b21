package benchcmd

import (
	"math"
	"slices"
	"time"
)

// Latency summarises a set of durations. Percentiles use the nearest-rank
// method: pQ is the smallest sample that at least Q% of samples do not
// exceed, so every figure is a latency that was really observed.
type Latency struct {
	Count int     `json:"count" yaml:"count"`
	P50   float64 `json:"p50Ms" yaml:"p50Ms"`
	P90   float64 `json:"p90Ms" yaml:"p90Ms"`
	P99   float64 `json:"p99Ms" yaml:"p99Ms"`
	Max   float64 `json:"maxMs" yaml:"maxMs"`
	Mean  float64 `json:"meanMs" yaml:"meanMs"`
}

// summarise computes Latency over samples (which it sorts in place).
func summarise(samples []time.Duration) Latency {
	l := Latency{Count: len(samples)}
	if len(samples) == 0 {
		return l
	}
	slices.Sort(samples)
	var sum time.Duration
	for _, s := range samples {
		sum += s
	}
	l.P50 = ms(percentile(samples, 50))
	l.P90 = ms(percentile(samples, 90))
	l.P99 = ms(percentile(samples, 99))
	l.Max = ms(samples[len(samples)-1])
	l.Mean = ms(sum / time.Duration(len(samples)))
	return l
}

// percentile returns the nearest-rank q-th percentile of sorted samples.
func percentile(sorted []time.Duration, q float64) time.Duration {
	rank := int(math.Ceil(q / 100 * float64(len(sorted))))
	rank = min(max(rank, 1), len(sorted))
	return sorted[rank-1]
}

// ms converts to milliseconds with microsecond precision.
func ms(d time.Duration) float64 {
	return math.Round(float64(d)/float64(time.Microsecond)) / 1000
}
