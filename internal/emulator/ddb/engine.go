package ddb

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/sfapi/sfapi/internal/emulator/kv"
	"github.com/sfapi/sfapi/internal/emulator/streams"
)

// Defaults for Options.
const (
	DefaultRegion    = "us-east-1"
	DefaultAccountID = "000000000000"
)

// Options configure Open.
type Options struct {
	Region    string
	AccountID string
	Logger    *slog.Logger
	// Now is the clock; stream record times, labels and iterator expiry use it.
	Now func() time.Time
}

// Engine is the DynamoDB storage engine over a kv.DB.
type Engine struct {
	db     *kv.DB
	opts   Options
	log    *slog.Logger
	mu     sync.RWMutex
	tables map[string]*table

	// waitMu guards wake: one channel per stream ARN, closed and replaced
	// whenever records are appended, so WaitStream sleeps without polling.
	waitMu sync.Mutex
	wake   map[string]chan struct{}

	// tokens remembers TransactWriteItems ClientRequestTokens.
	tokens tokens
}

var tablesBucket = []byte("ddb.tables")

// Sub-buckets of a table bucket.
var (
	itemsBucket  = []byte("items")
	streamBucket = []byte("stream")
)

func tableBucket(name string) []byte { return []byte("ddb.t." + name) }
func indexBucket(name string) []byte { return []byte("i." + name) }

// Open loads the engine's tables from store. The caller owns store and
// closes it after it is done with the engine.
func Open(store *kv.DB, opts Options) (*Engine, error) {
	if opts.Region == "" {
		opts.Region = DefaultRegion
	}
	if opts.AccountID == "" {
		opts.AccountID = DefaultAccountID
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	e := &Engine{db: store, opts: opts, log: log.With("component", "ddb"), tables: map[string]*table{}, wake: map[string]chan struct{}{}}
	err := store.View(func(tx *kv.Tx) error {
		b := tx.Bucket(tablesBucket)
		if b == nil {
			return nil
		}
		return b.ForEach(func(k, v []byte) error {
			var m tableMeta
			if err := json.Unmarshal(v, &m); err != nil {
				return fmt.Errorf("decode table %q: %w", k, err)
			}
			t, err := resolve(m, opts.Region, opts.AccountID)
			if err != nil {
				return fmt.Errorf("load table %q: %w", k, err)
			}
			e.tables[m.Spec.TableName] = t
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("open ddb engine: %w", err)
	}
	return e, nil
}

// Region returns the engine's region.
func (e *Engine) Region() string { return e.opts.Region }

// Now returns the engine clock's time.
func (e *Engine) Now() time.Time { return e.opts.Now() }

func (e *Engine) table(name string) (*table, error) {
	e.mu.RLock()
	t := e.tables[name]
	e.mu.RUnlock()
	if t == nil {
		if name == "" {
			return nil, validationf("1 validation error detected: Value null at 'tableName' failed to satisfy constraint: Member must not be null")
		}
		return nil, errTableNotFound()
	}
	return t, nil
}

// IndexDescription describes a secondary index.
type IndexDescription struct {
	IndexSpec
	IndexArn       string
	IndexStatus    string // ACTIVE for global indexes; empty for local ones
	ItemCount      int64
	IndexSizeBytes int64
}

// TableDescription is DescribeTable's answer.
type TableDescription struct {
	TableName              string
	TableArn               string
	TableId                string
	TableStatus            string
	CreationDateTime       time.Time
	KeySchema              []KeySchemaElement
	AttributeDefinitions   []AttributeDefinition
	BillingMode            string
	ProvisionedThroughput  Throughput
	ItemCount              int64
	TableSizeBytes         int64
	GlobalSecondaryIndexes []IndexDescription
	LocalSecondaryIndexes  []IndexDescription
	StreamSpecification    *StreamSpec
	LatestStreamArn        string
	LatestStreamLabel      string
}

// CreateTable creates a table; it is ACTIVE at once.
func (e *Engine) CreateTable(ctx context.Context, spec TableSpec) (*TableDescription, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	now := e.opts.Now()
	m := tableMeta{Spec: spec, Created: now, TableID: uuid.NewString(), Tags: spec.Tags}
	m.Spec.Tags = nil
	t, err := resolve(m, e.opts.Region, e.opts.AccountID)
	if err != nil {
		return nil, err
	}
	if ss := t.meta.Spec.StreamSpecification; ss != nil && ss.StreamEnabled {
		t.meta.StreamOn = true
		t.meta.StreamView = ss.StreamViewType
		t.meta.StreamLabel = streams.Label(now)
		t.meta.StreamARN = t.arn + "/stream/" + t.meta.StreamLabel
		t.meta.StreamShard = streams.ShardID(t.meta.StreamARN, now)
		t.meta.StreamCreate = now
	}
	data, err := json.Marshal(t.meta)
	if err != nil {
		return nil, fmt.Errorf("encode table %q: %w", spec.TableName, err)
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.tables[spec.TableName] != nil {
		return nil, &Error{Code: ResourceInUse, Message: "Table already exists: " + spec.TableName}
	}
	err = e.db.Update(func(tx *kv.Tx) error {
		b, err := tx.CreateBucketIfNotExists(tablesBucket)
		if err != nil {
			return err
		}
		if b.Get([]byte(spec.TableName)) != nil {
			return &Error{Code: ResourceInUse, Message: "Table already exists: " + spec.TableName}
		}
		if tx.Bucket(t.bucket) != nil {
			if err := tx.DeleteBucket(t.bucket); err != nil {
				return err
			}
		}
		tb, err := tx.CreateBucket(t.bucket)
		if err != nil {
			return err
		}
		if _, err := tb.CreateBucket(itemsBucket); err != nil {
			return err
		}
		if _, err := tb.CreateBucket(streamBucket); err != nil {
			return err
		}
		for _, ix := range t.order {
			if _, err := tb.CreateBucket(indexBucket(ix.Name)); err != nil {
				return err
			}
		}
		return b.Put([]byte(spec.TableName), data)
	})
	if err != nil {
		return nil, wrapStore("create table", spec.TableName, err)
	}
	e.tables[spec.TableName] = t
	e.log.Debug("table created", "table", spec.TableName)
	return e.describe(t, false)
}

func wrapStore(op, name string, err error) error {
	if err == nil {
		return nil
	}
	var de *Error
	if errors.As(err, &de) {
		return de
	}
	return fmt.Errorf("%s %q: %w", op, name, err)
}

// EnsureTable creates the table if it is missing, does nothing if an
// identical table exists, and otherwise returns an error naming the first
// difference. The emulator provisions manifest tables with it.
func (e *Engine) EnsureTable(ctx context.Context, spec TableSpec) error {
	// Normalise the wanted spec the same way CreateTable would.
	want, err := resolve(tableMeta{Spec: spec}, e.opts.Region, e.opts.AccountID)
	if err != nil {
		return fmt.Errorf("ensure table %q: %w", spec.TableName, err)
	}
	e.mu.RLock()
	have := e.tables[spec.TableName]
	e.mu.RUnlock()
	if have == nil {
		_, err := e.CreateTable(ctx, spec)
		if code, _ := ErrorCode(err); code == ResourceInUse {
			return e.EnsureTable(ctx, spec) // created concurrently: compare
		}
		if err != nil {
			return fmt.Errorf("ensure table %q: %w", spec.TableName, err)
		}
		return nil
	}
	if d := sameSpec(have.meta.Spec, want.meta.Spec); d != "" {
		return fmt.Errorf("ensure table %q: existing table differs: %s", spec.TableName, d)
	}
	return nil
}

// DescribeTable describes a table, counting its items.
func (e *Engine) DescribeTable(ctx context.Context, name string) (*TableDescription, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	e.mu.RLock()
	t := e.tables[name]
	e.mu.RUnlock()
	if t == nil {
		return nil, errTableNotFoundNamed(name)
	}
	return e.describe(t, true)
}

func (e *Engine) describe(t *table, count bool) (*TableDescription, error) {
	s := t.meta.Spec
	d := &TableDescription{
		TableName: s.TableName, TableArn: t.arn, TableId: t.meta.TableID, TableStatus: "ACTIVE",
		CreationDateTime: t.meta.Created, KeySchema: s.KeySchema, AttributeDefinitions: s.AttributeDefinitions,
		BillingMode: s.BillingMode, StreamSpecification: s.StreamSpecification,
	}
	if s.ProvisionedThroughput != nil {
		d.ProvisionedThroughput = *s.ProvisionedThroughput
	}
	if t.meta.StreamARN != "" {
		d.LatestStreamArn, d.LatestStreamLabel = t.meta.StreamARN, t.meta.StreamLabel
	}
	counts := map[string][2]int64{}
	if count {
		err := e.db.View(func(tx *kv.Tx) error {
			tb := tx.Bucket(t.bucket)
			if tb == nil {
				return errTableNotFoundNamed(s.TableName)
			}
			counts[""] = bucketStats(tb.Bucket(itemsBucket))
			for _, ix := range t.order {
				counts[ix.Name] = bucketStats(tb.Bucket(indexBucket(ix.Name)))
			}
			return nil
		})
		if err != nil {
			return nil, wrapStore("describe table", s.TableName, err)
		}
	}
	d.ItemCount, d.TableSizeBytes = counts[""][0], counts[""][1]
	for _, g := range s.GlobalSecondaryIndexes {
		c := counts[g.IndexName]
		d.GlobalSecondaryIndexes = append(d.GlobalSecondaryIndexes, IndexDescription{IndexSpec: g, IndexArn: t.arn + "/index/" + g.IndexName, IndexStatus: "ACTIVE", ItemCount: c[0], IndexSizeBytes: c[1]})
	}
	for _, l := range s.LocalSecondaryIndexes {
		c := counts[l.IndexName]
		d.LocalSecondaryIndexes = append(d.LocalSecondaryIndexes, IndexDescription{IndexSpec: l, IndexArn: t.arn + "/index/" + l.IndexName, ItemCount: c[0], IndexSizeBytes: c[1]})
	}
	return d, nil
}

// bucketStats returns the key count and approximate byte size of b.
func bucketStats(b *kv.Bucket) [2]int64 {
	if b == nil {
		return [2]int64{}
	}
	var n, size int64
	_ = b.ForEach(func(k, v []byte) error {
		n++
		size += int64(len(v))
		return nil
	})
	return [2]int64{n, size}
}

// ListTables returns up to limit table names (100 when limit ≤ 0) after
// exclusiveStart in name order, and the last name when more remain.
func (e *Engine) ListTables(ctx context.Context, exclusiveStart string, limit int) (names []string, last string, err error) {
	if err := ctx.Err(); err != nil {
		return nil, "", err
	}
	if limit <= 0 || limit > 100 {
		limit = 100
	}
	e.mu.RLock()
	all := make([]string, 0, len(e.tables))
	for n := range e.tables {
		all = append(all, n)
	}
	e.mu.RUnlock()
	sort.Strings(all)
	for _, n := range all {
		if exclusiveStart != "" && n <= exclusiveStart {
			continue
		}
		if len(names) == limit {
			return names, names[len(names)-1], nil
		}
		names = append(names, n)
	}
	return names, "", nil
}

// DeleteTable deletes a table with its items, indexes and stream records,
// and returns its last description (status DELETING, as AWS answers).
func (e *Engine) DeleteTable(ctx context.Context, name string) (*TableDescription, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	t := e.tables[name]
	if t == nil {
		return nil, errTableNotFoundNamed(name)
	}
	d, err := e.describe(t, false)
	if err != nil {
		return nil, err
	}
	err = e.db.Update(func(tx *kv.Tx) error {
		if b := tx.Bucket(t.bucket); b != nil {
			if err := tx.DeleteBucket(t.bucket); err != nil {
				return err
			}
		}
		if b := tx.Bucket(tablesBucket); b != nil {
			return b.Delete([]byte(name))
		}
		return nil
	})
	if err != nil {
		return nil, wrapStore("delete table", name, err)
	}
	delete(e.tables, name)
	e.notify(t.meta.StreamARN) // wake stream readers so they notice
	d.TableStatus = "DELETING"
	return d, nil
}

// UpdateTimeToLive stores a table's TTL setting; SweepExpired (run by
// RunTTL) deletes the expired items of tables that have it enabled.
func (e *Engine) UpdateTimeToLive(ctx context.Context, name string, spec TTLSpec) (TTLSpec, error) {
	if err := ctx.Err(); err != nil {
		return TTLSpec{}, err
	}
	if spec.AttributeName == "" {
		return TTLSpec{}, validationf("1 validation error detected: Value null at 'timeToLiveSpecification.attributeName' failed to satisfy constraint: Member must not be null")
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	t := e.tables[name]
	if t == nil {
		return TTLSpec{}, errTableNotFound()
	}
	cur := t.meta.TTL
	if cur.Enabled == spec.Enabled {
		if spec.Enabled {
			return TTLSpec{}, validationf("TimeToLive is already enabled")
		}
		return TTLSpec{}, validationf("TimeToLive is already disabled")
	}
	if !spec.Enabled && cur.AttributeName != spec.AttributeName {
		return TTLSpec{}, validationf("TimeToLive is active on a different AttributeName: current AttributeName is %s", cur.AttributeName)
	}
	m := t.meta
	m.TTL = spec
	nt := t.withMeta(m)
	if err := e.saveMeta(nt); err != nil {
		return TTLSpec{}, err
	}
	e.tables[name] = nt
	t.next.Store(nt)
	return spec, nil
}

// DescribeTimeToLive returns a table's TTL setting.
func (e *Engine) DescribeTimeToLive(ctx context.Context, name string) (TTLSpec, error) {
	t, err := e.table(name)
	if err != nil {
		return TTLSpec{}, err
	}
	return t.meta.TTL, ctx.Err()
}

func (e *Engine) saveMeta(t *table) error {
	data, err := json.Marshal(t.meta)
	if err != nil {
		return fmt.Errorf("encode table %q: %w", t.meta.Spec.TableName, err)
	}
	err = e.db.Update(func(tx *kv.Tx) error {
		b := tx.Bucket(tablesBucket)
		if b == nil || b.Get([]byte(t.meta.Spec.TableName)) == nil {
			return errTableNotFound()
		}
		return b.Put([]byte(t.meta.Spec.TableName), data)
	})
	return wrapStore("save table", t.meta.Spec.TableName, err)
}
