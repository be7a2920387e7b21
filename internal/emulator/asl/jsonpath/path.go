package jsonpath

import (
	"fmt"
	"strings"

	"github.com/ohler55/ojg/jp"
)

// Path is a compiled JSONPath. A path starting with "$$" selects from the
// context object instead of the state input.
type Path struct {
	raw      string
	context  bool
	variable string // "$name..." paths select from a workflow variable
	expr     jp.Expr
	definite bool // only child names and indexes: selects at most one value
	steps    []step
}

type step struct {
	key   string
	index int
	isKey bool
}

// ParsePath compiles a JSONPath ("$", "$.a.b[0]", "$$.Execution.Id", ...).
func ParsePath(s string) (p *Path, err error) {
	defer func() {
		if r := recover(); r != nil {
			p, err = nil, fmt.Errorf("invalid JSONPath %q: %v", s, r)
		}
	}()
	p = &Path{raw: s}
	src := s
	if strings.HasPrefix(s, "$$") {
		p.context = true
		src = s[1:]
	} else if n := varNameLen(s); n > 0 {
		// "$name.a.b" reads variable name; the rest is a path into it.
		p.variable = s[1 : 1+n]
		src = "$" + s[1+n:]
	}
	if !strings.HasPrefix(src, "$") {
		return nil, fmt.Errorf("invalid JSONPath %q: must start with '$'", s)
	}
	x, err := jp.ParseString(src)
	if err != nil {
		return nil, fmt.Errorf("invalid JSONPath %q: %w", s, err)
	}
	if len(x) == 0 {
		return nil, fmt.Errorf("invalid JSONPath %q: empty", s)
	}
	if _, ok := x[0].(jp.Root); !ok {
		return nil, fmt.Errorf("invalid JSONPath %q: must start with '$'", s)
	}
	p.expr = x
	p.definite = true
	for _, f := range x[1:] {
		switch v := f.(type) {
		case jp.Child:
			p.steps = append(p.steps, step{key: string(v), isKey: true})
		case jp.Nth:
			p.steps = append(p.steps, step{index: int(v)})
		case jp.Bracket:
			// Notation only; selects nothing by itself.
		default:
			p.definite = false
		}
	}
	return p, nil
}

// MustParsePath is ParsePath for constant paths in code and tests.
func MustParsePath(s string) *Path {
	p, err := ParsePath(s)
	if err != nil {
		panic(err)
	}
	return p
}

// String returns the path as written.
func (p *Path) String() string { return p.raw }

// IsContext reports whether the path selects from the context object.
func (p *Path) IsContext() bool { return p.context }

// Variable is the workflow variable a "$name..." path reads, or "".
func (p *Path) Variable() string { return p.variable }

// NeedsEnv reports whether Get needs the environment (context object or
// variables) rather than only the input.
func (p *Path) NeedsEnv() bool { return p.context || p.variable != "" }

// varNameLen is the length of the variable name after a leading "$"
// (letters, digits and underscores, not starting with a digit), or 0.
func varNameLen(s string) int {
	if len(s) < 2 || s[0] != '$' {
		return 0
	}
	n := 0
	for _, c := range s[1:] {
		isLetter := c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
		if !isLetter && (n == 0 || c < '0' || c > '9') {
			break
		}
		n++
	}
	return n
}

// Env is what paths read besides the state input: the context object
// ("$$") and workflow variables ("$name"). Both are called lazily.
type Env struct {
	Context func() any
	Var     func(name string) (any, bool)
}

// contextOf unwraps an *Env passed where a context object is expected.
func contextOf(ctxObj any) any {
	if e, ok := ctxObj.(*Env); ok {
		if e == nil || e.Context == nil {
			return nil
		}
		return e.Context()
	}
	return ctxObj
}

// IsReference reports whether the path selects a single node (no
// wildcards, filters, slices or descent) — the only kind ResultPath allows.
func (p *Path) IsReference() bool { return p.definite }

// Get selects from input, or from the context object for "$$" paths.
// ok is false when nothing matches. An indefinite path returns an array of
// all matches.
func (p *Path) Get(input, ctxObj any) (any, bool) {
	data := input
	switch {
	case p.context:
		data = contextOf(ctxObj)
	case p.variable != "":
		e, ok := ctxObj.(*Env)
		if !ok || e == nil || e.Var == nil {
			return nil, false
		}
		v, found := e.Var(p.variable)
		if !found {
			return nil, false
		}
		data = v
	}
	if p.definite {
		return walk(data, p.steps)
	}
	res, err := safeGet(p.expr, data)
	if err != nil {
		return nil, false
	}
	if res == nil {
		res = []any{}
	}
	return res, true
}

func safeGet(x jp.Expr, data any) (res []any, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("evaluate JSONPath: %v", r)
		}
	}()
	return x.Get(data), nil
}

func walk(data any, steps []step) (any, bool) {
	cur := data
	for _, s := range steps {
		if s.isKey {
			m, ok := cur.(map[string]any)
			if !ok {
				return nil, false
			}
			cur, ok = m[s.key]
			if !ok {
				return nil, false
			}
			continue
		}
		a, ok := cur.([]any)
		if !ok {
			return nil, false
		}
		i := s.index
		if i < 0 {
			i += len(a)
		}
		if i < 0 || i >= len(a) {
			return nil, false
		}
		cur = a[i]
	}
	return cur, true
}

// Select applies an InputPath/OutputPath-style selection: a nil path means
// "$"; a missing match is a States.Runtime failure with AWS's wording.
func Select(p *Path, input, ctxObj any, field string) (any, error) {
	if p == nil {
		return input, nil
	}
	v, ok := p.Get(input, ctxObj)
	if !ok {
		return nil, errorf(ErrRuntime, "An error occurred while executing the state. Invalid path '%s' : No results for path: %s", p.raw, p.raw)
	}
	return v, nil
}

// SetResult returns input with result placed at path (ResultPath
// semantics). The input is not modified: maps along the path are copied.
// A nil path means "$" (the result replaces the input).
func SetResult(input any, p *Path, result any) (any, error) {
	if p == nil || len(p.steps) == 0 && p.definite {
		return result, nil
	}
	if !p.definite || p.context {
		return nil, errorf(ErrResultPathMatch, "Unable to apply ResultPath %q: not a reference path", p.raw)
	}
	out, err := setAt(input, p.steps, result)
	if err != nil {
		return nil, errorf(ErrResultPathMatch, "Unable to apply step %q to input %s", p.raw, MarshalString(input))
	}
	return out, nil
}

func setAt(cur any, steps []step, result any) (any, error) {
	if len(steps) == 0 {
		return result, nil
	}
	s := steps[0]
	if s.isKey {
		var m map[string]any
		switch x := cur.(type) {
		case map[string]any:
			m = make(map[string]any, len(x)+1)
			for k, v := range x {
				m[k] = v
			}
		case nil:
			m = map[string]any{}
		default:
			return nil, fmt.Errorf("not an object")
		}
		child, err := setAt(m[s.key], steps[1:], result)
		if err != nil {
			return nil, err
		}
		m[s.key] = child
		return m, nil
	}
	a, ok := cur.([]any)
	if !ok {
		return nil, fmt.Errorf("not an array")
	}
	i := s.index
	if i < 0 {
		i += len(a)
	}
	if i < 0 || i >= len(a) {
		return nil, fmt.Errorf("index out of range")
	}
	out := append([]any(nil), a...)
	child, err := setAt(out[i], steps[1:], result)
	if err != nil {
		return nil, err
	}
	out[i] = child
	return out, nil
}
