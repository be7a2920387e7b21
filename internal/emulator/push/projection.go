package push

import (
	"encoding/json"
	"strconv"
	"unicode/utf8"
)

// Projection decodes JSON documents for matching, keeping only the members
// a set of patterns can look at. A pattern only reads the keys it names (at
// every level, $or alternatives included), so matching a projected
// document gives the same answer as matching the whole one, while the
// members nobody reads (most of a DynamoDB stream record's images) are
// scanned, not decoded: no maps, strings or numbers are built for them.
// It is immutable and safe for concurrent use.
type Projection struct {
	root *projNode
}

// projNode is one object level of a projection: the keys to keep, each
// with the projection of its value (nil: keep the whole value).
type projNode struct {
	keys map[string]*projNode
	// names holds each kept key once, so decoded maps share the string.
	names map[string]string
}

func newProjNode() *projNode {
	return &projNode{keys: map[string]*projNode{}, names: map[string]string{}}
}

// NewProjection returns the projection of documents onto the members the
// patterns read, plus the top-level members named in extra (kept whole).
func NewProjection(patterns []*Pattern, extra ...string) *Projection {
	root := newProjNode()
	for _, p := range patterns {
		if p != nil && p.root != nil {
			root.addObj(p.root)
		}
	}
	for _, k := range extra {
		root.keep(k, nil)
	}
	return &Projection{root: root}
}

func (n *projNode) addObj(o *objNode) {
	for i := range o.fields {
		f := &o.fields[i]
		if f.sub == nil {
			n.keep(f.key, nil)
			continue
		}
		child := newProjNode()
		child.addObj(f.sub)
		n.keep(f.key, child)
	}
	for _, group := range o.ors {
		for _, alt := range group {
			// $or alternatives match the same object as their parent.
			n.addObj(alt)
		}
	}
}

// keep adds key with the projection child; a key kept whole by one
// pattern stays whole, and two sub-projections merge.
func (n *projNode) keep(key string, child *projNode) {
	cur, seen := n.keys[key]
	n.names[key] = key
	switch {
	case !seen:
		n.keys[key] = child
	case cur == nil:
	case child == nil:
		n.keys[key] = nil
	default:
		for k, c := range child.keys {
			cur.keep(k, c)
		}
	}
}

// Decode decodes doc as encoding/json decodes it into an any (objects as
// map[string]any, numbers as float64), leaving out the object members the
// projection does not keep. It fails exactly when json.Unmarshal fails,
// with json.Unmarshal's error: the whole document is validated, numbers
// nobody reads included.
func (p *Projection) Decode(doc []byte) (any, error) {
	d := projDecoder{data: doc}
	v, ok := d.value(p.root)
	if ok {
		d.ws()
		ok = d.pos == len(d.data)
	}
	if !ok {
		// Malformed (or unusual) input: the standard decoder has the
		// final word, and its error text.
		var full any
		if err := json.Unmarshal(doc, &full); err != nil {
			return nil, err
		}
		return prune(full, p.root), nil
	}
	return v, nil
}

// prune applies a projection to a fully decoded value.
func prune(v any, n *projNode) any {
	if n == nil {
		return v
	}
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(n.keys))
		for k, c := range n.keys {
			if e, ok := x[k]; ok {
				out[k] = prune(e, c)
			}
		}
		return out
	case []any:
		for i := range x {
			x[i] = prune(x[i], n)
		}
		return x
	}
	return v
}

// projDecoder is a validating JSON scanner that builds values only where
// the projection keeps them. Any input it is unsure of makes it report
// !ok, and Decode falls back to encoding/json.
type projDecoder struct {
	data  []byte
	pos   int
	depth int
}

// maxDepth bounds nesting (and this decoder's recursion) as encoding/json
// does; deeper documents go to the fallback, which fails them.
const maxDepth = 10000

// enter steps into a container; leave steps out.
func (d *projDecoder) enter() bool {
	d.depth++
	return d.depth <= maxDepth
}

func (d *projDecoder) leave() { d.depth-- }

func (d *projDecoder) ws() {
	for d.pos < len(d.data) {
		switch d.data[d.pos] {
		case ' ', '\t', '\n', '\r':
			d.pos++
		default:
			return
		}
	}
}

// value decodes the value at pos through projection n (nil: whole).
func (d *projDecoder) value(n *projNode) (any, bool) {
	d.ws()
	if d.pos >= len(d.data) {
		return nil, false
	}
	switch c := d.data[d.pos]; {
	case c == '{' || c == '[':
		if n == nil {
			return d.whole()
		}
		if !d.enter() {
			return nil, false
		}
		defer d.leave()
		if c == '{' {
			return d.object(n)
		}
		return d.array(n)
	case c == '"':
		return d.str()
	default:
		return d.scalar()
	}
}

// object decodes an object keeping n's keys. Duplicate keys: the last
// wins, as with encoding/json.
func (d *projDecoder) object(n *projNode) (any, bool) {
	d.pos++ // '{'
	out := make(map[string]any, len(n.keys))
	d.ws()
	if d.pos < len(d.data) && d.data[d.pos] == '}' {
		d.pos++
		return out, true
	}
	for {
		d.ws()
		start := d.pos
		if !d.skipString() {
			return nil, false
		}
		raw := d.data[start+1 : d.pos-1]
		d.ws()
		if d.pos >= len(d.data) || d.data[d.pos] != ':' {
			return nil, false
		}
		d.pos++
		key, plain := "", true
		if !isPlain(raw) {
			// Escapes or invalid UTF-8: compare the key as encoding/json
			// decodes it.
			var ok bool
			if key, ok = unquote(d.data[start : start+len(raw)+2]); !ok {
				return nil, false
			}
			plain = false
		}
		var child *projNode
		var keep bool
		if plain {
			child, keep = n.keys[string(raw)]
		} else {
			child, keep = n.keys[key]
		}
		if keep {
			v, ok := d.value(child)
			if !ok {
				return nil, false
			}
			if plain {
				key = n.names[string(raw)]
			}
			out[key] = v
		} else if !d.skip() {
			return nil, false
		}
		d.ws()
		if d.pos >= len(d.data) {
			return nil, false
		}
		switch d.data[d.pos] {
		case ',':
			d.pos++
		case '}':
			d.pos++
			return out, true
		default:
			return nil, false
		}
	}
}

// array decodes an array whose object elements are projected by n (a
// pattern level matches each element of an event array).
func (d *projDecoder) array(n *projNode) (any, bool) {
	d.pos++ // '['
	out := []any{}
	d.ws()
	if d.pos < len(d.data) && d.data[d.pos] == ']' {
		d.pos++
		return out, true
	}
	for {
		v, ok := d.value(n)
		if !ok {
			return nil, false
		}
		out = append(out, v)
		d.ws()
		if d.pos >= len(d.data) {
			return nil, false
		}
		switch d.data[d.pos] {
		case ',':
			d.pos++
		case ']':
			d.pos++
			return out, true
		default:
			return nil, false
		}
	}
}

// whole decodes a kept object or array with encoding/json (they are small:
// pattern leaves).
func (d *projDecoder) whole() (any, bool) {
	start := d.pos
	if !d.skip() {
		return nil, false
	}
	var v any
	if json.Unmarshal(d.data[start:d.pos], &v) != nil {
		return nil, false
	}
	return v, true
}

func (d *projDecoder) str() (any, bool) {
	start := d.pos
	if !d.skipString() {
		return nil, false
	}
	if raw := d.data[start+1 : d.pos-1]; isPlain(raw) {
		return string(raw), true
	}
	return unquote(d.data[start:d.pos])
}

// unquote decodes a quoted JSON string as encoding/json does.
func unquote(quoted []byte) (string, bool) {
	var s string
	if json.Unmarshal(quoted, &s) != nil {
		return "", false
	}
	return s, true
}

// isPlain reports string content that encoding/json copies as it is: no
// escapes and valid UTF-8 (it replaces invalid bytes with U+FFFD).
func isPlain(raw []byte) bool {
	for i, c := range raw {
		if c == '\\' {
			return false
		}
		if c >= utf8.RuneSelf {
			return utf8.Valid(raw[i:]) && !hasBackslash(raw[i:])
		}
	}
	return true
}

func hasBackslash(raw []byte) bool {
	for _, c := range raw {
		if c == '\\' {
			return true
		}
	}
	return false
}

// scalar decodes a number, true, false or null.
func (d *projDecoder) scalar() (any, bool) {
	start := d.pos
	if !d.skipScalar() {
		return nil, false
	}
	switch lit := d.data[start:d.pos]; lit[0] {
	case 't':
		return true, true
	case 'f':
		return false, true
	case 'n':
		return nil, true
	default:
		f, err := strconv.ParseFloat(string(lit), 64)
		if err != nil {
			return nil, false
		}
		return f, true
	}
}

// skip validates and steps over one value.
func (d *projDecoder) skip() bool {
	d.ws()
	if d.pos >= len(d.data) {
		return false
	}
	switch d.data[d.pos] {
	case '"':
		return d.skipString()
	case '{', '[':
		if !d.enter() {
			return false
		}
		defer d.leave()
		return d.skipContainer()
	default:
		start := d.pos
		if !d.skipScalar() {
			return false
		}
		if lit := d.data[start:d.pos]; lit[0] == '-' || (lit[0] >= '0' && lit[0] <= '9') {
			// encoding/json fails a document with a number out of
			// float64's range even where nobody reads it.
			if len(lit) > 300 || hasExponent(lit) {
				if _, err := strconv.ParseFloat(string(lit), 64); err != nil {
					return false
				}
			}
		}
		return true
	}
}

// skipContainer steps over the object or array at pos.
func (d *projDecoder) skipContainer() bool {
	switch d.data[d.pos] {
	case '{':
		d.pos++
		d.ws()
		if d.pos < len(d.data) && d.data[d.pos] == '}' {
			d.pos++
			return true
		}
		for {
			d.ws()
			if !d.skipString() {
				return false
			}
			d.ws()
			if d.pos >= len(d.data) || d.data[d.pos] != ':' {
				return false
			}
			d.pos++
			if !d.skip() {
				return false
			}
			d.ws()
			if d.pos >= len(d.data) {
				return false
			}
			switch d.data[d.pos] {
			case ',':
				d.pos++
			case '}':
				d.pos++
				return true
			default:
				return false
			}
		}
	case '[':
		d.pos++
		d.ws()
		if d.pos < len(d.data) && d.data[d.pos] == ']' {
			d.pos++
			return true
		}
		for {
			if !d.skip() {
				return false
			}
			d.ws()
			if d.pos >= len(d.data) {
				return false
			}
			switch d.data[d.pos] {
			case ',':
				d.pos++
			case ']':
				d.pos++
				return true
			default:
				return false
			}
		}
	}
	return false
}

func hasExponent(lit []byte) bool {
	for _, c := range lit {
		if c == 'e' || c == 'E' {
			return true
		}
	}
	return false
}

// skipString validates and steps over a string (JSON's grammar; invalid
// UTF-8 is accepted, as encoding/json's scanner accepts it).
func (d *projDecoder) skipString() bool {
	if d.pos >= len(d.data) || d.data[d.pos] != '"' {
		return false
	}
	i := d.pos + 1
	for i < len(d.data) {
		c := d.data[i]
		switch {
		case c == '"':
			d.pos = i + 1
			return true
		case c < 0x20:
			return false
		case c == '\\':
			if i+1 >= len(d.data) {
				return false
			}
			switch d.data[i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i += 2
			case 'u':
				if i+6 > len(d.data) {
					return false
				}
				for _, h := range d.data[i+2 : i+6] {
					if !isHex(h) {
						return false
					}
				}
				i += 6
			default:
				return false
			}
		default:
			i++
		}
	}
	return false
}

func isHex(c byte) bool {
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')
}

// skipScalar validates and steps over a number or a literal.
func (d *projDecoder) skipScalar() bool {
	rest := d.data[d.pos:]
	for _, lit := range [...]string{"true", "false", "null"} {
		if len(rest) >= len(lit) && string(rest[:len(lit)]) == lit {
			d.pos += len(lit)
			return true
		}
	}
	i := 0
	if i < len(rest) && rest[i] == '-' {
		i++
	}
	switch {
	case i < len(rest) && rest[i] == '0':
		i++
	case i < len(rest) && rest[i] >= '1' && rest[i] <= '9':
		for i < len(rest) && rest[i] >= '0' && rest[i] <= '9' {
			i++
		}
	default:
		return false
	}
	if i < len(rest) && rest[i] == '.' {
		i++
		j := i
		for i < len(rest) && rest[i] >= '0' && rest[i] <= '9' {
			i++
		}
		if i == j {
			return false
		}
	}
	if i < len(rest) && (rest[i] == 'e' || rest[i] == 'E') {
		i++
		if i < len(rest) && (rest[i] == '+' || rest[i] == '-') {
			i++
		}
		j := i
		for i < len(rest) && rest[i] >= '0' && rest[i] <= '9' {
			i++
		}
		if i == j {
			return false
		}
	}
	d.pos += i
	return true
}
