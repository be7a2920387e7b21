package ddb

import (
	"bytes"
	"context"
	"hash/fnv"

	"github.com/sfapi/sfapi/internal/emulator/ddb/attr"
	"github.com/sfapi/sfapi/internal/emulator/ddb/expr"
	"github.com/sfapi/sfapi/internal/emulator/kv"
)

// Select values.
const (
	SelectAllAttributes          = "ALL_ATTRIBUTES"
	SelectAllProjectedAttributes = "ALL_PROJECTED_ATTRIBUTES"
	SelectSpecificAttributes     = "SPECIFIC_ATTRIBUTES"
	SelectCount                  = "COUNT"
)

// MaxPageBytes is the 1 MB of data a Query or Scan reads per page.
const MaxPageBytes = 1 << 20

// QueryInput is a Query request.
type QueryInput struct {
	TableName                 string
	IndexName                 string
	KeyConditionExpression    string
	FilterExpression          string
	ProjectionExpression      string
	ExpressionAttributeNames  Names
	ExpressionAttributeValues Values
	Select                    string
	Limit                     int
	// Backward is ScanIndexForward=false.
	Backward          bool
	ExclusiveStartKey attr.Item
	ConsistentRead    bool
}

// ScanInput is a Scan request.
type ScanInput struct {
	TableName                 string
	IndexName                 string
	FilterExpression          string
	ProjectionExpression      string
	ExpressionAttributeNames  Names
	ExpressionAttributeValues Values
	Select                    string
	Limit                     int
	ExclusiveStartKey         attr.Item
	ConsistentRead            bool
	Segment, TotalSegments    int
}

// PageOutput is a Query or Scan page.
type PageOutput struct {
	Items            []attr.Item
	Count            int
	ScannedCount     int
	LastEvaluatedKey attr.Item
	Consumed         Capacity
}

// readPlan is the resolved form shared by Query and Scan.
type readPlan struct {
	t        *table
	ix       *index // nil for the table
	filter   *expr.Condition
	proj     *projection
	ph       *expr.Placeholders
	sel      string
	limit    int
	fetch    bool // read full items from the table (LSI with ALL_ATTRIBUTES)
	start    []byte
	segment  int
	segments int
	consist  bool
}

// key returns the key definition of what is read.
func (r *readPlan) key() keyDef {
	if r.ix != nil {
		return r.ix.Key
	}
	return r.t.key
}

func (e *Engine) prepareRead(t *table, indexName, filter, projExpr, sel string, names Names, values Values, limit int, esk attr.Item, consistent bool, extra ...expr.Refs) (*readPlan, error) {
	r := &readPlan{t: t, limit: limit, consist: consistent, ph: placeholders(names, values)}
	if limit < 0 {
		return nil, validationf("1 validation error detected: Value '%d' at 'limit' failed to satisfy constraint: Member must have value greater than or equal to 1", limit)
	}
	if indexName != "" {
		r.ix = t.indexes[indexName]
		if r.ix == nil {
			return nil, validationf("The table does not have the specified index: %s", indexName)
		}
		if consistent && !r.ix.Local {
			return nil, validationf("Consistent reads are not supported on global secondary indexes")
		}
	}
	refs := append([]expr.Refs(nil), extra...)
	var err error
	if filter != "" {
		if r.filter, err = expr.ParseFilter(filter); err != nil {
			return nil, exprErr(err)
		}
		refs = append(refs, r.filter.Refs())
	}
	r.proj = &projection{ph: r.ph}
	if projExpr != "" {
		if r.proj.p, err = expr.ParseProjection(projExpr); err != nil {
			return nil, exprErr(err)
		}
		refs = append(refs, r.proj.p.Refs())
	}
	if err := validatePlaceholders(r.ph, refs...); err != nil {
		return nil, err
	}
	switch sel {
	case "":
		sel = SelectAllAttributes
		if r.ix != nil {
			sel = SelectAllProjectedAttributes
		}
		if projExpr != "" {
			sel = SelectSpecificAttributes
		}
	case SelectSpecificAttributes:
	case SelectAllAttributes, SelectCount, SelectAllProjectedAttributes:
		if projExpr != "" {
			return nil, validationf("Cannot specify the ProjectionExpression when choosing to get %s", sel)
		}
	default:
		return nil, validationf("1 validation error detected: Value '%s' at 'select' failed to satisfy constraint: Member must satisfy enum value set: [SPECIFIC_ATTRIBUTES, COUNT, ALL_ATTRIBUTES, ALL_PROJECTED_ATTRIBUTES]", sel)
	}
	if sel == SelectAllProjectedAttributes && r.ix == nil {
		return nil, validationf("ALL_PROJECTED_ATTRIBUTES can be used only when Querying using an IndexName")
	}
	if sel == SelectAllAttributes && r.ix != nil && r.ix.Project.ProjectionType != ProjectAll {
		if !r.ix.Local {
			return nil, validationf("One or more parameter values were invalid: Select type ALL_ATTRIBUTES is not supported for global secondary index %s because its projection type is not ALL", r.ix.Name)
		}
		r.fetch = true
	}
	r.sel = sel
	if esk != nil {
		if r.start, err = r.startKey(esk); err != nil {
			return nil, err
		}
	}
	return r, nil
}

// startKey encodes an ExclusiveStartKey as a storage key.
func (r *readPlan) startKey(esk attr.Item) ([]byte, error) {
	want := len(r.t.key.names())
	tk, err := r.t.key.extract(esk, false)
	if err != nil {
		return nil, validationf("The provided starting key is invalid: %s", err.(*Error).Message)
	}
	sk := r.t.key.storageKey(tk)
	if r.ix == nil {
		if len(esk) != want {
			return nil, validationf("The provided starting key is invalid: The provided key element does not match the schema")
		}
		return sk, nil
	}
	ik, ok, err := r.ix.entryKey(esk, sk)
	if err != nil || !ok {
		return nil, validationf("The provided starting key is invalid: The provided key element does not match the schema")
	}
	return ik, nil
}

// lastKey returns the LastEvaluatedKey of an item read through r.
func (r *readPlan) lastKey(it attr.Item) attr.Item {
	out := attr.Item{}
	names := r.t.key.names()
	if r.ix != nil {
		names = append(names, r.ix.Key.names()...)
	}
	for _, n := range names {
		if v, ok := it[n]; ok {
			out[n] = v
		}
	}
	return out
}

func (r *readPlan) bucket(tx *kv.Tx) (items, src *kv.Bucket, err error) {
	tb := tx.Bucket(r.t.bucket)
	if tb == nil {
		return nil, nil, errTableNotFound()
	}
	items = tb.Bucket(itemsBucket)
	if r.ix == nil {
		return items, items, nil
	}
	return items, tb.Bucket(indexBucket(r.ix.Name)), nil
}

// bound classifies a sort key against a key condition: -1 below the
// range, 0 inside, 1 above.
type bound func(sk attr.Value) int

// run reads one page. prefix restricts keys (a partition for Query);
// seekFwd/seekBack are where to start reading forwards / the exclusive
// upper end when reading backwards.
func (e *Engine) run(ctx context.Context, r *readPlan, prefix, seekFwd, seekBack []byte, backward bool, sortAttr string, in bound) (*PageOutput, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	out := &PageOutput{Consumed: Capacity{TableName: r.t.meta.Spec.TableName}}
	size := 0
	err := e.db.View(func(tx *kv.Tx) error {
		items, src, err := r.bucket(tx)
		if err != nil {
			return err
		}
		c := src.Cursor()
		var k, v []byte
		skip := r.start
		switch {
		case !backward && r.start != nil:
			k, v = c.Seek(r.start)
		case !backward:
			k, v = c.Seek(seekFwd)
		default:
			from := seekBack
			if r.start != nil {
				from = r.start
			}
			if from == nil {
				k, v = c.Last()
			} else if k, _ = c.Seek(from); k == nil {
				k, v = c.Last()
			} else {
				k, v = c.Prev()
			}
			skip = nil
		}
		next := c.Next
		if backward {
			next = c.Prev
		}
		for ; k != nil && bytes.HasPrefix(k, prefix); k, v = next() {
			if skip != nil && bytes.Equal(k, skip) {
				continue
			}
			it, err := decodeItem(v)
			if err != nil {
				return err
			}
			if r.segments > 0 && segmentOf(it[r.t.key.Hash], r.segments) != r.segment {
				continue
			}
			if in != nil {
				switch pos := in(it[sortAttr]); {
				case pos < 0 && !backward, pos > 0 && backward:
					continue
				case pos != 0:
					return nil
				}
			}
			if r.fetch {
				full, err := getItem(items, r.t.key.storageKey(it))
				if err != nil {
					return err
				}
				if full != nil {
					it = full
				}
			}
			out.ScannedCount++
			size += ItemSize(it)
			match := true
			if r.filter != nil {
				if match, err = r.filter.Eval(it, r.ph); err != nil {
					return exprErr(err)
				}
			}
			if match {
				out.Count++
				if r.sel != SelectCount {
					p, err := r.proj.apply(it)
					if err != nil {
						return err
					}
					out.Items = append(out.Items, p)
				}
			}
			if (r.limit > 0 && out.ScannedCount >= r.limit) || size >= MaxPageBytes {
				out.LastEvaluatedKey = r.lastKey(it)
				return nil
			}
		}
		return nil
	})
	if err != nil {
		return nil, wrapStore("read", r.t.meta.Spec.TableName, err)
	}
	u := readUnits(size, r.consist)
	switch {
	case r.ix == nil:
		out.Consumed.Read = u
	case r.ix.Local:
		out.Consumed.addLocalIndex(r.ix.Name, u)
	default:
		out.Consumed.addIndex(r.ix.Name, u)
	}
	return out, nil
}

func segmentOf(v attr.Value, n int) int {
	h := fnv.New32a()
	_, _ = h.Write(rawKeyBytes(v))
	return int(h.Sum32() % uint32(n))
}

// Scan reads a table or index in storage order, one page at a time.
func (e *Engine) Scan(ctx context.Context, in ScanInput) (*PageOutput, error) {
	t, err := e.table(in.TableName)
	if err != nil {
		return nil, err
	}
	if in.TotalSegments != 0 || in.Segment != 0 {
		if in.TotalSegments < 1 || in.TotalSegments > 1000000 {
			return nil, validationf("1 validation error detected: Value '%d' at 'totalSegments' failed to satisfy constraint: Member must have value greater than or equal to 1", in.TotalSegments)
		}
		if in.Segment < 0 || in.Segment >= in.TotalSegments {
			return nil, validationf("The Segment parameter is zero-based and must be less than parameter TotalSegments: Segment: %d is not less than TotalSegments: %d", in.Segment, in.TotalSegments)
		}
	}
	r, err := e.prepareRead(t, in.IndexName, in.FilterExpression, in.ProjectionExpression, in.Select, in.ExpressionAttributeNames, in.ExpressionAttributeValues, in.Limit, in.ExclusiveStartKey, in.ConsistentRead)
	if err != nil {
		return nil, err
	}
	r.segment, r.segments = in.Segment, in.TotalSegments
	return e.run(ctx, r, nil, nil, nil, false, "", nil)
}

// Query reads the items of one partition of a table or index in sort key
// order, as a range scan over the partition's storage key prefix.
func (e *Engine) Query(ctx context.Context, in QueryInput) (*PageOutput, error) {
	t, err := e.table(in.TableName)
	if err != nil {
		return nil, err
	}
	if in.KeyConditionExpression == "" {
		return nil, validationf("Either the KeyConditions or KeyConditionExpression parameter must be specified in the request.")
	}
	ph := placeholders(in.ExpressionAttributeNames, in.ExpressionAttributeValues)
	kc, err := expr.ParseKeyCondition(in.KeyConditionExpression, ph)
	if err != nil {
		return nil, exprErr(err)
	}
	r, err := e.prepareRead(t, in.IndexName, in.FilterExpression, in.ProjectionExpression, in.Select, in.ExpressionAttributeNames, in.ExpressionAttributeValues, in.Limit, in.ExclusiveStartKey, in.ConsistentRead, kc.Refs)
	if err != nil {
		return nil, err
	}
	k := r.key()
	if err := kc.ForSchema(k.Hash, k.Range); err != nil {
		return nil, exprErr(err)
	}
	if kc.PartitionValue.Type != k.HashType {
		return nil, validationf("One or more parameter values were invalid: Condition parameter type does not match schema type")
	}
	prefix := appendKeyValue(nil, kc.PartitionValue)
	fwd, back := prefix, componentSuccessor(prefix)
	var in2 bound
	if sc := kc.Sort; sc != nil {
		for _, v := range sc.Values {
			if v.Type != k.RangeType {
				return nil, validationf("One or more parameter values were invalid: Condition parameter type does not match schema type")
			}
		}
		want := 1
		if sc.Op == expr.SortBetween {
			want = 2
		}
		if len(sc.Values) != want {
			return nil, validationf("Invalid KeyConditionExpression: wrong number of operands")
		}
		lo := rawKeyBytes(sc.Values[0])
		hi := lo
		if sc.Op == expr.SortBetween {
			hi = rawKeyBytes(sc.Values[1])
			if bytes.Compare(lo, hi) > 0 {
				return nil, validationf("Invalid KeyConditionExpression: The BETWEEN operator requires upper bound to be greater than or equal to lower bound; lower bound operand: AttributeValue: {%s:%s}, upper bound operand: AttributeValue: {%s:%s}", sc.Values[0].Type, showKey(sc.Values[0]), sc.Values[1].Type, showKey(sc.Values[1]))
			}
		}
		if sc.Op == expr.SortBeginsWith && k.RangeType == attr.TypeN {
			return nil, validationf("Invalid KeyConditionExpression: Incorrect operand type for operator or function; operator or function: begins_with, operand type: N")
		}
		switch sc.Op {
		case expr.SortEQ, expr.SortGT, expr.SortGE, expr.SortBetween, expr.SortBeginsWith:
			fwd = appendEscaped(append([]byte(nil), prefix...), lo)
		}
		switch sc.Op {
		case expr.SortEQ, expr.SortLT, expr.SortLE, expr.SortBetween:
			back = append(appendEscaped(append([]byte(nil), prefix...), hi), escByte, termByte+1)
		}
		op := sc.Op
		in2 = func(v attr.Value) int {
			b := rawKeyBytes(v)
			switch op {
			case expr.SortEQ:
				return bytes.Compare(b, lo)
			case expr.SortLT:
				if bytes.Compare(b, lo) < 0 {
					return 0
				}
				return 1
			case expr.SortLE:
				if bytes.Compare(b, lo) <= 0 {
					return 0
				}
				return 1
			case expr.SortGT:
				if bytes.Compare(b, lo) > 0 {
					return 0
				}
				return -1
			case expr.SortGE:
				if bytes.Compare(b, lo) >= 0 {
					return 0
				}
				return -1
			case expr.SortBetween:
				if bytes.Compare(b, lo) < 0 {
					return -1
				}
				if bytes.Compare(b, hi) > 0 {
					return 1
				}
				return 0
			case expr.SortBeginsWith:
				if bytes.HasPrefix(b, lo) {
					return 0
				}
				return bytes.Compare(b, lo)
			}
			return 1
		}
	}
	return e.run(ctx, r, prefix, fwd, back, in.Backward, k.Range, in2)
}

func showKey(v attr.Value) string {
	if v.Type == attr.TypeB {
		return string(v.B)
	}
	return v.S
}
