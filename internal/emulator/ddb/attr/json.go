package attr

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"slices"
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
	// Most items have a handful of attributes: sort their names on the
	// stack instead of allocating a slice per map.
	var small [16]string
	keys := small[:0]
	if len(m) > len(small) {
		keys = make([]string, 0, len(m))
	}
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys) // deterministic output helps goldens and diffs
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

// writeJSONString writes s as encoding/json would (HTML-safe escaping
// included). Strings of plain printable ASCII, the common case, are copied
// as they are.
func writeJSONString(buf *bytes.Buffer, s string) {
	if plainJSON(s) {
		buf.Grow(len(s) + 2)
		buf.WriteByte('"')
		buf.WriteString(s)
		buf.WriteByte('"')
		return
	}
	b, _ := json.Marshal(s) // strings always marshal
	buf.Write(b)
}

// plainJSON reports whether s needs no escaping at all in encoding/json's
// output.
func plainJSON(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c > 0x7e || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			return false
		}
	}
	return true
}

// MarshalJSON encodes the item as a DynamoDB-JSON map.
func (it Item) MarshalJSON() ([]byte, error) {
	// One allocation of about the right size instead of the buffer's
	// doublings from 64 bytes.
	buf := bytes.NewBuffer(make([]byte, 0, jsonSizeHint(it)))
	if err := appendItemJSON(buf, it); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// jsonSizeHint estimates the length of an item's JSON: exact for flat
// items of strings and numbers without escapes, a guess for the rest.
func jsonSizeHint(it Item) int {
	n := 2
	for k, v := range it {
		n += len(k) + 12 // "k":{"S":""},
		switch v.Type {
		case TypeS, TypeN:
			n += len(v.S)
		case TypeB:
			n += (len(v.B) + 2) / 3 * 4
		default:
			n += 64
		}
	}
	return n
}
