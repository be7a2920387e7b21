package ddb

import (
	"context"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	mrand "math/rand/v2"
	"reflect"
	"strings"
	"time"

	"github.com/sfapi/sfapi/internal/emulator/ddb/attr"
	"github.com/sfapi/sfapi/internal/emulator/ddb/expr"
	"github.com/sfapi/sfapi/internal/emulator/kv"
	"github.com/sfapi/sfapi/internal/emulator/streams"
)

// ReturnValues options.
const (
	ReturnNone       = "NONE"
	ReturnAllOld     = "ALL_OLD"
	ReturnUpdatedOld = "UPDATED_OLD"
	ReturnAllNew     = "ALL_NEW"
	ReturnUpdatedNew = "UPDATED_NEW"
)

// Names and Values are a request's ExpressionAttributeNames and
// ExpressionAttributeValues.
type Names = map[string]string

// Values are a request's ExpressionAttributeValues.
type Values = map[string]attr.Value

// Capacity is the capacity a request consumed, in units.
type Capacity struct {
	TableName string
	Read      float64
	Write     float64
	// Indexes holds per-GSI units (read or write, whichever applies).
	Indexes map[string]float64
	// LocalIndexes holds per-LSI units, reported apart as AWS does.
	LocalIndexes map[string]float64
}

// Total returns all units consumed.
func (c Capacity) Total() float64 {
	t := c.Read + c.Write
	for _, u := range c.Indexes {
		t += u
	}
	for _, u := range c.LocalIndexes {
		t += u
	}
	return t
}

func (c *Capacity) addIndex(name string, u float64) {
	if c.Indexes == nil {
		c.Indexes = map[string]float64{}
	}
	c.Indexes[name] += u
}

func (c *Capacity) addLocalIndex(name string, u float64) {
	if c.LocalIndexes == nil {
		c.LocalIndexes = map[string]float64{}
	}
	c.LocalIndexes[name] += u
}

// PutItemInput is a PutItem request.
type PutItemInput struct {
	TableName                 string
	Item                      attr.Item
	ConditionExpression       string
	ExpressionAttributeNames  Names
	ExpressionAttributeValues Values
	ReturnValues              string
	// ReturnOldOnConditionFailure is ReturnValuesOnConditionCheckFailure=ALL_OLD.
	ReturnOldOnConditionFailure bool
}

// UpdateItemInput is an UpdateItem request.
type UpdateItemInput struct {
	TableName                   string
	Key                         attr.Item
	UpdateExpression            string
	ConditionExpression         string
	ExpressionAttributeNames    Names
	ExpressionAttributeValues   Values
	ReturnValues                string
	ReturnOldOnConditionFailure bool
}

// DeleteItemInput is a DeleteItem request.
type DeleteItemInput struct {
	TableName                   string
	Key                         attr.Item
	ConditionExpression         string
	ExpressionAttributeNames    Names
	ExpressionAttributeValues   Values
	ReturnValues                string
	ReturnOldOnConditionFailure bool
}

// WriteOutput is the answer to a single-item write.
type WriteOutput struct {
	Attributes attr.Item
	Consumed   Capacity
}

// GetItemInput is a GetItem request.
type GetItemInput struct {
	TableName                string
	Key                      attr.Item
	ProjectionExpression     string
	ExpressionAttributeNames Names
	ConsistentRead           bool
}

// GetItemOutput is GetItem's answer; Item is nil when there is no item.
type GetItemOutput struct {
	Item     attr.Item
	Consumed Capacity
}

func placeholders(n Names, v Values) *expr.Placeholders {
	return &expr.Placeholders{Names: n, Values: v}
}

// writePlan is a checked write, computed before anything is written so
// that a failed check leaves the transaction untouched (kv's contract).
type writePlan struct {
	t        *table
	key      []byte
	keys     attr.Item
	old, new attr.Item // nil = absent
	// oldData is old as it is stored (nil when absent, valid only in the
	// plan's transaction): the record's OldImage, already encoded.
	oldData []byte
	newData []byte
	oldIdx  map[string][]byte // index name → entry key of old item
	newIdx  map[string][]byte
	newProj map[string][]byte
	emit    bool // whether the write counts as a change (false for deleting a missing item)
	// checkOnly marks a transaction's ConditionCheck: read and checked, never written.
	checkOnly bool
	size      int // the larger of newSize and oldSize: what the write costs
	// newSize and oldSize are ItemSize of new and old (0 when absent).
	newSize, oldSize int
	// identity marks a deletion the service made (TTL expiry).
	identity *streams.Identity
	// keysJSON and eventID are the stream record's, when worked out
	// before the transaction (nil and "" otherwise).
	keysJSON []byte
	eventID  string
}

// errCheckOnly is returned by the compute step of a transaction's
// ConditionCheck: the condition held and nothing is to be written.
var errCheckOnly = errors.New("condition check only")

// compute is the item-specific part of a write: given the existing item
// (nil if none), it returns the new item (nil to delete) or an error.
type compute func(old attr.Item) (attr.Item, error)

// prepared is the part of a write worked out before its transaction, so
// that the transaction, which runs on kv's commit goroutine one after
// another with every other write (the engine's one serial resource), has
// less to do: the stream record's keys and event id and, for a PutItem,
// the new item encoded with its index entries.
type prepared struct {
	keysJSON []byte // nil when the table has no stream
	eventID  string
	new      *newSide
}

// newSide is a write's new item encoded for table t: what the transaction
// stores.
type newSide struct {
	t         *table
	item      attr.Item
	data      []byte
	size      int
	idx, proj map[string][]byte // index name → entry key, projected entry
}

// prepare works out what it can of a write before its transaction. put is
// the item a PutItem writes (nil for other writes). A part it cannot work
// out (an invalid item: its error must come after the condition check,
// inside the transaction) is left to plan.
func (e *Engine) prepare(t *table, keys attr.Item, put attr.Item) *prepared {
	t = t.current()
	pre := &prepared{}
	if t.meta.StreamOn {
		var err error
		if pre.keysJSON, err = keys.MarshalJSON(); err != nil {
			return nil
		}
		pre.eventID = newEventID()
	}
	if put != nil {
		if ns, err := encodeNew(t, t.key.storageKey(keys), put); err == nil {
			pre.new = ns
		}
	}
	return pre
}

// encodeNew checks and encodes a write's new item and its index entries.
func encodeNew(t *table, key []byte, nw attr.Item) (*newSide, error) {
	if err := checkNesting(nw); err != nil {
		return nil, err
	}
	ns := &newSide{t: t, item: nw, size: ItemSize(nw)}
	if ns.size > MaxItemSize {
		return nil, validationf("Item size has exceeded the maximum allowed size")
	}
	var err error
	if ns.data, err = nw.MarshalJSON(); err != nil {
		return nil, fmt.Errorf("encode item: %w", err)
	}
	for _, ix := range t.order {
		k, ok, err := ix.entryKey(nw, key)
		if err != nil {
			return nil, err
		}
		if !ok {
			continue
		}
		data, err := ix.project(nw, t.key).MarshalJSON()
		if err != nil {
			return nil, fmt.Errorf("encode index entry: %w", err)
		}
		if ns.idx == nil {
			ns.idx, ns.proj = map[string][]byte{}, map[string][]byte{}
		}
		ns.idx[ix.Name], ns.proj[ix.Name] = k, data
	}
	return ns, nil
}

// sameMap reports whether a and b are the same map (not equal contents:
// the same one).
func sameMap(a, b attr.Item) bool {
	return reflect.ValueOf(a).UnsafePointer() == reflect.ValueOf(b).UnsafePointer()
}

// plan reads the existing item inside tx and prepares the write, using
// what pre (which may be nil) worked out beforehand.
func plan(tx *kv.Tx, t *table, keys attr.Item, fn compute, pre *prepared) (*writePlan, error) {
	t = t.current()
	tb := tx.Bucket(t.bucket)
	if tb == nil {
		return nil, errTableNotFound()
	}
	p := &writePlan{t: t, keys: keys, key: t.key.storageKey(keys)}
	p.oldData = tb.Bucket(itemsBucket).Get(p.key)
	var old attr.Item
	if p.oldData != nil {
		var err error
		if old, err = decodeItem(p.oldData); err != nil {
			return nil, err
		}
	}
	p.old = old
	nw, err := fn(old)
	if err == errCheckOnly {
		p.checkOnly = true
		return p, nil
	}
	if err != nil {
		return nil, err
	}
	p.new = nw
	if pre != nil {
		p.keysJSON, p.eventID = pre.keysJSON, pre.eventID
	}
	// A write that leaves the item as it was (an identical put, an update
	// setting the values already stored, a delete of a missing item)
	// changes nothing: DynamoDB writes no stream record for it.
	p.emit = (old != nil || nw != nil) && !(old != nil && nw != nil && attr.ItemsEqual(old, nw))
	if nw != nil {
		// The item encoded beforehand serves if it is this one, encoded
		// for the table as it is now (an index may have been added since).
		var ns *newSide
		if pre != nil && pre.new != nil && pre.new.t == t && sameMap(pre.new.item, nw) {
			ns = pre.new
		} else if ns, err = encodeNew(t, p.key, nw); err != nil {
			return nil, err
		}
		p.newData, p.newSize, p.newIdx, p.newProj = ns.data, ns.size, ns.idx, ns.proj
		p.size = p.newSize
	}
	if old != nil {
		p.oldSize = ItemSize(old)
		p.size = max(p.size, p.oldSize)
		for _, ix := range t.order {
			k, ok, _ := ix.entryKey(old, p.key) // stored items were valid when written
			if ok {
				if p.oldIdx == nil {
					p.oldIdx = map[string][]byte{}
				}
				p.oldIdx[ix.Name] = k
			}
		}
	}
	return p, nil
}

// apply performs a planned write: item, index entries and stream record.
// It returns the capacity consumed and whether a stream record was added.
func (e *Engine) apply(tx *kv.Tx, p *writePlan, now time.Time) (Capacity, bool, error) {
	c := Capacity{TableName: p.t.meta.Spec.TableName}
	if p.checkOnly {
		c.Read = 1
		return c, false, nil
	}
	if !p.emit {
		c.Write = writeUnits(p.size)
		return c, false, nil
	}
	tb := tx.Bucket(p.t.bucket)
	items := tb.Bucket(itemsBucket)
	var err error
	if p.new != nil {
		// The plan's buffers are fresh and never changed once planned, so
		// the store takes them without a copy (also when a retried round
		// applies the same plan again: the dropped round kept nothing).
		err = items.PutOwned(p.key, p.newData)
	} else {
		err = items.Delete(p.key)
	}
	if err != nil {
		return c, false, err
	}
	u := writeUnits(p.size)
	c.Write = u
	for _, ix := range p.t.order {
		ok, nk := p.oldIdx[ix.Name], p.newIdx[ix.Name]
		if ok == nil && nk == nil {
			continue
		}
		ib := tb.Bucket(indexBucket(ix.Name))
		if ok != nil && string(ok) != string(nk) {
			if err := ib.Delete(ok); err != nil {
				return c, false, err
			}
		}
		if nk != nil {
			if err := ib.PutOwned(nk, p.newProj[ix.Name]); err != nil {
				return c, false, err
			}
		}
		if ix.Local {
			c.addLocalIndex(ix.Name, u)
		} else {
			c.addIndex(ix.Name, u)
		}
	}
	if !p.t.meta.StreamOn {
		return c, false, nil
	}
	r, _ := p.t.latestStream()
	sb, err := tb.CreateBucketIfNotExists(r.bucket)
	if err != nil {
		return c, false, err
	}
	if err := e.appendRecord(sb, p, now); err != nil {
		return c, false, err
	}
	return c, true, nil
}

func writeUnits(size int) float64 { return math.Max(1, math.Ceil(float64(size)/1024)) }

func readUnits(size int, consistent bool) float64 {
	u := math.Max(1, math.Ceil(float64(size)/4096))
	if !consistent {
		u /= 2
	}
	return u
}

// appendRecord adds the stream record of a planned write and trims records
// older than the retention period, a few per write. The record is built
// from the images' stored bytes: the new item's as it is about to be
// stored, the old one's as it was.
func (e *Engine) appendRecord(sb *kv.Bucket, p *writePlan, now time.Time) error {
	seq, err := sb.NextSequence()
	if err != nil {
		return err
	}
	keys, eventID := p.keysJSON, p.eventID
	if keys == nil {
		if keys, err = p.keys.MarshalJSON(); err != nil {
			return fmt.Errorf("encode stream record: %w", err)
		}
		eventID = newEventID()
	}
	ch := streams.Change{Keys: p.keys, Old: p.old, New: p.new}
	oldImg, newImg := p.t.meta.StreamView.Images(ch)
	parts := streams.Parts{
		EventID: eventID, EventName: ch.EventName(), EventVersion: "1.1", EventSource: "aws:dynamodb", AWSRegion: e.opts.Region,
		ApproximateCreationDateTime: now.Unix(), Keys: keys, SequenceNumber: zeroSequence,
		StreamViewType: p.t.meta.StreamView, UserIdentity: p.identity,
	}
	size := ItemSize(p.keys)
	// Record leaves out empty images; an item is never empty (it has its
	// keys), so present images are exactly the non-nil ones.
	if len(newImg) > 0 {
		parts.NewImage = p.newData
		size += p.newSize
	}
	if len(oldImg) > 0 {
		parts.OldImage = p.oldData
		size += p.oldSize
	}
	parts.SizeBytes = int64(size)
	// The members' names and the fixed values take about 300 bytes.
	val := make([]byte, 8, 8+320+len(e.opts.Region)+len(keys)+len(parts.NewImage)+len(parts.OldImage))
	binary.BigEndian.PutUint64(val, uint64(now.UnixNano()))
	val, at := parts.AppendJSON(val)
	streams.SetSequence(val, at, seq)
	if err := sb.PutOwned(seqKey(seq), val); err != nil {
		return err
	}
	// Lazy retention: drop a bounded number of expired records per write.
	// The oldest record's time is remembered, so a write reads it (a
	// pread: records are kept in kv's files) only once that time may have
	// passed the cutoff.
	cutoff := uint64(now.Add(-streams.Retention).UnixNano())
	if oldest := p.t.streamOldest.Load(); oldest >= cutoff {
		return nil
	}
	cur := sb.Cursor()
	p.t.streamOldest.Store(0) // unknown until the loop finds it
	for range 8 {
		k, v := cur.First()
		if k == nil || len(v) < 8 {
			break
		}
		if at := binary.BigEndian.Uint64(v); at >= cutoff {
			p.t.streamOldest.Store(at)
			break
		}
		if err := cur.Delete(); err != nil {
			return err
		}
	}
	return nil
}

// zeroSequence holds the place of a record's sequence number until its
// transaction draws it.
var zeroSequence = streams.FormatSequence(0)

// newEventID returns a record's eventID: 32 random hex digits, as AWS's.
// Like request ids, it needs to be unique, not secret, so math/rand/v2's
// per-thread generator serves instead of a getrandom system call.
func newEventID() string {
	var raw [16]byte
	binary.LittleEndian.PutUint64(raw[:8], mrand.Uint64())
	binary.LittleEndian.PutUint64(raw[8:], mrand.Uint64())
	return hex.EncodeToString(raw[:])
}

func seqKey(n uint64) []byte {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], n)
	return b[:]
}

func getItem(b *kv.Bucket, key []byte) (attr.Item, error) {
	data := b.Get(key)
	if data == nil {
		return nil, nil
	}
	return decodeItem(data)
}

func decodeItem(data []byte) (attr.Item, error) {
	var it attr.Item
	// Stored items were encoded by attr; decode them directly, skipping
	// json.Unmarshal's extra validation pass.
	if err := it.UnmarshalJSON(data); err != nil {
		return nil, fmt.Errorf("decode stored item: %w", err)
	}
	return it, nil
}

// write runs one planned single-item write in a durable transaction; put
// is the item a PutItem writes (fn returns it or an error), nil for other
// writes.
//
// The transaction runs in kv's serial apply, one after another with
// every other write, so what does not depend on the stored item is worked
// out before it (prepare). Planning the whole write from a snapshot
// instead (read the item in a View, plan, then only check in the
// transaction that the stored bytes are unchanged) was tried and measured,
// on bbolt and on the write-ahead-log store: the extra read and the
// second plan on a stale snapshot cost more CPU than they took off the
// serial apply (PutItem and UpdateItem, 32 raw clients).
func (e *Engine) write(ctx context.Context, t *table, keys attr.Item, put attr.Item, fn compute) (*writePlan, Capacity, error) {
	if err := ctx.Err(); err != nil {
		return nil, Capacity{}, err
	}
	now := e.opts.Now()
	pre := e.prepare(t, keys, put)
	var (
		p       *writePlan
		c       Capacity
		emitted bool
	)
	err := e.db.Update(func(tx *kv.Tx) error {
		var err error
		if p, err = plan(tx, t, keys, fn, pre); err != nil {
			return err
		}
		c, emitted, err = e.apply(tx, p, now)
		return err
	})
	if err != nil {
		return nil, c, wrapStore("write item", t.meta.Spec.TableName, err)
	}
	if emitted {
		e.notify(p.t.meta.StreamARN) // p.t: the table the write committed against
	}
	return p, c, nil
}

// checkCondition evaluates a parsed condition against the existing item.
func checkCondition(cond *expr.Condition, ph *expr.Placeholders, old attr.Item, returnOld bool) error {
	if cond == nil {
		return nil
	}
	ok, err := cond.Eval(old, ph)
	if err != nil {
		return exprErr(err)
	}
	if !ok {
		return errConditionFailed(old, returnOld)
	}
	return nil
}

// exprErr maps an expression error to a ValidationException.
func exprErr(err error) error {
	if ee, ok := err.(*expr.Error); ok {
		return validationf("%s", ee.Msg)
	}
	return validationf("%s", err.Error())
}

func parseCondition(src string) (*expr.Condition, expr.Refs, error) {
	if src == "" {
		return nil, expr.Refs{}, nil
	}
	c, err := expr.ParseCondition(src)
	if err != nil {
		return nil, expr.Refs{}, exprErr(err)
	}
	return c, c.Refs(), nil
}

func validatePlaceholders(ph *expr.Placeholders, refs ...expr.Refs) error {
	if err := expr.ValidatePlaceholders(ph, refs...); err != nil {
		return exprErr(err)
	}
	return nil
}

func checkReturn(rv string, allowed ...string) (string, error) {
	if rv == "" {
		return ReturnNone, nil
	}
	for _, a := range allowed {
		if rv == a {
			return rv, nil
		}
	}
	if len(allowed) == 2 {
		return "", validationf("ReturnValues can only be ALL_OLD or NONE")
	}
	return "", validationf("1 validation error detected: Value '%s' at 'returnValues' failed to satisfy constraint: Member must satisfy enum value set: [ALL_NEW, UPDATED_OLD, ALL_OLD, NONE, UPDATED_NEW]", rv)
}

// PutItem writes a whole item, replacing any existing one.
func (e *Engine) PutItem(ctx context.Context, in PutItemInput) (*WriteOutput, error) {
	t, err := e.table(in.TableName)
	if err != nil {
		return nil, err
	}
	rv, err := checkReturn(in.ReturnValues, ReturnNone, ReturnAllOld)
	if err != nil {
		return nil, err
	}
	keys, err := t.key.extract(in.Item, false)
	if err != nil {
		return nil, err
	}
	cond, refs, err := parseCondition(in.ConditionExpression)
	if err != nil {
		return nil, err
	}
	ph := placeholders(in.ExpressionAttributeNames, in.ExpressionAttributeValues)
	if err := validatePlaceholders(ph, refs); err != nil {
		return nil, err
	}
	item := in.Item
	p, c, err := e.write(ctx, t, keys, item, func(old attr.Item) (attr.Item, error) {
		if err := checkCondition(cond, ph, old, in.ReturnOldOnConditionFailure); err != nil {
			return nil, err
		}
		return item, nil
	})
	if err != nil {
		return nil, err
	}
	out := &WriteOutput{Consumed: c}
	if rv == ReturnAllOld {
		out.Attributes = p.old
	}
	return out, nil
}

// DeleteItem deletes an item by key.
func (e *Engine) DeleteItem(ctx context.Context, in DeleteItemInput) (*WriteOutput, error) {
	t, err := e.table(in.TableName)
	if err != nil {
		return nil, err
	}
	rv, err := checkReturn(in.ReturnValues, ReturnNone, ReturnAllOld)
	if err != nil {
		return nil, err
	}
	keys, err := t.key.extract(in.Key, true)
	if err != nil {
		return nil, err
	}
	cond, refs, err := parseCondition(in.ConditionExpression)
	if err != nil {
		return nil, err
	}
	ph := placeholders(in.ExpressionAttributeNames, in.ExpressionAttributeValues)
	if err := validatePlaceholders(ph, refs); err != nil {
		return nil, err
	}
	p, c, err := e.write(ctx, t, keys, nil, func(old attr.Item) (attr.Item, error) {
		return nil, checkCondition(cond, ph, old, in.ReturnOldOnConditionFailure)
	})
	if err != nil {
		return nil, err
	}
	out := &WriteOutput{Consumed: c}
	if rv == ReturnAllOld {
		out.Attributes = p.old
	}
	return out, nil
}

// updateFunc builds the compute step of an UpdateItem (shared with
// TransactWriteItems).
func updateFunc(t *table, keys attr.Item, upd *expr.Update, cond *expr.Condition, ph *expr.Placeholders, returnOld bool) compute {
	return func(old attr.Item) (attr.Item, error) {
		if err := checkCondition(cond, ph, old, returnOld); err != nil {
			return nil, err
		}
		base := old.Clone()
		if base == nil {
			base = keys.Clone()
		}
		if upd == nil {
			return base, nil
		}
		// DynamoDB refuses any action on a key attribute, even one that
		// would leave its value unchanged.
		written := upd.PathsWith(ph)
		for _, n := range t.key.names() {
			if containsTop(written, n) {
				return nil, validationf("One or more parameter values were invalid: Cannot update attribute %s. This attribute is part of the key", n)
			}
		}
		out, _, err := upd.Apply(base, ph)
		if err != nil {
			return nil, exprErr(err)
		}
		for _, n := range t.key.names() {
			if v, ok := out[n]; !ok || !attr.Equal(v, keys[n]) {
				return nil, validationf("One or more parameter values were invalid: Cannot update attribute %s. This attribute is part of the key", n)
			}
		}
		return out, nil
	}
}

// topName returns the top-level attribute of a document path.
func topName(path string) string {
	if i := strings.IndexAny(path, ".["); i >= 0 {
		return path[:i]
	}
	return path
}

func containsTop(paths []string, name string) bool {
	for _, p := range paths {
		if topName(p) == name {
			return true
		}
	}
	return false
}

// UpdateItem edits an item's attributes, creating the item if it is
// missing.
func (e *Engine) UpdateItem(ctx context.Context, in UpdateItemInput) (*WriteOutput, error) {
	t, err := e.table(in.TableName)
	if err != nil {
		return nil, err
	}
	rv, err := checkReturn(in.ReturnValues, ReturnNone, ReturnAllOld, ReturnUpdatedOld, ReturnAllNew, ReturnUpdatedNew)
	if err != nil {
		return nil, err
	}
	keys, err := t.key.extract(in.Key, true)
	if err != nil {
		return nil, err
	}
	cond, refs, err := parseCondition(in.ConditionExpression)
	if err != nil {
		return nil, err
	}
	var upd *expr.Update
	all := []expr.Refs{refs}
	if in.UpdateExpression != "" {
		if upd, err = expr.ParseUpdate(in.UpdateExpression); err != nil {
			return nil, exprErr(err)
		}
		all = append(all, upd.Refs())
	}
	ph := placeholders(in.ExpressionAttributeNames, in.ExpressionAttributeValues)
	if err := validatePlaceholders(ph, all...); err != nil {
		return nil, err
	}
	p, c, err := e.write(ctx, t, keys, nil, updateFunc(t, keys, upd, cond, ph, in.ReturnOldOnConditionFailure))
	if err != nil {
		return nil, err
	}
	out := &WriteOutput{Consumed: c}
	switch rv {
	case ReturnAllOld:
		out.Attributes = p.old
	case ReturnAllNew:
		out.Attributes = p.new
	case ReturnUpdatedOld:
		out.Attributes, err = updated(upd, true, p.old, ph)
	case ReturnUpdatedNew:
		out.Attributes, err = updated(upd, false, p.new, ph)
	}
	if err != nil {
		return nil, err
	}
	return out, nil
}

// updated returns the paths of it that upd wrote, nested as DynamoDB
// returns them for UPDATED_OLD (withRemoves) and UPDATED_NEW; nil when
// none is present.
func updated(upd *expr.Update, withRemoves bool, it attr.Item, ph *expr.Placeholders) (attr.Item, error) {
	if upd == nil || it == nil {
		return nil, nil
	}
	out, err := upd.Targets(withRemoves).Apply(it, ph)
	if err != nil {
		return nil, exprErr(err)
	}
	if len(out) == 0 {
		return nil, nil
	}
	return out, nil
}

// GetItem reads one item by key.
func (e *Engine) GetItem(ctx context.Context, in GetItemInput) (*GetItemOutput, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	t, err := e.table(in.TableName)
	if err != nil {
		return nil, err
	}
	keys, err := t.key.extract(in.Key, true)
	if err != nil {
		return nil, err
	}
	proj, err := parseProjection(in.ProjectionExpression, in.ExpressionAttributeNames)
	if err != nil {
		return nil, err
	}
	var item attr.Item
	err = e.db.View(func(tx *kv.Tx) error {
		tb := tx.Bucket(t.bucket)
		if tb == nil {
			return errTableNotFound()
		}
		item, err = getItem(tb.Bucket(itemsBucket), t.key.storageKey(keys))
		return err
	})
	if err != nil {
		return nil, wrapStore("get item", in.TableName, err)
	}
	out := &GetItemOutput{Consumed: Capacity{TableName: in.TableName, Read: readUnits(ItemSize(item), in.ConsistentRead)}}
	if item != nil {
		if out.Item, err = proj.apply(item); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// projection is a parsed ProjectionExpression with its placeholders.
type projection struct {
	p  *expr.Projection
	ph *expr.Placeholders
}

func parseProjection(src string, names Names) (*projection, error) {
	ph := placeholders(names, nil)
	if src == "" {
		if err := validatePlaceholders(ph); err != nil {
			return nil, err
		}
		return &projection{}, nil
	}
	p, err := expr.ParseProjection(src)
	if err != nil {
		return nil, exprErr(err)
	}
	if err := validatePlaceholders(ph, p.Refs()); err != nil {
		return nil, err
	}
	return &projection{p: p, ph: ph}, nil
}

func (p *projection) apply(it attr.Item) (attr.Item, error) {
	if p == nil || p.p == nil {
		return it, nil
	}
	out, err := p.p.Apply(it, p.ph)
	if err != nil {
		return nil, exprErr(err)
	}
	return out, nil
}
