package wsapi

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// Expr is a selection expression as WebSocket APIs use them
// (RouteSelectionExpression, TemplateSelectionExpression): literal text
// with references to the request, evaluated to a string.
//
// Grammar (API Gateway's "Selection expressions" reference):
//
//	expr  = { text | "\$" | ref }
//	ref   = "$request." source "." name | "${request." source "." name "}"
//	source = "body" | "header" | "querystring"
//	name  = body: a JSON path of members and [index]es (a.b[0].c);
//	        header, querystring: one name
//
// "\$" is a literal "$" (so `\$default` is the text "$default"); a '$'
// that does not start a $request reference is literal too.
type Expr struct {
	src   string
	parts []exprPart
}

type exprPart struct {
	lit    string // literal text when source is ""
	source string // "body", "header" or "querystring"
	path   []pathStep
	name   string // header / querystring name
}

// pathStep is one member name or array index of a body path.
type pathStep struct {
	key   string
	index int // -1 for a member
}

// maxExprLen bounds an expression; API Gateway's are short.
const maxExprLen = 1024

// ParseExpr parses a selection expression.
func ParseExpr(s string) (*Expr, error) {
	if len(s) > maxExprLen {
		return nil, fmt.Errorf("selection expression longer than %d characters", maxExprLen)
	}
	e := &Expr{src: s}
	var lit strings.Builder
	flush := func() {
		if lit.Len() > 0 {
			e.parts = append(e.parts, exprPart{lit: lit.String()})
			lit.Reset()
		}
	}
	for i := 0; i < len(s); {
		switch {
		case strings.HasPrefix(s[i:], `\$`):
			lit.WriteByte('$')
			i += 2
		case strings.HasPrefix(s[i:], "${request."):
			end := strings.IndexByte(s[i:], '}')
			if end < 0 {
				return nil, fmt.Errorf("selection expression %q: ${ at offset %d has no closing }", s, i)
			}
			p, err := parseRef(s[i+len("${request.") : i+end])
			if err != nil {
				return nil, fmt.Errorf("selection expression %q: %w", s, err)
			}
			flush()
			e.parts = append(e.parts, p)
			i += end + 1
		case strings.HasPrefix(s[i:], "$request."):
			// The reference runs to the first character that cannot be
			// part of a path.
			j := i + len("$request.")
			for j < len(s) && refChar(s[j]) {
				j++
			}
			p, err := parseRef(s[i+len("$request.") : j])
			if err != nil {
				return nil, fmt.Errorf("selection expression %q: %w", s, err)
			}
			flush()
			e.parts = append(e.parts, p)
			i = j
		default:
			lit.WriteByte(s[i])
			i++
		}
	}
	flush()
	return e, nil
}

func refChar(c byte) bool {
	return c == '.' || c == '_' || c == '-' || c == '[' || c == ']' ||
		('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z') || ('0' <= c && c <= '9')
}

// parseRef parses "source.name" (after "request.").
func parseRef(s string) (exprPart, error) {
	source, rest, ok := strings.Cut(s, ".")
	if !ok || rest == "" {
		return exprPart{}, fmt.Errorf("reference $request.%s needs a source and a name, such as $request.body.action", s)
	}
	p := exprPart{source: source}
	switch source {
	case "body":
		path, err := parseBodyPath(rest)
		if err != nil {
			return exprPart{}, fmt.Errorf("$request.body.%s: %w", rest, err)
		}
		p.path = path
	case "header", "querystring":
		if strings.ContainsAny(rest, ".[]") {
			return exprPart{}, fmt.Errorf("$request.%s.%s: a %s name is one word", source, rest, source)
		}
		p.name = rest
	default:
		return exprPart{}, fmt.Errorf("unknown source %q in $request.%s (use body, header or querystring)", source, s)
	}
	return p, nil
}

// parseBodyPath parses a.b[0].c.
func parseBodyPath(s string) ([]pathStep, error) {
	var steps []pathStep
	for s != "" {
		if s[0] == '[' {
			end := strings.IndexByte(s, ']')
			if end < 0 {
				return nil, fmt.Errorf("unclosed [")
			}
			n, err := strconv.Atoi(s[1:end])
			if err != nil || n < 0 {
				return nil, fmt.Errorf("index %q is not a non-negative integer", s[1:end])
			}
			steps = append(steps, pathStep{index: n})
			s = s[end+1:]
			if strings.HasPrefix(s, ".") {
				s = s[1:]
				if s == "" {
					return nil, fmt.Errorf("path ends with '.'")
				}
			}
			continue
		}
		end := strings.IndexAny(s, ".[")
		if end < 0 {
			end = len(s)
		}
		if end == 0 {
			return nil, fmt.Errorf("empty member name")
		}
		if strings.IndexByte(s[:end], ']') >= 0 {
			return nil, fmt.Errorf("unexpected ']'")
		}
		steps = append(steps, pathStep{key: s[:end], index: -1})
		s = s[end:]
		if strings.HasPrefix(s, ".") {
			s = s[1:]
			if s == "" {
				return nil, fmt.Errorf("path ends with '.'")
			}
		}
	}
	return steps, nil
}

// String is the expression as written.
func (e *Expr) String() string { return e.src }

// Static reports whether the expression has no references.
func (e *Expr) Static() bool {
	for _, p := range e.parts {
		if p.source != "" {
			return false
		}
	}
	return true
}

// request is what an expression reads.
type request struct {
	body        []byte
	parsed      any
	parsedOK    bool
	parseTried  bool
	header      func(string) string
	querystring func(string) string
}

func (r *request) json() (any, bool) {
	if !r.parseTried {
		r.parseTried = true
		// Numbers keep their text ("1.50" selects the key "1.50").
		dec := json.NewDecoder(bytes.NewReader(r.body))
		dec.UseNumber()
		r.parsedOK = dec.Decode(&r.parsed) == nil && !dec.More()
	}
	return r.parsed, r.parsedOK
}

// eval evaluates the expression. ok is false when a reference has no
// value (the body is not JSON, the member is missing or null): API Gateway
// then falls back to the $default route or template.
func (e *Expr) eval(r *request) (string, bool) {
	var b strings.Builder
	for _, p := range e.parts {
		switch p.source {
		case "":
			b.WriteString(p.lit)
		case "body":
			v, ok := r.json()
			if !ok {
				return "", false
			}
			v, ok = walk(v, p.path)
			if !ok || v == nil {
				return "", false
			}
			b.WriteString(scalarText(v))
		case "header":
			v := ""
			if r.header != nil {
				v = r.header(p.name)
			}
			if v == "" {
				return "", false
			}
			b.WriteString(v)
		case "querystring":
			v := ""
			if r.querystring != nil {
				v = r.querystring(p.name)
			}
			if v == "" {
				return "", false
			}
			b.WriteString(v)
		}
	}
	return b.String(), true
}

func walk(v any, path []pathStep) (any, bool) {
	for _, st := range path {
		if st.index >= 0 {
			l, ok := v.([]any)
			if !ok || st.index >= len(l) {
				return nil, false
			}
			v = l[st.index]
			continue
		}
		m, ok := v.(map[string]any)
		if !ok {
			return nil, false
		}
		if v, ok = m[st.key]; !ok {
			return nil, false
		}
	}
	return v, true
}

// scalarText renders a selected value: strings as they are, anything else
// as its JSON text.
func scalarText(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	b, err := json.Marshal(v)
	if err != nil {
		return ""
	}
	return string(b)
}
