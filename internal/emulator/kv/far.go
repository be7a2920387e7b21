package kv

import (
	"fmt"
	"os"
	"runtime"
	"slices"
	"sync/atomic"
)

// Large values live in the files, not on the Go heap.
//
// Every value is written to the log before its write is acknowledged, and
// every value is in the snapshot after a checkpoint, so the files already
// hold a copy of each one. A value of InlineMax bytes or more is kept in
// memory only from its Put until its round is on disk; the commit
// then points it at its bytes in the log segment, and a checkpoint points
// it at its bytes in the new snapshot. Reads copy it back with one pread
// from the page cache (about 3 µs for 4 KB here, BenchmarkGet4K), which the
// kernel may drop and reread as memory gets short: the process's memory
// stays proportional to the number of keys, not to the size of the data.
//
// The files a value points at stay open for as long as anything can reach
// the value: a checkpoint removes the log segments it covers, but a reader
// still holding an older state keeps the removed file's *os.File, and the
// runtime closes it once nothing does.

// DefaultInlineMax is the size from which a value is kept in the files
// only: the DynamoDB items of a job API (a few hundred bytes) and the
// engines' small records stay in memory, where reading them costs nothing.
const DefaultInlineMax = 512

// WriteMostlyInlineMax is InlineMax for a store whose values are written
// far more often than they are read (execution histories, logs): most of
// its values then live in the files only.
const WriteMostlyInlineMax = 128

// farValue is a large value: its bytes in memory until its round is
// durable, then a place in a file. Entries are shared with older states, so
// its place changes atomically; every place holds the same bytes.
//
// It lives inside its entry, so a large value costs no object of its own
// (the store holds many, and the collector marks each of them): the file
// and offset are written together under a sequence counter, which readers
// check, rather than swapped in as a new object.
// Moves are rare (placement once, then once per checkpoint) and never
// concurrent for one value: placement happens before the value is in any
// published state, and checkpoints, which move published values, run one
// at a time.
type farValue struct {
	n   int
	mem atomic.Pointer[[]byte] // the bytes, until placed
	seq atomic.Uint32          // odd while f and off change
	f   atomic.Pointer[os.File]
	off atomic.Int64
}

// farLoc is where a far value's bytes are, as read at one moment: in mem,
// or at off in f.
type farLoc struct {
	mem []byte
	f   *os.File
	off int64
}

// inMemory makes v (zero, in a new entry) the value, in memory.
func (v *farValue) inMemory(value []byte) {
	v.n = len(value)
	v.mem.Store(&value)
}

// inFile makes v (zero, in a new entry) the n bytes at off in f.
func (v *farValue) inFile(f *os.File, off int64, n int) {
	v.n = n
	v.moveTo(f, off)
}

// isSet reports whether the entry holding v has a far value: a far value
// is never empty (it is at least InlineMax bytes, and InlineMax is at
// least 1).
func (v *farValue) isSet() bool { return v.n > 0 }

// moveTo records that the value's bytes are at off in f, and drops its
// in-memory copy.
func (v *farValue) moveTo(f *os.File, off int64) {
	v.seq.Add(1)
	v.f.Store(f)
	v.off.Store(off)
	v.seq.Add(1)
	v.mem.Store(nil) // after the place: a reader that sees nil finds it
}

// loc reads where the value is.
func (v *farValue) loc() farLoc {
	if m := v.mem.Load(); m != nil {
		return farLoc{mem: *m}
	}
	for {
		s := v.seq.Load()
		if s&1 == 0 {
			f, off := v.f.Load(), v.off.Load()
			if v.seq.Load() == s {
				return farLoc{f: f, off: off}
			}
		}
		runtime.Gosched() // a move is under way: a few stores
	}
}

// bytes returns the value: the slice is the caller's, or shared and
// immutable while the value is still in memory. A read that fails panics
// with a *ReadError, which View and Update turn into their error: Get has
// no error result (bbolt's API), and answering "no such key" for a key
// whose value could not be read would let a caller overwrite it.
func (v *farValue) bytes() []byte {
	if m := v.mem.Load(); m != nil {
		return *m
	}
	return v.appendTo(make([]byte, 0, v.n))
}

// appendTo appends the value to buf, reading it straight into buf's
// space (the snapshot writer copies every value this way).
func (v *farValue) appendTo(buf []byte) []byte {
	loc := v.loc()
	if loc.mem != nil {
		return append(buf, loc.mem...)
	}
	at := len(buf)
	buf = slices.Grow(buf, v.n)[:at+v.n]
	if _, err := loc.f.ReadAt(buf[at:], loc.off); err != nil {
		panic(&ReadError{Err: fmt.Errorf("read %d-byte value at %s+%d: %w", v.n, loc.f.Name(), loc.off, err)})
	}
	return buf
}

// farReader reads the far values of a state for a checkpoint. Once a
// state has been checkpointed, its values sit in key order in the snapshot,
// so the next checkpoint, which walks the state in key order too, reads
// them front to back: then one read of readAhead bytes serves many values
// (one pread each was 3 % of the CPU of the gophers benchmark). Values
// that come out of order (still in the log, written in time order) are
// read one by one.
type farReader struct {
	f    *os.File
	win  []byte // bytes of f from at
	at   int64
	next int64 // the end of the last value read from f
}

const readAhead = 256 << 10

func (r *farReader) appendTo(buf []byte, v *farValue) []byte {
	loc := v.loc()
	if loc.mem != nil {
		return append(buf, loc.mem...)
	}
	n := int64(v.n)
	if loc.f == r.f && loc.off >= r.at && loc.off+n <= r.at+int64(len(r.win)) {
		r.next = loc.off + n
		return append(buf, r.win[loc.off-r.at:][:n]...)
	}
	inOrder := loc.f == r.f && loc.off >= r.next && loc.off-r.next < 4096
	r.f, r.next, r.win = loc.f, loc.off+n, r.win[:0]
	if !inOrder || n > readAhead/2 {
		return v.appendTo(buf)
	}
	if cap(r.win) < readAhead {
		r.win = make([]byte, readAhead)
	}
	got, _ := loc.f.ReadAt(r.win[:readAhead], loc.off) // short at the end of the file
	if int64(got) < n {
		r.win = r.win[:0]
		return v.appendTo(buf) // reports the error, if any
	}
	r.win, r.at = r.win[:got], loc.off
	return append(buf, r.win[:n]...)
}

// ReadError is the error of a transaction that could not read a value
// back from the store's files (an I/O error, or a read after Close).
type ReadError struct{ Err error }

func (e *ReadError) Error() string { return "kv: " + e.Err.Error() }
func (e *ReadError) Unwrap() error { return e.Err }

// farRef is a far value written in a log record or a snapshot, at pos
// bytes from the start of the record.
type farRef struct {
	v   *farValue
	pos int
}

// placeFars points far values at the record that holds them, written at
// off in f.
func placeFars(refs []farRef, f *os.File, off int64) {
	for _, r := range refs {
		r.v.moveTo(f, off+int64(r.pos))
	}
}
