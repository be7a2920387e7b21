package mapping

import (
	"encoding/base64"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/ohler55/ojg/jp"
)

// The API Gateway surface: $input, $util, $context, $stageVariables.

// inputObj is $input for one render.
type inputObj struct {
	body    string
	params  Params
	all     *vmap // $input.params(), built on first use
	parsed  any   // the body as JSON, parsed on first use
	parseOK bool
	parseEr error
	dirty   bool // a container of parsed was changed by the template
}

// utilObj is $util; it has no state.
type utilObj struct{}

// renderState is everything newRenderer allocates, in one allocation: a
// REST request renders two templates, and these were a dozen small
// allocations each. The states are pooled (renderStates): at ~1.9 KB each
// they were the largest allocation of a POST through the gateway, and
// allocation sets how often the collector runs (its mark phases are what
// the slowest requests wait behind).
type renderState struct {
	r                renderer
	in               inputObj
	reqOvr, respOvr  vmap
	reqH, reqQ, reqP vmap
	respH            vmap
	reqEnts          [3]mapEntry
	respEnts         [2]mapEntry
	// ctxEnts holds the copy of a prepared $context's top level when it
	// fits with the two override entries (API Gateway's has 15 members).
	ctxEnts [24]mapEntry
	ctx     vmap
}

// newRenderer starts a render; deep copies the prepared $context's nested
// containers instead of sharing them (see Context).
func newRenderer(t *Template, in Input, deep bool) *renderer {
	body := string(in.Body)
	if body == "" {
		// API Gateway hands templates "{}" for an empty payload, both as
		// $input.body and to $input.path/$input.json.
		body = "{}"
	}
	st := renderStates.Get().(*renderState)
	st.in = inputObj{body: body, params: in.Params}
	r := &st.r
	*r = renderer{
		t:       t,
		lim:     t.opts.Limits,
		literal: t.opts.LiteralNulls,
		in:      &st.in,
		stageIn: in.StageVariables,
		state:   st,
	}
	// Not pooled: RenderBytes hands the output to its caller.
	r.out = make([]byte, 0, len(t.src)+64)
	switch {
	case in.Prepared != nil && deep:
		r.ctx = in.Prepared.m.clone(2)
	case in.Prepared != nil:
		// Only the top level, which gains the override maps, is copied;
		// touch stops the render before it changes a shared container.
		r.ctx = in.Prepared.m.shallowCloneInto(&st.ctx, &st.ctxEnts)
	default:
		r.ctx = contextMap(in.Context)
	}
	st.reqEnts = [3]mapEntry{{"header", &st.reqH}, {"querystring", &st.reqQ}, {"path", &st.reqP}}
	st.reqOvr.ents = st.reqEnts[:]
	r.reqOvr = &st.reqOvr
	st.respEnts[0] = mapEntry{"header", &st.respH}
	st.respOvr.ents = st.respEnts[:1]
	r.respOvr = &st.respOvr
	r.ctx.putBuilt("requestOverride", r.reqOvr)
	r.ctx.putBuilt("responseOverride", r.respOvr)
	return r
}

var renderStates = sync.Pool{New: func() any { return new(renderState) }}

// release returns the render's state to the pool, cleared so that it keeps
// nothing of this render alive. Nothing a finished render returns points
// into its state (the output buffer is not part of it, override maps are
// built fresh from strings), so r must simply not be used after.
func (r *renderer) release() {
	st := r.state
	if st == nil {
		return
	}
	*st = renderState{}
	renderStates.Put(st)
}

// putBuilt is put for the maps built here (see builtIndexAfter): a new key
// is appended without building the hash index that put builds past
// indexAfter entries.
func (m *vmap) putBuilt(k string, v any) {
	if i := m.find(k); i >= 0 {
		m.ents[i].v = v
		return
	}
	m.ents = append(m.ents, mapEntry{k, v})
	if m.index != nil {
		m.reindex()
	} else {
		m.indexIfLarge()
	}
}

// contextMap converts Input.Context to template values (keys sorted, so
// keySet() is deterministic).
//
// It runs for every render (a REST request renders two templates), so it
// builds the entries in one pass: the keys of a Go map are unique, so no
// entry needs the lookup put does, and the index of a large map is built
// once at its final size.
func contextMap(ctx map[string]any) *vmap {
	return contextMapDepth(ctx, -1, 2)
}

func stringMap(src map[string]string, fold bool) *vmap {
	keys := sortedKeys(src)
	m := &vmap{ents: make([]mapEntry, len(keys)), fold: fold}
	for i, k := range keys {
		m.ents[i] = mapEntry{k, src[k]}
	}
	m.indexIfLarge()
	return m
}

func sortedKeys[V any](src map[string]V) []string {
	keys := make([]string, 0, len(src))
	for k := range src {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// clone copies a context map and its nested maps and lists (scalars are
// immutable and shared); spare is room for entries the renderer adds. The
// copies are not frozen.
func (m *vmap) clone(spare int) *vmap {
	c := &vmap{ents: make([]mapEntry, len(m.ents), len(m.ents)+spare), fold: m.fold}
	for i, e := range m.ents {
		c.ents[i] = mapEntry{e.k, cloneValue(e.v)}
	}
	if m.index != nil {
		c.reindex()
	}
	return c
}

// shallowCloneInto makes c a copy of m that shares m's values. The entries
// go into buf when they fit with two more (the entries the renderer adds),
// else into a new slice.
func (m *vmap) shallowCloneInto(c *vmap, buf *[24]mapEntry) *vmap {
	var ents []mapEntry
	if len(m.ents)+2 <= len(buf) {
		ents = buf[:len(m.ents)]
	} else {
		ents = make([]mapEntry, len(m.ents), len(m.ents)+2)
	}
	copy(ents, m.ents)
	*c = vmap{ents: ents, fold: m.fold}
	if m.index != nil {
		c.reindex()
	}
	return c
}

func cloneValue(v any) any {
	switch v := v.(type) {
	case *vmap:
		return v.clone(0)
	case *vlist:
		l := &vlist{items: make([]any, len(v.items)), json: v.json}
		for i, it := range v.items {
			l.items[i] = cloneValue(it)
		}
		return l
	}
	return v
}

// builtIndexAfter: maps built here are read by a few lookups per render,
// for which a linear scan beats building a hash index.
const builtIndexAfter = 64

// indexIfLarge builds the hash index of a map built without put.
func (m *vmap) indexIfLarge() {
	if len(m.ents) > builtIndexAfter {
		m.reindex()
	}
}

// fromGo converts caller-supplied context values to template values.
func fromGo(v any, depth int) any {
	if depth > maxJSONDepth {
		return nil
	}
	switch v := v.(type) {
	case nil, string, bool, int64, float64:
		return v
	case int:
		return int64(v)
	case int32:
		return int64(v)
	case int16:
		return int64(v)
	case int8:
		return int64(v)
	case uint:
		if uint64(v) > math.MaxInt64 {
			return float64(v)
		}
		return int64(v)
	case uint8:
		return int64(v)
	case uint16:
		return int64(v)
	case uint32:
		return int64(v)
	case uint64:
		if v > math.MaxInt64 {
			return float64(v)
		}
		return int64(v)
	case float32:
		return float64(v)
	case map[string]any:
		return contextMapDepth(v, depth, 0)
	case map[string]string:
		return stringMap(v, false)
	case []any:
		l := &vlist{items: make([]any, len(v))}
		for i, it := range v {
			l.items[i] = fromGo(it, depth+1)
		}
		return l
	case []string:
		l := &vlist{items: make([]any, len(v))}
		for i, it := range v {
			l.items[i] = it
		}
		return l
	case fmt.Stringer:
		return v.String()
	}
	return fmt.Sprint(v)
}

// contextMapDepth converts a nested context map; spare is room left for
// entries the renderer adds (requestOverride, responseOverride).
func contextMapDepth(src map[string]any, depth, spare int) *vmap {
	m := &vmap{ents: make([]mapEntry, len(src), len(src)+spare)}
	// Every request hands over the same keys: reuse their sorted order.
	slot := &contextKeys[len(src)%len(contextKeys)]
	if keys := slot.Load(); keys != nil && len(*keys) == len(src) {
		hit := true
		for i, k := range *keys {
			v, ok := src[k]
			if !ok {
				hit = false
				break
			}
			m.ents[i] = mapEntry{k, fromGo(v, depth+1)}
		}
		if hit {
			m.indexIfLarge()
			return m
		}
	}
	keys := sortedKeys(src)
	for i, k := range keys {
		m.ents[i] = mapEntry{k, fromGo(src[k], depth+1)}
	}
	slot.Store(&keys)
	m.indexIfLarge()
	return m
}

// contextKeys caches the sorted keys of recent context maps by size (a map
// with as many keys as a cached list, all of them present, has exactly
// those keys). The lists are never modified once stored.
var contextKeys [8]atomic.Pointer[[]string]

// collectOverrides copies $context.requestOverride/responseOverride into
// the result.
func (r *renderer) collectOverrides(res *Result) error {
	if v, ok := r.respOvr.get("status"); ok && v != nil {
		code, err := statusCode(v)
		if err != nil {
			return r.errorf(0, "%v", err)
		}
		res.StatusOverride = code
	}
	var err error
	if res.HeaderOverrides, err = r.overrideMap(r.respOvr, "header"); err != nil {
		return err
	}
	if res.RequestOverrides.Header, err = r.overrideMap(r.reqOvr, "header"); err != nil {
		return err
	}
	if res.RequestOverrides.QueryString, err = r.overrideMap(r.reqOvr, "querystring"); err != nil {
		return err
	}
	if res.RequestOverrides.Path, err = r.overrideMap(r.reqOvr, "path"); err != nil {
		return err
	}
	return nil
}

func (r *renderer) overrideMap(parent *vmap, key string) (map[string]string, error) {
	v, _ := parent.get(key)
	m, ok := v.(*vmap)
	if !ok || m.size() == 0 {
		return nil, nil
	}
	out := make(map[string]string, m.size())
	for _, e := range m.ents {
		if e.v == nil {
			continue
		}
		s, err := r.str(0, e.v)
		if err != nil {
			return nil, err
		}
		out[e.k] = s
	}
	if len(out) == 0 {
		return nil, nil
	}
	return out, nil
}

// statusCode validates a $context.responseOverride.status value.
func statusCode(v any) (int, error) {
	var n int64
	switch t := v.(type) {
	case int64:
		n = t
	case float64:
		if t != math.Trunc(t) {
			return 0, fmt.Errorf("invalid status override %v", formatDouble(t))
		}
		n = int64(t)
	case string:
		var ok bool
		if n, ok = parseJavaInt(strings.TrimSpace(t)); !ok {
			return 0, fmt.Errorf("invalid status override %s", quoteShort(t))
		}
	default:
		return 0, fmt.Errorf("invalid status override of type %T", v)
	}
	if n < 100 || n > 599 {
		return 0, fmt.Errorf("invalid status override %d (want 100-599)", n)
	}
	return int(n), nil
}

// inputMethod implements $input.json(path), $input.path(path) and
// $input.params([name]).
func (r *renderer) inputMethod(pos int, in *inputObj, name string, args []any) (any, bool, error) {
	switch name {
	case "params":
		switch len(args) {
		case 0:
			return in.allParams(), true, nil
		case 1:
			key, ok := args[0].(string)
			if !ok {
				return nil, false, nil
			}
			return in.param(key), true, nil
		}
	case "path", "json":
		if len(args) != 1 {
			return nil, false, nil
		}
		path, ok := args[0].(string)
		if !ok {
			return nil, false, nil
		}
		v, err := r.jsonPath(pos, path)
		if err != nil {
			return nil, true, err
		}
		if name == "path" {
			return v, true, nil
		}
		b, err := appendJSON(nil, v, 0)
		if err != nil {
			return nil, true, err
		}
		s := string(b)
		return s, true, r.checkString(pos, s)
	case "getBody":
		if len(args) == 0 {
			return in.body, true, nil
		}
	}
	return nil, false, nil
}

func (in *inputObj) allParams() *vmap {
	if in.all == nil {
		in.all = newMap(3)
		in.all.put("path", stringMap(in.params.Path, false))
		in.all.put("querystring", stringMap(in.params.QueryString, false))
		in.all.put("header", stringMap(in.params.Header, true))
	}
	return in.all
}

// param searches path, then query string, then headers (ignoring case);
// a missing parameter is "".
func (in *inputObj) param(key string) string {
	if v, ok := in.params.Path[key]; ok {
		return v
	}
	if v, ok := in.params.QueryString[key]; ok {
		return v
	}
	if v, ok := in.params.Header[key]; ok {
		return v
	}
	for k, v := range in.params.Header {
		if strings.EqualFold(k, key) {
			return v
		}
	}
	return ""
}

// compiledPath is a cached JSONPath with whether it selects at most one
// node (Jayway's "definite" paths return the value, others a list).
type compiledPath struct {
	x        jp.Expr
	definite bool
	// children is set for paths of the form $.a.b (Root, then only
	// Child fragments: most templates' paths), which childPath walks
	// without ojg's evaluator and its per-call 1 KB stack.
	children []string
	simple   bool
}

// childPath is c.x.Get(data)'s first result for a simple path: each key
// is looked up in a JSON object; anything else (a list, a scalar, a
// missing key) selects nothing. FuzzChildPath holds it to ojg's answer.
func (c compiledPath) childPath(data any) any {
	v := data
	for _, k := range c.children {
		m, ok := v.(*vmap)
		if !ok {
			return nil
		}
		if v, ok = m.get(k); !ok {
			return nil
		}
	}
	return v
}

func (t *Template) jsonPathExpr(path string) (compiledPath, error) {
	if c, ok := t.paths.Load(path); ok {
		return c.(compiledPath), nil
	}
	x, err := jp.ParseString(path)
	if err == nil && len(x) == 0 {
		err = fmt.Errorf("path is empty")
	}
	if err != nil {
		return compiledPath{}, fmt.Errorf("invalid JSONPath %s: %v", quoteShort(path), err)
	}
	c := compiledPath{x: x, definite: true}
	for _, f := range x {
		switch f.(type) {
		case jp.Root, jp.At, jp.Child, jp.Nth, jp.Bracket:
		default:
			c.definite = false
		}
	}
	if _, root := x[0].(jp.Root); root {
		c.simple = true
		for _, f := range x[1:] {
			k, ok := f.(jp.Child)
			if !ok {
				c.simple, c.children = false, nil
				break
			}
			c.children = append(c.children, string(k))
		}
	}
	if t.cacheSize.Add(1) <= maxCacheEntries {
		t.paths.Store(path, c)
	}
	return c, nil
}

// jsonPath evaluates path over the parsed body. Results are the body's own
// containers, not copies; if the template has changed any of them (put,
// add, #set), the body is parsed afresh first, so every call sees the
// request as sent and JSONPath never walks a cycle a template built.
func (r *renderer) jsonPath(pos int, path string) (v any, err error) {
	in := r.in
	if (!in.parseOK && in.parseEr == nil) || in.dirty {
		if err := r.charge(pos, len(in.body)/8); err != nil {
			return nil, err
		}
		in.parsed, in.parseEr = decodeJSON(in.body, true)
		in.parseOK = in.parseEr == nil
		in.dirty = false
	}
	if in.parseEr != nil {
		return nil, fmt.Errorf("%w: %v", ErrBodyNotJSON, in.parseEr)
	}
	c, err := r.t.jsonPathExpr(path)
	if err != nil {
		return nil, err
	}
	defer func() {
		// ojg reports some malformed paths by panicking during evaluation.
		if p := recover(); p != nil {
			v, err = nil, fmt.Errorf("JSONPath %s: %v", quoteShort(path), p)
		}
	}()
	if c.simple {
		return c.childPath(in.parsed), nil
	}
	res := c.x.Get(in.parsed)
	if c.definite {
		if len(res) == 0 {
			return nil, nil
		}
		return res[0], nil
	}
	// An indefinite path may walk the whole body.
	if err := r.charge(pos, len(res)+len(in.body)/16); err != nil {
		return nil, err
	}
	return &vlist{items: res, json: true}, nil
}

// touch is called before a container is changed; changing part of the
// parsed body marks it for re-parsing (see jsonPath). A frozen container
// (part of a shared prepared $context) must not change: touch sets r.thaw
// and returns errThaw, which the caller returns at once, unchanged, and
// Render starts over on a copy.
func (r *renderer) touch(c any) error {
	switch t := c.(type) {
	case *vmap:
		if t.frozen {
			r.thaw = true
			return errThaw
		}
		if t.shared {
			r.in.dirty = true
		}
	case *vlist:
		if t.frozen {
			r.thaw = true
			return errThaw
		}
		if t.shared {
			r.in.dirty = true
		}
	}
	return nil
}

// errThaw stops a render that would change a frozen container; Render
// never returns it.
var errThaw = errors.New("render changes a shared $context container")

// utilMethod implements $util.*. A null argument gives null, like calling
// the Java method with null; other non-strings are converted with toString.
func (r *renderer) utilMethod(pos int, name string, args []any) (any, bool, error) {
	if len(args) != 1 {
		return nil, false, nil
	}
	switch name {
	case "escapeJavaScript", "parseJson", "urlEncode", "urlDecode", "base64Encode", "base64Decode":
	default:
		return nil, false, nil
	}
	if args[0] == nil {
		return nil, true, nil
	}
	s, err := r.str(pos, args[0])
	if err != nil {
		return nil, true, err
	}
	if err := r.charge(pos, len(s)/8); err != nil {
		return nil, true, err
	}
	var out string
	switch name {
	case "escapeJavaScript":
		out = escapeJavaScript(s)
	case "parseJson":
		v, err := decodeJSON(s, false)
		if err != nil {
			return nil, true, fmt.Errorf("$util.parseJson: %v", err)
		}
		return v, true, nil
	case "urlEncode":
		out = urlEncode(s)
	case "urlDecode":
		if out, err = urlDecode(s); err != nil {
			return nil, true, err
		}
	case "base64Encode":
		out = base64.StdEncoding.EncodeToString([]byte(s))
	case "base64Decode":
		if out, err = base64Decode(s); err != nil {
			return nil, true, err
		}
	}
	return out, true, r.checkString(pos, out)
}

const upperHex = "0123456789ABCDEF"

// escapeJavaScript follows Apache Commons Lang's escapeJavaScript, which
// API Gateway's $util.escapeJavaScript is: \" \' \\ \/ and \b \f \n \r \t,
// other control characters and everything outside ASCII as \uXXXX
// (uppercase hex, UTF-16 units).
func escapeJavaScript(s string) string {
	var b strings.Builder
	b.Grow(len(s) + len(s)/8)
	for _, c := range s {
		switch {
		case c >= 0x20 && c < 0x7f:
			switch c {
			case '"', '\'', '\\', '/':
				b.WriteByte('\\')
			}
			b.WriteByte(byte(c))
		case c < 0x20:
			switch c {
			case '\b':
				b.WriteString(`\b`)
			case '\n':
				b.WriteString(`\n`)
			case '\t':
				b.WriteString(`\t`)
			case '\f':
				b.WriteString(`\f`)
			case '\r':
				b.WriteString(`\r`)
			default:
				writeU(&b, uint16(c))
			}
		case c > 0xffff:
			hi, lo := utf16.EncodeRune(c)
			writeU(&b, uint16(hi))
			writeU(&b, uint16(lo))
		default:
			writeU(&b, uint16(c))
		}
	}
	return b.String()
}

func writeU(b *strings.Builder, u uint16) {
	b.WriteString(`\u`)
	b.WriteByte(upperHex[u>>12&0xf])
	b.WriteByte(upperHex[u>>8&0xf])
	b.WriteByte(upperHex[u>>4&0xf])
	b.WriteByte(upperHex[u&0xf])
}

// urlEncode is java.net.URLEncoder.encode(s, "UTF-8"): letters, digits and
// ".-*_" stay, space becomes "+", every other byte %XX.
func urlEncode(s string) string {
	var b strings.Builder
	b.Grow(len(s) + len(s)/4)
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9',
			c == '.', c == '-', c == '*', c == '_':
			b.WriteByte(c)
		case c == ' ':
			b.WriteByte('+')
		default:
			b.WriteByte('%')
			b.WriteByte(upperHex[c>>4])
			b.WriteByte(upperHex[c&0xf])
		}
	}
	return b.String()
}

// urlDecode is java.net.URLDecoder.decode(s, "UTF-8"): "+" is a space and
// a malformed %-escape is an error.
func urlDecode(s string) (string, error) {
	if !strings.ContainsAny(s, "+%") {
		return s, nil
	}
	buf := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '+':
			buf = append(buf, ' ')
		case '%':
			if i+2 >= len(s) {
				return "", fmt.Errorf("$util.urlDecode: incomplete trailing escape (%%) pattern")
			}
			h, err := strconv.ParseUint(s[i+1:i+3], 16, 8)
			if err != nil {
				return "", fmt.Errorf("$util.urlDecode: illegal hex characters in escape (%%) pattern %q", s[i:i+3])
			}
			buf = append(buf, byte(h))
			i += 2
		default:
			buf = append(buf, c)
		}
	}
	return strings.ToValidUTF8(string(buf), "\uFFFD"), nil
}

// base64Decode accepts standard or URL-safe alphabets, with or without
// padding; the decoded bytes are read as UTF-8.
func base64Decode(s string) (string, error) {
	s = strings.Map(func(c rune) rune {
		switch c {
		case ' ', '\t', '\r', '\n':
			return -1
		case '-':
			return '+'
		case '_':
			return '/'
		}
		return c
	}, s)
	s = strings.TrimRight(s, "=")
	b, err := base64.RawStdEncoding.DecodeString(s)
	if err != nil {
		return "", fmt.Errorf("$util.base64Decode: %v", err)
	}
	if !utf8.Valid(b) {
		return strings.ToValidUTF8(string(b), "\uFFFD"), nil
	}
	return string(b), nil
}
