package ddbapi

import (
	"bytes"
	"encoding/json"
	"strconv"
	"unicode/utf8"

	"github.com/sfapi/sfapi/internal/emulator/ddb/attr"
)

// This file decodes the requests of the hot item operations (PutItem,
// GetItem, UpdateItem, DeleteItem, Query, BatchWriteItem) without encoding/json's
// reflection: a profile of durable PutItem put encoding/json's decode at
// about 7 % of the server's CPU and a good part of its allocations.
//
// The fast path handles only the shape every SDK sends: a JSON object whose
// members are the operation's documented fields, each at most once, with
// the expected JSON type (no nulls, no legacy parameters). Anything else —
// an unknown or differently cased member, a duplicate, a null, a wrong
// type, a malformed attribute value — makes decodeFast report false, and
// the caller decodes the same body with encoding/json (awsjson.Decode), so
// every error message and every corner of encoding/json's behaviour stays
// exactly what it was. FuzzFastDecode checks that whenever the fast path
// accepts a body, it yields exactly what encoding/json yields.

// fastDecoder is implemented by request structs with a fast path.
type fastDecoder interface {
	// decodeFast fills the receiver from body and reports true, or reports
	// false (leaving the receiver in any state) if body needs the general
	// decoder.
	decodeFast(body []byte) bool
}

// fieldSet tracks which members a request has had, to send duplicates to
// encoding/json (which merges duplicate maps rather than replacing them).
type fieldSet uint32

func (s *fieldSet) first(bit uint) bool {
	if *s&(1<<bit) != 0 {
		return false
	}
	*s |= 1 << bit
	return true
}

// eachMember calls fn with the name and raw value of every member of the
// JSON object body (which must be the whole of body, bar whitespace),
// stopping and returning false when fn does or when body is not well-formed
// JSON. It checks the object's own syntax; each value's syntax is checked by
// the fn that decodes it (every accepted member is decoded by a strict
// decoder, unknown members are refused), so a body the fast path accepts is
// valid JSON without a separate json.Valid pass. Names holding escapes or
// invalid UTF-8 are refused: encoding/json would unescape or replace them
// before matching.
func eachMember(body []byte, fn func(name, val []byte) bool) bool {
	i := skipWS(body, 0)
	if i >= len(body) || body[i] != '{' {
		return false
	}
	i = skipWS(body, i+1)
	if i < len(body) && body[i] == '}' {
		return skipWS(body, i+1) == len(body)
	}
	for {
		if i >= len(body) || body[i] != '"' {
			return false
		}
		end, ok := stringEnd(body, i)
		if !ok {
			return false
		}
		name := body[i+1 : end-1]
		if bytes.IndexByte(name, '\\') >= 0 || !utf8.Valid(name) {
			return false
		}
		i = skipWS(body, end)
		if i >= len(body) || body[i] != ':' {
			return false
		}
		i = skipWS(body, i+1)
		if i >= len(body) {
			return false
		}
		vend, ok := valueEnd(body, i)
		if !ok || !fn(name, body[i:vend]) {
			return false
		}
		i = skipWS(body, vend)
		if i >= len(body) {
			return false
		}
		switch body[i] {
		case ',':
			i = skipWS(body, i+1)
		case '}':
			return skipWS(body, i+1) == len(body)
		default:
			return false
		}
	}
}

func skipWS(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// stringEnd returns the index just past the JSON string that starts at
// b[i], or false if it is unterminated or holds a raw control character.
// Escapes are only skipped here; whoever decodes the string checks them.
func stringEnd(b []byte, i int) (int, bool) {
	for i++; i < len(b); i++ {
		switch c := b[i]; {
		case c == '\\':
			i++
		case c == '"':
			return i + 1, true
		case c < 0x20:
			return 0, false
		}
	}
	return 0, false
}

// valueEnd returns the index just past the JSON value that starts at b[i]:
// a string, a balanced object or array, or a run of scalar characters.
func valueEnd(b []byte, i int) (int, bool) {
	switch b[i] {
	case '"':
		return stringEnd(b, i)
	case '{', '[':
		depth := 0
		for i < len(b) {
			switch b[i] {
			case '"':
				end, ok := stringEnd(b, i)
				if !ok {
					return 0, false
				}
				i = end
				continue
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return i + 1, true
				}
			}
			i++
		}
		return 0, false
	default:
		start := i
		for i < len(b) {
			switch b[i] {
			case ',', '}', ']', ' ', '\t', '\n', '\r':
				return i, i > start
			}
			i++
		}
		return i, i > start
	}
}

// fastStr decodes a JSON string value into *dst.
func fastStr(val []byte, dst *string) bool {
	if len(val) < 2 || val[0] != '"' {
		return false
	}
	inner := val[1 : len(val)-1]
	if bytes.IndexByte(inner, '\\') < 0 && utf8.Valid(inner) {
		*dst = string(inner)
		return true
	}
	// Escapes or invalid UTF-8 (which encoding/json replaces): rare, so
	// let encoding/json decode just this string.
	return json.Unmarshal(val, dst) == nil
}

func fastBool(val []byte, dst *bool) bool {
	switch string(val) {
	case "true":
		*dst = true
	case "false":
		*dst = false
	default:
		return false
	}
	return true
}

// fastIntPtr decodes a JSON integer; strconv.Atoi alone would also take
// "+1" and "007", which are not JSON.
func fastIntPtr(val []byte, dst **int) bool {
	digits := val
	if len(digits) > 0 && digits[0] == '-' {
		digits = digits[1:]
	}
	if len(digits) == 0 || (digits[0] == '0' && len(digits) > 1) {
		return false
	}
	for _, c := range digits {
		if c < '0' || c > '9' {
			return false
		}
	}
	n, err := strconv.Atoi(string(val))
	if err != nil {
		return false
	}
	*dst = &n
	return true
}

func fastBoolPtr(val []byte, dst **bool) bool {
	var b bool
	if !fastBool(val, &b) {
		return false
	}
	*dst = &b
	return true
}

func fastItem(val []byte, dst *attr.Item) bool {
	if len(val) == 0 || val[0] != '{' {
		return false
	}
	var it attr.Item
	if it.UnmarshalJSON(val) != nil {
		return false
	}
	*dst = it
	return true
}

func fastNames(val []byte, dst *map[string]string) bool {
	if len(val) == 0 || val[0] != '{' {
		return false
	}
	m := map[string]string{}
	ok := eachMember(val, func(name, v []byte) bool {
		var s string
		if !fastStr(v, &s) {
			return false
		}
		m[string(name)] = s
		return true
	})
	if ok {
		*dst = m
	}
	return ok
}

func fastValues(val []byte, dst *map[string]attr.Value) bool {
	if len(val) == 0 || val[0] != '{' {
		return false
	}
	m := map[string]attr.Value{}
	ok := eachMember(val, func(name, v []byte) bool {
		var av attr.Value
		if len(v) == 0 || v[0] != '{' || av.UnmarshalJSON(v) != nil {
			return false
		}
		m[string(name)] = av
		return true
	})
	if ok {
		*dst = m
	}
	return ok
}

// member decodes the expression placeholders shared by the operations.
func (p *exprParams) member(seen *fieldSet, name, val []byte) (handled, ok bool) {
	switch string(name) {
	case "ExpressionAttributeNames":
		return true, seen.first(30) && fastNames(val, &p.ExpressionAttributeNames)
	case "ExpressionAttributeValues":
		return true, seen.first(31) && fastValues(val, &p.ExpressionAttributeValues)
	}
	return false, false
}

// writeCommon decodes the members PutItem, UpdateItem and DeleteItem share.
func writeCommon(seen *fieldSet, name, val []byte, table, cond, rv, rcc, ricm, rvoccf *string) (handled, ok bool) {
	switch string(name) {
	case "TableName":
		return true, seen.first(0) && fastStr(val, table)
	case "ConditionExpression":
		return true, seen.first(1) && fastStr(val, cond)
	case "ReturnValues":
		return true, seen.first(2) && fastStr(val, rv)
	case "ReturnConsumedCapacity":
		return true, seen.first(3) && fastStr(val, rcc)
	case "ReturnItemCollectionMetrics":
		return true, seen.first(4) && fastStr(val, ricm)
	case "ReturnValuesOnConditionCheckFailure":
		return true, seen.first(5) && fastStr(val, rvoccf)
	}
	return false, false
}

func (in *putItemInput) decodeFast(body []byte) bool {
	return itemWriteDecode(body, &in.TableName, &in.ConditionExpression, &in.ReturnValues, &in.ReturnConsumedCapacity,
		&in.ReturnItemCollectionMetrics, &in.ReturnValuesOnConditionCheckFailure, &in.exprParams, "Item", &in.Item)
}

func (in *deleteItemInput) decodeFast(body []byte) bool {
	return itemWriteDecode(body, &in.TableName, &in.ConditionExpression, &in.ReturnValues, &in.ReturnConsumedCapacity,
		&in.ReturnItemCollectionMetrics, &in.ReturnValuesOnConditionCheckFailure, &in.exprParams, "Key", &in.Key)
}

// itemWriteDecode decodes what PutItem and DeleteItem share: the common
// write members, the expression placeholders, and one item-valued member
// (Item or Key, named itemName).
func itemWriteDecode(body []byte, table, cond, rv, rcc, ricm, rvoccf *string, ep *exprParams, itemName string, item *attr.Item) bool {
	var seen fieldSet
	return eachMember(body, func(name, val []byte) bool {
		if h, ok := writeCommon(&seen, name, val, table, cond, rv, rcc, ricm, rvoccf); h {
			return ok
		}
		if h, ok := ep.member(&seen, name, val); h {
			return ok
		}
		return string(name) == itemName && seen.first(10) && fastItem(val, item)
	})
}

func (in *updateItemInput) decodeFast(body []byte) bool {
	var seen fieldSet
	return eachMember(body, func(name, val []byte) bool {
		if h, ok := writeCommon(&seen, name, val, &in.TableName, &in.ConditionExpression, &in.ReturnValues,
			&in.ReturnConsumedCapacity, &in.ReturnItemCollectionMetrics, &in.ReturnValuesOnConditionCheckFailure); h {
			return ok
		}
		if h, ok := in.exprParams.member(&seen, name, val); h {
			return ok
		}
		switch string(name) {
		case "Key":
			return seen.first(10) && fastItem(val, &in.Key)
		case "UpdateExpression":
			return seen.first(11) && fastStr(val, &in.UpdateExpression)
		}
		return false
	})
}

func (in *getItemInput) decodeFast(body []byte) bool {
	var seen fieldSet
	return eachMember(body, func(name, val []byte) bool {
		switch string(name) {
		case "TableName":
			return seen.first(0) && fastStr(val, &in.TableName)
		case "Key":
			return seen.first(1) && fastItem(val, &in.Key)
		case "ProjectionExpression":
			return seen.first(2) && fastStr(val, &in.ProjectionExpression)
		case "ExpressionAttributeNames":
			return seen.first(3) && fastNames(val, &in.ExpressionAttributeNames)
		case "ConsistentRead":
			return seen.first(4) && fastBool(val, &in.ConsistentRead)
		case "ReturnConsumedCapacity":
			return seen.first(5) && fastStr(val, &in.ReturnConsumedCapacity)
		}
		return false
	})
}

func (in *queryInput) decodeFast(body []byte) bool {
	var seen fieldSet
	return eachMember(body, func(name, val []byte) bool {
		if h, ok := in.exprParams.member(&seen, name, val); h {
			return ok
		}
		switch string(name) {
		case "TableName":
			return seen.first(0) && fastStr(val, &in.TableName)
		case "IndexName":
			return seen.first(1) && fastStr(val, &in.IndexName)
		case "KeyConditionExpression":
			return seen.first(2) && fastStr(val, &in.KeyConditionExpression)
		case "FilterExpression":
			return seen.first(3) && fastStr(val, &in.FilterExpression)
		case "ProjectionExpression":
			return seen.first(4) && fastStr(val, &in.ProjectionExpression)
		case "Select":
			return seen.first(5) && fastStr(val, &in.Select)
		case "Limit":
			return seen.first(6) && fastIntPtr(val, &in.Limit)
		case "ScanIndexForward":
			return seen.first(7) && fastBoolPtr(val, &in.ScanIndexForward)
		case "ExclusiveStartKey":
			return seen.first(8) && fastItem(val, &in.ExclusiveStartKey)
		case "ConsistentRead":
			return seen.first(9) && fastBool(val, &in.ConsistentRead)
		case "ReturnConsumedCapacity":
			return seen.first(10) && fastStr(val, &in.ReturnConsumedCapacity)
		case "Segment":
			return seen.first(11) && fastIntPtr(val, &in.Segment)
		case "TotalSegments":
			return seen.first(12) && fastIntPtr(val, &in.TotalSegments)
		}
		return false
	})
}

// eachElement calls fn with every element of the JSON array val, with the
// same contract as eachMember.
func eachElement(val []byte, fn func(elem []byte) bool) bool {
	i := skipWS(val, 0)
	if i >= len(val) || val[i] != '[' {
		return false
	}
	i = skipWS(val, i+1)
	if i < len(val) && val[i] == ']' {
		return skipWS(val, i+1) == len(val)
	}
	for {
		if i >= len(val) {
			return false
		}
		end, ok := valueEnd(val, i)
		if !ok || !fn(val[i:end]) {
			return false
		}
		i = skipWS(val, end)
		if i >= len(val) {
			return false
		}
		switch val[i] {
		case ',':
			i = skipWS(val, i+1)
		case ']':
			return skipWS(val, i+1) == len(val)
		default:
			return false
		}
	}
}

// fastWriteRequest decodes one BatchWriteItem request: {"PutRequest":
// {"Item": ...}} or {"DeleteRequest": {"Key": ...}}.
func fastWriteRequest(val []byte, dst *writeRequest) bool {
	if len(val) == 0 || val[0] != '{' {
		return false
	}
	var seen fieldSet
	return eachMember(val, func(name, v []byte) bool {
		switch string(name) {
		case "PutRequest":
			if !seen.first(0) || len(v) == 0 || v[0] != '{' {
				return false
			}
			dst.PutRequest = &struct{ Item attr.Item }{}
			var in fieldSet
			return eachMember(v, func(n, iv []byte) bool {
				return string(n) == "Item" && in.first(0) && fastItem(iv, &dst.PutRequest.Item)
			})
		case "DeleteRequest":
			if !seen.first(1) || len(v) == 0 || v[0] != '{' {
				return false
			}
			dst.DeleteRequest = &struct{ Key attr.Item }{}
			var in fieldSet
			return eachMember(v, func(n, kv []byte) bool {
				return string(n) == "Key" && in.first(0) && fastItem(kv, &dst.DeleteRequest.Key)
			})
		}
		return false
	})
}

func (in *batchWriteInput) decodeFast(body []byte) bool {
	var seen fieldSet
	return eachMember(body, func(name, val []byte) bool {
		switch string(name) {
		case "ReturnConsumedCapacity":
			return seen.first(0) && fastStr(val, &in.ReturnConsumedCapacity)
		case "ReturnItemCollectionMetrics":
			return seen.first(1) && fastStr(val, &in.ReturnItemCollectionMetrics)
		case "RequestItems":
			if !seen.first(2) || len(val) == 0 || val[0] != '{' {
				return false
			}
			items := map[string][]writeRequest{}
			ok := eachMember(val, func(table, reqs []byte) bool {
				if _, dup := items[string(table)]; dup || len(reqs) == 0 || reqs[0] != '[' {
					return false
				}
				list := []writeRequest{}
				ok := eachElement(reqs, func(elem []byte) bool {
					var r writeRequest
					if !fastWriteRequest(elem, &r) {
						return false
					}
					list = append(list, r)
					return true
				})
				items[string(table)] = list
				return ok
			})
			in.RequestItems = items
			return ok
		}
		return false
	})
}
