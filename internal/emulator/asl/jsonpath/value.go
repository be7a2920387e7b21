package jsonpath

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strconv"

	"github.com/ohler55/ojg/oj"
)

// Error is a failure with an ASL error name (e.g. "States.Runtime") and a
// human-readable cause, raised by the interpreter as a state failure.
type Error struct {
	Name  string
	Cause string
}

func (e *Error) Error() string { return e.Name + ": " + e.Cause }

// ASL error names raised by this package.
const (
	ErrRuntime          = "States.Runtime"
	ErrResultPathMatch  = "States.ResultPathMatchFailure"
	ErrIntrinsicFailure = "States.IntrinsicFailure"
)

func errorf(name, format string, args ...any) *Error {
	return &Error{Name: name, Cause: fmt.Sprintf(format, args...)}
}

// ParseJSON decodes JSON text into plain Go values (integers as int64,
// other numbers as float64). Numbers too large for a float64 are errors.
func ParseJSON(data []byte) (v any, err error) {
	defer func() {
		if r := recover(); r != nil {
			v, err = nil, fmt.Errorf("parse JSON: %v", r)
		}
	}()
	// The ojg parser is fast but lenient; the standard library's validator
	// keeps malformed input out.
	if !json.Valid(data) {
		var probe any
		if err := json.Unmarshal(data, &probe); err != nil {
			return nil, fmt.Errorf("parse JSON: %w", err)
		}
		return nil, fmt.Errorf("parse JSON: invalid JSON")
	}
	v, err = oj.Parse(data)
	if err != nil {
		return nil, fmt.Errorf("parse JSON: %w", err)
	}
	return normalize(v)
}

// normalize converts the rare non-plain values the parser may produce (big
// numbers) so every consumer sees the documented types.
func normalize(v any) (any, error) {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			n, err := normalize(e)
			if err != nil {
				return nil, err
			}
			x[k] = n
		}
	case []any:
		for i, e := range x {
			n, err := normalize(e)
			if err != nil {
				return nil, err
			}
			x[i] = n
		}
	case nil, bool, string, int64:
	case float64:
		if math.IsInf(x, 0) || math.IsNaN(x) {
			return nil, fmt.Errorf("parse JSON: number out of range")
		}
	case int:
		return int64(x), nil
	default:
		s := fmt.Sprint(x)
		f, err := strconv.ParseFloat(s, 64)
		if err != nil || math.IsInf(f, 0) {
			return nil, fmt.Errorf("parse JSON: number %s out of range", s)
		}
		return f, nil
	}
	return v, nil
}

// Marshal encodes a value as compact JSON without HTML escaping (AWS does
// not escape <, > and & in payloads).
func Marshal(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, fmt.Errorf("encode JSON: %w", err)
	}
	b := buf.Bytes()
	return b[:len(b)-1], nil
}

// MarshalString is Marshal returning a string; values that cannot be
// encoded (never produced by this package) yield "null".
func MarshalString(v any) string {
	b, err := Marshal(v)
	if err != nil {
		return "null"
	}
	return string(b)
}

// ToFloat reports the numeric value of v, if it is a number.
func ToFloat(v any) (float64, bool) {
	switch x := v.(type) {
	case int64:
		return float64(x), true
	case float64:
		return x, true
	case int:
		return float64(x), true
	}
	return 0, false
}

// IsNumber reports whether v is a JSON number.
func IsNumber(v any) bool { _, ok := ToFloat(v); return ok }

// Equal reports deep JSON equality (numbers compare by value).
func Equal(a, b any) bool {
	if fa, ok := ToFloat(a); ok {
		fb, ok := ToFloat(b)
		return ok && fa == fb
	}
	switch x := a.(type) {
	case nil:
		return b == nil
	case bool:
		y, ok := b.(bool)
		return ok && x == y
	case string:
		y, ok := b.(string)
		return ok && x == y
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !Equal(x[i], y[i]) {
				return false
			}
		}
		return true
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for k, e := range x {
			f, ok := y[k]
			if !ok || !Equal(e, f) {
				return false
			}
		}
		return true
	}
	return false
}

// DeepCopy copies maps and slices so later in-place changes cannot leak.
func DeepCopy(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = DeepCopy(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = DeepCopy(e)
		}
		return out
	}
	return v
}
