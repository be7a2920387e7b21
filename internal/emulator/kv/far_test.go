//go:build !windows

// Far values are not used on Windows (lock_windows.go: farValues).

package kv

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
	"time"
)

func farValueOf(i, n int) []byte {
	return bytes.Repeat([]byte{byte('a' + i%26)}, n)
}

// farLocOf returns where key's value is, in the latest durable state.
func farLocOf(t *testing.T, db *DB, bucket, key string) farLoc {
	t.Helper()
	var loc farLoc
	if err := db.View(func(tx *Tx) error {
		b := tx.Bucket([]byte(bucket))
		e := b.cur().get(&tx.probe, []byte(key))
		if e == nil || !e.far.isSet() {
			return fmt.Errorf("%s/%s is not a far value: %+v", bucket, key, e)
		}
		loc = e.far.loc()
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return loc
}

// Large values leave memory once their round is durable, and come back
// whole from the log, from the snapshot after a checkpoint, and after a
// reopen; small ones stay in memory.
func TestLargeValuesLiveInTheFiles(t *testing.T) {
	path := filepath.Join(t.TempDir(), "kv")
	db, err := Open(path, Options{InlineMax: 1024, CheckpointBytes: 256 << 10})
	if err != nil {
		t.Fatal(err)
	}
	const n, size = 200, 4096
	for i := range n {
		if err := db.Update(func(tx *Tx) error {
			b, err := tx.CreateBucketIfNotExists([]byte("items"))
			if err != nil {
				return err
			}
			if err := b.Put(fmt.Appendf(nil, "k%03d", i), farValueOf(i, size)); err != nil {
				return err
			}
			return b.Put(fmt.Appendf(nil, "s%03d", i), []byte("small"))
		}); err != nil {
			t.Fatal(err)
		}
		// Acknowledged: the value is on disk and read from there.
		if loc := farLocOf(t, db, "items", fmt.Sprintf("k%03d", i)); loc.mem != nil || loc.f == nil {
			t.Fatalf("k%03d after its Update: %+v, want a place in a file", i, loc)
		}
	}
	check := func(db *DB, when string) {
		t.Helper()
		if err := db.View(func(tx *Tx) error {
			b := tx.Bucket([]byte("items"))
			for i := range n {
				if v := b.Get(fmt.Appendf(nil, "k%03d", i)); !bytes.Equal(v, farValueOf(i, size)) {
					return fmt.Errorf("k%03d = %d bytes %.10q", i, len(v), v)
				}
				if e := b.cur().get(&tx.probe, fmt.Appendf(nil, "s%03d", i)); e.far.isSet() || string(e.val) != "small" {
					return fmt.Errorf("s%03d = %+v, want a small value in memory", i, e)
				}
			}
			i := 0
			c := b.Cursor()
			for k, v := c.Seek([]byte("k")); k != nil && k[0] == 'k'; k, v = c.Next() {
				if !bytes.Equal(v, farValueOf(i, size)) {
					return fmt.Errorf("cursor at %s = %d bytes", k, len(v))
				}
				i++
			}
			if i != n {
				return fmt.Errorf("cursor saw %d far values, want %d", i, n)
			}
			return nil
		}); err != nil {
			t.Fatalf("%s: %v", when, err)
		}
	}
	check(db, "before the checkpoint")
	// 800 KB of log is past the threshold: a checkpoint has run or is
	// running. Once it is done, the first values are in the snapshot and
	// the segments they were in are gone.
	eventually(t, "k000 moves to the snapshot", func() bool {
		return filepath.Base(farLocOf(t, db, "items", "k000").f.Name()) == snapshotFile
	})
	eventually(t, "the first segment goes", func() bool {
		segs, _ := segments(path)
		return len(segs) > 0 && segs[0] > 1
	})
	check(db, "after a checkpoint")
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	db, err = Open(path, Options{InlineMax: 1024})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	check(db, "after reopening")
}

// A reader holding a state from before a checkpoint still reads that
// state's values after the checkpoint has replaced the file they were in.
func TestOldStateReadsAfterCheckpoint(t *testing.T) {
	path := filepath.Join(t.TempDir(), "kv")
	// Every commit checkpoints when the log has grown past twice the
	// snapshot.
	db := openAt(t, path, Options{InlineMax: 16, CheckpointBytes: 1})
	defer db.Close()
	mustPut(t, db, "k", farValueOf(0, 100))
	old := db.published.Load()
	// The checkpoint starts after the writer is answered.
	var first *os.File
	eventually(t, "the first value moves to the snapshot", func() bool {
		first = farLocOf(t, db, "b", "k").f
		return filepath.Base(first.Name()) == snapshotFile
	})
	fi, err := first.Stat()
	if err != nil {
		t.Fatal(err)
	}
	// Overwrite the first value (now only in old's state) until a
	// checkpoint has replaced the snapshot (one may be busy for a while).
	i := 1
	eventually(t, "the snapshot is replaced", func() bool {
		mustPut(t, db, "k", farValueOf(i, 100))
		i++
		now, err := os.Stat(filepath.Join(path, snapshotFile))
		return err == nil && !os.SameFile(fi, now)
	})
	runtime.GC() // a file nothing reaches would be closed now
	if v := newTx(old, 0, false, nil).Bucket([]byte("b")).Get([]byte("k")); !bytes.Equal(v, farValueOf(0, 100)) {
		t.Fatalf("old state reads %q", v)
	}
}

func openAt(t *testing.T, path string, opts Options) *DB {
	t.Helper()
	db, err := Open(path, opts)
	if err != nil {
		t.Fatal(err)
	}
	return db
}

// mustPut writes key in bucket "b" (kv_test.go's put).
func mustPut(t *testing.T, db *DB, key string, value []byte) {
	t.Helper()
	if err := put(db, key, string(value)); err != nil {
		t.Fatal(err)
	}
}

// eventually waits (up to 10 s) for cond, which background work makes
// true.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !cond(); time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting until %s", what)
		}
	}
}

// A value that cannot be read back ends the transaction with a
// *ReadError instead of looking like a missing key.
func TestUnreadableValueIsAnError(t *testing.T) {
	db := openAt(t, filepath.Join(t.TempDir(), "kv"), Options{InlineMax: 16})
	mustPut(t, db, "k", farValueOf(0, 64))
	if err := db.Close(); err != nil { // closes the segment the value is in
		t.Fatal(err)
	}
	err := db.View(func(tx *Tx) error {
		if v := tx.Bucket([]byte("b")).Get([]byte("k")); v != nil {
			return fmt.Errorf("read %q from a closed file", v)
		}
		return nil
	})
	var re *ReadError
	if !errors.As(err, &re) {
		t.Fatalf("View = %v, want a *ReadError", err)
	}
}

// A write round that is rolled back drops its far values with it: the
// record written holds only the surviving writes, and their far values
// point at their own bytes.
func TestRolledBackRoundKeepsFarValuesRight(t *testing.T) {
	path := filepath.Join(t.TempDir(), "kv")
	db := openAt(t, path, Options{InlineMax: 16})
	mustPut(t, db, "first", []byte("x"))
	errs := make(chan error, 3)
	for i := range 3 {
		go func() {
			errs <- db.Update(func(tx *Tx) error {
				if err := tx.Bucket([]byte("b")).Put(fmt.Appendf(nil, "k%d", i), farValueOf(i, 40+i)); err != nil {
					return err
				}
				if i == 1 {
					return errors.New("fails after writing")
				}
				return nil
			})
		}()
	}
	failed := 0
	for range 3 {
		if err := <-errs; err != nil {
			failed++
		}
	}
	if failed != 1 {
		t.Fatalf("%d writes failed, want 1", failed)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	db = openAt(t, path, Options{InlineMax: 16})
	defer db.Close()
	if err := db.View(func(tx *Tx) error {
		b := tx.Bucket([]byte("b"))
		for i := range 3 {
			v := b.Get(fmt.Appendf(nil, "k%d", i))
			if want := farValueOf(i, 40+i); (i == 1) != (v == nil) || (i != 1 && !bytes.Equal(v, want)) {
				return fmt.Errorf("k%d = %q", i, v)
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}

// BenchmarkGet4K reads 4 KB values kept in memory and kept in the files:
// the cost of a far value is one pread from the page cache and its buffer.
func BenchmarkGet4K(b *testing.B) {
	for _, c := range []struct {
		name   string
		inline int
	}{{"memory", -1}, {"files", 0}} {
		b.Run(c.name, func(b *testing.B) {
			db, err := Open(filepath.Join(b.TempDir(), "kv"), Options{InlineMax: c.inline})
			if err != nil {
				b.Fatal(err)
			}
			defer db.Close()
			const keys = 1000
			if err := db.Update(func(tx *Tx) error {
				bk, err := tx.CreateBucket([]byte("b"))
				if err != nil {
					return err
				}
				for i := range keys {
					if err := bk.Put(fmt.Appendf(nil, "k%04d", i), farValueOf(i, 4096)); err != nil {
						return err
					}
				}
				return nil
			}); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			b.ResetTimer()
			for i := range b.N {
				if err := db.View(func(tx *Tx) error {
					if v := tx.Bucket([]byte("b")).Get(fmt.Appendf(nil, "k%04d", i%keys)); len(v) != 4096 {
						return fmt.Errorf("%d bytes", len(v))
					}
					return nil
				}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// The store's memory follows its keys, not its data: 32 MB of large
// values leave (far) less than 4 MB on the heap, while the same values
// kept in memory take all of it.
func TestLargeValuesLeaveTheHeap(t *testing.T) {
	heapAfter := func(inline int) uint64 {
		db, err := Open(filepath.Join(t.TempDir(), "kv"), Options{InlineMax: inline})
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		for i := range 512 {
			if err := db.Update(func(tx *Tx) error {
				b, err := tx.CreateBucketIfNotExists([]byte("b"))
				if err != nil {
					return err
				}
				return b.Put(fmt.Appendf(nil, "k%04d", i), farValueOf(i, 64<<10))
			}); err != nil {
				t.Fatal(err)
			}
		}
		runtime.GC()
		runtime.ReadMemStats(&after)
		return after.HeapAlloc - min(after.HeapAlloc, before.HeapAlloc)
	}
	if grew := heapAfter(0); grew > 4<<20 {
		t.Fatalf("32 MB of far values left %d bytes on the heap", grew)
	}
	if grew := heapAfter(-1); grew < 32<<20 {
		t.Fatalf("32 MB of values kept in memory took only %d bytes of heap: the measure is wrong", grew)
	}
}

// Readers check far values while writers overwrite them and checkpoints
// move them from the log into new snapshots and remove the old files:
// every value read is whole (its content names its key and version), and
// never older than one the reader saw before.
func TestFarValuesUnderCheckpoints(t *testing.T) {
	db := openAt(t, filepath.Join(t.TempDir(), "kv"), Options{InlineMax: 32, CheckpointBytes: 64 << 10})
	defer db.Close()
	const keys, versions = 8, 60
	value := func(k, v int) []byte {
		return append(fmt.Appendf(nil, "k%d v%04d ", k, v), farValueOf(k+v, 500)...)
	}
	for k := range keys {
		mustPut(t, db, fmt.Sprint("k", k), value(k, 0))
	}
	done := make(chan struct{})
	errs := make(chan error, 4)
	var readers sync.WaitGroup
	for range 2 {
		readers.Go(func() {
			seen := make([]int, keys)
			for {
				select {
				case <-done:
					return
				default:
				}
				err := db.View(func(tx *Tx) error {
					b := tx.Bucket(bucket)
					for k := range keys {
						got := b.Get(fmt.Append(nil, "k", k))
						var gk, gv int
						if _, err := fmt.Sscanf(string(got), "k%d v%d ", &gk, &gv); err != nil || gk != k {
							return fmt.Errorf("k%d reads %.20q", k, got)
						}
						if !bytes.Equal(got, value(k, gv)) || gv < seen[k] {
							return fmt.Errorf("k%d: version %d after %d, or damaged", k, gv, seen[k])
						}
						seen[k] = gv
					}
					return nil
				})
				if err != nil {
					errs <- err
					return
				}
			}
		})
	}
	var writers sync.WaitGroup
	for k := range keys {
		writers.Go(func() {
			for v := 1; v <= versions; v++ {
				if err := put(db, fmt.Sprint("k", k), string(value(k, v))); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	writers.Wait()
	close(done)
	readers.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if segs, _ := segments(db.path); len(segs) > 0 && segs[0] == 1 {
		t.Fatalf("no checkpoint ran: segments %v", segs)
	}
}
