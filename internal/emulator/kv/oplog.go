package kv

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"os"
)

// The write-ahead log and the snapshot share one format: a sequence of
// records, each a 4-byte little-endian payload length, a 4-byte CRC-32C of
// the payload, and the payload: a sequence of operations. A commit round is
// one record, so a round is replayed whole or not at all.
//
// An operation is its code, the path of the bucket it applies to (a count,
// then each name as a uvarint length and bytes), and its arguments:
//
//	opPut          key, value (uvarint length + bytes each)
//	opDelete       key
//	opCreateBucket name
//	opDeleteBucket name
//	opSetSequence  sequence (uvarint)
//	opHeader       magic, version, next segment (snapshot files only)
const (
	opPut byte = iota + 1
	opDelete
	opCreateBucket
	opDeleteBucket
	opSetSequence
	opHeader
)

const recordHeaderSize = 8

// maxRecord bounds one record's payload: a round of 512 writes of 400 KB
// items fits, and a corrupt length cannot make replay allocate gigabytes.
const maxRecord = 1 << 30

var crcTable = crc32.MakeTable(crc32.Castagnoli)

// opLog collects a write transaction's operations as one record. A nil
// *opLog records nothing (read-only and in-memory transactions, replay).
type opLog struct {
	buf []byte
	// fars are the far values written in buf, to be pointed at the file
	// once the record is written.
	fars []farRef
	// inlineMax is the size from which a written value goes far.
	inlineMax int
	// far reads far values for a snapshot; nil: read each alone.
	far *farReader
}

// reset empties the log and reserves the record header.
func (l *opLog) reset() {
	l.buf = append(l.buf[:0], make([]byte, recordHeaderSize)...)
	clear(l.fars)
	l.fars = l.fars[:0]
}

// logMark is a position in an opLog, to drop what was recorded after it.
type logMark struct{ buf, fars int }

func (l *opLog) mark() logMark {
	if l == nil {
		return logMark{}
	}
	return logMark{len(l.buf), len(l.fars)}
}

func (l *opLog) truncate(m logMark) {
	if l == nil {
		return
	}
	l.buf = l.buf[:m.buf]
	clear(l.fars[m.fars:])
	l.fars = l.fars[:m.fars]
}

// empty reports whether no operation was recorded since reset.
func (l *opLog) empty() bool { return len(l.buf) <= recordHeaderSize }

// record finishes the record (length and checksum) and returns it; the
// slice is valid until the next reset.
func (l *opLog) record() []byte {
	payload := l.buf[recordHeaderSize:]
	binary.LittleEndian.PutUint32(l.buf[0:4], uint32(len(payload)))
	binary.LittleEndian.PutUint32(l.buf[4:8], crc32.Checksum(payload, crcTable))
	return l.buf
}

func (l *opLog) bytes(p []byte) {
	l.buf = binary.AppendUvarint(l.buf, uint64(len(p)))
	l.buf = append(l.buf, p...)
}

// path appends the bucket's path from the root.
func (l *opLog) path(b *Bucket) {
	var names [8][]byte
	stack := names[:0]
	for p := b; p.parent != nil; p = p.parent {
		stack = append(stack, p.name)
	}
	l.buf = binary.AppendUvarint(l.buf, uint64(len(stack)))
	for i := len(stack) - 1; i >= 0; i-- {
		l.bytes(stack[i])
	}
}

func (l *opLog) op(code byte, b *Bucket) {
	l.buf = append(l.buf, code)
	l.path(b)
}

func (l *opLog) put(b *Bucket, e *entry) {
	if l == nil {
		return
	}
	l.op(opPut, b)
	l.bytes(e.key)
	if !e.far.isSet() {
		l.bytes(e.val)
		return
	}
	l.buf = binary.AppendUvarint(l.buf, uint64(e.far.n))
	l.fars = append(l.fars, farRef{v: &e.far, pos: len(l.buf)})
	if l.far != nil {
		l.buf = l.far.appendTo(l.buf, &e.far)
	} else {
		l.buf = e.far.appendTo(l.buf)
	}
}

func (l *opLog) delete(b *Bucket, key []byte) {
	if l == nil {
		return
	}
	l.op(opDelete, b)
	l.bytes(key)
}

func (l *opLog) createBucket(b *Bucket, name []byte) {
	if l == nil {
		return
	}
	l.op(opCreateBucket, b)
	l.bytes(name)
}

func (l *opLog) deleteBucket(b *Bucket, name []byte) {
	if l == nil {
		return
	}
	l.op(opDeleteBucket, b)
	l.bytes(name)
}

func (l *opLog) setSequence(b *Bucket, seq uint64) {
	if l == nil {
		return
	}
	l.op(opSetSequence, b)
	l.buf = binary.AppendUvarint(l.buf, seq)
}

// errTorn marks a record cut short: the tail of a log whose last write
// never finished. Anything else wrong with a record is corruption.
var errTorn = errors.New("torn record")

// nextRecord splits the first record off data. It returns the payload and
// the rest; errTorn if data ends inside the record (or is a zeroed tail),
// another error if the record is damaged.
func nextRecord(data []byte) (payload, rest []byte, err error) {
	if len(data) < recordHeaderSize {
		return nil, nil, errTorn
	}
	n := binary.LittleEndian.Uint32(data[0:4])
	sum := binary.LittleEndian.Uint32(data[4:8])
	if n == 0 {
		// Records are never empty: zeros are space the file system
		// allocated for a write that did not complete.
		return nil, nil, errTorn
	}
	if n > maxRecord {
		return nil, nil, fmt.Errorf("record length %d is beyond the limit", n)
	}
	if uint64(len(data)-recordHeaderSize) < uint64(n) {
		return nil, nil, errTorn
	}
	payload = data[recordHeaderSize : recordHeaderSize+int(n)]
	if crc32.Checksum(payload, crcTable) != sum {
		return nil, nil, errTorn
	}
	return payload, data[recordHeaderSize+int(n):], nil
}

// opReader decodes the operations of one record's payload.
type opReader struct {
	p   []byte
	n   int // len(p) at the start: positions are n - len(p)
	err error
}

func newOpReader(payload []byte) opReader { return opReader{p: payload, n: len(payload)} }

func (r *opReader) fail(what string) {
	if r.err == nil {
		r.err = fmt.Errorf("bad %s", what)
	}
	r.p = nil
}

func (r *opReader) uvarint(what string) uint64 {
	v, n := binary.Uvarint(r.p)
	if n <= 0 {
		r.fail(what)
		return 0
	}
	r.p = r.p[n:]
	return v
}

func (r *opReader) bytes(what string) []byte {
	n := r.uvarint(what)
	if r.err != nil || n > uint64(len(r.p)) {
		r.fail(what)
		return nil
	}
	b := r.p[:n:n]
	r.p = r.p[n:]
	return b
}

// op is one decoded operation. Its slices point into the record.
type op struct {
	code  byte
	path  [][]byte
	key   []byte // key or bucket name; the magic for opHeader
	value []byte
	vpos  int    // where value starts in the payload
	seq   uint64 // sequence; version for opHeader
	next  uint64 // next segment, opHeader only
}

// next decodes the next operation; ok is false at the end of the record or
// on an error (r.err).
func (r *opReader) next(o *op) bool {
	if r.err != nil || len(r.p) == 0 {
		return false
	}
	o.code = r.p[0]
	r.p = r.p[1:]
	depth := r.uvarint("path depth")
	if depth > 64 {
		r.fail("path depth")
	}
	o.path = o.path[:0]
	for range depth {
		o.path = append(o.path, r.bytes("bucket name"))
	}
	o.key, o.value, o.seq, o.next = nil, nil, 0, 0
	switch o.code {
	case opPut:
		o.key = r.bytes("key")
		if _, k := binary.Uvarint(r.p); k > 0 {
			o.vpos = r.n - len(r.p) + k
		}
		o.value = r.bytes("value")
	case opDelete:
		o.key = r.bytes("key")
	case opCreateBucket, opDeleteBucket:
		o.key = r.bytes("bucket name")
	case opSetSequence:
		o.seq = r.uvarint("sequence")
	case opHeader:
		o.key = r.bytes("magic")
		o.seq = r.uvarint("version")
		o.next = r.uvarint("next segment")
	default:
		r.fail(fmt.Sprintf("operation code %d", o.code))
	}
	return r.err == nil
}

// replayer applies decoded operations to a write transaction, remembering
// the last bucket it resolved: consecutive operations are nearly always in
// the same bucket.
//
// Large values (inlineMax bytes or more) are left in the file being
// replayed, f, whose payload under replay starts at base.
type replayer struct {
	tx        *Tx
	path      [][]byte
	b         *Bucket
	f         *os.File
	base      int64
	inlineMax int
}

func (r *replayer) bucket(path [][]byte) (*Bucket, error) {
	if r.b != nil && len(path) == len(r.path) {
		same := true
		for i := range path {
			if string(path[i]) != string(r.path[i]) {
				same = false
				break
			}
		}
		if same {
			return r.b, nil
		}
	}
	b := &r.tx.rootB
	for _, name := range path {
		if b = b.Bucket(name); b == nil {
			r.b = nil
			return nil, fmt.Errorf("%w: %q", ErrBucketNotFound, name)
		}
	}
	r.b = b
	r.path = append(r.path[:0], path...)
	return b, nil
}

// apply replays one operation.
func (r *replayer) apply(o *op) error {
	b, err := r.bucket(o.path)
	if err != nil {
		return err
	}
	switch o.code {
	case opPut:
		if r.f != nil && len(o.value) >= r.inlineMax {
			return b.putFar(o.key, r.f, r.base+int64(o.vpos), len(o.value))
		}
		return b.Put(o.key, o.value)
	case opDelete:
		return b.Delete(o.key)
	case opCreateBucket:
		_, err = b.CreateBucket(o.key)
	case opDeleteBucket:
		// The bucket may be the one cached (or hold it).
		r.b = nil
		err = b.DeleteBucket(o.key)
	case opSetSequence:
		err = b.SetSequence(o.seq)
	default:
		err = fmt.Errorf("operation code %d out of place", o.code)
	}
	return err
}

// replayRecord applies every operation of one record's payload, which
// starts at base in r.f.
func (r *replayer) replayRecord(payload []byte, base int64) error {
	r.base = base
	// The cached path points into the previous record, whose buffer the
	// reader reuses.
	r.b = nil
	rd := newOpReader(payload)
	var o op
	for rd.next(&o) {
		if err := r.apply(&o); err != nil {
			return err
		}
	}
	return rd.err
}
