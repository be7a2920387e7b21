package asl_test

import (
	"context"
	"fmt"
	"path/filepath"
	"runtime"
	"sync"
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
		b.Run(workersName(workers), func(b *testing.B) {
			e := newBenchEngine(b, true)
			ctx := context.Background()
			sm, err := e.CreateStateMachine(ctx, "bench", benchDef, asl.TypeExpress, "")
			if err != nil {
				b.Fatal(err)
			}
			runWorkers(b, workers, func(int64) error {
				res, err := e.StartSyncExecution(ctx, sm.Arn, "", `{"n":1}`)
				if err != nil || res.Status != asl.StatusSucceeded || res.Output != `{"kind":"bench","n":1}` {
					return fmt.Errorf("%+v %v", res, err)
				}
				return nil
			})
		})
	}
}

// BenchmarkStandardDurable measures STANDARD Pass→Choice→Succeed executions
// with every transition persisted (fsync'd group commits), one at a time,
// 32 at a time, and 256 per core (goal ≥ 10,000/s); inMemory=true is the
// same without the disk.
func BenchmarkStandardDurable(b *testing.B) {
	for _, inMemory := range []bool{false, true} {
		for _, workers := range []int{1, 32, 256 * runtime.GOMAXPROCS(0)} {
			b.Run(fmt.Sprintf("inMemory=%v/%s", inMemory, workersName(workers)), func(b *testing.B) {
				e := newBenchEngine(b, inMemory)
				ctx := context.Background()
				sm, err := e.CreateStateMachine(ctx, "bench", benchDef, asl.TypeStandard, "")
				if err != nil {
					b.Fatal(err)
				}
				runWorkers(b, workers, func(i int64) error {
					ex, err := e.StartExecution(ctx, sm.Arn, fmt.Sprintf("e%d", i), `{"n":1}`)
					if err != nil {
						return err
					}
					done, err := e.WaitExecution(ctx, ex.Arn)
					if err != nil || done.Status != asl.StatusSucceeded {
						return fmt.Errorf("%+v %v", done, err)
					}
					return nil
				})
			})
		}
	}
}

func workersName(workers int) string {
	if workers == 1 {
		return "sequential"
	}
	return fmt.Sprintf("concurrent%d", workers)
}

// runWorkers runs execute for i in [0, b.N) on workers goroutines (a
// fixed number, whatever GOMAXPROCS is) and reports the rates.
func runWorkers(b *testing.B, workers int, execute func(i int64) error) {
	var next atomic.Int64
	var failed atomic.Pointer[error]
	b.ReportAllocs()
	b.ResetTimer()
	start, cpuStart := time.Now(), cpuTime()
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for i := next.Add(1) - 1; i < int64(b.N) && failed.Load() == nil; i = next.Add(1) - 1 {
				if err := execute(i); err != nil {
					failed.CompareAndSwap(nil, &err)
				}
			}
		})
	}
	wg.Wait()
	b.StopTimer()
	if err := failed.Load(); err != nil {
		b.Fatal(*err)
	}
	reportRates(b, start, cpuStart)
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
		b.ReportMetric(float64(cpu.Microseconds())/float64(b.N), "cpu-µs/op")
	}
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
