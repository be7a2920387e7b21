package attr

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
)

// The decoder below is the original encoding/json-based decoder (a map of
// json.RawMessage per value), kept as the reference the fast decoder is
// checked against by FuzzDecodeDifferential. Nested values recurse into
// oldValue, so the whole tree is decoded the old way.

type oldValue struct{ v Value }

type oldItem map[string]oldValue

func (o *oldValue) UnmarshalJSON(data []byte) error {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		return &DecodeError{Serialization: true, Msg: "Start of structure or map found where not expected"}
	}
	if len(raw) != 1 {
		if len(raw) == 0 {
			return &DecodeError{Msg: "Supplied AttributeValue is empty, must contain exactly one of the supported datatypes"}
		}
		return &DecodeError{Msg: "Supplied AttributeValue has more than one datatypes set, must contain exactly one of the supported datatypes"}
	}
	for k, body := range raw {
		t, ok := ParseType(k)
		if !ok {
			return &DecodeError{Serialization: true, Msg: fmt.Sprintf("Unknown attribute value type %q", k)}
		}
		out, err := oldDecodeTyped(t, body)
		if err != nil {
			return err
		}
		o.v = out
	}
	return nil
}

func (it *oldItem) UnmarshalJSON(data []byte) error {
	var m map[string]oldValue
	if err := oldDecodeStrict(data, &m); err != nil {
		return err
	}
	*it = m
	return nil
}

func oldUnmarshalValue(data []byte) (Value, error) {
	var o oldValue
	err := json.Unmarshal(data, &o)
	return o.v, err
}

func oldUnmarshalItem(data []byte) (Item, error) {
	var it oldItem
	if err := it.UnmarshalJSON(data); err != nil {
		return nil, err
	}
	return oldToItem(it), nil
}

func oldToItem(m map[string]oldValue) Item {
	if m == nil {
		return nil
	}
	out := make(Item, len(m))
	for k, v := range m {
		out[k] = v.v
	}
	return out
}

func oldDecodeTyped(t Type, body json.RawMessage) (Value, error) {
	switch t {
	case TypeS:
		var s string
		if err := json.Unmarshal(body, &s); err != nil {
			return Value{}, serializationErr("Unexpected value type in payload for S")
		}
		return String(s), nil
	case TypeN:
		var s string
		if err := json.Unmarshal(body, &s); err != nil {
			return Value{}, serializationErr("Unexpected value type in payload for N")
		}
		n, err := ParseNumber(s)
		if err != nil {
			return Value{}, numberDecodeError(s, err)
		}
		return n, nil
	case TypeB:
		b, err := oldDecodeBinary(body)
		if err != nil {
			return Value{}, err
		}
		return Binary(b), nil
	case TypeBOOL:
		var b bool
		if err := json.Unmarshal(body, &b); err != nil {
			return Value{}, serializationErr("Unexpected value type in payload for BOOL")
		}
		return Bool(b), nil
	case TypeNULL:
		var b bool
		if err := json.Unmarshal(body, &b); err != nil {
			return Value{}, serializationErr("Unexpected value type in payload for NULL")
		}
		if !b {
			return Value{}, &DecodeError{Msg: "One or more parameter values were invalid: Null attribute value types must have the value of true"}
		}
		return Null(), nil
	case TypeM:
		var m map[string]oldValue
		if err := oldDecodeStrict(body, &m); err != nil {
			return Value{}, err
		}
		return Map(oldToItem(m)), nil
	case TypeL:
		var l []oldValue
		if err := oldDecodeStrict(body, &l); err != nil {
			return Value{}, err
		}
		var vs []Value
		for _, o := range l {
			vs = append(vs, o.v)
		}
		return List(vs...), nil
	case TypeSS, TypeNS:
		var ss []string
		if err := json.Unmarshal(body, &ss); err != nil {
			return Value{}, serializationErr("Unexpected value type in payload for %s", t)
		}
		if len(ss) == 0 {
			return Value{}, emptySetError(t)
		}
		if t == TypeNS {
			for i, s := range ss {
				n, err := ParseNumber(s)
				if err != nil {
					return Value{}, numberDecodeError(s, err)
				}
				ss[i] = n.S
			}
		}
		seen := make(map[string]bool, len(ss))
		for _, s := range ss {
			if seen[s] {
				return Value{}, duplicateSetError(t, ss)
			}
			seen[s] = true
		}
		return Value{Type: t, SS: ss}, nil
	case TypeBS:
		var raws []json.RawMessage
		if err := json.Unmarshal(body, &raws); err != nil {
			return Value{}, serializationErr("Unexpected value type in payload for BS")
		}
		if len(raws) == 0 {
			return Value{}, &DecodeError{Msg: "One or more parameter values were invalid: Binary sets should not be empty"}
		}
		bs := make([][]byte, 0, len(raws))
		seen := map[string]bool{}
		for _, r := range raws {
			b, err := oldDecodeBinary(r)
			if err != nil {
				return Value{}, err
			}
			if seen[string(b)] {
				return Value{}, &DecodeError{Msg: "One or more parameter values were invalid: Input collection contains duplicates."}
			}
			seen[string(b)] = true
			bs = append(bs, b)
		}
		return BinarySet(bs...), nil
	}
	return Value{}, serializationErr("unknown type")
}

func oldDecodeStrict(body json.RawMessage, out any) error {
	err := json.Unmarshal(body, out)
	if err == nil {
		return nil
	}
	if de, ok := err.(*DecodeError); ok {
		return de
	}
	return serializationErr("Unexpected value type in payload")
}

func oldDecodeBinary(body json.RawMessage) ([]byte, error) {
	var s string
	if err := json.Unmarshal(body, &s); err != nil {
		return nil, serializationErr("Unexpected value type in payload for B")
	}
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return nil, serializationErr("Base64 encoded length is expected a multiple of 4 bytes but found: %d", len(s))
	}
	return b, nil
}
