package kv

import (
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// Options configure Open.
type Options struct {
	// InMemory keeps everything in memory: no file is written, nothing is
	// fsynced, and the data is gone after Close.
	InMemory bool
	// MaxBatch bounds how many writes share one commit round. Zero means 512.
	MaxBatch int
	// CheckpointBytes is how much log makes the store write a new snapshot
	// (and drop the log it covers). The threshold is at least twice the
	// last snapshot, so rewriting the snapshot costs at most half the bytes
	// the log took (a crash replays at most that much log). Zero means
	// 64 MiB.
	CheckpointBytes int64
	// InlineMax is the size from which a value is kept in the store's
	// files only (read back with a pread), not in memory, once its write
	// is durable. Zero means DefaultInlineMax; a negative value keeps
	// every value in memory, as Windows always does (see farValues).
	InlineMax int
}

// DB is a store: an in-memory copy-on-write tree of buckets, made durable
// by a write-ahead log with group commit.
type DB struct {
	path     string
	inMemory bool
	maxBatch int
	ckptMin  int64
	inline   int // Options.InlineMax
	lock     *os.File

	// published is the state readers see: every write in it is durable.
	published atomic.Pointer[node]

	// mu guards the open round, the working state and the lead.
	mu      sync.Mutex
	taken   sync.Cond // the open round was taken (a full one waits for that)
	open    *round    // the round writes are applied to now
	working *node     // the state after the open round
	gen     uint64
	leading bool // a writer is committing rounds
	closed  bool
	// What the last commit saw, for the next leader's linger.
	released int           // writers it answered
	arrived  int           // writes already in the next round when it ended
	lastSync time.Duration // how long it took

	pending  atomic.Int64  // writes in the open round, read while lingering
	kick     chan struct{} // the open round grew
	linger   *time.Timer
	inflight sync.WaitGroup // Update calls in progress

	// Owned by the leader (there is one at a time).
	seg      *segment
	segN     uint64
	walSize  int64 // log bytes since the last snapshot
	snapLen  atomic.Int64
	ckpt     sync.WaitGroup // a running checkpoint
	ckptBusy atomic.Bool
	ckptErr  atomic.Pointer[error]

	failed atomic.Pointer[error] // sticky: a log write or fsync failed

	commits, writes atomic.Uint64
	commitTime      atomic.Int64 // nanoseconds spent applying and syncing
}

// Stats are counters of the group commit since Open.
type Stats struct {
	// Commits is the number of durable commits (each one fsync of the log,
	// or one publication in memory); Writes the number of Update calls
	// they carried.
	Commits, Writes uint64
	// CommitTime is the time spent inside commits: applying the writes,
	// writing the log and fsyncing it.
	CommitTime time.Duration
}

// Stats returns the group commit counters: Writes/Commits is the mean
// batch size.
func (db *DB) Stats() Stats {
	return Stats{Commits: db.commits.Load(), Writes: db.writes.Load(), CommitTime: time.Duration(db.commitTime.Load())}
}

type writeReq struct {
	fn   func(*Tx) error
	done chan error // the result, or errLead: commit the open round
	err  error
}

// errLead tells a waiting writer that it leads now: it commits the open
// round it is in.
var errLead = errors.New("kv: lead the next commit")

// round is one apply pass: its writes, their results, the state after it,
// and its log record (nil if it wrote nothing).
type round struct {
	batch []*writeReq
	base  *node // the state before the round (after its last rollback)
	tx    *Tx   // the round's transaction: tx.root is the state after it
	log   *opLog
	dur   time.Duration // apply time
}

// ErrClosed is returned for writes after Close.
var ErrClosed = errors.New("kv: database closed")

var errLocked = errors.New("locked by another process")

// Open opens (creating if needed) the store at path, a directory. A bbolt
// file left at path by an older sfapi is converted first.
func Open(path string, opts Options) (*DB, error) {
	db := &DB{
		path:     path,
		inMemory: opts.InMemory,
		maxBatch: opts.MaxBatch,
		ckptMin:  opts.CheckpointBytes,
		kick:     make(chan struct{}, 1),
		linger:   time.NewTimer(time.Hour),
	}
	db.linger.Stop()
	db.taken.L = &db.mu
	if db.maxBatch <= 0 {
		db.maxBatch = 512
	}
	if db.ckptMin <= 0 {
		db.ckptMin = 64 << 20
	}
	switch {
	case !farValues:
		db.inline = math.MaxInt
	case opts.InlineMax == 0:
		db.inline = DefaultInlineMax
	case opts.InlineMax < 0:
		db.inline = math.MaxInt
	default:
		db.inline = opts.InlineMax
	}
	root, gen := newNode(1), uint64(2)
	if !opts.InMemory {
		rec, err := db.openDir()
		if err != nil {
			return nil, err
		}
		root, gen = rec.root, rec.nextGen
	}
	db.published.Store(root)
	db.working, db.gen = root, gen
	db.open = db.newRound()
	return db, nil
}

// openDir locks the directory, recovers its state and opens the log.
func (db *DB) openDir() (*recovered, error) {
	if err := migrateBolt(db.path); err != nil {
		return nil, fmt.Errorf("convert %s: %w", db.path, err)
	}
	if err := os.MkdirAll(db.path, 0o755); err != nil {
		return nil, fmt.Errorf("create data dir: %w", err)
	}
	lock, err := lockDir(filepath.Join(db.path, lockFile), 2*time.Second)
	if err != nil {
		if errors.Is(err, errLocked) {
			return nil, fmt.Errorf("open %s: the store is locked by another process (is another sfapi dev running on this data dir?)", db.path)
		}
		return nil, fmt.Errorf("open %s: %w", db.path, err)
	}
	rec, err := recoverDir(db.path, db.inline)
	if err == nil {
		db.seg, err = openSegment(db.path, rec.segment, rec.offset)
	}
	if err != nil {
		lock.Close()
		return nil, fmt.Errorf("open %s: %w", db.path, err)
	}
	db.lock, db.segN, db.walSize = lock, rec.segment, rec.walSize
	db.snapLen.Store(rec.snapLen)
	return rec, nil
}

// Path returns the store's path.
func (db *DB) Path() string { return db.path }

// View runs fn in a read-only transaction over the latest durable state.
// Readers never wait for writers. A value that cannot be read back from
// the files ends the transaction with a *ReadError.
func (db *DB) View(fn func(*Tx) error) (err error) {
	defer func() {
		if p := recover(); p != nil {
			re, ok := p.(*ReadError)
			if !ok {
				panic(p)
			}
			err = re
		}
	}()
	return fn(newTx(db.published.Load(), 0, false, nil))
}

// Update runs fn in a read-write transaction shared with other concurrent
// Update calls (group commit) and returns once the transaction is durable.
//
// Contract: fn returns a non-nil error only before its first write (check,
// then write — the shape of every conditional write). Its error is handed
// back to the caller and the others commit without it. fn may be called
// more than once (a round in which a write panicked, or broke this
// contract, is rolled back and its writes retried one by one), so it must
// not have effects outside the transaction.
//
// There is no writer goroutine: each writer applies its own write to the
// open round, under a mutex, and the writer that finds no commit running
// commits the round itself — appends its record to the log, fsyncs,
// publishes, answers the others — then hands the lead to a writer of the
// round that filled meanwhile. A lone writer so commits on its own
// goroutine, with no thread to wake; under load the rounds stay as large
// as before, because everything that arrives during a sync goes into the
// next one.
func (db *DB) Update(fn func(*Tx) error) error {
	w := &writeReq{fn: fn, done: make(chan error, 1)}
	db.mu.Lock()
	if db.closed {
		db.mu.Unlock()
		return ErrClosed
	}
	db.inflight.Add(1)
	defer db.inflight.Done()
	for len(db.open.batch) >= db.maxBatch {
		db.taken.Wait() // full: the leader takes it soon
	}
	db.apply(db.open, w)
	lead := !db.leading
	db.leading = true
	db.mu.Unlock()
	if !lead {
		if err := <-w.done; err != errLead {
			return err
		}
	}
	db.lead()
	return <-w.done
}

// lead commits the open round: lingers for the writers the last commit
// released, takes the round, makes it durable, answers its writers, then
// passes the lead to a writer of the next round (or drops it when there is
// none).
func (db *DB) lead() {
	db.lingerForWriters()
	// Writers that are runnable now (woken, not yet applied) join this
	// round rather than the next: without this yield, rounds under a
	// mixed load (the gophers benchmark) were half as large, and cost
	// 10-20 % more CPU per job, than with a separate apply goroutine,
	// whose scheduling delays batched them. With nothing else runnable
	// the yield costs well under a microsecond.
	runtime.Gosched()
	db.mu.Lock()
	r := db.open
	db.open = db.newRound()
	db.taken.Broadcast()
	db.mu.Unlock()

	t0 := time.Now()
	err := db.commit(r)
	if err == nil && !db.inMemory {
		db.maybeCheckpoint(r.tx.root)
	}

	for _, w := range r.batch {
		if err != nil {
			w.done <- err
		} else {
			w.done <- w.err
		}
	}
	if r.log != nil {
		logPool.Put(r.log)
	}
	// The lead passes on only now, so the next leader's linger starts
	// once the writers it waits for have been woken.
	db.mu.Lock()
	// The commit's duration includes answering its writers: the next
	// linger is measured against all of it.
	db.lastSync, db.released, db.arrived = time.Since(t0), len(r.batch), len(db.open.batch)
	var next *writeReq
	if len(db.open.batch) > 0 {
		next = db.open.batch[0]
	} else {
		db.leading = false
	}
	db.mu.Unlock()
	if next != nil {
		next.done <- errLead
	}
}

// lingerForWriters waits, briefly, for the writers the last commit just
// released.
//
// Left at that, concurrent writers split into two cohorts that alternate
// (one waits for its fsync while the other queues up), so each fsync
// carries only half of them. The released writers usually come back with
// their next write within a fraction of a sync, so the leader waits for
// them; the wait ends as soon as they are all back, and never exceeds half
// the previous sync's duration (capped by maxLinger), so a lone writer
// never waits and a dropping load costs at most that much, once. Only the
// leader runs this, so it reads the last commit's figures without the
// mutex: the lead was handed over after they were written.
func (db *DB) lingerForWriters() {
	if db.inMemory || db.lastSync == 0 {
		return
	}
	// Writes in the open round when the last commit passed the lead on:
	// mostly from writers other than the ones it released (some of those
	// may be back already, which makes the wait longer, up to its cap).
	want := max(db.released, 1)
	if db.arrived > 0 {
		want = db.arrived + db.released
	}
	want = min(want, db.maxBatch)
	if int(db.pending.Load()) >= want {
		return
	}
	db.linger.Reset(min(db.lastSync/2, maxLinger))
	defer db.linger.Stop()
	for int(db.pending.Load()) < want {
		select {
		case <-db.kick:
		case <-db.linger.C:
			return
		}
	}
}

var logPool = sync.Pool{New: func() any { return new(opLog) }}

func (db *DB) newRound() *round {
	// The leader has the previous round: nothing is pending in this one.
	db.pending.Store(0)
	r := &round{base: db.working}
	if !db.inMemory {
		r.log = logPool.Get().(*opLog)
		r.log.reset()
		r.log.inlineMax = db.inline
	}
	r.tx = newTx(db.working, db.gen, true, r.log)
	db.gen++
	return r
}

// apply runs one write in the open round. A write that panics, or fails
// after writing, makes the round roll back (the state is copy on write:
// dropping the round's root drops every change) and run its writes again,
// each in its own generation, so only that write is lost.
func (db *DB) apply(open *round, w *writeReq) {
	start := time.Now()
	open.batch = append(open.batch, w)
	tx := open.tx
	mark := tx.writes
	w.err = safeRun(w.fn, tx)
	if w.err != nil && (isPanic(w.err) || tx.writes != mark) {
		root := open.base
		if open.log != nil {
			open.log.reset()
		}
		for _, r := range open.batch {
			one := newTx(root, db.gen, true, open.log)
			db.gen++
			mark := open.log.mark()
			r.err = safeRun(r.fn, one)
			if r.err != nil {
				// Drop this write's changes, keep the others'.
				open.log.truncate(mark)
				continue
			}
			root = one.root
		}
		// The rest of the round goes on from here, in a new generation.
		open.base = root
		open.tx = newTx(root, db.gen, true, open.log)
		db.gen++
	}
	db.working = open.tx.root
	open.dur += time.Since(start)
	db.pending.Store(int64(len(open.batch)))
	select {
	case db.kick <- struct{}{}:
	default:
	}
}

// maxLinger bounds how long a sync waits for returning writers.
const maxLinger = 2 * time.Millisecond

// commit makes a round durable (one log write and one fsync) and
// publishes its state; its writers are answered by the caller.
func (db *DB) commit(r *round) error {
	t0 := time.Now()
	err := db.loadFailed()
	if err == nil && !db.inMemory {
		err = db.writeLog(r)
		if err != nil {
			db.failed.CompareAndSwap(nil, &err)
		}
	}
	// Counters first, so a writer that reads Stats after its Update
	// returns sees its own write.
	db.commitTime.Add(int64(time.Since(t0) + r.dur))
	db.commits.Add(1)
	db.writes.Add(uint64(len(r.batch)))
	if err == nil {
		db.published.Store(r.tx.root)
	}
	return err
}

func (db *DB) loadFailed() error {
	if p := db.failed.Load(); p != nil {
		return fmt.Errorf("kv: store %s failed earlier, writes are refused: %w", db.path, *p)
	}
	return nil
}

// writeLog appends the round's record to the log and fsyncs it.
func (db *DB) writeLog(r *round) error {
	if r.log == nil || r.log.empty() {
		return nil
	}
	rec := r.log.record()
	at := db.seg.off
	if err := db.seg.write(rec); err != nil {
		return fmt.Errorf("write log: %w", err)
	}
	if err := fdatasync(db.seg.f); err != nil {
		return fmt.Errorf("fsync log: %w", err)
	}
	// The round's large values are on disk: from now on they are read
	// from there, and their memory goes.
	placeFars(r.log.fars, db.seg.f, at)
	// The pooled log must not keep them (and through them the segment,
	// once a checkpoint has removed it) alive.
	clear(r.log.fars)
	r.log.fars = r.log.fars[:0]
	db.walSize += int64(len(rec))
	if cap(r.log.buf) > 4<<20 {
		r.log.buf = nil // one huge round must not pin its buffer in the pool
	}
	return nil
}

// maybeCheckpoint starts a checkpoint once the log outgrows its threshold:
// the log moves on to a new segment, and a snapshot of the state at the
// end of the old one is written in the background.
func (db *DB) maybeCheckpoint(root *node) {
	if db.walSize < max(db.ckptMin, 2*db.snapLen.Load()) || db.ckptBusy.Load() {
		return
	}
	if err := db.rotate(); err != nil {
		db.failed.CompareAndSwap(nil, &err)
		return
	}
	db.ckptBusy.Store(true)
	next := db.segN
	db.ckpt.Go(func() {
		defer db.ckptBusy.Store(false)
		if err := db.checkpoint(root, next); err != nil {
			// The log still has everything; the next checkpoint retries.
			db.ckptErr.Store(&err)
			return
		}
		// The segments just removed, and the old snapshot, stay open (and
		// keep their disk space) until the runtime closes their files, when
		// a collection finds nothing points into them any more. With a
		// small heap and a memory limit, that may be long: collect now,
		// once per checkpoint (every 64 MiB of log or more).
		runtime.GC()
	})
}

// rotate moves the log on to the next segment. The current one is
// fsynced already and stays open: far values are read from it (the
// runtime closes it once none is left).
func (db *DB) rotate() error {
	f, err := openSegment(db.path, db.segN+1, 0)
	if err != nil {
		return fmt.Errorf("open log segment: %w", err)
	}
	db.seg, db.segN, db.walSize = f, db.segN+1, 0
	return nil
}

// checkpoint writes root as the snapshot preceding segment next and
// removes the segments before it.
func (db *DB) checkpoint(root *node, next uint64) error {
	n, err := writeSnapshot(db.path, root, next)
	if err != nil {
		return fmt.Errorf("write snapshot: %w", err)
	}
	db.snapLen.Store(n)
	segs, err := segments(db.path)
	if err != nil {
		return err
	}
	for _, s := range segs {
		if s < next {
			if err := os.Remove(filepath.Join(db.path, segmentName(s))); err != nil {
				return err
			}
		}
	}
	return nil
}

type panicError struct{ v any }

func (e *panicError) Error() string { return fmt.Sprintf("kv: write panicked: %v", e.v) }

// Unwrap gives the panic's value when it is an error (a *ReadError).
func (e *panicError) Unwrap() error {
	err, _ := e.v.(error)
	return err
}

func isPanic(err error) bool {
	_, ok := err.(*panicError)
	return ok
}

func safeRun(fn func(*Tx) error, tx *Tx) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = &panicError{p}
		}
	}()
	return fn(tx)
}

// Close waits for queued writes to commit and closes the store. A store
// with more than a little log writes a snapshot first, so the next Open
// replays little.
func (db *DB) Close() error {
	db.mu.Lock()
	if db.closed {
		db.mu.Unlock()
		return nil
	}
	db.closed = true
	db.mu.Unlock()
	db.inflight.Wait()
	db.ckpt.Wait()
	if db.inMemory {
		db.published.Store(newNode(1))
		return nil
	}
	var err error
	if e := db.loadFailed(); e != nil {
		err = e
	} else if db.walSize > 1<<20 {
		if err = db.rotate(); err == nil {
			err = db.checkpoint(db.published.Load(), db.segN)
		}
	}
	if cerr := db.seg.f.Close(); err == nil {
		err = cerr
	}
	if p := db.ckptErr.Load(); p != nil && err == nil {
		err = *p
	}
	if cerr := db.lock.Close(); err == nil {
		err = cerr
	}
	return err
}
