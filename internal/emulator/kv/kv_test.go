package kv

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
)

var bucket = []byte("b")

func put(db *DB, k, v string) error {
	return db.Update(func(tx *Tx) error {
		b, err := tx.CreateBucketIfNotExists(bucket)
		if err != nil {
			return err
		}
		return b.Put([]byte(k), []byte(v))
	})
}

func get(t *testing.T, db *DB, k string) string {
	t.Helper()
	var v []byte
	if err := db.View(func(tx *Tx) error {
		if b := tx.Bucket(bucket); b != nil {
			v = append([]byte(nil), b.Get([]byte(k))...)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return string(v)
}

// Concurrent writers share commits, and every acknowledged write is there
// after the file is reopened.
func TestConcurrentWritesSurviveReopen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "db")
	db, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for w := range 16 {
		wg.Go(func() {
			for i := range 50 {
				if err := put(db, fmt.Sprintf("%d-%d", w, i), "v"); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	db, err = Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	n := 0
	_ = db.View(func(tx *Tx) error { n = tx.Bucket(bucket).Stats().KeyN; return nil })
	if n != 16*50 {
		t.Fatalf("%d keys after reopen, want %d", n, 16*50)
	}
}

// A write that fails its check returns its error to its caller only; the
// writes batched with it still commit.
func TestFailedWriteDoesNotFailTheBatch(t *testing.T) {
	db, err := Open(filepath.Join(t.TempDir(), "db"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	errCheck := errors.New("condition failed")
	var wg sync.WaitGroup
	errs := make([]error, 40)
	for i := range 40 {
		wg.Go(func() {
			if i%2 == 0 {
				errs[i] = db.Update(func(*Tx) error { return errCheck })
				return
			}
			errs[i] = put(db, fmt.Sprint(i), "ok")
		})
	}
	wg.Wait()
	for i, err := range errs {
		if i%2 == 0 && !errors.Is(err, errCheck) {
			t.Errorf("write %d: got %v, want its own error", i, err)
		}
		if i%2 == 1 && (err != nil || get(t, db, fmt.Sprint(i)) != "ok") {
			t.Errorf("write %d: %v", i, err)
		}
	}
}

// A write that panics after writing is rolled back alone; its batch mates
// commit and the process survives.
func TestPanickingWriteIsIsolated(t *testing.T) {
	db, err := Open(filepath.Join(t.TempDir(), "db"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var wg sync.WaitGroup
	var panicErr, okErr error
	wg.Go(func() {
		panicErr = db.Update(func(tx *Tx) error {
			b, _ := tx.CreateBucketIfNotExists(bucket)
			_ = b.Put([]byte("partial"), []byte("x"))
			panic("boom")
		})
	})
	wg.Go(func() { okErr = put(db, "fine", "yes") })
	wg.Wait()
	if panicErr == nil || okErr != nil {
		t.Fatalf("panic write err = %v, ok write err = %v", panicErr, okErr)
	}
	if get(t, db, "partial") != "" || get(t, db, "fine") != "yes" {
		t.Fatal("the panicking write's partial change was committed, or the other write was lost")
	}
}

func TestInMemoryLeavesNothingAndClosedRefusesWrites(t *testing.T) {
	db, err := Open("mem.db", Options{InMemory: true})
	if err != nil {
		t.Fatal(err)
	}
	path := db.Path()
	if err := put(db, "k", "v"); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("in-memory file %s still exists: %v", path, err)
	}
	if err := put(db, "k", "v"); !errors.Is(err, ErrClosed) {
		t.Fatalf("write after Close = %v, want ErrClosed", err)
	}
}

func TestSecondOpenOfSameFileFailsClearly(t *testing.T) {
	path := filepath.Join(t.TempDir(), "db")
	db, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := Open(path, Options{}); err == nil {
		t.Fatal("a second open of a locked file must fail")
	}
}

func BenchmarkUpdateParallel(b *testing.B) {
	db, err := Open(filepath.Join(b.TempDir(), "db"), Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	b.SetParallelism(16)
	var n sync.Mutex
	i := 0
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			n.Lock()
			i++
			k := fmt.Sprint(i)
			n.Unlock()
			if err := put(db, k, "value-of-about-forty-bytes-for-the-bench"); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// Stats count every Update, and concurrent writers share commits.
func TestStatsCountSharedCommits(t *testing.T) {
	t.Parallel()
	db, err := Open(filepath.Join(t.TempDir(), "db"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	const writers, each = 16, 20
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for i := range each {
				if err := put(db, fmt.Sprintf("%d-%d", w, i), "v"); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	s := db.Stats()
	if s.Writes != writers*each {
		t.Fatalf("Stats.Writes = %d, want %d", s.Writes, writers*each)
	}
	if s.Commits == 0 || s.Commits >= s.Writes || s.CommitTime <= 0 {
		t.Fatalf("Stats = %+v: want fewer commits than writes (group commit) and some commit time", s)
	}
}

// MaxBatch bounds the writes one commit carries, however many wait.
func TestMaxBatchBoundsACommit(t *testing.T) {
	db, err := Open(filepath.Join(t.TempDir(), "db"), Options{MaxBatch: 4})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var wg sync.WaitGroup
	for w := range 32 {
		wg.Go(func() {
			for i := range 10 {
				if err := put(db, fmt.Sprintf("%d-%d", w, i), "v"); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	s := db.Stats()
	if s.Writes != 320 || s.Commits < 80 {
		t.Fatalf("Stats = %+v: want 320 writes in at least 80 commits of at most 4", s)
	}
}
