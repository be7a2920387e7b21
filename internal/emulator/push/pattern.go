package push

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"
)

// PatternError reports an event pattern that EventBridge would refuse. Its
// text follows AWS's InvalidEventPatternException message.
type PatternError struct {
	Reason string
}

func (e *PatternError) Error() string { return "Event pattern is not valid. Reason: " + e.Reason }

func patternErr(format string, args ...any) error {
	return &PatternError{Reason: fmt.Sprintf(format, args...)}
}

// Pattern is a compiled EventBridge event pattern
// (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-patterns.html).
// It is immutable and safe for concurrent use.
type Pattern struct {
	root *objNode
	src  string
}

// String returns the pattern source it was compiled from.
func (p *Pattern) String() string { return p.src }

// objNode matches one JSON object level: every field must match, and every
// $or group must have one alternative that matches the same object.
type objNode struct {
	fields []fieldNode
	ors    [][]*objNode
}

// fieldNode is one key of a pattern object: either a nested object (sub)
// or a list of alternatives for a leaf value.
type fieldNode struct {
	key         string
	sub         *objNode
	alts        []matcher
	existsTrue  bool
	existsFalse bool
}

// matcher tests one scalar leaf of the event: string, number (float64 or
// json.Number), bool or nil.
type matcher interface {
	match(v any) bool
}

// CompilePattern parses and validates an EventBridge event pattern once so
// it can be matched many times.
func CompilePattern(src []byte) (*Pattern, error) {
	dec := json.NewDecoder(bytes.NewReader(src))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, patternErr("Filter is not valid JSON: %v", err)
	}
	if _, err := dec.Token(); err == nil {
		return nil, patternErr("Filter has trailing content after the JSON object")
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, patternErr("Filter is not an object")
	}
	root, err := compileObject(m, "")
	if err != nil {
		return nil, err
	}
	return &Pattern{root: root, src: string(src)}, nil
}

func compileObject(m map[string]any, path string) (*objNode, error) {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	n := &objNode{}
	for _, k := range keys {
		val := m[k]
		full := k
		if path != "" {
			full = path + "." + k
		}
		if k == "$or" {
			alts, ok := val.([]any)
			if !ok || len(alts) < 2 {
				return nil, patternErr("\"$or\" must be an array of at least two objects at %q", path)
			}
			group := make([]*objNode, 0, len(alts))
			for _, a := range alts {
				am, ok := a.(map[string]any)
				if !ok {
					return nil, patternErr("\"$or\" must contain only objects at %q", path)
				}
				sub, err := compileObject(am, path)
				if err != nil {
					return nil, err
				}
				group = append(group, sub)
			}
			n.ors = append(n.ors, group)
			continue
		}
		switch x := val.(type) {
		case map[string]any:
			sub, err := compileObject(x, full)
			if err != nil {
				return nil, err
			}
			n.fields = append(n.fields, fieldNode{key: k, sub: sub})
		case []any:
			if len(x) == 0 {
				return nil, patternErr("Empty arrays are not allowed at %q", full)
			}
			f := fieldNode{key: k}
			for _, e := range x {
				if err := f.add(e, full); err != nil {
					return nil, err
				}
			}
			n.fields = append(n.fields, f)
		default:
			return nil, patternErr("%q must be an object or an array", full)
		}
	}
	return n, nil
}

// add compiles one alternative of a leaf array.
func (f *fieldNode) add(e any, path string) error {
	switch x := e.(type) {
	case map[string]any:
		if len(x) != 1 {
			return patternErr("Only one key allowed in match expression at %q", path)
		}
		for op, arg := range x {
			if op == "exists" {
				b, ok := arg.(bool)
				if !ok {
					return patternErr("exists match pattern must be either true or false at %q", path)
				}
				if b {
					f.existsTrue = true
				} else {
					f.existsFalse = true
				}
				return nil
			}
			m, err := compileOperator(op, arg, path)
			if err != nil {
				return err
			}
			f.alts = append(f.alts, m)
		}
		return nil
	case []any:
		return patternErr("Match value must be String, number, true, false, or null at %q", path)
	default:
		m, err := literal(x, path)
		if err != nil {
			return err
		}
		f.alts = append(f.alts, m)
		return nil
	}
}

func literal(v any, path string) (matcher, error) {
	switch x := v.(type) {
	case string:
		return exactString(x), nil
	case json.Number:
		f, err := strconv.ParseFloat(string(x), 64)
		if err != nil {
			return nil, patternErr("Value %s is not a valid number at %q", x, path)
		}
		return exactNumber(f), nil
	case bool:
		return exactBool(x), nil
	case nil:
		return exactNull{}, nil
	default:
		return nil, patternErr("Match value must be String, number, true, false, or null at %q", path)
	}
}

func compileOperator(op string, arg any, path string) (matcher, error) {
	switch op {
	case "prefix", "suffix":
		return compileAffix(op, arg, path)
	case "equals-ignore-case":
		s, ok := arg.(string)
		if !ok {
			return nil, patternErr("equals-ignore-case match pattern must be a string at %q", path)
		}
		return ignoreCase(s), nil
	case "wildcard":
		s, ok := arg.(string)
		if !ok {
			return nil, patternErr("wildcard match pattern must be a string at %q", path)
		}
		return compileWildcard(s, path)
	case "anything-but":
		return compileAnythingBut(arg, path)
	case "numeric":
		return compileNumeric(arg, path)
	case "cidr":
		s, ok := arg.(string)
		if !ok {
			return nil, patternErr("prefix match pattern must be a string at %q", path)
		}
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return nil, patternErr("Nonstandard IP address: %s at %q", s, path)
		}
		return cidr{p.Masked()}, nil
	default:
		return nil, patternErr("Unrecognized match type %s at %q", op, path)
	}
}

func compileAffix(op string, arg any, path string) (matcher, error) {
	fold := false
	s, ok := arg.(string)
	if !ok {
		m, isObj := arg.(map[string]any)
		if !isObj || len(m) != 1 {
			return nil, patternErr("%s match pattern must be a string at %q", op, path)
		}
		v, has := m["equals-ignore-case"]
		if s, ok = v.(string); !has || !ok {
			return nil, patternErr("Unsupported %s pattern at %q", op, path)
		}
		fold = true
	}
	if op == "prefix" {
		return prefix{s, fold}, nil
	}
	return suffix{s, fold}, nil
}

func compileAnythingBut(arg any, path string) (matcher, error) {
	switch x := arg.(type) {
	case string:
		return anythingBut{[]matcher{exactString(x)}}, nil
	case json.Number:
		m, err := literal(x, path)
		if err != nil {
			return nil, err
		}
		return anythingBut{[]matcher{m}}, nil
	case []any:
		if len(x) == 0 {
			return nil, patternErr("Empty arrays are not allowed at %q", path)
		}
		var inner []matcher
		for _, e := range x {
			switch e.(type) {
			case string, json.Number:
			default:
				return nil, patternErr("Inside anything but list, only strings and numbers are supported at %q", path)
			}
			m, err := literal(e, path)
			if err != nil {
				return nil, err
			}
			inner = append(inner, m)
		}
		return anythingBut{inner}, nil
	case map[string]any:
		if len(x) != 1 {
			return nil, patternErr("Only one key allowed in anything-but expression at %q", path)
		}
		for op, v := range x {
			switch op {
			case "prefix", "suffix", "wildcard":
				s, ok := v.(string)
				if !ok {
					return nil, patternErr("anything-but %s match pattern must be a string at %q", op, path)
				}
				if op == "prefix" || op == "suffix" {
					if s == "" {
						return nil, patternErr("Null %s not allowed in anything-but at %q", op, path)
					}
					m, _ := compileAffix(op, s, path)
					return anythingBut{[]matcher{m}}, nil
				}
				m, err := compileWildcard(s, path)
				if err != nil {
					return nil, err
				}
				return anythingBut{[]matcher{m}}, nil
			case "equals-ignore-case":
				var inner []matcher
				switch y := v.(type) {
				case string:
					inner = append(inner, ignoreCase(y))
				case []any:
					if len(y) == 0 {
						return nil, patternErr("Empty arrays are not allowed at %q", path)
					}
					for _, e := range y {
						s, ok := e.(string)
						if !ok {
							return nil, patternErr("Inside anything-but/equals-ignore-case list, only strings are supported at %q", path)
						}
						inner = append(inner, ignoreCase(s))
					}
				default:
					return nil, patternErr("anything-but equals-ignore-case must be a string or list of strings at %q", path)
				}
				return anythingBut{inner}, nil
			default:
				return nil, patternErr("Unsupported anything-but pattern: %s at %q", op, path)
			}
		}
	}
	return nil, patternErr("Value of anything-but must be an array or single string/number value at %q", path)
}

func compileNumeric(arg any, path string) (matcher, error) {
	list, ok := arg.([]any)
	if !ok || (len(list) != 2 && len(list) != 4) {
		return nil, patternErr("Value of numeric must be an array of 2 or 4 elements at %q", path)
	}
	var r numericRange
	for i := 0; i < len(list); i += 2 {
		op, ok := list[i].(string)
		if !ok {
			return nil, patternErr("Invalid member in numeric match: %v at %q", list[i], path)
		}
		num, ok := list[i+1].(json.Number)
		if !ok {
			return nil, patternErr("Value of %s must be numeric at %q", op, path)
		}
		f, err := strconv.ParseFloat(string(num), 64)
		if err != nil {
			return nil, patternErr("Value of %s must be numeric at %q", op, path)
		}
		switch {
		case op == "=" && len(list) == 2:
			r.hasLo, r.loInc, r.lo, r.hasHi, r.hiInc, r.hi = true, true, f, true, true, f
		case (op == ">" || op == ">=") && !r.hasLo:
			r.hasLo, r.loInc, r.lo = true, op == ">=", f
		case (op == "<" || op == "<=") && !r.hasHi:
			r.hasHi, r.hiInc, r.hi = true, op == "<=", f
		default:
			return nil, patternErr("Bad numeric range operator: %s at %q", op, path)
		}
	}
	if len(list) == 4 && (!r.hasLo || !r.hasHi) {
		return nil, patternErr("Bad numeric range: needs a lower and an upper bound at %q", path)
	}
	if r.hasLo && r.hasHi && (r.lo > r.hi || (r.lo == r.hi && !(r.loInc && r.hiInc))) {
		return nil, patternErr("Bottom must be less than top at %q", path)
	}
	return r, nil
}

// compileWildcard splits a wildcard pattern into literal segments around
// unescaped '*'. "\*" is a literal star and "\\" a literal backslash, as in
// EventBridge; consecutive stars are refused as AWS does.
func compileWildcard(s, path string) (matcher, error) {
	var parts []string
	var cur strings.Builder
	prevStar := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch c {
		case '\\':
			if i+1 >= len(s) || (s[i+1] != '*' && s[i+1] != '\\') {
				return nil, patternErr("Invalid escape character at pos %d at %q", i, path)
			}
			i++
			cur.WriteByte(s[i])
			prevStar = false
		case '*':
			if prevStar {
				return nil, patternErr("Consecutive wildcard characters at pos %d at %q", i, path)
			}
			parts = append(parts, cur.String())
			cur.Reset()
			prevStar = true
		default:
			cur.WriteByte(c)
			prevStar = false
		}
	}
	parts = append(parts, cur.String())
	return wildcard{parts}, nil
}

// Match reports whether a JSON event matches the pattern. Invalid JSON
// never matches.
func (p *Pattern) Match(event []byte) bool { return MatchJSON(p, event) }

// MatchJSON reports whether any JSON document (an EventBridge event, a
// DynamoDB stream record, ...) matches p. Invalid JSON never matches.
func MatchJSON(p *Pattern, doc []byte) bool {
	var v any
	if err := json.Unmarshal(doc, &v); err != nil {
		return false
	}
	return p.MatchValue(v)
}

// MatchValue matches an already decoded JSON document, as produced by
// encoding/json into any (numbers as float64 or json.Number; ints are also
// accepted). Decoding once and matching many rules is the cheap path.
func (p *Pattern) MatchValue(doc any) bool {
	if p == nil || p.root == nil {
		return false
	}
	return p.root.match(doc)
}

// match applies an object level to a value: an array matches when any of
// its elements does (EventBridge's array rule); an empty array or a
// non-object behaves like an absent object.
func (n *objNode) match(v any) bool {
	switch x := v.(type) {
	case map[string]any:
		return n.matchMap(x)
	case []any:
		for _, e := range x {
			if n.match(e) {
				return true
			}
		}
		if len(x) == 0 {
			return n.matchMap(nil)
		}
		return false
	default:
		return n.matchMap(nil)
	}
}

func (n *objNode) matchMap(m map[string]any) bool {
	for i := range n.fields {
		f := &n.fields[i]
		val, present := m[f.key]
		if f.sub != nil {
			if !f.sub.match(val) {
				return false
			}
			continue
		}
		if !f.matchLeaf(val, present) {
			return false
		}
	}
	for _, group := range n.ors {
		ok := false
		for _, alt := range group {
			if alt.matchMap(m) {
				ok = true
				break
			}
		}
		if !ok {
			return false
		}
	}
	return true
}

// matchLeaf: exists only looks at leaves (AWS: "Exists matching only works
// on leaf nodes"), so an object or an array without scalars counts as
// absent.
func (f *fieldNode) matchLeaf(v any, present bool) bool {
	if !present || !hasLeaf(v) {
		return f.existsFalse
	}
	if f.existsTrue {
		return true
	}
	return f.anyLeaf(v)
}

func (f *fieldNode) anyLeaf(v any) bool {
	switch x := v.(type) {
	case []any:
		for _, e := range x {
			if f.anyLeaf(e) {
				return true
			}
		}
		return false
	case map[string]any:
		return false
	default:
		for _, m := range f.alts {
			if m.match(x) {
				return true
			}
		}
		return false
	}
}

func hasLeaf(v any) bool {
	switch x := v.(type) {
	case map[string]any:
		return false
	case []any:
		for _, e := range x {
			if hasLeaf(e) {
				return true
			}
		}
		return false
	default:
		return true
	}
}

// toFloat reads a JSON number in any of the shapes decoders produce.
func toFloat(v any) (float64, bool) {
	switch x := v.(type) {
	case float64:
		return x, true
	case json.Number:
		f, err := strconv.ParseFloat(string(x), 64)
		return f, err == nil
	case int:
		return float64(x), true
	case int64:
		return float64(x), true
	case float32:
		return float64(x), true
	}
	return 0, false
}

type exactString string

func (m exactString) match(v any) bool { s, ok := v.(string); return ok && s == string(m) }

type exactNumber float64

func (m exactNumber) match(v any) bool { f, ok := toFloat(v); return ok && f == float64(m) }

type exactBool bool

func (m exactBool) match(v any) bool { b, ok := v.(bool); return ok && b == bool(m) }

type exactNull struct{}

func (exactNull) match(v any) bool { return v == nil }

type ignoreCase string

func (m ignoreCase) match(v any) bool {
	s, ok := v.(string)
	return ok && strings.EqualFold(s, string(m))
}

type prefix struct {
	s    string
	fold bool
}

func (m prefix) match(v any) bool {
	s, ok := v.(string)
	if !ok || len(s) < len(m.s) {
		return false
	}
	if m.fold {
		return strings.EqualFold(s[:len(m.s)], m.s)
	}
	return s[:len(m.s)] == m.s
}

type suffix struct {
	s    string
	fold bool
}

func (m suffix) match(v any) bool {
	s, ok := v.(string)
	if !ok || len(s) < len(m.s) {
		return false
	}
	if m.fold {
		return strings.EqualFold(s[len(s)-len(m.s):], m.s)
	}
	return s[len(s)-len(m.s):] == m.s
}

// wildcard holds the literal segments between stars: the value must start
// with the first, end with the last, and contain the middle ones in order.
// Leftmost matching of the middle segments is optimal for '*'-only globs.
type wildcard struct{ parts []string }

func (m wildcard) match(v any) bool {
	s, ok := v.(string)
	if !ok {
		return false
	}
	if len(m.parts) == 1 {
		return s == m.parts[0]
	}
	first, last := m.parts[0], m.parts[len(m.parts)-1]
	if len(s) < len(first)+len(last) || !strings.HasPrefix(s, first) || !strings.HasSuffix(s, last) {
		return false
	}
	rest := s[len(first) : len(s)-len(last)]
	for _, mid := range m.parts[1 : len(m.parts)-1] {
		i := strings.Index(rest, mid)
		if i < 0 {
			return false
		}
		rest = rest[i+len(mid):]
	}
	return true
}

type anythingBut struct{ inner []matcher }

func (m anythingBut) match(v any) bool {
	for _, in := range m.inner {
		if in.match(v) {
			return false
		}
	}
	return true
}

type numericRange struct {
	lo, hi                     float64
	hasLo, hasHi, loInc, hiInc bool
}

func (r numericRange) match(v any) bool {
	f, ok := toFloat(v)
	if !ok {
		return false
	}
	if r.hasLo && (f < r.lo || (f == r.lo && !r.loInc)) {
		return false
	}
	if r.hasHi && (f > r.hi || (f == r.hi && !r.hiInc)) {
		return false
	}
	return true
}

type cidr struct{ p netip.Prefix }

func (m cidr) match(v any) bool {
	s, ok := v.(string)
	if !ok {
		return false
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return false
	}
	return m.p.Contains(a.Unmap())
}
