package jsonpath

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"unicode/utf8"
	"unsafe"

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
//
// The values this package produces (maps, slices, strings, int64, float64,
// bool, nil) are encoded by a direct walk: encoding/json's reflection and
// per-map key sorting cost about 8 % of the CPU of a gophers job. The walk
// gives up on anything else (and on NaN, infinities, deep nesting), and
// encoding/json then encodes the whole value, so output and errors stay
// those of encoding/json byte for byte (FuzzMarshal checks it).
func Marshal(v any) ([]byte, error) {
	if b, ok := appendValue(make([]byte, 0, 256), v, 0); ok {
		return b, nil
	}
	return marshalSlow(v)
}

// maxFastDepth bounds the walk's recursion; deeper values (and cycles,
// which encoding/json reports as errors) take the slow path.
const maxFastDepth = 200

// appendValue appends v's encoding; ok is false if v holds anything the
// fast path does not encode exactly as encoding/json does.
func appendValue(buf []byte, v any, depth int) ([]byte, bool) {
	if depth > maxFastDepth {
		return buf, false
	}
	switch x := v.(type) {
	case nil:
		return append(buf, "null"...), true
	case string:
		return appendString(buf, x), true
	case bool:
		return strconv.AppendBool(buf, x), true
	case int64:
		return strconv.AppendInt(buf, x, 10), true
	case int:
		return strconv.AppendInt(buf, int64(x), 10), true
	case float64:
		return appendFloat(buf, x)
	case map[string]any:
		if x == nil {
			return append(buf, "null"...), true
		}
		var small [16]string
		keys := small[:0]
		for k := range x {
			keys = append(keys, k)
		}
		slices.Sort(keys) // encoding/json orders keys by strings.Compare
		buf = append(buf, '{')
		for i, k := range keys {
			if i > 0 {
				buf = append(buf, ',')
			}
			buf = appendString(buf, k)
			buf = append(buf, ':')
			var ok bool
			if buf, ok = appendValue(buf, x[k], depth+1); !ok {
				return buf, false
			}
		}
		return append(buf, '}'), true
	case []any:
		if x == nil {
			return append(buf, "null"...), true
		}
		buf = append(buf, '[')
		for i, e := range x {
			if i > 0 {
				buf = append(buf, ',')
			}
			var ok bool
			if buf, ok = appendValue(buf, e, depth+1); !ok {
				return buf, false
			}
		}
		return append(buf, ']'), true
	}
	return buf, false
}

// appendFloat formats as encoding/json does (ES6 number conversion).
func appendFloat(buf []byte, f float64) ([]byte, bool) {
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return buf, false // encoding/json's error
	}
	format := byte('f')
	if abs := math.Abs(f); abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	buf = strconv.AppendFloat(buf, f, format, -1, 64)
	if format == 'e' {
		// e-09 → e-9, as encoding/json does.
		n := len(buf)
		if n >= 4 && buf[n-4] == 'e' && buf[n-3] == '-' && buf[n-2] == '0' {
			buf[n-2] = buf[n-1]
			buf = buf[:n-1]
		}
	}
	return buf, true
}

// appendString quotes s as encoding/json does without HTML escaping:
// \b \f \n \r \t short forms, other controls as \u00XX, invalid UTF-8 as
// \ufffd, and U+2028/U+2029 escaped.
func appendString(buf []byte, s string) []byte {
	const hex = "0123456789abcdef"
	buf = append(buf, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			buf = append(buf, s[start:i]...)
			switch c {
			case '"', '\\':
				buf = append(buf, '\\', c)
			case '\b':
				buf = append(buf, '\\', 'b')
			case '\f':
				buf = append(buf, '\\', 'f')
			case '\n':
				buf = append(buf, '\\', 'n')
			case '\r':
				buf = append(buf, '\\', 'r')
			case '\t':
				buf = append(buf, '\\', 't')
			default:
				buf = append(buf, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			buf = append(buf, s[start:i]...)
			buf = append(buf, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			buf = append(buf, s[start:i]...)
			buf = append(buf, '\\', 'u', '2', '0', '2', hex[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	buf = append(buf, s[start:]...)
	return append(buf, '"')
}

func marshalSlow(v any) ([]byte, error) {
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
	// b is fresh and referenced nowhere else: no copy needed (history
	// encodes every state's input and output through here).
	return unsafe.String(unsafe.SliceData(b), len(b))
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
