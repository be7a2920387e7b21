package ddb

import (
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync/atomic"
	"time"

	"github.com/sfapi/sfapi/internal/emulator/ddb/attr"
	"github.com/sfapi/sfapi/internal/emulator/streams"
)

// Key types of a key schema element.
const (
	KeyTypeHash  = "HASH"
	KeyTypeRange = "RANGE"
)

// Projection types of a secondary index.
const (
	ProjectAll      = "ALL"
	ProjectKeysOnly = "KEYS_ONLY"
	ProjectInclude  = "INCLUDE"
)

// Billing modes.
const (
	BillingProvisioned   = "PROVISIONED"
	BillingPayPerRequest = "PAY_PER_REQUEST"
)

// KeySchemaElement is one key attribute of a table or index.
type KeySchemaElement struct {
	AttributeName string
	KeyType       string // HASH or RANGE
}

// AttributeDefinition declares a key attribute's type: "S", "N" or "B".
type AttributeDefinition struct {
	AttributeName string
	AttributeType string
}

// Projection says which attributes an index copies.
type Projection struct {
	ProjectionType   string
	NonKeyAttributes []string
}

// Throughput is provisioned capacity (stored and reported, not enforced).
type Throughput struct {
	ReadCapacityUnits  int64
	WriteCapacityUnits int64
}

// IndexSpec describes a global or local secondary index.
type IndexSpec struct {
	IndexName             string
	KeySchema             []KeySchemaElement
	Projection            Projection
	ProvisionedThroughput *Throughput `json:",omitempty"`
}

// StreamSpec enables a table's stream.
type StreamSpec struct {
	StreamEnabled  bool
	StreamViewType streams.ViewType
}

// TableSpec is a CreateTable request.
type TableSpec struct {
	TableName              string
	KeySchema              []KeySchemaElement
	AttributeDefinitions   []AttributeDefinition
	GlobalSecondaryIndexes []IndexSpec
	LocalSecondaryIndexes  []IndexSpec
	BillingMode            string
	ProvisionedThroughput  *Throughput
	StreamSpecification    *StreamSpec
	// Tags are CreateTable's tags; they are stored with the table, not in
	// the spec.
	Tags map[string]string `json:"-"`
}

// TTLSpec is a table's time-to-live setting.
type TTLSpec struct {
	Enabled       bool
	AttributeName string
}

// tableMeta is what is persisted per table.
type tableMeta struct {
	Spec         TableSpec
	Created      time.Time
	TableID      string
	StreamARN    string `json:",omitempty"`
	StreamLabel  string `json:",omitempty"`
	StreamShard  string `json:",omitempty"`
	StreamView   streams.ViewType
	StreamOn     bool
	StreamCreate time.Time
	// StreamOff is when the latest stream was disabled (zero while on).
	StreamOff time.Time `json:",omitzero"`
	// StreamBucket names the table sub-bucket holding the latest stream's
	// records; "" is the original "stream" bucket.
	StreamBucket string `json:",omitempty"`
	// OldStreams are disabled earlier streams, readable for 24 hours.
	OldStreams []oldStream `json:",omitempty"`
	TTL        TTLSpec
	Tags       map[string]string `json:",omitempty"`
}

// oldStream is a stream replaced by a newer one of the same table.
type oldStream struct {
	ARN, Label, Shard, Bucket string
	View                      streams.ViewType
	Created, Disabled         time.Time
}

// keyDef is a resolved key: attribute names and types.
type keyDef struct {
	Hash, Range         string
	HashType, RangeType attr.Type // RangeType is TypeInvalid without a range key
}

// index is a resolved secondary index.
type index struct {
	Name    string
	Local   bool
	Key     keyDef
	Project Projection
	include map[string]bool
}

// table is the in-memory resolved form of a tableMeta.
type table struct {
	meta    tableMeta
	arn     string
	key     keyDef
	indexes map[string]*index
	order   []*index // deterministic maintenance order
	bucket  []byte
	// next is the table that replaced this one (UpdateTable, TTL and tag
	// changes). A write planned with a stale *table follows the chain
	// inside its transaction, so it maintains the indexes and stream the
	// table has when the write commits.
	next atomic.Pointer[table]
	// streamOldest is the time (Unix ns) of the table's oldest stream
	// record as a write last saw it, or 0 if unknown: a hint that lets
	// writes skip the retention check (appendRecord). A write that is
	// rolled back may leave it newer than the truth, which only delays
	// trimming to a later write.
	streamOldest atomic.Uint64
}

// current follows t's replacement chain to the newest table.
func (t *table) current() *table {
	for n := t.next.Load(); n != nil; n = n.next.Load() {
		t = n
	}
	return t
}

// withMeta returns a copy of t carrying m (which must not change the key
// schema or indexes) and links t to it.
func (t *table) withMeta(m tableMeta) *table {
	return &table{meta: m, arn: t.arn, key: t.key, indexes: t.indexes, order: t.order, bucket: t.bucket}
}

var nameRE = regexp.MustCompile(`^[a-zA-Z0-9_.-]{3,255}$`)

func attrTypeOf(s string) (attr.Type, bool) {
	switch s {
	case "S":
		return attr.TypeS, true
	case "N":
		return attr.TypeN, true
	case "B":
		return attr.TypeB, true
	}
	return attr.TypeInvalid, false
}

// resolveKey validates a key schema against the attribute definitions.
func resolveKey(ks []KeySchemaElement, defs map[string]attr.Type, what string) (keyDef, error) {
	var k keyDef
	if len(ks) < 1 || len(ks) > 2 {
		return k, validationf("1 validation error detected: Value '%v' at '%s' failed to satisfy constraint: Member must have length less than or equal to 2", ks, what)
	}
	if ks[0].KeyType != KeyTypeHash {
		return k, validationf("Invalid KeySchema: The first KeySchemaElement is not a HASH key type")
	}
	if len(ks) == 2 {
		if ks[1].KeyType != KeyTypeRange {
			return k, validationf("Invalid KeySchema: The second KeySchemaElement is not a RANGE key type")
		}
		if ks[0].AttributeName == ks[1].AttributeName {
			return k, validationf("Invalid KeySchema: Some index key attribute have no definition")
		}
	}
	for _, e := range ks {
		if e.AttributeName == "" {
			return k, validationf("One or more parameter values were invalid: Some index key attributes are not defined in AttributeDefinitions. Keys: [%s], AttributeDefinitions: %s", e.AttributeName, defNames(defs))
		}
		if _, ok := defs[e.AttributeName]; !ok {
			return k, validationf("One or more parameter values were invalid: Some index key attributes are not defined in AttributeDefinitions. Keys: [%s], AttributeDefinitions: %s", e.AttributeName, defNames(defs))
		}
	}
	k.Hash, k.HashType = ks[0].AttributeName, defs[ks[0].AttributeName]
	if len(ks) == 2 {
		k.Range, k.RangeType = ks[1].AttributeName, defs[ks[1].AttributeName]
	}
	return k, nil
}

func defNames(defs map[string]attr.Type) string {
	names := make([]string, 0, len(defs))
	for n := range defs {
		names = append(names, n)
	}
	sort.Strings(names)
	return "[" + strings.Join(names, ", ") + "]"
}

// resolve validates a spec as CreateTable does and builds the in-memory
// table. It normalises defaults (billing mode) into the spec.
func resolve(m tableMeta, region, account string) (*table, error) {
	s := &m.Spec
	if !nameRE.MatchString(s.TableName) {
		return nil, validationf("1 validation error detected: Value '%s' at 'tableName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+ and have length between 3 and 255", s.TableName)
	}
	defs := map[string]attr.Type{}
	for _, d := range s.AttributeDefinitions {
		t, ok := attrTypeOf(d.AttributeType)
		if !ok {
			return nil, validationf("1 validation error detected: Value '%s' at 'attributeDefinitions.member.attributeType' failed to satisfy constraint: Member must satisfy enum value set: [B, N, S]", d.AttributeType)
		}
		if _, dup := defs[d.AttributeName]; dup {
			return nil, validationf("Cannot have two attributes with the same name")
		}
		defs[d.AttributeName] = t
	}
	if len(s.KeySchema) == 0 {
		return nil, validationf("1 validation error detected: Value null at 'keySchema' failed to satisfy constraint: Member must not be null")
	}
	key, err := resolveKey(s.KeySchema, defs, "keySchema")
	if err != nil {
		return nil, err
	}
	switch s.BillingMode {
	case "":
		s.BillingMode = BillingProvisioned
		fallthrough
	case BillingProvisioned:
		if s.ProvisionedThroughput == nil {
			return nil, validationf("One or more parameter values were invalid: ReadCapacityUnits and WriteCapacityUnits must both be specified when BillingMode is PROVISIONED")
		}
	case BillingPayPerRequest:
		if s.ProvisionedThroughput != nil {
			return nil, validationf("One or more parameter values were invalid: Neither ReadCapacityUnits nor WriteCapacityUnits can be specified when BillingMode is PAY_PER_REQUEST")
		}
	default:
		return nil, validationf("1 validation error detected: Value '%s' at 'billingMode' failed to satisfy constraint: Member must satisfy enum value set: [PROVISIONED, PAY_PER_REQUEST]", s.BillingMode)
	}
	t := &table{meta: m, key: key, indexes: map[string]*index{}, bucket: tableBucket(s.TableName)}
	t.arn = fmt.Sprintf("arn:aws:dynamodb:%s:%s:table/%s", region, account, s.TableName)
	used := map[string]bool{key.Hash: true}
	if key.Range != "" {
		used[key.Range] = true
	}
	addIndex := func(spec IndexSpec, local bool) error {
		kind := "GlobalSecondaryIndexes"
		if local {
			kind = "LocalSecondaryIndexes"
		}
		if !nameRE.MatchString(spec.IndexName) {
			return validationf("1 validation error detected: Value '%s' at 'indexName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+ and have length between 3 and 255", spec.IndexName)
		}
		if _, dup := t.indexes[spec.IndexName]; dup {
			return validationf("One or more parameter values were invalid: Duplicate index name: %s", spec.IndexName)
		}
		ik, err := resolveKey(spec.KeySchema, defs, kind+".keySchema")
		if err != nil {
			return err
		}
		if local {
			if key.Range == "" {
				return validationf("One or more parameter values were invalid: Table KeySchema does not have a range key, which is required when specifying a LocalSecondaryIndex")
			}
			if ik.Hash != key.Hash || ik.Range == "" {
				return validationf("One or more parameter values were invalid: Index KeySchema does not have the same leading hash key as table KeySchema for index: %s. index hash key: %s, table hash key: %s", spec.IndexName, ik.Hash, key.Hash)
			}
		}
		p := spec.Projection
		if p.ProjectionType == "" {
			return validationf("One or more parameter values were invalid: Unknown ProjectionType: null")
		}
		inc := map[string]bool{}
		switch p.ProjectionType {
		case ProjectAll, ProjectKeysOnly:
			if len(p.NonKeyAttributes) > 0 {
				return validationf("One or more parameter values were invalid: ProjectionType is %s, but NonKeyAttributes is specified", p.ProjectionType)
			}
		case ProjectInclude:
			if len(p.NonKeyAttributes) == 0 {
				return validationf("One or more parameter values were invalid: ProjectionType is INCLUDE, but NonKeyAttributes is not specified")
			}
			for _, a := range p.NonKeyAttributes {
				inc[a] = true
			}
		default:
			return validationf("One or more parameter values were invalid: Unknown ProjectionType: %s", p.ProjectionType)
		}
		if !local {
			if s.BillingMode == BillingProvisioned && spec.ProvisionedThroughput == nil {
				return validationf("One or more parameter values were invalid: ProvisionedThroughput must be specified for index: %s", spec.IndexName)
			}
			if s.BillingMode == BillingPayPerRequest && spec.ProvisionedThroughput != nil {
				return validationf("One or more parameter values were invalid: ProvisionedThroughput should not be specified for index: %s when BillingMode is PAY_PER_REQUEST", spec.IndexName)
			}
		}
		used[ik.Hash] = true
		if ik.Range != "" {
			used[ik.Range] = true
		}
		ix := &index{Name: spec.IndexName, Local: local, Key: ik, Project: p, include: inc}
		t.indexes[ix.Name] = ix
		t.order = append(t.order, ix)
		return nil
	}
	if len(s.GlobalSecondaryIndexes) > 20 {
		return nil, validationf("One or more parameter values were invalid: GlobalSecondaryIndex count exceeds the per-table limit of 20")
	}
	if len(s.LocalSecondaryIndexes) > 5 {
		return nil, validationf("One or more parameter values were invalid: Number of LocalSecondaryIndexes exceeds per-table limit of 5")
	}
	for _, g := range s.GlobalSecondaryIndexes {
		if err := addIndex(g, false); err != nil {
			return nil, err
		}
	}
	for _, l := range s.LocalSecondaryIndexes {
		if err := addIndex(l, true); err != nil {
			return nil, err
		}
	}
	if len(used) != len(defs) {
		return nil, validationf("One or more parameter values were invalid: Number of attributes in KeySchema does not exactly match number of attributes defined in AttributeDefinitions")
	}
	if ss := s.StreamSpecification; ss != nil {
		if ss.StreamEnabled && !ss.StreamViewType.Valid() {
			return nil, validationf("One or more parameter values were invalid: You must specify a StreamViewType when enabling a stream")
		}
		if !ss.StreamEnabled && ss.StreamViewType != "" {
			return nil, validationf("One or more parameter values were invalid: StreamViewType cannot be specified when StreamEnabled is false")
		}
	}
	return t, nil
}

// keyNames returns the table's key attribute names.
func (k keyDef) names() []string {
	if k.Range == "" {
		return []string{k.Hash}
	}
	return []string{k.Hash, k.Range}
}

// extractKey returns the key attributes of item, validating presence, type
// and non-emptiness as PutItem and GetItem do.
func (k keyDef) extract(item attr.Item, exact bool) (attr.Item, error) {
	if exact && len(item) != len(k.names()) {
		return nil, validationf("The provided key element does not match the schema")
	}
	out := make(attr.Item, 2)
	for _, n := range k.names() {
		v, ok := item[n]
		want := k.HashType
		if n == k.Range {
			want = k.RangeType
		}
		if !ok {
			if exact {
				return nil, validationf("The provided key element does not match the schema")
			}
			return nil, validationf("One or more parameter values were invalid: Missing the key %s in the item", n)
		}
		if v.Type != want {
			if exact {
				return nil, validationf("The provided key element does not match the schema")
			}
			return nil, validationf("One or more parameter values were invalid: Type mismatch for key %s expected: %s actual: %s", n, want, v.Type)
		}
		if (v.Type == attr.TypeS && v.S == "") || (v.Type == attr.TypeB && len(v.B) == 0) {
			return nil, validationf("One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty %s value. Key: %s", map[attr.Type]string{attr.TypeS: "string", attr.TypeB: "binary"}[v.Type], n)
		}
		if err := checkKeySize(v, n == k.Range); err != nil {
			return nil, err
		}
		out[n] = v
	}
	return out, nil
}

// storageKey encodes a table key.
func (k keyDef) storageKey(item attr.Item) []byte {
	b := appendKeyValue(make([]byte, 0, 32), item[k.Hash])
	if k.Range != "" {
		b = appendKeyValue(b, item[k.Range])
	}
	return b
}

// indexKey returns the index entry key of item, or ok=false when item
// lacks an index key attribute (sparse index). A present key attribute of
// the wrong type is a validation error, as in DynamoDB.
func (ix *index) entryKey(item attr.Item, tableKey []byte) ([]byte, bool, error) {
	b := make([]byte, 0, 64)
	for _, n := range ix.Key.names() {
		v, ok := item[n]
		if !ok {
			return nil, false, nil
		}
		want := ix.Key.HashType
		if n == ix.Key.Range {
			want = ix.Key.RangeType
		}
		if v.Type != want {
			return nil, false, validationf("One or more parameter values were invalid: Type mismatch for Index Key %s Expected: %s Actual: %s IndexName: %s", n, want, v.Type, ix.Name)
		}
		if (v.Type == attr.TypeS && v.S == "") || (v.Type == attr.TypeB && len(v.B) == 0) {
			return nil, false, validationf("One or more parameter values are not valid. A value specified for a secondary index key is not supported. The AttributeValue for a key attribute cannot contain an empty string value. IndexName: %s, IndexKey: %s", ix.Name, n)
		}
		b = appendKeyValue(b, v)
	}
	return append(b, tableKey...), true, nil
}

// project returns the attributes of item that the index stores.
func (ix *index) project(item attr.Item, tk keyDef) attr.Item {
	if ix.Project.ProjectionType == ProjectAll {
		return item
	}
	out := attr.Item{}
	for _, n := range append(tk.names(), ix.Key.names()...) {
		if v, ok := item[n]; ok {
			out[n] = v
		}
	}
	for n := range ix.include {
		if v, ok := item[n]; ok {
			out[n] = v
		}
	}
	return out
}

// sameSpec reports the first difference between two specs ("" if none),
// for EnsureTable.
func sameSpec(a, b TableSpec) string {
	switch {
	case !slices.Equal(a.KeySchema, b.KeySchema):
		return fmt.Sprintf("key schema %v != %v", a.KeySchema, b.KeySchema)
	case !sameSet(a.AttributeDefinitions, b.AttributeDefinitions):
		return fmt.Sprintf("attribute definitions %v != %v", a.AttributeDefinitions, b.AttributeDefinitions)
	case a.BillingMode != b.BillingMode:
		return fmt.Sprintf("billing mode %s != %s", a.BillingMode, b.BillingMode)
	case streamOf(a) != streamOf(b):
		return fmt.Sprintf("stream %q != %q", streamOf(a), streamOf(b))
	}
	if d := sameIndexes("global secondary index", a.GlobalSecondaryIndexes, b.GlobalSecondaryIndexes); d != "" {
		return d
	}
	return sameIndexes("local secondary index", a.LocalSecondaryIndexes, b.LocalSecondaryIndexes)
}

func sameSet[T comparable](a, b []T) bool {
	if len(a) != len(b) {
		return false
	}
	for _, x := range a {
		if !slices.Contains(b, x) {
			return false
		}
	}
	return true
}

func streamOf(s TableSpec) streams.ViewType {
	if s.StreamSpecification == nil || !s.StreamSpecification.StreamEnabled {
		return ""
	}
	return s.StreamSpecification.StreamViewType
}

func sameIndexes(what string, a, b []IndexSpec) string {
	find := func(l []IndexSpec, name string) *IndexSpec {
		for i := range l {
			if l[i].IndexName == name {
				return &l[i]
			}
		}
		return nil
	}
	for _, x := range a {
		y := find(b, x.IndexName)
		if y == nil {
			return fmt.Sprintf("%s %s exists but is not wanted", what, x.IndexName)
		}
		if !slices.Equal(x.KeySchema, y.KeySchema) || x.Projection.ProjectionType != y.Projection.ProjectionType ||
			!sameSet(x.Projection.NonKeyAttributes, y.Projection.NonKeyAttributes) {
			return fmt.Sprintf("%s %s differs: %v %v != %v %v", what, x.IndexName, x.KeySchema, x.Projection, y.KeySchema, y.Projection)
		}
	}
	for _, y := range b {
		if find(a, y.IndexName) == nil {
			return fmt.Sprintf("%s %s is missing", what, y.IndexName)
		}
	}
	return ""
}
