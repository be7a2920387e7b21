package asl_test

import (
	"context"
	"fmt"
	"path/filepath"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/sfapi/sfapi/internal/emulator/asl"
	"github.com/sfapi/sfapi/internal/emulator/kv"
)

const benchDef = `{"StartAt":"P","States":{
 "P":{"Type":"Pass","Parameters":{"n.$":"$.n","kind":"bench"},"Next":"C"},
 "C":{"Type":"Choice","Choices":[{"Variable":"$.n","NumericGreaterThan":0,"Next":"S"}],"Default":"S"},
 "S":{"Type":"Succeed"}}}`

// BenchmarkExpressSync measures in-process EXPRESS Pass→Choice→Succeed
// executions (goal ≥ 72,000/s).
func BenchmarkExpressSync(b *testing.B) {
	e := newBenchEngine(b, true)
	sm, err := e.CreateStateMachine(context.Background(), "bench", benchDef, asl.TypeExpress, "")
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	start, cpuStart := time.Now(), cpuTime()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			res, err := e.StartSyncExecution(ctx, sm.Arn, "", `{"n":1}`)
			if err != nil || res.Status != asl.StatusSucceeded {
				b.Fatalf("%+v %v", res, err)
			}
		}
	})
	reportRates(b, start, cpuStart)
}

// BenchmarkExpressSideBySide runs the machine of BenchmarkExpressSync the
// way scripts/sfnbench/bench.mjs runs it on aws-local-stepfunctions: one
// execution at a time, and 32 at a time (32 goroutines, whatever
// GOMAXPROCS is). scripts/bench-stepfunctions.sh prints both side by side.
func BenchmarkExpressSideBySide(b *testing.B) {
	for _, workers := range []int{1, 32} {
		name := "sequential"
		if workers > 1 {
			name = fmt.Sprintf("concurrent%d", workers)
		}
		b.Run(name, func(b *testing.B) {
			e := newBenchEngine(b, true)
			ctx := context.Background()
			sm, err := e.CreateStateMachine(ctx, "bench", benchDef, asl.TypeExpress, "")
			if err != nil {
				b.Fatal(err)
			}
			var next atomic.Int64
			var failed atomic.Pointer[string]
			b.ReportAllocs()
			b.ResetTimer()
			start, cpuStart := time.Now(), cpuTime()
			done := make(chan struct{})
			for range workers {
				go func() {
					defer func() { done <- struct{}{} }()
					for next.Add(1) <= int64(b.N) {
						res, err := e.StartSyncExecution(ctx, sm.Arn, "", `{"n":1}`)
						if err != nil || res.Status != asl.StatusSucceeded || res.Output != `{"kind":"bench","n":1}` {
							msg := fmt.Sprintf("%+v %v", res, err)
							failed.Store(&msg)
							return
						}
					}
				}()
			}
			for range workers {
				<-done
			}
			if msg := failed.Load(); msg != nil {
				b.Fatal(*msg)
			}
			reportRates(b, start, cpuStart)
		})
	}
}

// BenchmarkStandardDurable measures STANDARD Pass→Choice→Succeed executions
// with every transition persisted (fsync'd group commits), many in
// parallel (goal ≥ 10,000/s).
func BenchmarkStandardDurable(b *testing.B) {
	for _, inMemory := range []bool{false, true} {
		b.Run(fmt.Sprintf("inMemory=%v", inMemory), func(b *testing.B) {
			e := newBenchEngine(b, inMemory)
			ctx := context.Background()
			sm, err := e.CreateStateMachine(ctx, "bench", benchDef, asl.TypeStandard, "")
			if err != nil {
				b.Fatal(err)
			}
			var n atomic.Int64
			b.SetParallelism(256)
			b.ReportAllocs()
			b.ResetTimer()
			start, cpuStart := time.Now(), cpuTime()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					ex, err := e.StartExecution(ctx, sm.Arn, fmt.Sprintf("e%d", n.Add(1)), `{"n":1}`)
					if err != nil {
						b.Fatal(err)
					}
					done, err := e.WaitExecution(ctx, ex.Arn)
					if err != nil || done.Status != asl.StatusSucceeded {
						b.Fatalf("%+v %v", done, err)
					}
				}
			})
			reportRates(b, start, cpuStart)
		})
	}
}

func newBenchEngine(b *testing.B, inMemory bool) *asl.Engine {
	db, err := kv.Open(filepath.Join(b.TempDir(), "bench.db"), kv.Options{InMemory: inMemory})
	if err != nil {
		b.Fatal(err)
	}
	e, err := asl.NewEngine(asl.Options{Store: db})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		_ = e.Shutdown(context.Background())
		_ = db.Close()
	})
	return e
}

// reportRates reports wall-clock executions per second and executions per
// CPU-second: the machine running the benchmark may be shared, and the
// second figure is what one fully available core would sustain.
func reportRates(b *testing.B, start time.Time, cpuStart time.Duration) {
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "execs/s")
	if cpu := cpuTime() - cpuStart; cpu > 0 {
		b.ReportMetric(float64(b.N)/cpu.Seconds(), "execs/cpu-s")
	}
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
