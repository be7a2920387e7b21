package mapping

import (
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"unicode/utf8"
)

// Default limits. A render that would exceed one fails with an error
// wrapping ErrLimit; it never hangs or grows without bound.
const (
	// DefaultMaxIterations bounds #foreach iterations over a whole render.
	DefaultMaxIterations = 100_000
	// DefaultMaxOutputBytes bounds the output and every string value.
	DefaultMaxOutputBytes = 10 << 20
	// DefaultMaxDepth bounds block and expression nesting at parse time and
	// #define/macro recursion at render time.
	DefaultMaxDepth = 64
	// DefaultMaxWork bounds the total work units (nodes evaluated plus bytes
	// and elements produced) of one render.
	DefaultMaxWork = 50_000_000
)

var (
	// ErrLimit is wrapped by errors caused by exceeding a Limits bound.
	ErrLimit = errors.New("mapping template limit exceeded")
	// ErrBodyNotJSON is wrapped by render errors from $input.path or
	// $input.json when the body is not JSON; API Gateway answers such
	// requests with 400.
	ErrBodyNotJSON = errors.New("body is not valid JSON")
)

// Limits bounds the work a template may do. Zero fields take the defaults.
type Limits struct {
	MaxIterations  int
	MaxOutputBytes int
	MaxDepth       int
	MaxWork        int
}

func (l Limits) withDefaults() Limits {
	if l.MaxIterations <= 0 {
		l.MaxIterations = DefaultMaxIterations
	}
	if l.MaxOutputBytes <= 0 {
		l.MaxOutputBytes = DefaultMaxOutputBytes
	}
	if l.MaxDepth <= 0 {
		l.MaxDepth = DefaultMaxDepth
	}
	if l.MaxWork <= 0 {
		l.MaxWork = DefaultMaxWork
	}
	return l
}

// Options tune parsing and rendering.
type Options struct {
	// LiteralNulls renders a non-quiet reference whose value is null as the
	// text that was written ("$foo.bar"), which is plain Velocity 1.7. The
	// default renders it as "", which is what API Gateway does.
	LiteralNulls bool
	Limits       Limits
}

// Error is a parse or render error at a position in a template. Its text is
// "name:line:col: message".
type Error struct {
	Name string
	Line int
	Col  int
	Msg  string
	// Err is the cause, when there is one (ErrLimit, ErrBodyNotJSON, ...).
	Err error
}

func (e *Error) Error() string {
	return fmt.Sprintf("%s:%d:%d: %s", e.Name, e.Line, e.Col, e.Msg)
}

func (e *Error) Unwrap() error { return e.Err }

// Params are a request's parameters as the template sees them through
// $input.params(). Header names are kept as received; header lookups
// ignore case.
type Params struct {
	Path        map[string]string
	QueryString map[string]string
	Header      map[string]string
}

// Input is everything one render sees.
type Input struct {
	// Body is the raw payload ($input.body). It may be empty or not JSON;
	// only $input.path and $input.json need it to be JSON.
	Body   []byte
	Params Params
	// Context backs $context. Nested maps (identity, authorizer, ...) are
	// allowed; requestOverride and responseOverride are always replaced by
	// fresh writable maps.
	Context map[string]any
	// Prepared, when set, is used instead of Context: a $context converted
	// once for the several renders of one request.
	Prepared       *Context
	StageVariables map[string]string
}

// Context is a $context converted to template values once, for several
// renders (API Gateway renders a request's request template and then its
// response template with the same $context). Each render works on its own
// copy of the top level; the nested maps and lists are frozen and shared
// until a template is about to change one, when the render starts over on
// a deep copy (see Template.Render). So a template that changes $context
// changes nothing for the next, and one that does not copies little.
type Context struct{ m *vmap }

// NewContext prepares ctx (see Input.Context) for Input.Prepared.
func NewContext(ctx map[string]any) *Context { return newContext(contextMap(ctx)) }

func newContext(m *vmap) *Context {
	for _, e := range m.ents {
		freeze(e.v)
	}
	return &Context{m: m}
}

// freeze marks v's containers, nested ones included, frozen.
func freeze(v any) {
	switch v := v.(type) {
	case *vmap:
		v.frozen = true
		for _, e := range v.ents {
			freeze(e.v)
		}
	case *vlist:
		v.frozen = true
		for _, it := range v.items {
			freeze(it)
		}
	}
}

// NewContextSorted is NewContext for a context given as names and values
// (vals[i] is named keys[i]), without the Go map a caller would build only
// to hand over. The result is NewContext's for the same pairs; keys that
// are not strictly ascending (unsorted or repeated) go through NewContext.
func NewContextSorted(keys []string, vals []any) *Context {
	if len(keys) != len(vals) {
		return NewContext(pairsMap(keys, vals))
	}
	for i := 1; i < len(keys); i++ {
		if keys[i-1] >= keys[i] {
			return NewContext(pairsMap(keys, vals))
		}
	}
	m := &vmap{ents: make([]mapEntry, len(keys), len(keys)+2)}
	for i, k := range keys {
		m.ents[i] = mapEntry{k, fromGo(vals[i], 0)}
	}
	m.indexIfLarge()
	return newContext(m)
}

// pairsMap builds the map NewContextSorted stands for: a repeated key
// keeps its last value, as in a map literal; a missing value is null.
func pairsMap(keys []string, vals []any) map[string]any {
	m := make(map[string]any, len(keys))
	for i, k := range keys {
		var v any
		if i < len(vals) {
			v = vals[i]
		}
		m[k] = v
	}
	return m
}

// Result is the output of one render plus the overrides the template set.
type Result struct {
	Output string
	// StatusOverride is $context.responseOverride.status, or 0 when unset.
	StatusOverride int
	// HeaderOverrides is $context.responseOverride.header.*; nil when unset.
	HeaderOverrides map[string]string
	// RequestOverrides is $context.requestOverride.{path,querystring,header}.*;
	// each map is nil when unset.
	RequestOverrides Params
}

// Template is a parsed mapping template. It is immutable after Parse and
// safe for concurrent Render calls.
type Template struct {
	name  string
	src   string
	root  []node
	opts  Options
	lines []int // byte offsets of line starts, for error positions

	// Caches of compiled regular expressions and JSONPath expressions keyed
	// by their source text; bounded by maxCacheEntries.
	regexps   sync.Map
	paths     sync.Map
	cacheSize atomic.Int32
}

const maxCacheEntries = 256

// Parse parses a mapping template with the default options. Errors are
// *Error values ("name:line:col: message").
func Parse(name, src string) (*Template, error) {
	return ParseWith(name, src, Options{})
}

// ParseWith parses a mapping template with explicit options.
func ParseWith(name, src string, opts Options) (*Template, error) {
	opts.Limits = opts.Limits.withDefaults()
	t := &Template{name: name, src: src, opts: opts, lines: lineStarts(src)}
	p := &parser{t: t, src: src, maxDepth: opts.Limits.MaxDepth, macros: map[string]*macroDef{}, posOverride: -1}
	root, err := p.parseTemplate(0, len(src), true)
	if err != nil {
		return nil, err
	}
	t.root = root
	return t, nil
}

// Name returns the name the template was parsed with.
func (t *Template) Name() string { return t.name }

func lineStarts(src string) []int {
	lines := []int{0}
	for i := 0; i < len(src); i++ {
		if src[i] == '\n' {
			lines = append(lines, i+1)
		}
	}
	return lines
}

// position converts a byte offset to a 1-based line and column (columns
// count runes).
func (t *Template) position(off int) (int, int) {
	if off < 0 {
		off = 0
	}
	if off > len(t.src) {
		off = len(t.src)
	}
	lo, hi := 0, len(t.lines)-1
	for lo < hi {
		mid := (lo + hi + 1) / 2
		if t.lines[mid] <= off {
			lo = mid
		} else {
			hi = mid - 1
		}
	}
	return lo + 1, utf8.RuneCountInString(t.src[t.lines[lo]:off]) + 1
}

func (t *Template) errorAt(off int, cause error, format string, args ...any) *Error {
	line, col := t.position(off)
	return &Error{Name: t.name, Line: line, Col: col, Msg: fmt.Sprintf(format, args...), Err: cause}
}

// Render evaluates the template against one request or response.
func (t *Template) Render(in Input) (Result, error) {
	out, res, err := t.RenderBytes(in)
	if err != nil {
		return Result{}, err
	}
	res.Output = string(out)
	return res, nil
}

// RenderBytes is Render with the output as bytes that the caller owns,
// for callers that need bytes (a request or response body): Render's
// Output string would be copied again to get them. The Result's Output is
// empty.
func (t *Template) RenderBytes(in Input) ([]byte, Result, error) {
	r := newRenderer(t, in, false)
	_, err := r.exec(t.root)
	if r.thaw {
		// The template was about to change a container of the prepared
		// $context it shares (see Context): render again, on a copy.
		// Rendering is deterministic, so the second render does what a
		// render on a copy from the start would have done.
		r.release()
		r = newRenderer(t, in, true)
		_, err = r.exec(t.root)
	}
	defer r.release()
	if err != nil {
		return nil, Result{}, err
	}
	var res Result
	if err := r.collectOverrides(&res); err != nil {
		return nil, Result{}, err
	}
	return r.out, res, nil
}

// String returns the template source, for diagnostics.
func (t *Template) String() string { return t.src }

// quoteShort quotes s for error messages, truncating long values.
func quoteShort(s string) string {
	const max = 40
	if len(s) > max {
		cut := max
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		return fmt.Sprintf("%q...", s[:cut])
	}
	return fmt.Sprintf("%q", s)
}
