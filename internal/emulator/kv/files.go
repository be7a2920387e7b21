package kv

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// On disk a store is a directory:
//
//	LOCK               held (flock) by the process that has the store open
//	snapshot           the whole state as of the start of segment N (optional)
//	wal-NNNNNNNNNNNN   write-ahead log segments, each a sequence of records
//
// Recovery loads the snapshot and replays the segments from N on, in
// order. Only the last segment may end in a torn record (a round whose
// write did not finish, so none of its writers was answered): it is cut
// off. A checkpoint writes a new snapshot beside the old one, fsyncs it,
// renames it into place and only then deletes the segments it covers, so a
// crash at any step leaves a snapshot and the segments after it.
const (
	lockFile     = "LOCK"
	snapshotFile = "snapshot"
	walPrefix    = "wal-"
	snapMagic    = "sfapi-kv"
	snapVersion  = 1
)

func segmentName(n uint64) string { return fmt.Sprintf("%s%012d", walPrefix, n) }

// segments lists the directory's log segment numbers in order.
func segments(dir string) ([]uint64, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var out []uint64
	for _, e := range ents {
		name := e.Name()
		if !strings.HasPrefix(name, walPrefix) {
			continue
		}
		n, err := strconv.ParseUint(strings.TrimPrefix(name, walPrefix), 10, 64)
		if err != nil {
			continue
		}
		out = append(out, n)
	}
	slices.Sort(out)
	return out, nil
}

// syncDir makes a directory's entries (created, renamed or removed files)
// durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	if err != nil && isSyncDirUnsupported(err) {
		return nil
	}
	return err
}

// recovered is what recover found on disk.
type recovered struct {
	root    *node
	nextGen uint64
	segment uint64 // the segment to append to
	offset  int64  // its valid length
	walSize int64  // bytes of log after the snapshot
	snapLen int64
}

// recoverDir rebuilds the state from the snapshot and the log. Values of
// inlineMax bytes or more stay in the files (far values).
func recoverDir(dir string, inlineMax int) (*recovered, error) {
	rec := &recovered{root: newNode(1), nextGen: 2, segment: 1}
	tx := newTx(rec.root, 1, true, nil)
	tx.loading = true
	first := uint64(1)
	snap, size, err := openForReplay(filepath.Join(dir, snapshotFile))
	switch {
	case err == nil:
		next, err := loadSnapshot(&replayer{tx: tx, f: snap, inlineMax: inlineMax}, snap, size)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", filepath.Join(dir, snapshotFile), err)
		}
		first, rec.snapLen = next, size
	case !errors.Is(err, os.ErrNotExist):
		return nil, err
	}
	segs, err := segments(dir)
	if err != nil {
		return nil, err
	}
	rec.segment = first
	for i, n := range segs {
		if n < first {
			// Covered by the snapshot; a checkpoint died before removing it.
			_ = os.Remove(filepath.Join(dir, segmentName(n)))
			continue
		}
		path := filepath.Join(dir, segmentName(n))
		f, size, err := openForReplay(path)
		if err != nil {
			return nil, err
		}
		valid, err := replaySegment(&replayer{tx: tx, f: f, inlineMax: inlineMax}, f, size)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		zero, err := zeroFrom(f, valid)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		if !zero {
			if i != len(segs)-1 {
				return nil, fmt.Errorf("%s: damaged record at offset %d before the last segment", path, valid)
			}
			// The torn tail of the last round: it was never acknowledged.
			// Cut, not overwritten, so no piece of it can ever be read
			// after a shorter record written in its place.
			if err := os.Truncate(path, valid); err != nil {
				return nil, fmt.Errorf("cut the torn tail of %s: %w", path, err)
			}
		}
		// A zero tail is the space preallocated after the last record.
		rec.segment, rec.offset = n, valid
		rec.walSize += valid
	}
	rec.root = tx.root
	return rec, nil
}

// openForReplay opens a file for reading and returns its size. The file
// stays open: the far values replayed from it point into it (the runtime
// closes it once none is left).
func openForReplay(path string) (*os.File, int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, 0, err
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, 0, err
	}
	return f, fi.Size(), nil
}

// recordReader reads a file's records one at a time, through one reused
// buffer: recovery never holds more than a record in memory (a whole
// file read at once would put the size of the data on the heap, once).
type recordReader struct {
	r    *bufio.Reader
	left int64 // bytes not read yet
	off  int64 // where the next record starts
	buf  []byte
}

func newRecordReader(f *os.File, size int64) *recordReader {
	return &recordReader{r: bufio.NewReaderSize(io.NewSectionReader(f, 0, size), 256<<10), left: size}
}

// next returns the next record's payload, valid until the next call, and
// where the payload starts in the file. io.EOF at the end; errTorn (and
// the checks of nextRecord) at a record cut short.
func (rr *recordReader) next() ([]byte, int64, error) {
	if rr.left == 0 {
		return nil, 0, io.EOF
	}
	head := int(min(rr.left, recordHeaderSize))
	rr.buf = slices.Grow(rr.buf[:0], head)[:head]
	if _, err := io.ReadFull(rr.r, rr.buf); err != nil {
		return nil, 0, err
	}
	if head == recordHeaderSize {
		// Read the payload only if it can be whole: a damaged length must
		// not make recovery allocate or read a gigabyte.
		if n := int64(binary.LittleEndian.Uint32(rr.buf[0:4])); n > 0 && n <= maxRecord && n <= rr.left-recordHeaderSize {
			rr.buf = slices.Grow(rr.buf, int(n))[:recordHeaderSize+int(n)]
			if _, err := io.ReadFull(rr.r, rr.buf[recordHeaderSize:]); err != nil {
				return nil, 0, err
			}
		}
	}
	payload, _, err := nextRecord(rr.buf)
	if err != nil {
		return nil, 0, err
	}
	at := rr.off + recordHeaderSize
	rr.off += int64(len(rr.buf))
	rr.left -= int64(len(rr.buf))
	return payload, at, nil
}

// replaySegment applies the records of a segment (f, of size bytes) and
// returns the length of its valid prefix.
func replaySegment(r *replayer, f *os.File, size int64) (int64, error) {
	rr := newRecordReader(f, size)
	for {
		payload, at, err := rr.next()
		switch {
		case err == io.EOF || errors.Is(err, errTorn):
			return rr.off, nil
		case err != nil:
			return rr.off, fmt.Errorf("offset %d: %w", rr.off, err)
		}
		if err := r.replayRecord(payload, at); err != nil {
			return rr.off, fmt.Errorf("offset %d: %w", at-recordHeaderSize, err)
		}
	}
}

// zeroFrom reports whether f holds only zero bytes from off on.
func zeroFrom(f *os.File, off int64) (bool, error) {
	buf := make([]byte, 64<<10)
	for {
		n, err := f.ReadAt(buf, off)
		if !allZero(buf[:n]) {
			return false, nil
		}
		off += int64(n)
		if err == io.EOF {
			return true, nil
		}
		if err != nil {
			return false, err
		}
	}
}

// loadSnapshot applies a snapshot (f, of size bytes) and returns the first
// segment after it.
func loadSnapshot(rp *replayer, f *os.File, size int64) (uint64, error) {
	rr := newRecordReader(f, size)
	payload, _, err := rr.next()
	if err != nil {
		return 0, fmt.Errorf("snapshot header: %w", err)
	}
	r := newOpReader(payload)
	var o op
	if !r.next(&o) || o.code != opHeader || string(o.key) != snapMagic {
		return 0, errors.New("not an sfapi store snapshot")
	}
	if o.seq != snapVersion {
		return 0, fmt.Errorf("snapshot version %d; this sfapi reads version %d", o.seq, snapVersion)
	}
	next := o.next
	for {
		payload, at, err := rr.next()
		if err == io.EOF {
			return next, nil
		}
		if err != nil {
			return 0, fmt.Errorf("snapshot record: %w", err)
		}
		if err := rp.replayRecord(payload, at); err != nil {
			return 0, err
		}
	}
}

// writeSnapshot writes root as the snapshot file of dir, to be followed by
// segment next, atomically (temporary file, fsync, rename, fsync dir).
// Once it is in place, root's far values are pointed at their bytes in it,
// so the log segments it covers can go.
func writeSnapshot(dir string, root *node, next uint64) (n int64, err error) {
	tmp := filepath.Join(dir, snapshotFile+".tmp")
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
	if err != nil {
		return 0, err
	}
	w := &snapshotWriter{w: bufio.NewWriterSize(f, 1<<20)}
	w.log.far = new(farReader)
	defer func() {
		f.Close()
		if err != nil {
			os.Remove(tmp)
		}
	}()
	rtx := newTx(root, 0, false, nil)
	w.log.reset()
	w.log.op(opHeader, &rtx.rootB)
	w.log.bytes([]byte(snapMagic))
	w.log.buf = binary.AppendUvarint(w.log.buf, snapVersion)
	w.log.buf = binary.AppendUvarint(w.log.buf, next)
	w.flush()
	w.bucket(&rtx.rootB)
	w.flush()
	if w.err == nil {
		w.err = w.w.Flush()
	}
	if w.err != nil {
		return 0, w.err
	}
	if err := f.Sync(); err != nil {
		return 0, err
	}
	if err := os.Rename(tmp, filepath.Join(dir, snapshotFile)); err != nil {
		return 0, err
	}
	if err := syncDir(dir); err != nil {
		return 0, err
	}
	if len(w.placed) > 0 {
		// Opened under its final name, which read errors will show.
		r, err := os.Open(filepath.Join(dir, snapshotFile))
		if err != nil {
			return 0, err
		}
		placeFars(w.placed, r, 0)
	}
	return w.n, nil
}

// snapshotWriter writes a tree as records of creates, puts and sequences.
type snapshotWriter struct {
	w      *bufio.Writer
	log    opLog
	n      int64
	placed []farRef // the far values written, at their offsets in the file
	err    error
}

func (s *snapshotWriter) flush() {
	if s.log.empty() || s.err != nil {
		return
	}
	rec := s.log.record()
	for _, r := range s.log.fars {
		s.placed = append(s.placed, farRef{v: r.v, pos: int(s.n) + r.pos})
	}
	_, s.err = s.w.Write(rec)
	s.n += int64(len(rec))
	s.log.reset()
}

func (s *snapshotWriter) bucket(b *Bucket) {
	if b.parent != nil && b.node.seq != 0 {
		s.log.setSequence(b, b.node.seq)
	}
	b.node.items.Scan(func(e *entry) bool {
		if e.child != nil {
			s.log.createBucket(b, e.key)
			s.bucket(&Bucket{tx: b.tx, node: e.child, parent: b, name: e.key})
		} else {
			s.log.put(b, e)
		}
		if len(s.log.buf) >= 1<<20 {
			s.flush()
		}
		return s.err == nil
	})
}

// allZero reports whether b holds only zero bytes.
func allZero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}

// segment is the log segment being written. Records are written into
// space zero-filled ahead of them (prealloc at a time), so most syncs
// find the file's size unchanged and flush data only: on ext4 an
// fdatasync after an append also commits the size through the journal,
// about 40 % more time and CPU per sync on this project's VM.
type segment struct {
	f     *os.File
	off   int64 // where the next record goes
	alloc int64 // the file's size: zeros from off to here
}

// prealloc is how much zeroed space a segment grows by at a time.
const prealloc = 1 << 20

// openSegment opens segment n of dir for writing at offset.
func openSegment(dir string, n uint64, offset int64) (*segment, error) {
	path := filepath.Join(dir, segmentName(n))
	// Read and write: far values written to it are read back from it.
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, err
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	if offset == 0 {
		if err := syncDir(dir); err != nil {
			f.Close()
			return nil, err
		}
	}
	return &segment{f: f, off: offset, alloc: max(fi.Size(), offset)}, nil
}

var zeros = make([]byte, prealloc)

// write writes rec at the segment's offset, zero-filling more space first
// when rec does not fit in what is left. The caller syncs.
func (s *segment) write(rec []byte) error {
	end := s.off + int64(len(rec))
	for s.alloc < end {
		if _, err := s.f.WriteAt(zeros, s.alloc); err != nil {
			return err
		}
		s.alloc += prealloc
	}
	if _, err := s.f.WriteAt(rec, s.off); err != nil {
		return err
	}
	s.off = end
	return nil
}
