package ddb

import (
	"context"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/google/uuid"

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
	newData  []byte
	oldIdx   map[string][]byte // index name → entry key of old item
	newIdx   map[string][]byte
	newProj  map[string][]byte
	emit     bool // whether the write counts as a change (false for deleting a missing item)
	// checkOnly marks a transaction's ConditionCheck: read and checked, never written.
	checkOnly bool
	size      int
	// identity marks a deletion the service made (TTL expiry).
	identity *streams.Identity
}

// errCheckOnly is returned by the compute step of a transaction's
// ConditionCheck: the condition held and nothing is to be written.
var errCheckOnly = errors.New("condition check only")

// compute is the item-specific part of a write: given the existing item
// (nil if none), it returns the new item (nil to delete) or an error.
type compute func(old attr.Item) (attr.Item, error)

// plan reads the existing item inside tx and prepares the write.
func plan(tx *kv.Tx, t *table, keys attr.Item, fn compute) (*writePlan, error) {
	t = t.current()
	tb := tx.Bucket(t.bucket)
	if tb == nil {
		return nil, errTableNotFound()
	}
	p := &writePlan{t: t, keys: keys, key: t.key.storageKey(keys)}
	old, err := getItem(tb.Bucket(itemsBucket), p.key)
	if err != nil {
		return nil, err
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
	// A write that leaves the item as it was (an identical put, an update
	// setting the values already stored, a delete of a missing item)
	// changes nothing: DynamoDB writes no stream record for it.
	p.emit = (old != nil || nw != nil) && !(old != nil && nw != nil && attr.ItemsEqual(old, nw))
	if nw != nil {
		if err := checkNesting(nw); err != nil {
			return nil, err
		}
		p.size = ItemSize(nw)
		if p.size > MaxItemSize {
			return nil, validationf("Item size has exceeded the maximum allowed size")
		}
		if p.newData, err = nw.MarshalJSON(); err != nil {
			return nil, fmt.Errorf("encode item: %w", err)
		}
	}
	if old != nil && ItemSize(old) > p.size {
		p.size = ItemSize(old)
	}
	for _, ix := range t.order {
		if old != nil {
			k, ok, _ := ix.entryKey(old, p.key) // stored items were valid when written
			if ok {
				if p.oldIdx == nil {
					p.oldIdx = map[string][]byte{}
				}
				p.oldIdx[ix.Name] = k
			}
		}
		if nw != nil {
			k, ok, err := ix.entryKey(nw, p.key)
			if err != nil {
				return nil, err
			}
			if ok {
				data, err := ix.project(nw, t.key).MarshalJSON()
				if err != nil {
					return nil, fmt.Errorf("encode index entry: %w", err)
				}
				if p.newIdx == nil {
					p.newIdx, p.newProj = map[string][]byte{}, map[string][]byte{}
				}
				p.newIdx[ix.Name], p.newProj[ix.Name] = k, data
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
		err = items.Put(p.key, p.newData)
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
			if err := ib.Put(nk, p.newProj[ix.Name]); err != nil {
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
// older than the retention period, a few per write.
func (e *Engine) appendRecord(sb *kv.Bucket, p *writePlan, now time.Time) error {
	seq, err := sb.NextSequence()
	if err != nil {
		return err
	}
	ch := streams.Change{Keys: p.keys, Old: p.old, New: p.new}
	oldImg, newImg := p.t.meta.StreamView.Images(ch)
	id := uuid.New()
	r := streams.Record{
		EventID: hex.EncodeToString(id[:]), EventName: ch.EventName(), EventVersion: "1.1",
		EventSource: "aws:dynamodb", AWSRegion: e.opts.Region,
		DynamoDB: streams.StreamRecord{
			ApproximateCreationDateTime: now.Unix(), Keys: p.keys, NewImage: newImg, OldImage: oldImg,
			SequenceNumber: streams.FormatSequence(seq), StreamViewType: p.t.meta.StreamView,
			SizeBytes: int64(ItemSize(p.keys) + ItemSize(newImg) + ItemSize(oldImg)),
		},
		UserIdentity: p.identity,
	}
	val := make([]byte, 8, 512)
	binary.BigEndian.PutUint64(val, uint64(now.UnixNano()))
	val, err = r.AppendJSON(val)
	if err != nil {
		return fmt.Errorf("encode stream record: %w", err)
	}
	if err := sb.Put(seqKey(seq), val); err != nil {
		return err
	}
	// Lazy retention: drop a bounded number of expired records per write.
	cur := sb.Cursor()
	cutoff := uint64(now.Add(-streams.Retention).UnixNano())
	for range 8 {
		k, v := cur.First()
		if k == nil || len(v) < 8 || binary.BigEndian.Uint64(v) >= cutoff {
			break
		}
		if err := cur.Delete(); err != nil {
			return err
		}
	}
	return nil
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

// write runs one planned single-item write in a durable transaction.
func (e *Engine) write(ctx context.Context, t *table, keys attr.Item, fn compute) (*writePlan, Capacity, error) {
	if err := ctx.Err(); err != nil {
		return nil, Capacity{}, err
	}
	now := e.opts.Now()
	var (
		p       *writePlan
		c       Capacity
		emitted bool
	)
	err := e.db.Update(func(tx *kv.Tx) error {
		var err error
		if p, err = plan(tx, t, keys, fn); err != nil {
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
	p, c, err := e.write(ctx, t, keys, func(old attr.Item) (attr.Item, error) {
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
	p, c, err := e.write(ctx, t, keys, func(old attr.Item) (attr.Item, error) {
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
	p, c, err := e.write(ctx, t, keys, updateFunc(t, keys, upd, cond, ph, in.ReturnOldOnConditionFailure))
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
