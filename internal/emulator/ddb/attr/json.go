package attr

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
)

// DecodeError describes a malformed DynamoDB-JSON attribute value. The wire
// layer turns it into a ValidationException or SerializationException.
type DecodeError struct {
	// Serialization is true when the JSON itself has the wrong shape (AWS
	// answers SerializationException); otherwise the value is well-formed
	// JSON but not a valid attribute value (ValidationException).
	Serialization bool
	Msg           string
}

func (e *DecodeError) Error() string { return e.Msg }

// AWSCode is the AWS error code the wire layer reports for e.
func (e *DecodeError) AWSCode() string {
	if e.Serialization {
		return "SerializationException"
	}
	return "ValidationException"
}

// MarshalJSON encodes v in DynamoDB JSON, e.g. {"S":"x"} or {"N":"1"}.
func (v Value) MarshalJSON() ([]byte, error) {
	var buf bytes.Buffer
	if err := v.appendJSON(&buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func (v Value) appendJSON(buf *bytes.Buffer) error {
	buf.WriteString(`{"`)
	buf.WriteString(v.Type.String())
	buf.WriteString(`":`)
	switch v.Type {
	case TypeS, TypeN:
		writeJSONString(buf, v.S)
	case TypeB:
		writeJSONString(buf, base64.StdEncoding.EncodeToString(v.B))
	case TypeBOOL:
		buf.WriteString(strconv.FormatBool(v.Bool))
	case TypeNULL:
		buf.WriteString("true")
	case TypeM:
		if err := appendItemJSON(buf, v.M); err != nil {
			return err
		}
	case TypeL:
		buf.WriteByte('[')
		for i, e := range v.L {
			if i > 0 {
				buf.WriteByte(',')
			}
			if err := e.appendJSON(buf); err != nil {
				return err
			}
		}
		buf.WriteByte(']')
	case TypeSS, TypeNS:
		buf.WriteByte('[')
		for i, s := range v.SS {
			if i > 0 {
				buf.WriteByte(',')
			}
			writeJSONString(buf, s)
		}
		buf.WriteByte(']')
	case TypeBS:
		buf.WriteByte('[')
		for i, b := range v.BS {
			if i > 0 {
				buf.WriteByte(',')
			}
			writeJSONString(buf, base64.StdEncoding.EncodeToString(b))
		}
		buf.WriteByte(']')
	default:
		return fmt.Errorf("marshal attribute value: invalid type %d", v.Type)
	}
	buf.WriteByte('}')
	return nil
}

func appendItemJSON(buf *bytes.Buffer, m map[string]Value) error {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys) // deterministic output helps goldens and diffs
	buf.WriteByte('{')
	for i, k := range keys {
		if i > 0 {
			buf.WriteByte(',')
		}
		writeJSONString(buf, k)
		buf.WriteByte(':')
		if err := m[k].appendJSON(buf); err != nil {
			return err
		}
	}
	buf.WriteByte('}')
	return nil
}

func writeJSONString(buf *bytes.Buffer, s string) {
	b, _ := json.Marshal(s) // strings always marshal
	buf.Write(b)
}

// MarshalJSON encodes the item as a DynamoDB-JSON map.
func (it Item) MarshalJSON() ([]byte, error) {
	var buf bytes.Buffer
	if err := appendItemJSON(&buf, it); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// UnmarshalJSON decodes a DynamoDB-JSON value and validates it as DynamoDB
// does: exactly one type descriptor, valid numbers, non-empty and duplicate
// free sets.
func (v *Value) UnmarshalJSON(data []byte) error {
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
		out, err := decodeTyped(t, body)
		if err != nil {
			return err
		}
		*v = out
	}
	return nil
}

func serializationErr(format string, args ...any) error {
	return &DecodeError{Serialization: true, Msg: fmt.Sprintf(format, args...)}
}

func decodeTyped(t Type, body json.RawMessage) (Value, error) {
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
			return Value{}, &DecodeError{Msg: "The parameter cannot be converted to a numeric value: " + s}
		}
		return n, nil
	case TypeB:
		b, err := decodeBinary(body)
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
		var m map[string]Value
		if err := decodeStrict(body, &m); err != nil {
			return Value{}, err
		}
		return Map(m), nil
	case TypeL:
		var l []Value
		if err := decodeStrict(body, &l); err != nil {
			return Value{}, err
		}
		return List(l...), nil
	case TypeSS, TypeNS:
		var ss []string
		if err := json.Unmarshal(body, &ss); err != nil {
			return Value{}, serializationErr("Unexpected value type in payload for %s", t)
		}
		if len(ss) == 0 {
			return Value{}, &DecodeError{Msg: "One or more parameter values were invalid: An string set  may not be empty"}
		}
		if t == TypeNS {
			for i, s := range ss {
				n, err := ParseNumber(s)
				if err != nil {
					return Value{}, &DecodeError{Msg: "The parameter cannot be converted to a numeric value: " + s}
				}
				ss[i] = n.S
			}
		}
		seen := make(map[string]bool, len(ss))
		for _, s := range ss {
			if seen[s] {
				return Value{}, &DecodeError{Msg: fmt.Sprintf("One or more parameter values were invalid: Input collection %v contains duplicates.", ss)}
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
			b, err := decodeBinary(r)
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

// decodeStrict unmarshals nested attribute values, keeping a DecodeError
// from a nested value instead of json's generic wrapper.
func decodeStrict(body json.RawMessage, out any) error {
	err := json.Unmarshal(body, out)
	if err == nil {
		return nil
	}
	if de, ok := err.(*DecodeError); ok {
		return de
	}
	return serializationErr("Unexpected value type in payload")
}

func decodeBinary(body json.RawMessage) ([]byte, error) {
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

// UnmarshalJSON decodes a DynamoDB-JSON item.
func (it *Item) UnmarshalJSON(data []byte) error {
	var m map[string]Value
	if err := decodeStrict(data, &m); err != nil {
		return err
	}
	*it = m
	return nil
}
