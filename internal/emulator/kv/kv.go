package kv

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Tx is a read or read-write transaction.
type Tx = bolt.Tx

// Bucket is a bucket of a transaction.
type Bucket = bolt.Bucket

// Options configure Open.
type Options struct {
	// InMemory keeps data in a temporary file that is removed on Close and
	// never fsynced: fast, and forgotten on exit.
	InMemory bool
	// MaxBatch bounds how many writes share one commit. Zero means 512.
	MaxBatch int
}

// DB is a bbolt database with group commit.
type DB struct {
	bolt     *bolt.DB
	tmpDir   string
	reqs     chan *writeReq
	maxBatch int
	wg       sync.WaitGroup
	closeMu  sync.RWMutex
	closed   bool

	commits, writes atomic.Uint64
	commitTime      atomic.Int64 // nanoseconds spent in bolt commits
}

// Stats are counters of the group commit since Open.
type Stats struct {
	// Commits is the number of read-write transactions committed (each one
	// fsync round); Writes the number of Update calls they carried.
	Commits, Writes uint64
	// CommitTime is the time spent inside commits, fsync included.
	CommitTime time.Duration
}

// Stats returns the group commit counters: Writes/Commits is the mean
// batch size.
func (db *DB) Stats() Stats {
	return Stats{Commits: db.commits.Load(), Writes: db.writes.Load(), CommitTime: time.Duration(db.commitTime.Load())}
}

type writeReq struct {
	fn   func(*Tx) error
	done chan error
}

// ErrClosed is returned for writes after Close.
var ErrClosed = errors.New("kv: database closed")

// Open opens (creating if needed) the database file at path.
func Open(path string, opts Options) (*DB, error) {
	db := &DB{reqs: make(chan *writeReq, 4096), maxBatch: opts.MaxBatch}
	if db.maxBatch <= 0 {
		db.maxBatch = 512
	}
	if opts.InMemory {
		dir, err := os.MkdirTemp("", "sfapi-mem-")
		if err != nil {
			return nil, fmt.Errorf("create temp dir: %w", err)
		}
		db.tmpDir = dir
		path = filepath.Join(dir, filepath.Base(path))
	} else if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, fmt.Errorf("create data dir: %w", err)
	}
	b, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: 2 * time.Second, NoSync: opts.InMemory, NoFreelistSync: true})
	if err != nil {
		if errors.Is(err, bolt.ErrTimeout) {
			return nil, fmt.Errorf("open %s: the file is locked by another process (is another sfapi dev running on this data dir?)", path)
		}
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	db.bolt = b
	db.wg.Add(1)
	go db.commitLoop()
	return db, nil
}

// Path returns the database file's path.
func (db *DB) Path() string { return db.bolt.Path() }

// View runs fn in a read-only transaction. Readers never wait for writers.
func (db *DB) View(fn func(*Tx) error) error { return db.bolt.View(fn) }

// Update runs fn in a read-write transaction shared with other concurrent
// Update calls (group commit) and returns once the transaction is durable.
//
// Contract: fn returns a non-nil error only before its first write (check,
// then write — the shape of every conditional write). Its error is handed
// back to the caller and the batch commits without it. fn may be called more
// than once if a commit fails and the batch is retried one by one, so it
// must not have effects outside the transaction.
func (db *DB) Update(fn func(*Tx) error) error {
	db.closeMu.RLock()
	if db.closed {
		db.closeMu.RUnlock()
		return ErrClosed
	}
	r := &writeReq{fn: fn, done: make(chan error, 1)}
	db.reqs <- r
	db.closeMu.RUnlock()
	return <-r.done
}

// commitLoop drains waiting writes into one transaction each round: while a
// commit's fsync runs, new writes queue up and go into the next one.
//
// Left at that, concurrent writers split into two cohorts that alternate
// (one waits for its fsync while the other queues up), so each fsync
// carries only half of them. So a round also lingers, briefly, for the
// writers the previous commit just released: they usually come back with
// their next write within a fraction of a commit. The wait ends as soon as
// they are all back, and never exceeds half the previous commit's duration
// (capped by maxLinger), so a lone writer never waits and a dropping load
// costs at most that much, once.
func (db *DB) commitLoop() {
	defer db.wg.Done()
	batch := make([]*writeReq, 0, db.maxBatch)
	linger := time.NewTimer(time.Hour)
	linger.Stop()
	released := 0 // writers answered by the previous commit
	var lastCommit time.Duration
	for {
		// Writes that queued during the previous commit come from writers
		// other than the ones it released.
		batch = batch[:0]
		open := db.drain(&batch)
		want := len(batch) + released
		if len(batch) == 0 {
			if !open {
				return
			}
			r, ok := <-db.reqs
			if !ok {
				return
			}
			batch = append(batch, r)
			open = db.drain(&batch)
			want = max(released, 1)
		}
		want = min(want, db.maxBatch)
		if open && len(batch) < want && lastCommit > 0 {
			linger.Reset(min(lastCommit/2, maxLinger))
		wait:
			for len(batch) < want {
				select {
				case r, ok := <-db.reqs:
					if !ok {
						open = false
						break wait
					}
					batch = append(batch, r)
				case <-linger.C:
					break wait
				}
			}
			linger.Stop()
		}
		t0 := time.Now()
		db.commit(batch)
		lastCommit = time.Since(t0)
		released = len(batch)
		if !open {
			return // closed, and everything queued is committed
		}
	}
}

// maxLinger bounds how long a round waits for returning writers.
const maxLinger = 2 * time.Millisecond

// drain moves queued writes into batch without blocking, up to maxBatch.
// It reports false once the queue is closed.
func (db *DB) drain(batch *[]*writeReq) bool {
	for len(*batch) < db.maxBatch {
		select {
		case r, ok := <-db.reqs:
			if !ok {
				return false
			}
			*batch = append(*batch, r)
		default:
			return true
		}
	}
	return true
}

func (db *DB) commit(batch []*writeReq) {
	errs := make([]error, len(batch))
	t0 := time.Now()
	// Stats count the round before any writer is answered, so a writer
	// that reads Stats after its Update returns sees its own write.
	counted := false
	count := func() {
		if !counted {
			counted = true
			db.commitTime.Add(int64(time.Since(t0)))
			db.commits.Add(1)
			db.writes.Add(uint64(len(batch)))
		}
	}
	defer count()
	err := db.bolt.Update(func(tx *bolt.Tx) error {
		for i, r := range batch {
			errs[i] = safeRun(r.fn, tx)
			if _, ok := errs[i].(*panicError); ok {
				// A write that panicked may have left partial changes:
				// roll the whole batch back and retry one by one.
				return errs[i]
			}
		}
		return nil
	})
	if err == nil {
		count()
		for i, r := range batch {
			r.done <- errs[i]
		}
		return
	}
	// The shared commit failed: retry each write alone so one bad write
	// cannot fail the others.
	if len(batch) == 1 {
		count()
		batch[0].done <- err
		return
	}
	count()
	for _, r := range batch {
		var fnErr error
		err := db.bolt.Update(func(tx *bolt.Tx) error {
			fnErr = safeRun(r.fn, tx)
			return fnErr
		})
		if fnErr != nil {
			err = fnErr
		}
		r.done <- err
	}
}

type panicError struct{ v any }

func (e *panicError) Error() string { return fmt.Sprintf("kv: write panicked: %v", e.v) }

func safeRun(fn func(*Tx) error, tx *Tx) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = &panicError{p}
		}
	}()
	return fn(tx)
}

// Close waits for queued writes to commit and closes the file.
func (db *DB) Close() error {
	db.closeMu.Lock()
	if db.closed {
		db.closeMu.Unlock()
		return nil
	}
	db.closed = true
	close(db.reqs)
	db.closeMu.Unlock()
	db.wg.Wait()
	err := db.bolt.Close()
	if db.tmpDir != "" {
		_ = os.RemoveAll(db.tmpDir)
	}
	return err
}
