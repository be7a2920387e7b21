package kv

import (
	"encoding/binary"
	"fmt"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// BenchmarkGroupCommit measures durable writes of 200-byte values from 1, 8
// and 32 concurrent writers: throughput, the mean batch a commit carries,
// and the commit (fsync) time. Run with -benchtime=5000x or more.
func BenchmarkGroupCommit(b *testing.B) {
	for _, writers := range []int{1, 8, 32} {
		for _, inMemory := range []bool{false, true} {
			name := fmt.Sprintf("writers=%d/durable", writers)
			if inMemory {
				name = fmt.Sprintf("writers=%d/inmemory", writers)
			}
			b.Run(name, func(b *testing.B) { benchGroupCommit(b, writers, inMemory) })
		}
	}
}

func benchGroupCommit(b *testing.B, writers int, inMemory bool) {
	db, err := Open(filepath.Join(b.TempDir(), "db"), Options{InMemory: inMemory})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	if err := put(db, "warm", "up"); err != nil {
		b.Fatal(err)
	}
	val := make([]byte, 200)
	var next atomic.Int64
	var wg sync.WaitGroup
	before := db.Stats()
	b.ResetTimer()
	t0 := time.Now()
	for range writers {
		wg.Go(func() {
			key := make([]byte, 8)
			for {
				n := next.Add(1)
				if n > int64(b.N) {
					return
				}
				binary.BigEndian.PutUint64(key, uint64(n))
				if err := db.Update(func(tx *Tx) error {
					return tx.Bucket(bucket).Put(key, val)
				}); err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(t0)
	b.StopTimer()
	s := db.Stats()
	commits := s.Commits - before.Commits
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "writes/s")
	b.ReportMetric(float64(s.Writes-before.Writes)/float64(commits), "writes/commit")
	b.ReportMetric(float64((s.CommitTime-before.CommitTime).Microseconds())/float64(commits), "µs/commit")
}
