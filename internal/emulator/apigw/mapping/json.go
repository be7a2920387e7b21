package mapping

import (
	"errors"
	"fmt"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// maxJSONDepth bounds nesting of decoded JSON documents; maxValueDepth bounds
// recursion when printing or comparing values (which also catches cycles a
// template can build with #set($m.self = $m)).
const (
	maxJSONDepth  = 512
	maxValueDepth = 1024
)

var errValueTooDeep = errors.New("value nested too deeply (or cyclic)")

// decodeJSON parses one JSON document into template values, keeping object
// key order. Integral numbers become int64 (bigNum when they overflow),
// other numbers float64, arrays JSON-flavoured *vlist.
//
// shared marks every container as part of the request body.
func decodeJSON(s string, shared bool) (any, error) {
	d := jsonDecoder{s: s, shared: shared}
	d.ws()
	v, err := d.value(0)
	if err != nil {
		return nil, err
	}
	d.ws()
	if d.i != len(d.s) {
		return nil, d.errorf("unexpected %q after JSON value", d.s[d.i])
	}
	return v, nil
}

type jsonDecoder struct {
	s      string
	i      int
	shared bool
}

func (d *jsonDecoder) errorf(format string, args ...any) error {
	return fmt.Errorf("invalid JSON at offset %d: %s", d.i, fmt.Sprintf(format, args...))
}

func (d *jsonDecoder) ws() {
	for d.i < len(d.s) {
		switch d.s[d.i] {
		case ' ', '\t', '\n', '\r':
			d.i++
		default:
			return
		}
	}
}

func (d *jsonDecoder) value(depth int) (any, error) {
	if depth > maxJSONDepth {
		return nil, d.errorf("nesting deeper than %d", maxJSONDepth)
	}
	if d.i >= len(d.s) {
		return nil, d.errorf("unexpected end of input")
	}
	switch c := d.s[d.i]; {
	case c == '{':
		d.i++
		m := newMap(4)
		m.shared = d.shared
		d.ws()
		if d.i < len(d.s) && d.s[d.i] == '}' {
			d.i++
			return m, nil
		}
		for {
			d.ws()
			if d.i >= len(d.s) || d.s[d.i] != '"' {
				return nil, d.errorf("expected object key")
			}
			k, err := d.str()
			if err != nil {
				return nil, err
			}
			d.ws()
			if d.i >= len(d.s) || d.s[d.i] != ':' {
				return nil, d.errorf("expected ':'")
			}
			d.i++
			d.ws()
			v, err := d.value(depth + 1)
			if err != nil {
				return nil, err
			}
			m.put(k, v)
			d.ws()
			if d.i < len(d.s) && d.s[d.i] == ',' {
				d.i++
				continue
			}
			if d.i < len(d.s) && d.s[d.i] == '}' {
				d.i++
				return m, nil
			}
			return nil, d.errorf("expected ',' or '}'")
		}
	case c == '[':
		d.i++
		l := &vlist{json: true, shared: d.shared}
		d.ws()
		if d.i < len(d.s) && d.s[d.i] == ']' {
			d.i++
			return l, nil
		}
		for {
			d.ws()
			v, err := d.value(depth + 1)
			if err != nil {
				return nil, err
			}
			l.items = append(l.items, v)
			d.ws()
			if d.i < len(d.s) && d.s[d.i] == ',' {
				d.i++
				continue
			}
			if d.i < len(d.s) && d.s[d.i] == ']' {
				d.i++
				return l, nil
			}
			return nil, d.errorf("expected ',' or ']'")
		}
	case c == '"':
		return d.str()
	case c == '-' || (c >= '0' && c <= '9'):
		return d.number()
	case d.lit("true"):
		return true, nil
	case d.lit("false"):
		return false, nil
	case d.lit("null"):
		return nil, nil
	}
	return nil, d.errorf("unexpected character %q", d.s[d.i])
}

func (d *jsonDecoder) lit(w string) bool {
	if len(d.s)-d.i >= len(w) && d.s[d.i:d.i+len(w)] == w {
		d.i += len(w)
		return true
	}
	return false
}

func (d *jsonDecoder) number() (any, error) {
	start := d.i
	if d.s[d.i] == '-' {
		d.i++
	}
	digits := func() int {
		n := 0
		for d.i < len(d.s) && d.s[d.i] >= '0' && d.s[d.i] <= '9' {
			d.i++
			n++
		}
		return n
	}
	intStart := d.i
	if digits() == 0 {
		return nil, d.errorf("malformed number")
	}
	if d.s[intStart] == '0' && d.i-intStart > 1 {
		return nil, d.errorf("leading zero in number")
	}
	integral := true
	if d.i < len(d.s) && d.s[d.i] == '.' {
		d.i++
		integral = false
		if digits() == 0 {
			return nil, d.errorf("malformed number")
		}
	}
	if d.i < len(d.s) && (d.s[d.i] == 'e' || d.s[d.i] == 'E') {
		d.i++
		integral = false
		if d.i < len(d.s) && (d.s[d.i] == '+' || d.s[d.i] == '-') {
			d.i++
		}
		if digits() == 0 {
			return nil, d.errorf("malformed number")
		}
	}
	text := d.s[start:d.i]
	if integral {
		if n, err := strconv.ParseInt(text, 10, 64); err == nil {
			return n, nil
		}
		return bigNum(text), nil
	}
	f, err := strconv.ParseFloat(text, 64)
	if err != nil {
		// Out of range: Java's parser yields Infinity, so do the same.
		var ne *strconv.NumError
		if errors.As(err, &ne) && errors.Is(ne.Err, strconv.ErrRange) {
			return f, nil
		}
		return nil, d.errorf("malformed number")
	}
	return f, nil
}

func (d *jsonDecoder) str() (string, error) {
	d.i++ // opening quote
	start := d.i
	// Fast path: no escapes.
	for d.i < len(d.s) {
		c := d.s[d.i]
		if c == '"' {
			s := d.s[start:d.i]
			d.i++
			return s, nil
		}
		if c == '\\' || c < 0x20 {
			break
		}
		d.i++
	}
	buf := []byte(d.s[start:d.i])
	for d.i < len(d.s) {
		c := d.s[d.i]
		switch {
		case c == '"':
			d.i++
			return string(buf), nil
		case c < 0x20:
			return "", d.errorf("control character in string")
		case c != '\\':
			buf = append(buf, c)
			d.i++
			continue
		}
		d.i++
		if d.i >= len(d.s) {
			break
		}
		e := d.s[d.i]
		d.i++
		switch e {
		case '"', '\\', '/':
			buf = append(buf, e)
		case 'b':
			buf = append(buf, '\b')
		case 'f':
			buf = append(buf, '\f')
		case 'n':
			buf = append(buf, '\n')
		case 'r':
			buf = append(buf, '\r')
		case 't':
			buf = append(buf, '\t')
		case 'u':
			r, ok := d.hex4()
			if !ok {
				return "", d.errorf("malformed \\u escape")
			}
			if utf16.IsSurrogate(r) {
				// Try to pair with a following \uXXXX low surrogate.
				save := d.i
				if d.i+1 < len(d.s) && d.s[d.i] == '\\' && d.s[d.i+1] == 'u' {
					d.i += 2
					if r2, ok := d.hex4(); ok {
						if p := utf16.DecodeRune(r, r2); p != utf8.RuneError {
							buf = utf8.AppendRune(buf, p)
							continue
						}
					}
				}
				d.i = save
				r = utf8.RuneError
			}
			buf = utf8.AppendRune(buf, r)
		default:
			return "", d.errorf("invalid escape \\%c", e)
		}
	}
	return "", d.errorf("unterminated string")
}

func (d *jsonDecoder) hex4() (rune, bool) {
	if d.i+4 > len(d.s) {
		return 0, false
	}
	var r rune
	for _, c := range []byte(d.s[d.i : d.i+4]) {
		r <<= 4
		switch {
		case c >= '0' && c <= '9':
			r |= rune(c - '0')
		case c >= 'a' && c <= 'f':
			r |= rune(c-'a') + 10
		case c >= 'A' && c <= 'F':
			r |= rune(c-'A') + 10
		default:
			return 0, false
		}
	}
	d.i += 4
	return r, true
}

// appendJSON encodes v as compact JSON (what $input.json returns and what a
// JSON-flavoured list prints). Values that have no JSON form are encoded as
// the JSON string of their printed form.
func appendJSON(buf []byte, v any, depth int) ([]byte, error) {
	if depth > maxValueDepth {
		return buf, errValueTooDeep
	}
	switch v := v.(type) {
	case nil:
		return append(buf, "null"...), nil
	case bool:
		return strconv.AppendBool(buf, v), nil
	case int64:
		return strconv.AppendInt(buf, v, 10), nil
	case float64:
		return append(buf, formatDouble(v)...), nil
	case bigNum:
		return append(buf, v...), nil
	case string:
		return appendJSONString(buf, v), nil
	case *vmap:
		buf = append(buf, '{')
		for i, e := range v.ents {
			if i > 0 {
				buf = append(buf, ',')
			}
			buf = appendJSONString(buf, e.k)
			buf = append(buf, ':')
			var err error
			if buf, err = appendJSON(buf, e.v, depth+1); err != nil {
				return buf, err
			}
		}
		return append(buf, '}'), nil
	case *vlist:
		buf = append(buf, '[')
		for i, it := range v.items {
			if i > 0 {
				buf = append(buf, ',')
			}
			var err error
			if buf, err = appendJSON(buf, it, depth+1); err != nil {
				return buf, err
			}
		}
		return append(buf, ']'), nil
	case *entry:
		buf = append(buf, '{')
		buf = appendJSONString(buf, v.key)
		buf = append(buf, ':')
		var err error
		buf, err = appendJSON(buf, v.val, depth+1)
		if err != nil {
			return buf, err
		}
		return append(buf, '}'), nil
	}
	s, err := plainString(v, depth+1)
	if err != nil {
		return buf, err
	}
	return appendJSONString(buf, s), nil
}

const hexDigits = "0123456789abcdef"

// appendJSONString quotes s with the minimal JSON escapes (quote, backslash,
// control characters). Unlike encoding/json it does not HTML-escape.
func appendJSONString(buf []byte, s string) []byte {
	buf = append(buf, '"')
	start := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' {
			continue
		}
		buf = append(buf, s[start:i]...)
		switch c {
		case '"':
			buf = append(buf, '\\', '"')
		case '\\':
			buf = append(buf, '\\', '\\')
		case '\n':
			buf = append(buf, '\\', 'n')
		case '\r':
			buf = append(buf, '\\', 'r')
		case '\t':
			buf = append(buf, '\\', 't')
		case '\b':
			buf = append(buf, '\\', 'b')
		case '\f':
			buf = append(buf, '\\', 'f')
		default:
			buf = append(buf, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
		}
		start = i + 1
	}
	buf = append(buf, s[start:]...)
	return append(buf, '"')
}

// plainString is Java's toString() for every value kind except #define
// blocks (which need a renderer; see renderer.str).
func plainString(v any, depth int) (string, error) {
	switch v := v.(type) {
	case nil:
		return "null", nil
	case string:
		return v, nil
	case bool:
		if v {
			return "true", nil
		}
		return "false", nil
	case int64:
		return strconv.FormatInt(v, 10), nil
	case float64:
		return formatDouble(v), nil
	case bigNum:
		return string(v), nil
	}
	b, err := appendPlain(nil, v, depth)
	return string(b), err
}

func appendPlain(buf []byte, v any, depth int) ([]byte, error) {
	if depth > maxValueDepth {
		return buf, errValueTooDeep
	}
	switch v := v.(type) {
	case *vmap:
		// java.util.AbstractMap.toString: {k=v, k2=v2}
		buf = append(buf, '{')
		for i, e := range v.ents {
			if i > 0 {
				buf = append(buf, ", "...)
			}
			buf = append(buf, e.k...)
			buf = append(buf, '=')
			val := e.v
			if vm, ok := val.(*vmap); ok && vm == v {
				buf = append(buf, "(this Map)"...)
				continue
			}
			var err error
			if buf, err = appendPlain(buf, val, depth+1); err != nil {
				return buf, err
			}
		}
		return append(buf, '}'), nil
	case *vlist:
		if v.json {
			return appendJSON(buf, v, depth)
		}
		// java.util.AbstractCollection.toString: [a, b]
		buf = append(buf, '[')
		for i, it := range v.items {
			if i > 0 {
				buf = append(buf, ", "...)
			}
			if il, ok := it.(*vlist); ok && il == v {
				buf = append(buf, "(this Collection)"...)
				continue
			}
			var err error
			if buf, err = appendPlain(buf, it, depth+1); err != nil {
				return buf, err
			}
		}
		return append(buf, ']'), nil
	case *entry:
		buf = append(buf, v.key...)
		buf = append(buf, '=')
		return appendPlain(buf, v.val, depth+1)
	case *foreachScope:
		return append(buf, "$foreach"...), nil
	case *inputObj:
		return append(buf, "$input"...), nil
	case utilObj:
		return append(buf, "$util"...), nil
	case *blockVal:
		return append(buf, "#define block"...), nil
	case nil:
		return append(buf, "null"...), nil
	case string:
		return append(buf, v...), nil
	case bool:
		return strconv.AppendBool(buf, v), nil
	case int64:
		return strconv.AppendInt(buf, v, 10), nil
	case float64:
		return append(buf, formatDouble(v)...), nil
	case bigNum:
		return append(buf, v...), nil
	}
	return append(buf, "?"...), nil
}
