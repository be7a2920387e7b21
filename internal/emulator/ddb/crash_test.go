package ddb

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/sfapi/sfapi/internal/emulator/ddb/attr"
	"github.com/sfapi/sfapi/internal/emulator/kv"
	"github.com/sfapi/sfapi/internal/emulator/streams"
)

// TestCrashKeepsAcknowledgedWrites writes concurrently, closes the store
// under the writers' feet (no engine shutdown), reopens, and checks that
// every acknowledged put is there with its stream record.
func TestCrashKeepsAcknowledgedWrites(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "crash.db")
	db := openStore(t, path)
	e, err := Open(db, Options{})
	if err != nil {
		t.Fatal(err)
	}
	mustCreateStreamed(t, e, "Crash", "", streams.KeysOnly)
	var (
		mu    sync.Mutex
		acked []string
		wg    sync.WaitGroup
		count atomic.Int64
	)
	for w := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				k := fmt.Sprintf("w%02d-%05d", w, i)
				_, err := e.PutItem(context.Background(), PutItemInput{TableName: "Crash", Item: attr.Item{"pk": attr.String(k), "v": attr.Int(int64(i))}})
				if errors.Is(err, kv.ErrClosed) {
					return
				}
				if err != nil {
					t.Errorf("put %s: %v", k, err)
					return
				}
				mu.Lock()
				acked = append(acked, k)
				mu.Unlock()
				count.Add(1)
			}
		}()
	}
	for count.Load() < 300 {
		time.Sleep(time.Millisecond)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	db = openStore(t, path)
	defer db.Close()
	e, err = Open(db, Options{})
	if err != nil {
		t.Fatal(err)
	}
	arn, _ := e.StreamARN("Crash")
	recs, err := e.ReadStream(context.Background(), arn, "", 1000)
	for len(recs) > 0 && len(recs)%1000 == 0 {
		more, _ := e.ReadStream(context.Background(), arn, recs[len(recs)-1].DynamoDB.SequenceNumber, 1000)
		if len(more) == 0 {
			break
		}
		recs = append(recs, more...)
	}
	if err != nil {
		t.Fatal(err)
	}
	inStream := map[string]bool{}
	for _, r := range recs {
		inStream[r.DynamoDB.Keys["pk"].S] = true
	}
	for _, k := range acked {
		got, err := e.GetItem(context.Background(), GetItemInput{TableName: "Crash", Key: attr.Item{"pk": attr.String(k)}})
		if err != nil || got.Item == nil {
			t.Fatalf("acknowledged item %s lost: %v", k, err)
		}
		if !inStream[k] {
			t.Fatalf("acknowledged item %s has no stream record", k)
		}
	}
	t.Logf("%d acknowledged writes survived", len(acked))
}

func BenchmarkPutItemEngine(b *testing.B) {
	db, err := kv.Open(filepath.Join(b.TempDir(), "bench.db"), kv.Options{InMemory: os.Getenv("SFAPI_BENCH_INMEMORY") != ""})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	e, err := Open(db, Options{})
	if err != nil {
		b.Fatal(err)
	}
	s := pkSpec("TabB", "")
	s.StreamSpecification = &StreamSpec{StreamEnabled: true, StreamViewType: streams.NewAndOldImages}
	if _, err := e.CreateTable(context.Background(), s); err != nil {
		b.Fatal(err)
	}
	var n atomic.Int64
	payload := attr.String(string(make([]byte, 150)))
	b.SetParallelism(16) // 16 × GOMAXPROCS writers share group commits
	b.ResetTimer()
	cpu0 := cpuTime()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			k := fmt.Sprintf("k%09d", n.Add(1))
			if _, err := e.PutItem(context.Background(), PutItemInput{TableName: "TabB", Item: attr.Item{"pk": attr.String(k), "data": payload}}); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "puts/s")
	b.ReportMetric(float64((cpuTime()-cpu0).Microseconds())/float64(b.N), "cpu-µs/op")
}

// cpuTime returns the process's user+system CPU time.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
