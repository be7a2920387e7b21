package kv

import (
	"bytes"
	"errors"
	"os"

	"github.com/tidwall/btree"
)

// The errors of bucket and key operations, as bbolt names them (the engines
// were written against bbolt's API and its rules).
var (
	ErrTxNotWritable      = errors.New("kv: tx not writable")
	ErrBucketNotFound     = errors.New("kv: bucket not found")
	ErrBucketExists       = errors.New("kv: bucket already exists")
	ErrBucketNameRequired = errors.New("kv: bucket name required")
	ErrKeyRequired        = errors.New("kv: key required")
	ErrKeyTooLarge        = errors.New("kv: key too large")
	ErrIncompatibleValue  = errors.New("kv: incompatible value")
)

// MaxKeySize is the largest key (or bucket name) a bucket takes, bbolt's
// limit.
const MaxKeySize = 32768

// entry is one key of a bucket: a value (in val, or in far when it is
// large), or a nested bucket (child set). Entries are immutable once they
// are in a tree, because trees share them with older snapshots: a write
// replaces the entry. (A far value's place changes, never its bytes.)
type entry struct {
	key   []byte
	val   []byte
	child *node
	far   farValue // set (far.isSet) for a large value; val is nil then
}

// value returns the entry's value: nil for a nested bucket.
func (e *entry) value() []byte {
	if e.far.isSet() {
		return e.far.bytes()
	}
	return e.val
}

// farEntry returns a new entry for key whose value is far: value in
// memory, or (f non-nil) n bytes at off in f.
func farEntry(key, value []byte, f *os.File, off int64, n int) *entry {
	e := &entry{key: key}
	if f != nil {
		e.far.inFile(f, off, n)
	} else {
		e.far.inMemory(value)
	}
	return e
}

// node is a bucket's state: its keys in order and its sequence. A node is
// modified in place only by the write generation that created it (gen);
// any later generation clones it first (copy on write), so every published
// root stays an immutable snapshot for readers.
type node struct {
	items *btree.BTreeG[*entry]
	seq   uint64
	gen   uint64
}

func lessEntry(a, b *entry) bool { return bytes.Compare(a.key, b.key) < 0 }

// treeOptions: small nodes keep the per-write copy of a shared B-tree node
// cheap (a leaf holds at most 31 pointers).
var treeOptions = btree.Options{Degree: 16, NoLocks: true}

func newNode(gen uint64) *node {
	return &node{items: btree.NewBTreeGOptions(lessEntry, treeOptions), gen: gen}
}

// clone returns a copy of n owned by gen. The B-tree copy is lazy: nodes
// are copied on their first write.
func (n *node) clone(gen uint64) *node {
	return &node{items: n.items.Copy(), seq: n.seq, gen: gen}
}

func (n *node) get(probe *entry, key []byte) *entry {
	probe.key = key
	e, _ := n.items.Get(probe)
	probe.key = nil
	return e
}

// Tx is a read-only (View) or read-write (Update) transaction over one
// consistent state of the database. Its API is bbolt's.
type Tx struct {
	root     *node
	gen      uint64 // the write generation; 0 in a read-only transaction
	writable bool
	log      *opLog // where writes are recorded for the write-ahead log; nil: not logged
	writes   int    // changes made, to tell whether a failed write changed anything
	loading  bool   // replaying the snapshot or the log
	probe    entry  // reused search key
	rootB    Bucket
}

func newTx(root *node, gen uint64, writable bool, log *opLog) *Tx {
	tx := &Tx{root: root, gen: gen, writable: writable, log: log}
	tx.rootB = Bucket{tx: tx, node: root}
	return tx
}

// Writable reports whether the transaction may write.
func (tx *Tx) Writable() bool { return tx.writable }

// Bucket returns the top-level bucket name, or nil if there is none.
func (tx *Tx) Bucket(name []byte) *Bucket { return tx.rootB.Bucket(name) }

// CreateBucket creates a top-level bucket; it fails if it exists.
func (tx *Tx) CreateBucket(name []byte) (*Bucket, error) { return tx.rootB.CreateBucket(name) }

// CreateBucketIfNotExists returns the top-level bucket name, creating it
// if needed.
func (tx *Tx) CreateBucketIfNotExists(name []byte) (*Bucket, error) {
	return tx.rootB.CreateBucketIfNotExists(name)
}

// DeleteBucket deletes a top-level bucket and everything in it.
func (tx *Tx) DeleteBucket(name []byte) error { return tx.rootB.DeleteBucket(name) }

// ForEach calls fn for each top-level bucket.
func (tx *Tx) ForEach(fn func(name []byte, b *Bucket) error) error {
	return tx.rootB.ForEach(func(k, _ []byte) error {
		return fn(k, tx.rootB.Bucket(k))
	})
}

// Cursor returns a cursor over the top-level bucket names.
func (tx *Tx) Cursor() *Cursor { return tx.rootB.Cursor() }

// Bucket is a bucket as seen by one transaction. Like bbolt's, it is valid
// only during that transaction.
type Bucket struct {
	tx     *Tx
	node   *node
	parent *Bucket // nil for the root
	name   []byte  // the key in parent
}

// BucketStats are a bucket's counters.
type BucketStats struct {
	// KeyN is the number of keys, nested buckets included.
	KeyN int
}

// Tx returns the bucket's transaction.
func (b *Bucket) Tx() *Tx { return b.tx }

// Writable reports whether the bucket may be written.
func (b *Bucket) Writable() bool { return b.tx.writable }

// cur returns the bucket's node as of now: in a write transaction, another
// handle to the same bucket may have cloned it since this one looked.
func (b *Bucket) cur() *node {
	if !b.tx.writable || b.node.gen == b.tx.gen {
		return b.node
	}
	if b.parent == nil {
		b.node = b.tx.root
		return b.node
	}
	if e := b.parent.cur().get(&b.tx.probe, b.name); e != nil && e.child != nil {
		b.node = e.child
	}
	return b.node
}

// own makes the bucket's node (and its ancestors) this transaction's own,
// cloning shared ones, so it can be changed in place.
func (b *Bucket) own() (*node, error) {
	if !b.tx.writable {
		return nil, ErrTxNotWritable
	}
	b.tx.writes++
	n := b.cur()
	if n.gen == b.tx.gen {
		return n, nil
	}
	c := n.clone(b.tx.gen)
	if b.parent == nil {
		b.tx.root = c
	} else {
		p, err := b.parent.own()
		if err != nil {
			return nil, err
		}
		p.items.Set(&entry{key: b.name, child: c})
	}
	b.node = c
	return c, nil
}

// Stats returns the bucket's counters.
func (b *Bucket) Stats() BucketStats { return BucketStats{KeyN: b.cur().items.Len()} }

// Sequence returns the bucket's sequence number.
func (b *Bucket) Sequence() uint64 { return b.cur().seq }

// SetSequence sets the bucket's sequence number.
func (b *Bucket) SetSequence(v uint64) error {
	n, err := b.own()
	if err != nil {
		return err
	}
	n.seq = v
	b.tx.log.setSequence(b, v)
	return nil
}

// NextSequence increments the bucket's sequence and returns it.
func (b *Bucket) NextSequence() (uint64, error) {
	n, err := b.own()
	if err != nil {
		return 0, err
	}
	n.seq++
	b.tx.log.setSequence(b, n.seq)
	return n.seq, nil
}

// Get returns the value of key, or nil if there is none or it names a
// nested bucket. The slice is valid only during the transaction and must
// not be modified.
func (b *Bucket) Get(key []byte) []byte {
	if e := b.cur().get(&b.tx.probe, key); e != nil && e.child == nil {
		return e.value()
	}
	return nil
}

// Put sets key to a copy of value.
func (b *Bucket) Put(key, value []byte) error {
	if err := b.checkPut(key); err != nil {
		return err
	}
	if b.goesFar(value) {
		// Two allocations: the key must not keep the value's memory alive
		// once the value lives in the files only.
		return b.put(farEntry(bytes.Clone(key), bytes.Clone(value), nil, 0, 0))
	}
	buf := make([]byte, len(key)+len(value))
	copy(buf, key)
	copy(buf[len(key):], value)
	return b.put(&entry{key: buf[:len(key):len(key)], val: buf[len(key):]})
}

// PutOwned sets key to value without copying either: both become the
// store's, and the caller must never change them again (not even through
// another slice of the same array). For freshly encoded buffers, which the
// store would otherwise copy once more.
func (b *Bucket) PutOwned(key, value []byte) error {
	if err := b.checkPut(key); err != nil {
		return err
	}
	if value == nil {
		value = []byte{} // a stored value is never nil: nil means a bucket
	}
	key, value = key[:len(key):len(key)], value[:len(value):len(value)]
	if b.goesFar(value) {
		return b.put(farEntry(key, value, nil, 0, 0))
	}
	return b.put(&entry{key: key, val: value})
}

// goesFar reports whether a value written now is kept in the files only,
// once its round is durable. Only logged writes go far: an in-memory store
// has no files, and replay places its far values itself (putFar).
func (b *Bucket) goesFar(value []byte) bool {
	return b.tx.log != nil && len(value) >= b.tx.log.inlineMax
}

// putFar sets key to a value of n bytes at off in f: replay of a log
// record or a snapshot, whose large values stay in the file.
func (b *Bucket) putFar(key []byte, f *os.File, off int64, n int) error {
	if err := b.checkPut(key); err != nil {
		return err
	}
	return b.put(farEntry(bytes.Clone(key), nil, f, off, n))
}

func (b *Bucket) checkPut(key []byte) error {
	if !b.tx.writable {
		return ErrTxNotWritable
	}
	if len(key) == 0 {
		return ErrKeyRequired
	}
	if len(key) > MaxKeySize {
		return ErrKeyTooLarge
	}
	return nil
}

func (b *Bucket) put(e *entry) error {
	n, err := b.own()
	if err != nil {
		return err
	}
	// One search: set, and put a nested bucket back if the key named one
	// (rare, and a failed Put may leave its bucket copied, which is fine).
	set := n.items.Set
	if b.tx.loading {
		// Recovery: keys mostly come in order, which Load appends without
		// a search (it falls back to Set otherwise).
		set = n.items.Load
	}
	if prev, ok := set(e); ok && prev.child != nil {
		n.items.Set(prev)
		return ErrIncompatibleValue
	}
	b.tx.log.put(b, e)
	return nil
}

// Delete removes key; a missing key is not an error.
func (b *Bucket) Delete(key []byte) error { return b.remove(key, false) }

// remove deletes key, which holds a value (isBucket false) or a nested
// bucket and everything in it (isBucket true).
func (b *Bucket) remove(key []byte, isBucket bool) error {
	if !b.tx.writable {
		return ErrTxNotWritable
	}
	e := b.cur().get(&b.tx.probe, key)
	if e == nil {
		if isBucket {
			return ErrBucketNotFound
		}
		return nil
	}
	if (e.child != nil) != isBucket {
		return ErrIncompatibleValue
	}
	n, err := b.own()
	if err != nil {
		return err
	}
	n.items.Delete(e)
	if isBucket {
		b.tx.log.deleteBucket(b, key)
	} else {
		b.tx.log.delete(b, key)
	}
	return nil
}

// Bucket returns the nested bucket name, or nil if there is none.
func (b *Bucket) Bucket(name []byte) *Bucket {
	e := b.cur().get(&b.tx.probe, name)
	if e == nil || e.child == nil {
		return nil
	}
	return &Bucket{tx: b.tx, node: e.child, parent: b, name: e.key}
}

// CreateBucket creates a nested bucket; it fails if the key is taken.
func (b *Bucket) CreateBucket(name []byte) (*Bucket, error) {
	if !b.tx.writable {
		return nil, ErrTxNotWritable
	}
	if len(name) == 0 {
		return nil, ErrBucketNameRequired
	}
	if len(name) > MaxKeySize {
		return nil, ErrKeyTooLarge
	}
	if e := b.cur().get(&b.tx.probe, name); e != nil {
		if e.child != nil {
			return nil, ErrBucketExists
		}
		return nil, ErrIncompatibleValue
	}
	n, err := b.own()
	if err != nil {
		return nil, err
	}
	child := newNode(b.tx.gen)
	key := bytes.Clone(name)
	n.items.Set(&entry{key: key, child: child})
	b.tx.log.createBucket(b, key)
	return &Bucket{tx: b.tx, node: child, parent: b, name: key}, nil
}

// CreateBucketIfNotExists returns the nested bucket name, creating it if
// needed.
func (b *Bucket) CreateBucketIfNotExists(name []byte) (*Bucket, error) {
	if c := b.Bucket(name); c != nil {
		if !b.tx.writable {
			return nil, ErrTxNotWritable
		}
		return c, nil
	}
	return b.CreateBucket(name)
}

// DeleteBucket deletes a nested bucket and everything in it.
func (b *Bucket) DeleteBucket(name []byte) error { return b.remove(name, true) }

// ForEach calls fn for every key in order; nested buckets come with a nil
// value. fn must not change the bucket (bbolt's rule).
func (b *Bucket) ForEach(fn func(k, v []byte) error) error {
	c := b.Cursor()
	for k, v := c.First(); k != nil; k, v = c.Next() {
		if err := fn(k, v); err != nil {
			return err
		}
	}
	return nil
}

// Cursor returns a cursor over the bucket's keys.
func (b *Bucket) Cursor() *Cursor { return &Cursor{b: b} }

// Cursor walks a bucket's keys in byte order. Nested buckets show up with a
// nil value. In a write transaction it stays correct while the bucket
// changes under it (each step searches again from the last key), so a loop
// may delete the keys it visits.
type Cursor struct {
	b     *Bucket
	key   []byte // the current key; nil before the first move or past the end
	it    btree.IterG[*entry]
	itSet bool
}

// Bucket returns the cursor's bucket.
func (c *Cursor) Bucket() *Bucket { return c.b }

// iter returns an iterator over the bucket's current node. A read-only
// transaction's trees never change, so one iterator serves every step;
// a write transaction's may, so each step takes a fresh one.
func (c *Cursor) iter() *btree.IterG[*entry] {
	if !c.itSet || c.b.tx.writable {
		c.it = c.b.cur().items.Iter()
		c.itSet = true
	}
	return &c.it
}

func (c *Cursor) at(ok bool) ([]byte, []byte) {
	if !ok {
		c.key = nil
		return nil, nil
	}
	e := c.it.Item()
	c.key = e.key
	return e.key, e.value()
}

// First moves to the first key.
func (c *Cursor) First() ([]byte, []byte) { return c.at(c.iter().First()) }

// Last moves to the last key.
func (c *Cursor) Last() ([]byte, []byte) { return c.at(c.iter().Last()) }

// Seek moves to key, or the next key after it.
func (c *Cursor) Seek(seek []byte) ([]byte, []byte) {
	_, ok := c.seekTo(seek)
	return c.at(ok)
}

// seekTo positions the iterator at key, or the next key after it.
func (c *Cursor) seekTo(key []byte) (*btree.IterG[*entry], bool) {
	it := c.iter()
	c.b.tx.probe.key = key
	ok := it.Seek(&c.b.tx.probe)
	c.b.tx.probe.key = nil
	return it, ok
}

// Next moves to the key after the current one.
func (c *Cursor) Next() ([]byte, []byte) {
	if c.key == nil {
		return nil, nil
	}
	if c.b.tx.writable {
		it, ok := c.seekTo(c.key)
		if ok && bytes.Equal(it.Item().key, c.key) {
			ok = it.Next()
		}
		return c.at(ok)
	}
	return c.at(c.it.Next())
}

// Prev moves to the key before the current one.
func (c *Cursor) Prev() ([]byte, []byte) {
	if c.key == nil {
		return nil, nil
	}
	if c.b.tx.writable {
		it, ok := c.seekTo(c.key)
		if ok {
			ok = it.Prev()
		} else {
			ok = it.Last()
		}
		return c.at(ok)
	}
	return c.at(c.it.Prev())
}

// Delete removes the current key.
func (c *Cursor) Delete() error {
	if c.key == nil {
		return nil
	}
	if e := c.b.cur().get(&c.b.tx.probe, c.key); e != nil && e.child != nil {
		return ErrIncompatibleValue
	}
	return c.b.Delete(c.key)
}

// ID identifies the state a transaction started from: it grows with every
// commit round that changed something (every write copies the root).
func (tx *Tx) ID() int { return int(tx.root.gen) }
