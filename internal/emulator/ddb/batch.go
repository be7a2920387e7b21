package ddb

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/sfapi/sfapi/internal/emulator/ddb/attr"
	"github.com/sfapi/sfapi/internal/emulator/ddb/expr"
	"github.com/sfapi/sfapi/internal/emulator/kv"
	"github.com/sfapi/sfapi/internal/emulator/streams"
)

// Batch and transaction limits.
const (
	MaxBatchWrite    = 25
	MaxBatchGet      = 100
	MaxTransactItems = 100
)

// WriteRequest is one BatchWriteItem entry: exactly one of Put (an item)
// or Delete (a key).
type WriteRequest struct {
	Put    attr.Item
	Delete attr.Item
}

// BatchWriteOutput is BatchWriteItem's answer. Every request is processed,
// so there are never unprocessed items.
type BatchWriteOutput struct {
	Consumed []Capacity
}

type pendingWrite struct {
	t    *table
	keys attr.Item
	fn   compute
	// identity marks service-made deletions (TTL) in their stream records.
	identity *streams.Identity
}

// BatchWriteItem puts and deletes up to 25 items across tables in one
// durable commit. Unlike TransactWriteItems it has no conditions.
func (e *Engine) BatchWriteItem(ctx context.Context, reqs map[string][]WriteRequest) (*BatchWriteOutput, error) {
	n := 0
	for _, rs := range reqs {
		n += len(rs)
	}
	if n == 0 {
		return nil, validationf("1 validation error detected: Value null at 'requestItems' failed to satisfy constraint: Member must have length greater than or equal to 1")
	}
	for _, rs := range reqs {
		if len(rs) > MaxBatchWrite || len(rs) == 0 {
			// AWS also prints the offending map (as Java renders it)
			// between "Value" and "at"; that rendering is left out.
			return nil, validationf("1 validation error detected: Value at 'requestItems' failed to satisfy constraint: Map value must satisfy constraint: [Member must have length less than or equal to 25, Member must have length greater than or equal to 1]")
		}
	}
	if n > MaxBatchWrite {
		return nil, validationf("Too many items requested for the BatchWriteItem call")
	}
	var writes []pendingWrite
	seen := map[string]bool{}
	for name, rs := range reqs {
		t, err := e.table(name)
		if err != nil {
			return nil, err
		}
		for _, r := range rs {
			var (
				keys attr.Item
				fn   compute
			)
			switch {
			case r.Put != nil && r.Delete == nil:
				if keys, err = t.key.extract(r.Put, false); err != nil {
					return nil, err
				}
				item := r.Put
				fn = func(attr.Item) (attr.Item, error) { return item, nil }
			case r.Delete != nil && r.Put == nil:
				if keys, err = t.key.extract(r.Delete, true); err != nil {
					return nil, err
				}
				fn = func(attr.Item) (attr.Item, error) { return nil, nil }
			default:
				return nil, validationf("Supplied AttributeValue has more than one datatypes set, must contain exactly one of the supported datatypes")
			}
			id := name + "\x00" + string(t.key.storageKey(keys))
			if seen[id] {
				return nil, validationf("Provided list of item keys contains duplicates")
			}
			seen[id] = true
			writes = append(writes, pendingWrite{t: t, keys: keys, fn: fn})
		}
	}
	caps, _, err := e.commitAll(ctx, writes, nil, nil)
	if err != nil {
		return nil, err
	}
	return &BatchWriteOutput{Consumed: mergeCapacity(caps)}, nil
}

// txHook adds writes of the caller's to commitAll's transaction, so they
// commit with the items or not at all. before runs once every write is
// planned and before the first is applied: it may fail (kv's contract
// allows errors before the first write). after runs once all are applied,
// with their capacity; it may only write.
type txHook struct {
	before func(tx *kv.Tx) error
	after  func(tx *kv.Tx, caps []Capacity) error
}

// commitAll plans every write, then applies them all in one transaction;
// fail (if set) decides how planning errors are reported; hook (if set)
// adds the caller's writes. It returns the capacity of each write and the
// applied plans.
func (e *Engine) commitAll(ctx context.Context, writes []pendingWrite, fail func(errs []error) error, hook *txHook) ([]Capacity, []*writePlan, error) {
	if err := ctx.Err(); err != nil {
		return nil, nil, err
	}
	now := e.opts.Now()
	var (
		caps    []Capacity
		plans   []*writePlan
		emitted map[string]bool
	)
	err := e.db.Update(func(tx *kv.Tx) error {
		caps, emitted = caps[:0], map[string]bool{}
		plans = make([]*writePlan, len(writes))
		errs := make([]error, len(writes))
		failed := false
		for i, w := range writes {
			plans[i], errs[i] = plan(tx, w.t, w.keys, w.fn, nil)
			if errs[i] == nil {
				plans[i].identity = w.identity
			}
			if errs[i] != nil {
				failed = true
				if fail == nil {
					return errs[i]
				}
			}
		}
		if failed {
			return fail(errs)
		}
		if hook != nil {
			if err := hook.before(tx); err != nil {
				return err
			}
		}
		for _, p := range plans {
			if p == nil {
				continue
			}
			c, em, err := e.apply(tx, p, now)
			if err != nil {
				return err
			}
			caps = append(caps, c)
			if em {
				emitted[p.t.meta.StreamARN] = true
			}
		}
		if hook != nil {
			return hook.after(tx, caps)
		}
		return nil
	})
	if err != nil {
		return nil, nil, wrapStore("write items", "batch", err)
	}
	for arn := range emitted {
		e.notify(arn)
	}
	return caps, plans, nil
}

func mergeCapacity(caps []Capacity) []Capacity {
	byTable := map[string]*Capacity{}
	var order []string
	for _, c := range caps {
		m := byTable[c.TableName]
		if m == nil {
			m = &Capacity{TableName: c.TableName}
			byTable[c.TableName] = m
			order = append(order, c.TableName)
		}
		m.Read += c.Read
		m.Write += c.Write
		for n, u := range c.Indexes {
			m.addIndex(n, u)
		}
		for n, u := range c.LocalIndexes {
			m.addLocalIndex(n, u)
		}
	}
	out := make([]Capacity, 0, len(order))
	for _, n := range order {
		out = append(out, *byTable[n])
	}
	return out
}

// KeysAndAttributes is one table's part of a BatchGetItem request. Its
// JSON form is the wire shape, so UnprocessedKeys can be sent as it is.
type KeysAndAttributes struct {
	Keys                     []attr.Item
	ProjectionExpression     string `json:",omitempty"`
	ExpressionAttributeNames Names  `json:",omitempty"`
	ConsistentRead           bool   `json:",omitempty"`
}

// MaxBatchGetBytes is the response size at which BatchGetItem stops
// reading and returns the rest of the keys as UnprocessedKeys, as AWS does
// at 16 MB.
const MaxBatchGetBytes = 16 << 20

// BatchGetOutput is BatchGetItem's answer. Unprocessed (never nil) holds
// the keys not read because the response reached MaxBatchGetBytes, with
// their table's projection and consistency, ready to be sent again.
type BatchGetOutput struct {
	Responses   map[string][]attr.Item
	Unprocessed map[string]KeysAndAttributes
	Consumed    []Capacity
}

// BatchGetItem reads up to 100 items across tables from one snapshot.
func (e *Engine) BatchGetItem(ctx context.Context, reqs map[string]KeysAndAttributes) (*BatchGetOutput, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	n := 0
	for _, r := range reqs {
		n += len(r.Keys)
	}
	if n == 0 {
		return nil, validationf("1 validation error detected: Value null at 'requestItems' failed to satisfy constraint: Member must have length greater than or equal to 1")
	}
	if n > MaxBatchGet {
		return nil, validationf("Too many items requested for the BatchGetItem call")
	}
	type job struct {
		t    *table
		keys [][]byte
		req  KeysAndAttributes
		proj *projection
		cons bool
	}
	var jobs []job
	for name, r := range reqs {
		t, err := e.table(name)
		if err != nil {
			return nil, err
		}
		proj, err := parseProjection(r.ProjectionExpression, r.ExpressionAttributeNames)
		if err != nil {
			return nil, err
		}
		j := job{t: t, req: r, proj: proj, cons: r.ConsistentRead}
		seen := map[string]bool{}
		for _, k := range r.Keys {
			keys, err := t.key.extract(k, true)
			if err != nil {
				return nil, err
			}
			sk := t.key.storageKey(keys)
			if seen[string(sk)] {
				return nil, validationf("Provided list of item keys contains duplicates")
			}
			seen[string(sk)] = true
			j.keys = append(j.keys, sk)
		}
		jobs = append(jobs, j)
	}
	// Tables in name order, so which keys come back unprocessed does not
	// depend on map order.
	sort.Slice(jobs, func(a, b int) bool { return jobs[a].t.meta.Spec.TableName < jobs[b].t.meta.Spec.TableName })
	var out *BatchGetOutput
	err := e.db.View(func(tx *kv.Tx) error {
		out = &BatchGetOutput{Responses: map[string][]attr.Item{}, Unprocessed: map[string]KeysAndAttributes{}}
		size, full := 0, false
		for _, j := range jobs {
			tb := tx.Bucket(j.t.bucket)
			if tb == nil {
				return errTableNotFound()
			}
			name := j.t.meta.Spec.TableName
			c := Capacity{TableName: name}
			items := []attr.Item{}
			for i, k := range j.keys {
				if full {
					rest := j.req
					rest.Keys = j.req.Keys[i:]
					out.Unprocessed[name] = rest
					break
				}
				it, err := getItem(tb.Bucket(itemsBucket), k)
				if err != nil {
					return err
				}
				c.Read += readUnits(ItemSize(it), j.cons)
				if it == nil {
					continue
				}
				if it, err = j.proj.apply(it); err != nil {
					return err
				}
				items = append(items, it)
				// The item that reaches the limit is the last one read.
				if size += ItemSize(it); size >= MaxBatchGetBytes {
					full = true
				}
			}
			if len(items) > 0 || !full {
				out.Responses[name] = items
			}
			if c.Read > 0 {
				out.Consumed = append(out.Consumed, c)
			}
		}
		return nil
	})
	if err != nil {
		return nil, wrapStore("batch get", "batch", err)
	}
	return out, nil
}

// TransactItem is one TransactWriteItems entry: exactly one of the four.
type TransactItem struct {
	ConditionCheck *DeleteItemInput // Key + ConditionExpression
	Put            *PutItemInput
	Update         *UpdateItemInput
	Delete         *DeleteItemInput
}

// TransactWriteItems applies up to 100 writes and condition checks
// atomically: all succeed or none is applied and the error is a
// TransactionCanceled carrying one reason per item.
func (e *Engine) TransactWriteItems(ctx context.Context, items []TransactItem) ([]Capacity, error) {
	return e.transactWrite(ctx, items, nil)
}

// transactWrite is TransactWriteItems; hook is commitAll's.
func (e *Engine) transactWrite(ctx context.Context, items []TransactItem, hook *txHook) ([]Capacity, error) {
	if len(items) == 0 || len(items) > MaxTransactItems {
		return nil, validationf("1 validation error detected: Value '%d' at 'transactItems' failed to satisfy constraint: Member must have length less than or equal to 100 and greater than or equal to 1", len(items))
	}
	writes := make([]pendingWrite, len(items))
	seen := map[string]bool{}
	for i, ti := range items {
		w, err := e.prepareTransact(ti)
		if err != nil {
			return nil, err
		}
		id := w.t.meta.Spec.TableName + "\x00" + string(w.t.key.storageKey(w.keys))
		if seen[id] {
			return nil, validationf("Transaction request cannot include multiple operations on one item")
		}
		seen[id] = true
		writes[i] = w
	}
	caps, _, err := e.commitAll(ctx, writes, func(errs []error) error {
		reasons := make([]CancellationReason, len(errs))
		codes := make([]string, len(errs))
		for i, err := range errs {
			reasons[i] = CancellationReason{Code: "None"}
			if err != nil {
				de, ok := err.(*Error)
				if !ok {
					return err
				}
				code := strings.TrimSuffix(string(de.Code), "Exception")
				if de.Code == Validation {
					code = "ValidationError"
				}
				reasons[i] = CancellationReason{Code: code, Message: de.Message, Item: de.Item}
			}
			codes[i] = reasons[i].Code
		}
		return &Error{Code: TransactionCanceled, Reasons: reasons,
			Message: fmt.Sprintf("Transaction cancelled, please refer cancellation reasons for specific reasons [%s]", strings.Join(codes, ", "))}
	}, hook)
	if err != nil {
		return nil, err
	}
	return transactCapacity(caps), nil
}

// transactCapacity merges per-write capacity by table and doubles it:
// transactional writes cost two write units per KB, as on AWS.
func transactCapacity(caps []Capacity) []Capacity {
	out := mergeCapacity(caps)
	for i := range out {
		out[i].Write *= 2
		for k, v := range out[i].Indexes {
			out[i].Indexes[k] = 2 * v
		}
		for k, v := range out[i].LocalIndexes {
			out[i].LocalIndexes[k] = 2 * v
		}
	}
	return out
}

// prepareTransact validates one transaction item and returns its write.
// A condition check becomes a write whose compute step answers
// errCheckOnly, which plan turns into a plan that writes nothing.
func (e *Engine) prepareTransact(ti TransactItem) (pendingWrite, error) {
	n := 0
	for _, set := range []bool{ti.ConditionCheck != nil, ti.Put != nil, ti.Update != nil, ti.Delete != nil} {
		if set {
			n++
		}
	}
	if n != 1 {
		return pendingWrite{}, validationf("TransactItems can only contain one of Check, Put, Update or Delete")
	}
	switch {
	case ti.Put != nil:
		in := ti.Put
		t, err := e.table(in.TableName)
		if err != nil {
			return pendingWrite{}, err
		}
		keys, err := t.key.extract(in.Item, false)
		if err != nil {
			return pendingWrite{}, err
		}
		cond, ph, err := condAndPlaceholders(in.ConditionExpression, in.ExpressionAttributeNames, in.ExpressionAttributeValues)
		if err != nil {
			return pendingWrite{}, err
		}
		item, ret := in.Item, in.ReturnOldOnConditionFailure
		return pendingWrite{t: t, keys: keys, fn: func(old attr.Item) (attr.Item, error) {
			return item, checkCondition(cond, ph, old, ret)
		}}, nil
	case ti.Update != nil:
		in := ti.Update
		t, err := e.table(in.TableName)
		if err != nil {
			return pendingWrite{}, err
		}
		keys, err := t.key.extract(in.Key, true)
		if err != nil {
			return pendingWrite{}, err
		}
		if in.UpdateExpression == "" {
			return pendingWrite{}, validationf("1 validation error detected: Value null at 'transactItems.1.member.update.updateExpression' failed to satisfy constraint: Member must not be null")
		}
		upd, err := expr.ParseUpdate(in.UpdateExpression)
		if err != nil {
			return pendingWrite{}, exprErr(err)
		}
		cond, ph, err := condAndPlaceholders(in.ConditionExpression, in.ExpressionAttributeNames, in.ExpressionAttributeValues, upd.Refs())
		if err != nil {
			return pendingWrite{}, err
		}
		return pendingWrite{t: t, keys: keys, fn: updateFunc(t, keys, upd, cond, ph, in.ReturnOldOnConditionFailure)}, nil
	}
	in, check := ti.Delete, false
	if in == nil {
		in, check = ti.ConditionCheck, true
		if in.ConditionExpression == "" {
			return pendingWrite{}, validationf("1 validation error detected: Value null at 'transactItems.1.member.conditionCheck.conditionExpression' failed to satisfy constraint: Member must not be null")
		}
	}
	t, err := e.table(in.TableName)
	if err != nil {
		return pendingWrite{}, err
	}
	keys, err := t.key.extract(in.Key, true)
	if err != nil {
		return pendingWrite{}, err
	}
	cond, ph, err := condAndPlaceholders(in.ConditionExpression, in.ExpressionAttributeNames, in.ExpressionAttributeValues)
	if err != nil {
		return pendingWrite{}, err
	}
	ret := in.ReturnOldOnConditionFailure
	if check {
		return pendingWrite{t: t, keys: keys, fn: func(old attr.Item) (attr.Item, error) {
			if err := checkCondition(cond, ph, old, ret); err != nil {
				return nil, err
			}
			return old, errCheckOnly
		}}, nil
	}
	return pendingWrite{t: t, keys: keys, fn: func(old attr.Item) (attr.Item, error) {
		return nil, checkCondition(cond, ph, old, ret)
	}}, nil
}

func condAndPlaceholders(src string, names Names, values Values, extra ...expr.Refs) (*expr.Condition, *expr.Placeholders, error) {
	cond, refs, err := parseCondition(src)
	if err != nil {
		return nil, nil, err
	}
	ph := placeholders(names, values)
	if err := validatePlaceholders(ph, append(extra, refs)...); err != nil {
		return nil, nil, err
	}
	return cond, ph, nil
}
