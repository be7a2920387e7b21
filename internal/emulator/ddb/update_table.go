package ddb

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/sfapi/sfapi/internal/emulator/kv"
	"github.com/sfapi/sfapi/internal/emulator/streams"
)

// LimitExceeded is DynamoDB's LimitExceededException.
const LimitExceeded Code = "LimitExceededException"

// IndexUpdate is one GlobalSecondaryIndexUpdates entry: exactly one of
// Create, Delete (an index name) or Update (name and throughput).
type IndexUpdate struct {
	Create *IndexSpec
	Delete string
	Update *IndexSpec
}

// UpdateTableInput is an UpdateTable request. Zero fields are left as
// they are.
type UpdateTableInput struct {
	TableName                   string
	AttributeDefinitions        []AttributeDefinition
	BillingMode                 string
	ProvisionedThroughput       *Throughput
	GlobalSecondaryIndexUpdates []IndexUpdate
	StreamSpecification         *StreamSpec
}

// UpdateTable changes a table's billing mode, throughput, global secondary
// indexes and stream. A new index is backfilled from the existing items in
// the same transaction that creates it, so it is ACTIVE at once. Disabling
// a stream keeps it readable for 24 hours; enabling one again starts a new
// stream with a new ARN and label.
func (e *Engine) UpdateTable(ctx context.Context, in UpdateTableInput) (*TableDescription, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	t := e.tables[in.TableName]
	if t == nil {
		return nil, errTableNotFoundNamed(in.TableName)
	}
	if in.AttributeDefinitions == nil && in.BillingMode == "" && in.ProvisionedThroughput == nil &&
		len(in.GlobalSecondaryIndexUpdates) == 0 && in.StreamSpecification == nil {
		return nil, validationf("At least one of ProvisionedThroughput, BillingMode, UpdateStreamEnabled, GlobalSecondaryIndexUpdates or SSESpecification or ReplicaUpdates is required")
	}
	now := e.opts.Now()
	m, err := cloneMeta(t.meta)
	if err != nil {
		return nil, err
	}
	s := &m.Spec
	for _, d := range in.AttributeDefinitions {
		i := slices.IndexFunc(s.AttributeDefinitions, func(x AttributeDefinition) bool { return x.AttributeName == d.AttributeName })
		if i >= 0 {
			s.AttributeDefinitions[i] = d
		} else {
			s.AttributeDefinitions = append(s.AttributeDefinitions, d)
		}
	}
	if in.BillingMode != "" {
		s.BillingMode = in.BillingMode
		if in.BillingMode == BillingPayPerRequest {
			s.ProvisionedThroughput = nil
			for i := range s.GlobalSecondaryIndexes {
				s.GlobalSecondaryIndexes[i].ProvisionedThroughput = nil
			}
		}
	}
	if in.ProvisionedThroughput != nil {
		if s.BillingMode == BillingPayPerRequest {
			return nil, validationf("One or more parameter values were invalid: Neither ReadCapacityUnits nor WriteCapacityUnits can be specified when BillingMode is PAY_PER_REQUEST")
		}
		s.ProvisionedThroughput = in.ProvisionedThroughput
	}
	var created, deleted []string
	for _, u := range in.GlobalSecondaryIndexUpdates {
		n := 0
		for _, set := range []bool{u.Create != nil, u.Delete != "", u.Update != nil} {
			if set {
				n++
			}
		}
		if n != 1 {
			return nil, validationf("One or more parameter values were invalid: One of GlobalSecondaryIndexUpdate.Create, GlobalSecondaryIndexUpdate.Update or GlobalSecondaryIndexUpdate.Delete must be specified")
		}
		find := func(name string) int {
			return slices.IndexFunc(s.GlobalSecondaryIndexes, func(x IndexSpec) bool { return x.IndexName == name })
		}
		switch {
		case u.Create != nil:
			if find(u.Create.IndexName) >= 0 || slices.ContainsFunc(s.LocalSecondaryIndexes, func(x IndexSpec) bool { return x.IndexName == u.Create.IndexName }) {
				return nil, validationf("One or more parameter values were invalid: Attempting to create an index which already exists")
			}
			s.GlobalSecondaryIndexes = append(s.GlobalSecondaryIndexes, *u.Create)
			created = append(created, u.Create.IndexName)
		case u.Delete != "":
			i := find(u.Delete)
			if i < 0 {
				return nil, &Error{Code: ResourceNotFound, Message: fmt.Sprintf("Requested resource not found: Index: %s not found", u.Delete)}
			}
			s.GlobalSecondaryIndexes = slices.Delete(s.GlobalSecondaryIndexes, i, i+1)
			deleted = append(deleted, u.Delete)
		default:
			i := find(u.Update.IndexName)
			if i < 0 {
				return nil, &Error{Code: ResourceNotFound, Message: fmt.Sprintf("Requested resource not found: Index: %s not found", u.Update.IndexName)}
			}
			s.GlobalSecondaryIndexes[i].ProvisionedThroughput = u.Update.ProvisionedThroughput
		}
	}
	if len(created)+len(deleted) > 1 {
		return nil, &Error{Code: LimitExceeded, Message: "Subscriber limit exceeded: Only 1 online index can be created or deleted simultaneously per table"}
	}
	if len(deleted) > 0 {
		pruneDefinitions(s)
	}
	var newBucket []byte
	var dropBuckets [][]byte
	if ss := in.StreamSpecification; ss != nil {
		switch {
		case ss.StreamEnabled && m.StreamOn:
			return nil, validationf("Table already has an enabled stream: %s", m.StreamARN)
		case !ss.StreamEnabled && !m.StreamOn:
			return nil, validationf("Table already has a disabled stream")
		case !ss.StreamEnabled:
			if ss.StreamViewType != "" {
				return nil, validationf("One or more parameter values were invalid: StreamViewType cannot be specified when StreamEnabled is false")
			}
			m.StreamOn, m.StreamOff = false, now
			s.StreamSpecification = nil
		default:
			if !ss.StreamViewType.Valid() {
				return nil, validationf("One or more parameter values were invalid: You must specify a StreamViewType when enabling a stream")
			}
			if m.StreamARN != "" {
				old, _ := t.latestStream()
				m.OldStreams = append(m.OldStreams, oldStream{ARN: old.arn, Label: old.label, Shard: old.shard, Bucket: string(old.bucket), View: old.view, Created: old.created, Disabled: old.off})
			}
			label := streams.Label(now)
			for label <= m.StreamLabel { // two streams within a millisecond
				now = now.Add(time.Millisecond)
				label = streams.Label(now)
			}
			m.StreamOn, m.StreamOff, m.StreamView = true, time.Time{}, ss.StreamViewType
			m.StreamLabel, m.StreamARN = label, t.arn+"/stream/"+label
			m.StreamShard, m.StreamCreate = streams.ShardID(m.StreamARN, now), now
			m.StreamBucket = "stream." + label
			newBucket = []byte(m.StreamBucket)
			s.StreamSpecification = &StreamSpec{StreamEnabled: true, StreamViewType: ss.StreamViewType}
		}
	}
	// Forget streams past their retention.
	kept := m.OldStreams[:0]
	for _, o := range m.OldStreams {
		if now.Sub(o.Disabled) >= streams.Retention {
			dropBuckets = append(dropBuckets, []byte(o.Bucket))
			continue
		}
		kept = append(kept, o)
	}
	m.OldStreams = kept
	nt, err := resolve(m, e.opts.Region, e.opts.AccountID)
	if err != nil {
		return nil, err
	}
	data, err := json.Marshal(nt.meta)
	if err != nil {
		return nil, fmt.Errorf("encode table %q: %w", in.TableName, err)
	}
	err = e.db.Update(func(tx *kv.Tx) error {
		tb := tx.Bucket(t.bucket)
		if tb == nil {
			return errTableNotFoundNamed(in.TableName)
		}
		for _, name := range deleted {
			if tb.Bucket(indexBucket(name)) != nil {
				if err := tb.DeleteBucket(indexBucket(name)); err != nil {
					return err
				}
			}
		}
		for _, name := range created {
			if err := backfill(tb, nt, nt.indexes[name]); err != nil {
				return err
			}
		}
		if newBucket != nil {
			if _, err := tb.CreateBucketIfNotExists(newBucket); err != nil {
				return err
			}
		}
		for _, b := range dropBuckets {
			if tb.Bucket(b) != nil {
				if err := tb.DeleteBucket(b); err != nil {
					return err
				}
			}
		}
		if err := tx.Bucket(tablesBucket).Put([]byte(in.TableName), data); err != nil {
			return err
		}
		// Writes committed after this one in the same or a later batch
		// must see the new indexes and stream.
		t.next.Store(nt)
		return nil
	})
	if err != nil {
		return nil, wrapStore("update table", in.TableName, err)
	}
	e.tables[in.TableName] = nt
	if in.StreamSpecification != nil {
		e.notify(t.meta.StreamARN)
	}
	return e.describe(nt, false)
}

// backfill creates ix's bucket and indexes every existing item. Items whose
// index key attribute has the wrong type or an empty value are left out of
// the index, as DynamoDB's backfill skips them (it reports them as index
// key violations).
func backfill(tb *kv.Bucket, t *table, ix *index) error {
	ib, err := tb.CreateBucketIfNotExists(indexBucket(ix.Name))
	if err != nil {
		return err
	}
	return tb.Bucket(itemsBucket).ForEach(func(k, v []byte) error {
		it, err := decodeItem(v)
		if err != nil {
			return err
		}
		ek, ok, err := ix.entryKey(it, k)
		if err != nil || !ok {
			return nil
		}
		data, err := ix.project(it, t.key).MarshalJSON()
		if err != nil {
			return fmt.Errorf("encode index entry: %w", err)
		}
		return ib.Put(ek, data)
	})
}

// pruneDefinitions drops attribute definitions no key uses any more (after
// an index is deleted), as DynamoDB does.
func pruneDefinitions(s *TableSpec) {
	used := map[string]bool{}
	mark := func(ks []KeySchemaElement) {
		for _, k := range ks {
			used[k.AttributeName] = true
		}
	}
	mark(s.KeySchema)
	for _, g := range s.GlobalSecondaryIndexes {
		mark(g.KeySchema)
	}
	for _, l := range s.LocalSecondaryIndexes {
		mark(l.KeySchema)
	}
	s.AttributeDefinitions = slices.DeleteFunc(s.AttributeDefinitions, func(d AttributeDefinition) bool { return !used[d.AttributeName] })
}

// cloneMeta deep-copies table metadata through its JSON form, so the
// update can edit it freely.
func cloneMeta(m tableMeta) (tableMeta, error) {
	data, err := json.Marshal(m)
	if err != nil {
		return tableMeta{}, fmt.Errorf("copy table %q: %w", m.Spec.TableName, err)
	}
	var out tableMeta
	if err := json.Unmarshal(data, &out); err != nil {
		return tableMeta{}, fmt.Errorf("copy table %q: %w", m.Spec.TableName, err)
	}
	return out, nil
}

// Tag limits.
const (
	maxTagKey   = 128
	maxTagValue = 256
	maxTags     = 50
)

// tableOfARN resolves a table ARN of this engine's region and account.
func (e *Engine) tableOfARN(arn string) (*table, error) {
	prefix := fmt.Sprintf("arn:aws:dynamodb:%s:%s:table/", e.opts.Region, e.opts.AccountID)
	name, ok := strings.CutPrefix(arn, prefix)
	if !ok || name == "" || strings.Contains(name, "/") {
		if strings.HasPrefix(arn, "arn:") {
			return nil, &Error{Code: ResourceNotFound, Message: fmt.Sprintf("Requested resource not found: ResourcArn: %s not found", arn)}
		}
		return nil, validationf("Invalid TableArn: Invalid ResourceArn provided as input %s", arn)
	}
	t := e.tables[name]
	if t == nil {
		return nil, &Error{Code: ResourceNotFound, Message: fmt.Sprintf("Requested resource not found: ResourcArn: %s not found", arn)}
	}
	return t, nil
}

// TagResource adds or replaces tags of a table.
func (e *Engine) TagResource(ctx context.Context, arn string, tags map[string]string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if len(tags) == 0 {
		return validationf("1 validation error detected: Value null at 'tags' failed to satisfy constraint: Member must not be null")
	}
	for k, v := range tags {
		if k == "" || len(k) > maxTagKey {
			return validationf("1 validation error detected: Value '%s' at 'tags.1.member.key' failed to satisfy constraint: Member must have length less than or equal to 128", k)
		}
		if len(v) > maxTagValue {
			return validationf("1 validation error detected: Value '%s' at 'tags.1.member.value' failed to satisfy constraint: Member must have length less than or equal to 256", v)
		}
	}
	return e.editTags(arn, func(cur map[string]string) error {
		for k, v := range tags {
			cur[k] = v
		}
		if len(cur) > maxTags {
			return &Error{Code: LimitExceeded, Message: "The number of tags exceeds the limit for the resource."}
		}
		return nil
	})
}

// UntagResource removes tags of a table; absent keys are ignored.
func (e *Engine) UntagResource(ctx context.Context, arn string, keys []string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if len(keys) == 0 {
		return validationf("1 validation error detected: Value null at 'tagKeys' failed to satisfy constraint: Member must not be null")
	}
	return e.editTags(arn, func(cur map[string]string) error {
		for _, k := range keys {
			delete(cur, k)
		}
		return nil
	})
}

func (e *Engine) editTags(arn string, edit func(map[string]string) error) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	t, err := e.tableOfARN(arn)
	if err != nil {
		return err
	}
	m := t.meta
	m.Tags = map[string]string{}
	for k, v := range t.meta.Tags {
		m.Tags[k] = v
	}
	if err := edit(m.Tags); err != nil {
		return err
	}
	nt := t.withMeta(m)
	if err := e.saveMeta(nt); err != nil {
		return err
	}
	e.tables[m.Spec.TableName] = nt
	t.next.Store(nt)
	return nil
}

// Tag is one resource tag.
type Tag struct{ Key, Value string }

// ListTagsOfResource returns a table's tags sorted by key.
func (e *Engine) ListTagsOfResource(ctx context.Context, arn string) ([]Tag, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	e.mu.RLock()
	defer e.mu.RUnlock()
	t, err := e.tableOfARN(arn)
	if err != nil {
		return nil, err
	}
	out := make([]Tag, 0, len(t.meta.Tags))
	for k, v := range t.meta.Tags {
		out = append(out, Tag{k, v})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out, nil
}
