package ddbapi

import (
	"encoding/json"
	"strconv"

	"github.com/sfapi/sfapi/internal/emulator/ddb/attr"
)

// The responses of the hot item operations encode themselves
// (awsjson.Marshaler): json.Marshal would find their fields by reflection,
// then re-scan every byte attr's encoder produced for each item. The output
// is what json.Marshal produces for the same struct, except that characters
// json.Marshal escapes for HTML (<, >, &, U+2028, U+2029) stay as they are
// (both are the same JSON; DynamoDB itself does not escape them). With
// consumed capacity requested, encoding/json does the work.

// appendItemMember appends ,"name":item (or "name":item first) when item is
// not empty, as omitempty would.
func appendItemMember(dst []byte, first bool, name string, it attr.Item) ([]byte, bool, error) {
	if len(it) == 0 {
		return dst, first, nil
	}
	b, err := it.MarshalJSON()
	if err != nil {
		return nil, first, err
	}
	if !first {
		dst = append(dst, ',')
	}
	dst = append(dst, '"')
	dst = append(dst, name...)
	dst = append(dst, `":`...)
	return append(dst, b...), false, nil
}

type writeOutputJSON writeOutput // without the method, for encoding/json

// MarshalAWSJSON implements awsjson.Marshaler.
func (o *writeOutput) MarshalAWSJSON() ([]byte, error) {
	if o.ConsumedCapacity != nil {
		return json.Marshal((*writeOutputJSON)(o))
	}
	dst, _, err := appendItemMember([]byte{'{'}, true, "Attributes", o.Attributes)
	if err != nil {
		return nil, err
	}
	return append(dst, '}'), nil
}

type getItemOutputJSON getItemOutput

// MarshalAWSJSON implements awsjson.Marshaler.
func (o *getItemOutput) MarshalAWSJSON() ([]byte, error) {
	if o.ConsumedCapacity != nil {
		return json.Marshal((*getItemOutputJSON)(o))
	}
	dst, _, err := appendItemMember([]byte{'{'}, true, "Item", o.Item)
	if err != nil {
		return nil, err
	}
	return append(dst, '}'), nil
}

type pageOutputJSON pageOutput

// MarshalAWSJSON implements awsjson.Marshaler.
func (o *pageOutput) MarshalAWSJSON() ([]byte, error) {
	if o.ConsumedCapacity != nil {
		return json.Marshal((*pageOutputJSON)(o))
	}
	dst := make([]byte, 0, 256)
	dst = append(dst, '{')
	if o.Items != nil {
		dst = append(dst, `"Items":`...)
		if *o.Items == nil {
			dst = append(dst, "null"...)
		} else {
			dst = append(dst, '[')
			for i, it := range *o.Items {
				if i > 0 {
					dst = append(dst, ',')
				}
				// A nil item encodes as {}, as json.Marshal has it (it
				// calls MarshalJSON on nil maps).
				b, err := it.MarshalJSON()
				if err != nil {
					return nil, err
				}
				dst = append(dst, b...)
			}
			dst = append(dst, ']')
		}
		dst = append(dst, ',')
	}
	dst = append(dst, `"Count":`...)
	dst = strconv.AppendInt(dst, int64(o.Count), 10)
	dst = append(dst, `,"ScannedCount":`...)
	dst = strconv.AppendInt(dst, int64(o.ScannedCount), 10)
	dst, _, err := appendItemMember(dst, false, "LastEvaluatedKey", o.LastEvaluatedKey)
	if err != nil {
		return nil, err
	}
	return append(dst, '}'), nil
}
