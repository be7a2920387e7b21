package jsonpath

import (
	"fmt"
	"sort"
	"strings"
)

// Template is a compiled payload template (Parameters, ItemSelector,
// ResultSelector): a JSON value whose object keys ending in ".$" take their
// value from a path or an intrinsic function call.
type Template struct {
	root node
}

type node interface {
	eval(input any, ctx func() any) (any, error)
}

type constNode struct{ v any }

func (n constNode) eval(any, func() any) (any, error) { return n.v, nil }

type field struct {
	name string // output key (without ".$")
	raw  string // key as written, for messages
	node node
}

type objectNode struct{ fields []field }

func (n *objectNode) eval(input any, ctx func() any) (any, error) {
	out := make(map[string]any, len(n.fields))
	for _, f := range n.fields {
		v, err := f.node.eval(input, ctx)
		if err != nil {
			if pe, ok := err.(*pathMissing); ok {
				src := input
				if pe.path.context {
					src = contextOf(ctx())
				}
				return nil, errorf(ErrRuntime, "An error occurred while executing the state. The JSONPath '%s' specified for the field '%s' could not be found in the input '%s'", pe.path.raw, f.raw, MarshalString(src))
			}
			return nil, err
		}
		out[f.name] = v
	}
	return out, nil
}

type arrayNode struct{ items []node }

func (n *arrayNode) eval(input any, ctx func() any) (any, error) {
	out := make([]any, len(n.items))
	for i, it := range n.items {
		v, err := it.eval(input, ctx)
		if err != nil {
			return nil, err
		}
		out[i] = v
	}
	return out, nil
}

type pathNode struct{ p *Path }

type pathMissing struct{ path *Path }

func (e *pathMissing) Error() string { return "path " + e.path.raw + " not found" }

func (n pathNode) eval(input any, ctx func() any) (any, error) {
	var c any
	if n.p.NeedsEnv() {
		c = ctx()
	}
	v, ok := n.p.Get(input, c)
	if !ok {
		return nil, &pathMissing{n.p}
	}
	return v, nil
}

type callNode struct{ c *Call }

func (n callNode) eval(input any, ctx func() any) (any, error) { return n.c.Eval(input, ctx) }

// CompileTemplate compiles a decoded JSON template.
func CompileTemplate(v any) (*Template, error) {
	n, err := compileNode(v, "")
	if err != nil {
		return nil, err
	}
	return &Template{root: n}, nil
}

func compileNode(v any, at string) (node, error) {
	switch x := v.(type) {
	case map[string]any:
		obj := &objectNode{}
		dynamic := false
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys) // deterministic evaluation order and messages
		for _, k := range keys {
			e := x[k]
			if name, ok := strings.CutSuffix(k, ".$"); ok {
				s, isStr := e.(string)
				if !isStr {
					return nil, fmt.Errorf("the value for the field '%s' must be a STRING that contains a JSONPath or an intrinsic function at %s/%s", k, at, k)
				}
				var n node
				if strings.HasPrefix(s, "$") {
					p, err := ParsePath(s)
					if err != nil {
						return nil, fmt.Errorf("the value for the field '%s' must be a valid JSONPath or a valid intrinsic function call at %s/%s", k, at, k)
					}
					n = pathNode{p}
				} else {
					c, err := ParseIntrinsic(s)
					if err != nil {
						return nil, fmt.Errorf("the value for the field '%s' must be a valid JSONPath or a valid intrinsic function call at %s/%s: %v", k, at, k, err)
					}
					n = callNode{c}
				}
				obj.fields = append(obj.fields, field{name: name, raw: k, node: n})
				dynamic = true
				continue
			}
			n, err := compileNode(e, at+"/"+k)
			if err != nil {
				return nil, err
			}
			if _, ok := n.(constNode); !ok {
				dynamic = true
			}
			obj.fields = append(obj.fields, field{name: k, raw: k, node: n})
		}
		if !dynamic {
			return constNode{x}, nil
		}
		return obj, nil
	case []any:
		arr := &arrayNode{}
		dynamic := false
		for i, e := range x {
			n, err := compileNode(e, fmt.Sprintf("%s/%d", at, i))
			if err != nil {
				return nil, err
			}
			if _, ok := n.(constNode); !ok {
				dynamic = true
			}
			arr.items = append(arr.items, n)
		}
		if !dynamic {
			return constNode{x}, nil
		}
		return arr, nil
	}
	return constNode{v}, nil
}

// Apply evaluates the template against input; ctx returns the context
// object and is called only when a "$$" path needs it. Constant parts of
// the template are shared, not copied: callers must not modify the result
// in place.
func (t *Template) Apply(input any, ctx func() any) (any, error) {
	v, err := t.root.eval(input, ctx)
	if pe, ok := err.(*pathMissing); ok {
		return nil, errorf(ErrRuntime, "An error occurred while executing the state. The JSONPath '%s' could not be found in the input", pe.path.raw)
	}
	return v, err
}
