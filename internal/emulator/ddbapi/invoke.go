package ddbapi

import (
	"context"
	"encoding/json"
	"net/http"
	"unicode/utf8"

	"github.com/sfapi/sfapi/internal/emulator/awsjson"
	"github.com/sfapi/sfapi/internal/emulator/ddb"
	"github.com/sfapi/sfapi/internal/emulator/ddb/attr"
)

// Direct runs the hot item operations for in-process callers that hold the
// request as decoded JSON values (map[string]any, []any, string, int64,
// float64, bool, nil), as Step Functions' optimized dynamodb:* tasks do:
// the request goes into the same input struct the wire decoder fills and
// through the same handler, without encoding it to JSON and decoding it
// again.
//
// It takes only what the fast decoder (fastdecode.go) takes, with values
// that encode and decode back unchanged: the members each operation
// documents, in their exact case, once, with the expected type, no nulls,
// attribute values of type S, N, BOOL, NULL, M or L only, valid UTF-8
// strings. For anything else Invoke reports it unhandled and the caller
// takes the wire path, so every error message of a malformed request stays
// the wire's. TestDirectMatchesWire pins that both paths fill the same
// struct.
type Direct struct{ h *handler }

// NewDirect returns the direct entry into e's item operations.
func NewDirect(e *ddb.Engine) *Direct { return &Direct{h: &handler{e: e}} }

// Invoke runs operation op (PutItem, GetItem, UpdateItem, DeleteItem or
// Query) with request v. handled is false when v (or op) is not one the
// direct path takes. Otherwise body is the response document the wire
// operation answers, or err the *awsjson.Error it answers with.
func (d *Direct) Invoke(ctx context.Context, op string, v any) (body []byte, handled bool, err error) {
	m, ok := v.(map[string]any)
	if !ok {
		return nil, false, nil
	}
	switch op {
	case "PutItem":
		return direct(ctx, d.h.putItem, (*putItemInput).fromValue, m)
	case "UpdateItem":
		return direct(ctx, d.h.updateItem, (*updateItemInput).fromValue, m)
	case "DeleteItem":
		return direct(ctx, d.h.deleteItem, (*deleteItemInput).fromValue, m)
	case "GetItem":
		return direct(ctx, d.h.getItem, (*getItemInput).fromValue, m)
	case "Query":
		return direct(ctx, d.h.query, (*queryInput).fromValue, m)
	}
	return nil, false, nil
}

// direct is op (api.go) and awsjson.Mux.Invoke for a request the caller
// decoded already: fill, call, map errors, encode.
func direct[I, O any](ctx context.Context, f func(context.Context, *I) (O, error), fill func(*I, map[string]any) bool, m map[string]any) ([]byte, bool, error) {
	in := new(I)
	if !fill(in, m) {
		return nil, false, nil
	}
	out, err := f(ctx, in)
	if err != nil {
		return nil, true, mapErr(err)
	}
	var body []byte
	if mo, ok := any(out).(awsjson.Marshaler); ok {
		body, err = mo.MarshalAWSJSON()
	} else {
		body, err = json.Marshal(out)
	}
	if err != nil {
		return nil, true, &awsjson.Error{Status: http.StatusInternalServerError, Code: awsjson.CodeInternalFailure, Message: "failed to encode response"}
	}
	return body, true, nil
}

// valueStr reads a string member (encoding/json would replace invalid
// UTF-8: such strings go to the wire path).
func valueStr(v any, dst *string) bool {
	s, ok := v.(string)
	if !ok || !utf8.ValidString(s) {
		return false
	}
	*dst = s
	return true
}

func valueBool(v any, dst *bool) bool {
	b, ok := v.(bool)
	*dst = b
	return ok
}

func valueBoolPtr(v any, dst **bool) bool {
	b, ok := v.(bool)
	if ok {
		*dst = &b
	}
	return ok
}

// valueIntPtr reads an integer member (the engine holds JSON integers as
// int64; a float64 is not an integer literal on the wire).
func valueIntPtr(v any, dst **int) bool {
	var n int
	switch x := v.(type) {
	case int64:
		n = int(x)
		if int64(n) != x {
			return false
		}
	case int:
		n = x
	default:
		return false
	}
	*dst = &n
	return true
}

// maxDirectDepth bounds attribute value nesting on the direct path (the
// wire decoder's own limit is higher; deeper values take the wire).
const maxDirectDepth = 16

func valueItem(v any, dst *attr.Item) bool {
	m, ok := v.(map[string]any)
	if !ok {
		return false
	}
	it, ok := itemOf(m, 0)
	if ok {
		*dst = it
	}
	return ok
}

func itemOf(m map[string]any, depth int) (attr.Item, bool) {
	it := make(attr.Item, len(m))
	for k, x := range m {
		if !utf8.ValidString(k) {
			return nil, false
		}
		av, ok := attrOf(x, depth)
		if !ok {
			return nil, false
		}
		it[k] = av
	}
	return it, true
}

// attrOf converts one attribute value ({"S": "x"}, ...) as attr's decoder
// decodes its JSON.
func attrOf(v any, depth int) (attr.Value, bool) {
	m, ok := v.(map[string]any)
	if !ok || len(m) != 1 || depth > maxDirectDepth {
		return attr.Value{}, false
	}
	for t, x := range m {
		switch t {
		case "S":
			var s string
			if !valueStr(x, &s) {
				return attr.Value{}, false
			}
			return attr.String(s), true
		case "N":
			var s string
			if !valueStr(x, &s) {
				return attr.Value{}, false
			}
			n, err := attr.ParseNumber(s)
			if err != nil {
				return attr.Value{}, false
			}
			return n, true
		case "BOOL":
			b, ok := x.(bool)
			if !ok {
				return attr.Value{}, false
			}
			return attr.Bool(b), true
		case "NULL":
			if b, ok := x.(bool); !ok || !b {
				return attr.Value{}, false
			}
			return attr.Null(), true
		case "M":
			mm, ok := x.(map[string]any)
			if !ok {
				return attr.Value{}, false
			}
			it, ok := itemOf(mm, depth+1)
			if !ok {
				return attr.Value{}, false
			}
			return attr.Map(it), true
		case "L":
			l, ok := x.([]any)
			if !ok {
				return attr.Value{}, false
			}
			vals := make([]attr.Value, len(l))
			for i, e := range l {
				if vals[i], ok = attrOf(e, depth+1); !ok {
					return attr.Value{}, false
				}
			}
			return attr.List(vals...), true
		}
	}
	return attr.Value{}, false
}

func valueNames(v any, dst *map[string]string) bool {
	m, ok := v.(map[string]any)
	if !ok {
		return false
	}
	out := make(map[string]string, len(m))
	for k, x := range m {
		var s string
		if !utf8.ValidString(k) || !valueStr(x, &s) {
			return false
		}
		out[k] = s
	}
	*dst = out
	return true
}

func valueValues(v any, dst *map[string]attr.Value) bool {
	m, ok := v.(map[string]any)
	if !ok {
		return false
	}
	out := make(map[string]attr.Value, len(m))
	for k, x := range m {
		if !utf8.ValidString(k) {
			return false
		}
		av, ok := attrOf(x, 0)
		if !ok {
			return false
		}
		out[k] = av
	}
	*dst = out
	return true
}

func (p *exprParams) fromValue(name string, v any) (handled, ok bool) {
	switch name {
	case "ExpressionAttributeNames":
		return true, valueNames(v, &p.ExpressionAttributeNames)
	case "ExpressionAttributeValues":
		return true, valueValues(v, &p.ExpressionAttributeValues)
	}
	return false, false
}

func writeCommonValue(name string, v any, table, cond, rv, rcc, ricm, rvoccf *string) (handled, ok bool) {
	switch name {
	case "TableName":
		return true, valueStr(v, table)
	case "ConditionExpression":
		return true, valueStr(v, cond)
	case "ReturnValues":
		return true, valueStr(v, rv)
	case "ReturnConsumedCapacity":
		return true, valueStr(v, rcc)
	case "ReturnItemCollectionMetrics":
		return true, valueStr(v, ricm)
	case "ReturnValuesOnConditionCheckFailure":
		return true, valueStr(v, rvoccf)
	}
	return false, false
}

func (in *putItemInput) fromValue(m map[string]any) bool {
	return itemWriteFromValue(m, &in.TableName, &in.ConditionExpression, &in.ReturnValues, &in.ReturnConsumedCapacity,
		&in.ReturnItemCollectionMetrics, &in.ReturnValuesOnConditionCheckFailure, &in.exprParams, "Item", &in.Item)
}

func (in *deleteItemInput) fromValue(m map[string]any) bool {
	return itemWriteFromValue(m, &in.TableName, &in.ConditionExpression, &in.ReturnValues, &in.ReturnConsumedCapacity,
		&in.ReturnItemCollectionMetrics, &in.ReturnValuesOnConditionCheckFailure, &in.exprParams, "Key", &in.Key)
}

// itemWriteFromValue fills what PutItem and DeleteItem share: the common
// write members, the expression placeholders, and one item-valued member
// (Item or Key, named itemName).
func itemWriteFromValue(m map[string]any, table, cond, rv, rcc, ricm, rvoccf *string, ep *exprParams, itemName string, item *attr.Item) bool {
	for name, v := range m {
		if h, ok := writeCommonValue(name, v, table, cond, rv, rcc, ricm, rvoccf); h {
			if !ok {
				return false
			}
			continue
		}
		if h, ok := ep.fromValue(name, v); h {
			if !ok {
				return false
			}
			continue
		}
		if name != itemName || !valueItem(v, item) {
			return false
		}
	}
	return true
}

func (in *updateItemInput) fromValue(m map[string]any) bool {
	for name, v := range m {
		if h, ok := writeCommonValue(name, v, &in.TableName, &in.ConditionExpression, &in.ReturnValues,
			&in.ReturnConsumedCapacity, &in.ReturnItemCollectionMetrics, &in.ReturnValuesOnConditionCheckFailure); h {
			if !ok {
				return false
			}
			continue
		}
		if h, ok := in.exprParams.fromValue(name, v); h {
			if !ok {
				return false
			}
			continue
		}
		var ok bool
		switch name {
		case "Key":
			ok = valueItem(v, &in.Key)
		case "UpdateExpression":
			ok = valueStr(v, &in.UpdateExpression)
		}
		if !ok {
			return false
		}
	}
	return true
}

func (in *getItemInput) fromValue(m map[string]any) bool {
	for name, v := range m {
		var ok bool
		switch name {
		case "TableName":
			ok = valueStr(v, &in.TableName)
		case "Key":
			ok = valueItem(v, &in.Key)
		case "ProjectionExpression":
			ok = valueStr(v, &in.ProjectionExpression)
		case "ExpressionAttributeNames":
			ok = valueNames(v, &in.ExpressionAttributeNames)
		case "ConsistentRead":
			ok = valueBool(v, &in.ConsistentRead)
		case "ReturnConsumedCapacity":
			ok = valueStr(v, &in.ReturnConsumedCapacity)
		}
		if !ok {
			return false
		}
	}
	return true
}

func (in *queryInput) fromValue(m map[string]any) bool {
	for name, v := range m {
		if h, ok := in.exprParams.fromValue(name, v); h {
			if !ok {
				return false
			}
			continue
		}
		var ok bool
		switch name {
		case "TableName":
			ok = valueStr(v, &in.TableName)
		case "IndexName":
			ok = valueStr(v, &in.IndexName)
		case "KeyConditionExpression":
			ok = valueStr(v, &in.KeyConditionExpression)
		case "FilterExpression":
			ok = valueStr(v, &in.FilterExpression)
		case "ProjectionExpression":
			ok = valueStr(v, &in.ProjectionExpression)
		case "Select":
			ok = valueStr(v, &in.Select)
		case "Limit":
			ok = valueIntPtr(v, &in.Limit)
		case "ScanIndexForward":
			ok = valueBoolPtr(v, &in.ScanIndexForward)
		case "ExclusiveStartKey":
			ok = valueItem(v, &in.ExclusiveStartKey)
		case "ConsistentRead":
			ok = valueBool(v, &in.ConsistentRead)
		case "ReturnConsumedCapacity":
			ok = valueStr(v, &in.ReturnConsumedCapacity)
		case "Segment":
			ok = valueIntPtr(v, &in.Segment)
		case "TotalSegments":
			ok = valueIntPtr(v, &in.TotalSegments)
		}
		if !ok {
			return false
		}
	}
	return true
}
