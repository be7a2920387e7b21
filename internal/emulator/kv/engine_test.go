package kv

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	bolt "go.etcd.io/bbolt"
)

// dumpRoot is dump of one state.
func dumpRoot(t testing.TB, root *node) string {
	return dump(t, func(fn func(*Tx) error) error { return fn(newTx(root, 0, false, nil)) })
}

// dump renders every bucket, key, value and sequence of a store, in order.
func dump(t testing.TB, view func(func(*Tx) error) error) string {
	t.Helper()
	var sb strings.Builder
	var walk func(b *Bucket, indent string)
	walk = func(b *Bucket, indent string) {
		fmt.Fprintf(&sb, "%sseq=%d n=%d\n", indent, b.Sequence(), b.Stats().KeyN)
		_ = b.ForEach(func(k, v []byte) error {
			if v == nil {
				fmt.Fprintf(&sb, "%s[%q]\n", indent, k)
				walk(b.Bucket(k), indent+"  ")
				return nil
			}
			fmt.Fprintf(&sb, "%s%q=%q\n", indent, k, v)
			return nil
		})
	}
	if err := view(func(tx *Tx) error {
		return tx.ForEach(func(name []byte, b *Bucket) error {
			fmt.Fprintf(&sb, "[%q]\n", name)
			walk(b, "  ")
			return nil
		})
	}); err != nil {
		t.Fatal(err)
	}
	return sb.String()
}

// boltDump renders a bbolt database the same way.
func boltDump(t testing.TB, db *bolt.DB) string {
	t.Helper()
	var sb strings.Builder
	var walk func(b *bolt.Bucket, indent string)
	walk = func(b *bolt.Bucket, indent string) {
		fmt.Fprintf(&sb, "%sseq=%d n=%d\n", indent, b.Sequence(), countKeys(b))
		_ = b.ForEach(func(k, v []byte) error {
			if v == nil {
				fmt.Fprintf(&sb, "%s[%q]\n", indent, k)
				walk(b.Bucket(k), indent+"  ")
				return nil
			}
			fmt.Fprintf(&sb, "%s%q=%q\n", indent, k, v)
			return nil
		})
	}
	if err := db.View(func(tx *bolt.Tx) error {
		return tx.ForEach(func(name []byte, b *bolt.Bucket) error {
			fmt.Fprintf(&sb, "[%q]\n", name)
			walk(b, "  ")
			return nil
		})
	}); err != nil {
		t.Fatal(err)
	}
	return sb.String()
}

func countKeys(b *bolt.Bucket) int {
	n := 0
	_ = b.ForEach(func(_, _ []byte) error { n++; return nil })
	return n
}

// program is a list of operations decoded from fuzz bytes, run against
// both this store and bbolt; each step's observable result must match.
func runProgram(t *testing.T, data []byte, db *DB, bdb *bolt.DB) {
	t.Helper()
	names := [][]byte{[]byte("a"), []byte("b"), []byte("c")}
	keys := [][]byte{[]byte("k0"), []byte("k1"), []byte("k2"), []byte("k3"), []byte("a"), {0xff}, []byte("k1\x00")}
	for len(data) >= 3 {
		code, x, y := data[0]%12, int(data[1]), int(data[2])
		data = data[3:]
		name, key := names[x%len(names)], keys[y%len(keys)]
		val := []byte(fmt.Sprintf("v%d-%d", x, y))
		var got, want string
		err := db.Update(func(tx *Tx) error {
			got = step(code, x, name, key, val, kvOps{tx})
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if err := bdb.Update(func(tx *bolt.Tx) error {
			want = step(code, x, name, key, val, boltOps{tx})
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Fatalf("op %d on %q/%q: got %q, bbolt %q", code, name, key, got, want)
		}
	}
}

// ops is the part of the two APIs a program uses.
type ops interface {
	bucket(name []byte, nested bool) opsBucket
	create(name []byte, nested, ifMissing bool) (opsBucket, error)
	deleteBucket(name []byte, nested bool) error
}

type opsBucket interface {
	Get([]byte) []byte
	Put(k, v []byte) error
	Delete([]byte) error
	NextSequence() (uint64, error)
	scan(from []byte, deleteEvery int) string
	scanBack() string
}

// step runs one operation and renders what it returned.
func step(code byte, x int, name, key, val []byte, o ops) string {
	nested := x%2 == 1
	res := func(err error) string {
		if err != nil {
			return "err"
		}
		return "ok"
	}
	if code >= 8 {
		switch code {
		case 8:
			_, err := o.create(name, nested, false)
			return res(err)
		case 9:
			_, err := o.create(name, nested, true)
			return res(err)
		case 10:
			return res(o.deleteBucket(name, nested))
		default:
			b := o.bucket(name, nested)
			if b == nil {
				return "none"
			}
			return b.scanBack()
		}
	}
	b := o.bucket(name, nested)
	if b == nil {
		return "none"
	}
	switch code {
	case 0, 1, 2:
		return res(b.Put(key, val))
	case 3:
		return res(b.Delete(key))
	case 4:
		return fmt.Sprintf("%q", b.Get(key))
	case 5:
		n, err := b.NextSequence()
		return fmt.Sprint(n, res(err))
	case 6:
		return b.scan(key, 0)
	default:
		return b.scan(nil, 2)
	}
}

type kvOps struct{ tx *Tx }

func (o kvOps) bucket(name []byte, nested bool) opsBucket {
	b := o.tx.Bucket(name)
	if b != nil && nested {
		b = b.Bucket([]byte("inner"))
	}
	if b == nil {
		return nil
	}
	return kvBucket{b}
}

func (o kvOps) create(name []byte, nested, ifMissing bool) (opsBucket, error) {
	create := o.tx.CreateBucket
	if ifMissing {
		create = o.tx.CreateBucketIfNotExists
	}
	if nested {
		p := o.tx.Bucket(name)
		if p == nil {
			return nil, ErrBucketNotFound
		}
		create = p.CreateBucket
		if ifMissing {
			create = p.CreateBucketIfNotExists
		}
		name = []byte("inner")
	}
	b, err := create(name)
	if err != nil {
		return nil, err
	}
	return kvBucket{b}, nil
}

func (o kvOps) deleteBucket(name []byte, nested bool) error {
	if nested {
		p := o.tx.Bucket(name)
		if p == nil {
			return ErrBucketNotFound
		}
		return p.DeleteBucket([]byte("inner"))
	}
	return o.tx.DeleteBucket(name)
}

type kvBucket struct{ *Bucket }

func (b kvBucket) scan(from []byte, deleteEvery int) string {
	var sb strings.Builder
	c := b.Cursor()
	k, v := c.First()
	if from != nil {
		k, v = c.Seek(from)
	}
	for i := 0; k != nil; i++ {
		fmt.Fprintf(&sb, "%q=%q,", k, v)
		if deleteEvery > 0 && i%deleteEvery == 0 && v != nil {
			_ = c.Delete()
		}
		k, v = c.Next()
	}
	return sb.String()
}

func (b kvBucket) scanBack() string {
	var sb strings.Builder
	c := b.Cursor()
	for k, v := c.Last(); k != nil; k, v = c.Prev() {
		fmt.Fprintf(&sb, "%q=%q,", k, v)
	}
	return sb.String()
}

type boltOps struct{ tx *bolt.Tx }

func (o boltOps) bucket(name []byte, nested bool) opsBucket {
	b := o.tx.Bucket(name)
	if b != nil && nested {
		b = b.Bucket([]byte("inner"))
	}
	if b == nil {
		return nil
	}
	return boltBucket{b}
}

func (o boltOps) create(name []byte, nested, ifMissing bool) (opsBucket, error) {
	create := o.tx.CreateBucket
	if ifMissing {
		create = o.tx.CreateBucketIfNotExists
	}
	if nested {
		p := o.tx.Bucket(name)
		if p == nil {
			return nil, ErrBucketNotFound
		}
		create = p.CreateBucket
		if ifMissing {
			create = p.CreateBucketIfNotExists
		}
		name = []byte("inner")
	}
	b, err := create(name)
	if err != nil {
		return nil, err
	}
	return boltBucket{b}, nil
}

func (o boltOps) deleteBucket(name []byte, nested bool) error {
	if nested {
		p := o.tx.Bucket(name)
		if p == nil {
			return ErrBucketNotFound
		}
		return p.DeleteBucket([]byte("inner"))
	}
	return o.tx.DeleteBucket(name)
}

type boltBucket struct{ *bolt.Bucket }

func (b boltBucket) scan(from []byte, deleteEvery int) string {
	var sb strings.Builder
	c := b.Cursor()
	k, v := c.First()
	if from != nil {
		k, v = c.Seek(from)
	}
	for i := 0; k != nil; i++ {
		fmt.Fprintf(&sb, "%q=%q,", k, v)
		if deleteEvery > 0 && i%deleteEvery == 0 && v != nil {
			// bbolt's cursor moves on after Delete; deleting by key and
			// seeking back past it is the portable way.
			key := bytes.Clone(k)
			_ = b.Delete(key)
			c.Seek(key)
			k, v = c.Seek(key)
			if k != nil && bytes.Equal(k, key) {
				k, v = c.Next()
			}
			continue
		}
		k, v = c.Next()
	}
	return sb.String()
}

func (b boltBucket) scanBack() string {
	var sb strings.Builder
	c := b.Cursor()
	for k, v := c.Last(); k != nil; k, v = c.Prev() {
		fmt.Fprintf(&sb, "%q=%q,", k, v)
	}
	return sb.String()
}

func openPair(t *testing.T) (*DB, *bolt.DB, string) {
	t.Helper()
	dir := t.TempDir()
	path := filepath.Join(dir, "kv")
	db, err := Open(path, Options{CheckpointBytes: 512, InlineMax: farFromBytes})
	if err != nil {
		t.Fatal(err)
	}
	bdb, err := bolt.Open(filepath.Join(dir, "bolt.db"), 0o600, &bolt.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { bdb.Close() })
	return db, bdb, path
}

var programSeeds = [][]byte{
	{8, 0, 0, 0, 0, 1, 1, 0, 2, 2, 0, 3, 4, 0, 1, 6, 0, 0, 11, 0, 0},
	{9, 1, 0, 8, 1, 0, 0, 1, 4, 5, 1, 0, 5, 1, 0, 7, 1, 0, 10, 1, 0, 4, 1, 4},
	{8, 2, 0, 0, 2, 5, 0, 2, 6, 1, 2, 4, 3, 2, 5, 6, 2, 1, 7, 2, 0, 11, 2, 0, 10, 2, 0, 0, 2, 0},
	{0, 0, 0, 8, 0, 0, 8, 0, 0, 9, 0, 0, 8, 1, 0, 8, 1, 0, 3, 0, 0, 10, 0, 0, 10, 0, 0},
}

// farFromBytes makes the differential tests' values (4 to 6 bytes) a mix
// of in-memory and far values.
const farFromBytes = 5

// Every operation answers as bbolt's does, and the state after a reopen
// (snapshot plus log replay) is the state before it.
func FuzzAgainstBolt(f *testing.F) {
	for _, s := range programSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 3000 {
			return
		}
		db, bdb, path := openPair(t)
		runProgram(t, data, db, bdb)
		got, want := dump(t, db.View), boltDump(t, bdb)
		if got != want {
			t.Fatalf("state differs from bbolt's:\n%s\nbbolt:\n%s", got, want)
		}
		if err := db.Close(); err != nil {
			t.Fatal(err)
		}
		db, err := Open(path, Options{InlineMax: farFromBytes})
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		if again := dump(t, db.View); again != got {
			t.Fatalf("after reopen:\n%s\nbefore:\n%s", again, got)
		}
	})
}

// A long random program, so checkpoints happen in the middle of it.
func TestLongProgramAgainstBolt(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	data := make([]byte, 3*3000)
	for i := range data {
		data[i] = byte(r.IntN(256))
	}
	db, bdb, path := openPair(t)
	runProgram(t, data, db, bdb)
	want := boltDump(t, bdb)
	if got := dump(t, db.View); got != want {
		t.Fatalf("state differs from bbolt's:\n%s\nbbolt:\n%s", got, want)
	}
	segs, err := segments(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(path, snapshotFile)); err != nil || len(segs) > 2 {
		t.Fatalf("no checkpoint happened: snapshot %v, segments %v", err, segs)
	}
	// Reopen without Close's checkpoint: the log after the snapshot is
	// replayed.
	db.ckpt.Wait() // a checkpoint in flight would change the files under the copy
	copyDir(t, path, path+".copy")
	db2, err := Open(path+".copy", Options{InlineMax: farFromBytes})
	if err != nil {
		t.Fatal(err)
	}
	defer db2.Close()
	if got := dump(t, db2.View); got != want {
		t.Fatalf("recovered state differs:\n%s\nwant:\n%s", got, want)
	}
	db.Close()
}

// copyDir copies a store directory as a crash would leave it (without the
// lock held).
func copyDir(t testing.TB, src, dst string) {
	t.Helper()
	if err := os.MkdirAll(dst, 0o755); err != nil {
		t.Fatal(err)
	}
	ents, err := os.ReadDir(src)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		data, err := os.ReadFile(filepath.Join(src, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dst, e.Name()), data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
}

// validLen is the length of data's leading whole records.
func validLen(data []byte) int {
	n := 0
	for {
		payload, rest, err := nextRecord(data)
		if err != nil {
			return n
		}
		n += recordHeaderSize + len(payload)
		data = rest
	}
}

// The last round of the log cut anywhere (a write the crash interrupted,
// never acknowledged) is dropped, everything before it is kept, and the
// store goes on writing after it.
func TestTornTailIsCut(t *testing.T) {
	path := filepath.Join(t.TempDir(), "kv")
	db, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 5 {
		if err := put(db, fmt.Sprint("k", i), "v"); err != nil {
			t.Fatal(err)
		}
	}
	seg := filepath.Join(path, segmentName(1))
	before, err := os.ReadFile(seg)
	if err != nil {
		t.Fatal(err)
	}
	if err := put(db, "last", "v"); err != nil {
		t.Fatal(err)
	}
	full, _ := os.ReadFile(seg)
	db.Close()
	// The segment is zero-filled ahead of its records: keep the records.
	before, full = before[:validLen(before)], full[:validLen(full)]
	lastLen := len(full) - len(before)
	for _, cut := range []int{1, recordHeaderSize - 1, recordHeaderSize, lastLen - 1} {
		for _, zeros := range []bool{false, true} {
			t.Run(fmt.Sprintf("cut=%d/zeros=%v", cut, zeros), func(t *testing.T) {
				dir := filepath.Join(t.TempDir(), "kv")
				copyDir(t, path, dir)
				torn := append(bytes.Clone(before), full[len(before):len(before)+cut]...)
				if zeros {
					torn = append(torn, make([]byte, 100)...)
				}
				if err := os.WriteFile(filepath.Join(dir, segmentName(1)), torn, 0o600); err != nil {
					t.Fatal(err)
				}
				db, err := Open(dir, Options{})
				if err != nil {
					t.Fatal(err)
				}
				defer db.Close()
				if got := get(t, db, "k4"); got != "v" {
					t.Fatalf("acknowledged k4 = %q", got)
				}
				if got := get(t, db, "last"); got != "" {
					t.Fatalf("torn write is visible: %q", got)
				}
				if err := put(db, "after", "v2"); err != nil {
					t.Fatal(err)
				}
				db.Close()
				db, err = Open(dir, Options{})
				if err != nil {
					t.Fatal(err)
				}
				if got := get(t, db, "after"); got != "v2" {
					t.Fatalf("write after the cut = %q", got)
				}
			})
		}
	}
}

// Damage before the last segment is not a torn tail: Open refuses it
// rather than dropping acknowledged writes silently.
func TestDamageBeforeLastSegmentIsAnError(t *testing.T) {
	path := filepath.Join(t.TempDir(), "kv")
	db, err := Open(path, Options{CheckpointBytes: 1 << 40})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		if err := put(db, fmt.Sprint("k", i), "v"); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()
	data, _ := os.ReadFile(filepath.Join(path, segmentName(1)))
	data[recordHeaderSize+2] ^= 0xff
	os.WriteFile(filepath.Join(path, segmentName(1)), data, 0o600)
	os.WriteFile(filepath.Join(path, segmentName(2)), nil, 0o600)
	if _, err := Open(path, Options{}); err == nil || !strings.Contains(err.Error(), "damaged") {
		t.Fatalf("Open = %v, want a damaged-record error", err)
	}
}

// A write that breaks the contract (writes, then fails) is rolled back
// alone.
func TestWriteThatFailsAfterWritingIsRolledBack(t *testing.T) {
	for _, inMemory := range []bool{false, true} {
		t.Run(fmt.Sprint("inMemory=", inMemory), func(t *testing.T) {
			db, err := Open(filepath.Join(t.TempDir(), "kv"), Options{InMemory: inMemory})
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			if err := put(db, "first", "1"); err != nil {
				t.Fatal(err)
			}
			errLate := errors.New("late")
			var wg sync.WaitGroup
			var lateErr error
			for i := range 20 {
				wg.Go(func() {
					if i == 7 {
						lateErr = db.Update(func(tx *Tx) error {
							_ = tx.Bucket(bucket).Put([]byte("half"), []byte("x"))
							return errLate
						})
						return
					}
					if err := put(db, fmt.Sprint("w", i), "ok"); err != nil {
						t.Error(err)
					}
				})
			}
			wg.Wait()
			if !errors.Is(lateErr, errLate) {
				t.Fatalf("late write err = %v", lateErr)
			}
			if get(t, db, "half") != "" {
				t.Fatal("the failed write's change was committed")
			}
			for i := range 20 {
				if i != 7 && get(t, db, fmt.Sprint("w", i)) != "ok" {
					t.Fatalf("w%d lost", i)
				}
			}
		})
	}
}

// Readers see whole rounds only: two keys always written together are
// always equal in any View, however the writes interleave.
func TestViewsSeeWholeCommits(t *testing.T) {
	db, err := Open(filepath.Join(t.TempDir(), "kv"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := put(db, "x", "0"); err != nil {
		t.Fatal(err)
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Go(func() {
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				v := []byte(fmt.Sprint(w, "-", i))
				if err := db.Update(func(tx *Tx) error {
					b := tx.Bucket(bucket)
					if err := b.Put([]byte("x"), v); err != nil {
						return err
					}
					return b.Put([]byte("y"), v)
				}); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	for range 2000 {
		_ = db.View(func(tx *Tx) error {
			b := tx.Bucket(bucket)
			if x, y := b.Get([]byte("x")), b.Get([]byte("y")); !bytes.Equal(x, y) && y != nil {
				t.Errorf("torn view: x=%q y=%q", x, y)
			}
			return nil
		})
	}
	close(stop)
	wg.Wait()
}

// A bbolt file left by an older sfapi is converted in place, buckets,
// nesting and sequences included.
func TestOpenConvertsBoltFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "dynamodb.db")
	bdb, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := bdb.Update(func(tx *bolt.Tx) error {
		b, _ := tx.CreateBucket([]byte("tables"))
		_ = b.Put([]byte("t1"), []byte("spec"))
		_ = b.SetSequence(41)
		in, _ := b.CreateBucket([]byte("items"))
		for i := range 300 {
			key := binary.BigEndian.AppendUint32(nil, uint32(i))
			_ = in.Put(key, bytes.Repeat([]byte{byte(i)}, i))
		}
		_, _ = tx.CreateBucket([]byte("empty"))
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	want := boltDump(t, bdb)
	bdb.Close()
	db, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got := dump(t, db.View); got != want {
		t.Fatalf("converted:\n%s\nwant:\n%s", got, want)
	}
	db.Close()
	for _, leftover := range []string{path + ".new", path + ".bbolt"} {
		if _, err := os.Stat(leftover); !errors.Is(err, os.ErrNotExist) {
			t.Fatalf("%s left behind: %v", leftover, err)
		}
	}
	db, err = Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if got := dump(t, db.View); got != want {
		t.Fatalf("after reopen:\n%s", got)
	}
}

// Arbitrary bytes as a log segment or snapshot never crash recovery.
func FuzzRecover(f *testing.F) {
	var l opLog
	l.reset()
	tx := newTx(newNode(1), 1, true, &l)
	b, _ := tx.CreateBucket([]byte("b"))
	_ = b.Put([]byte("k"), []byte("v"))
	_, _ = b.NextSequence()
	_ = b.Delete([]byte("k"))
	_ = tx.DeleteBucket([]byte("b"))
	f.Add(bytes.Clone(l.record()))
	f.Add([]byte{})
	f.Add(make([]byte, 16))
	file, err := os.Create(filepath.Join(f.TempDir(), "data"))
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		// The replayed values of 2 bytes or more stay in the file: every
		// one must read back as the bytes the record holds.
		if err := file.Truncate(0); err != nil {
			t.Fatal(err)
		}
		if _, err := file.WriteAt(data, 0); err != nil {
			t.Fatal(err)
		}
		far, mem := newTx(newNode(1), 1, true, nil), newTx(newNode(1), 1, true, nil)
		size := int64(len(data))
		_, errFar := replaySegment(&replayer{tx: far, f: file, inlineMax: 2}, file, size)
		_, errMem := replaySegment(&replayer{tx: mem}, file, size)
		if (errFar == nil) != (errMem == nil) {
			t.Fatalf("replay with far values: %v; in memory: %v", errFar, errMem)
		}
		if got, want := dumpRoot(t, far.root), dumpRoot(t, mem.root); got != want {
			t.Fatalf("far values read back:\n%s\nin memory:\n%s", got, want)
		}
		_, _ = loadSnapshot(&replayer{tx: newTx(newNode(1), 1, true, nil), f: file, inlineMax: 2}, file, size)
	})
}

// Two handles to one bucket in one write transaction see each other's
// writes, whichever copied the bucket first, nested buckets and cursors
// included.
func TestHandlesToOneBucketShareWrites(t *testing.T) {
	db, err := Open(filepath.Join(t.TempDir(), "kv"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Update(func(tx *Tx) error {
		b, _ := tx.CreateBucket([]byte("a"))
		_, _ = b.CreateBucket([]byte("inner"))
		return b.Put([]byte("k0"), []byte("v0"))
	}); err != nil {
		t.Fatal(err)
	}
	if err := db.Update(func(tx *Tx) error {
		h1, h2 := tx.Bucket([]byte("a")), tx.Bucket([]byte("a"))
		in1 := h1.Bucket([]byte("inner"))
		c := h1.Cursor()
		c.Seek([]byte("k0"))
		if err := h2.Put([]byte("k1"), []byte("v1")); err != nil {
			return err
		}
		if got := h1.Get([]byte("k1")); string(got) != "v1" {
			return fmt.Errorf("h1 does not see h2's write: %q", got)
		}
		if k, _ := c.Next(); string(k) != "k1" {
			return fmt.Errorf("cursor after another handle's write: %q", k)
		}
		if err := h1.Put([]byte("k2"), []byte("v2")); err != nil {
			return err
		}
		if err := tx.Bucket([]byte("a")).Bucket([]byte("inner")).Put([]byte("x"), []byte("1")); err != nil {
			return err
		}
		if got := in1.Get([]byte("x")); string(got) != "1" {
			return fmt.Errorf("nested handle does not see the write: %q", got)
		}
		return in1.Put([]byte("y"), []byte("2"))
	}); err != nil {
		t.Fatal(err)
	}
	want := "[\"a\"]\n  seq=0 n=4\n  [\"inner\"]\n    seq=0 n=2\n    \"x\"=\"1\"\n    \"y\"=\"2\"\n  \"k0\"=\"v0\"\n  \"k1\"=\"v1\"\n  \"k2\"=\"v2\"\n"
	if got := dump(t, db.View); got != want {
		t.Fatalf("state:\n%s\nwant:\n%s", got, want)
	}
}

// PutOwned stores the caller's slices as they are, logs them like Put, and
// refuses what Put refuses.
func TestPutOwned(t *testing.T) {
	path := filepath.Join(t.TempDir(), "kv")
	db, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	buf := []byte("keyvalue")
	if err := db.Update(func(tx *Tx) error {
		b, _ := tx.CreateBucket([]byte("b"))
		if _, err := b.CreateBucket([]byte("nested")); err != nil {
			return err
		}
		if err := b.PutOwned([]byte("nested"), []byte("x")); !errors.Is(err, ErrIncompatibleValue) {
			return fmt.Errorf("PutOwned over a bucket = %v", err)
		}
		if err := b.PutOwned(nil, []byte("x")); !errors.Is(err, ErrKeyRequired) {
			return fmt.Errorf("PutOwned without a key = %v", err)
		}
		if err := b.PutOwned([]byte("empty"), nil); err != nil {
			return err
		}
		return b.PutOwned(buf[:3], buf[3:])
	}); err != nil {
		t.Fatal(err)
	}
	if err := db.View(func(tx *Tx) error {
		b := tx.Bucket([]byte("b"))
		if v := b.Get([]byte("key")); &v[0] != &buf[3] {
			return fmt.Errorf("PutOwned copied the value")
		}
		if v := b.Get([]byte("empty")); v == nil || len(v) != 0 {
			return fmt.Errorf("empty value = %#v", v)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	db.Close()
	db, err = Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if got := dump(t, db.View); got != "[\"b\"]\n  seq=0 n=3\n  \"empty\"=\"\"\n  \"key\"=\"value\"\n  [\"nested\"]\n    seq=0 n=0\n" {
		t.Fatalf("after reopen:\n%s", got)
	}
}
