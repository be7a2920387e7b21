package kv

import (
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
)

// BenchmarkApply measures the store's own work per write, without fsync
// (in memory) or HTTP: one Update that reads a key and puts two values (an
// item at a random key of a 100,000-key bucket, and a record at the next
// sequence of another), the shape of a DynamoDB write with its stream
// record.
func BenchmarkApply(b *testing.B) {
	for _, writers := range []int{1, 32} {
		b.Run(fmt.Sprint("writers=", writers), func(b *testing.B) { benchApply(b, writers) })
	}
}

func benchApply(b *testing.B, writers int) {
	db, err := Open(filepath.Join(b.TempDir(), "kv"), Options{InMemory: true})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	val := make([]byte, 200)
	key := func(n uint64) []byte { return binary.BigEndian.AppendUint64([]byte("item#"), n) }
	if err := db.Update(func(tx *Tx) error {
		items, _ := tx.CreateBucket([]byte("items"))
		_, _ = tx.CreateBucket([]byte("stream"))
		for i := range uint64(100_000) {
			if err := items.Put(key(i), val); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		b.Fatal(err)
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	b.ReportAllocs()
	b.ResetTimer()
	for w := range writers {
		wg.Go(func() {
			r := rand.New(rand.NewPCG(1, uint64(w)))
			for next.Add(1) <= int64(b.N) {
				k := key(r.Uint64N(100_000))
				if err := db.Update(func(tx *Tx) error {
					items, stream := tx.Bucket([]byte("items")), tx.Bucket([]byte("stream"))
					_ = items.Get(k)
					if err := items.Put(k, val); err != nil {
						return err
					}
					seq, _ := stream.NextSequence()
					return stream.Put(binary.BigEndian.AppendUint64(nil, seq), val)
				}); err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
}

// BenchmarkRecover measures Open of a store holding 100,000 200-byte
// values, once from the snapshot (after Close) and once from the log alone
// (as after a crash before any checkpoint).
func BenchmarkRecover(b *testing.B) {
	for _, fromLog := range []bool{false, true} {
		b.Run(fmt.Sprint("fromLog=", fromLog), func(b *testing.B) {
			path := filepath.Join(b.TempDir(), "kv")
			db, err := Open(path, Options{CheckpointBytes: 1 << 40})
			if err != nil {
				b.Fatal(err)
			}
			val := make([]byte, 200)
			for batch := range 100 {
				if err := db.Update(func(tx *Tx) error {
					items, err := tx.CreateBucketIfNotExists([]byte("items"))
					if err != nil {
						return err
					}
					for i := range 1000 {
						if err := items.Put(binary.BigEndian.AppendUint64([]byte("item#"), uint64(batch*1000+i)), val); err != nil {
							return err
						}
					}
					return nil
				}); err != nil {
					b.Fatal(err)
				}
			}
			if fromLog {
				copyDir(b, path, path+".crash")
				path += ".crash"
			}
			db.Close()
			b.ResetTimer()
			for range b.N {
				db, err := Open(path, Options{})
				if err != nil {
					b.Fatal(err)
				}
				b.StopTimer()
				if fromLog {
					// Keep the log: reopen the crash copy without Close's checkpoint.
					db.walSize = 0
				}
				db.Close()
				b.StartTimer()
			}
		})
	}
}
