package jsonata

import (
	"errors"
	"fmt"
	"sort"
	"strconv"
)

// Template is a compiled JSON value whose "{% %}" strings are evaluated
// (Arguments, Output, Assign, Items, ItemSelector, Error, ...).
type Template struct {
	root node
}

type node interface {
	eval(vars map[string]any, field string) (any, error)
}

type constNode struct{ v any }

func (n constNode) eval(map[string]any, string) (any, error) { return n.v, nil }

type exprNode struct{ x *Expr }

func (n exprNode) eval(vars map[string]any, field string) (any, error) {
	var input any
	if s, ok := vars["states"].(map[string]any); ok {
		input = s["input"]
	}
	v, err := n.x.Eval(input, vars)
	if errors.Is(err, Undefined) {
		return nil, errUndefined
	}
	if err != nil {
		var je *Error
		if errors.As(err, &je) {
			return nil, &Error{Cause: fmt.Sprintf("An error occurred while evaluating the JSONata expression '%s' specified for the field '%s': %s", n.x.src, field, je.Cause)}
		}
		return nil, err
	}
	return v, nil
}

var errUndefined = errors.New("undefined")

type objField struct {
	name string
	node node
}

type objectNode struct{ fields []objField }

func (n *objectNode) eval(vars map[string]any, field string) (any, error) {
	out := make(map[string]any, len(n.fields))
	for _, f := range n.fields {
		v, err := f.node.eval(vars, field+"/"+f.name)
		if errors.Is(err, errUndefined) {
			continue // as in a JSONata object constructor: the key is dropped
		}
		if err != nil {
			return nil, err
		}
		out[f.name] = v
	}
	return out, nil
}

type arrayNode struct{ items []node }

func (n *arrayNode) eval(vars map[string]any, field string) (any, error) {
	out := make([]any, 0, len(n.items))
	for i, it := range n.items {
		v, err := it.eval(vars, field+"/"+strconv.Itoa(i))
		if errors.Is(err, errUndefined) {
			continue // as in a JSONata array constructor
		}
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

// CompileTemplate compiles a decoded JSON value. The error names the JSON
// pointer (relative to v) of the first invalid expression.
func CompileTemplate(v any) (*Template, error) {
	n, err := compileNode(v, "", 0)
	if err != nil {
		return nil, err
	}
	return &Template{root: n}, nil
}

// CompileError is a template compile failure at a JSON pointer.
type CompileError struct {
	At    string // JSON pointer below the template root, "" for the root
	Cause string
}

func (e *CompileError) Error() string { return e.Cause + " at " + e.At }

const maxTemplateDepth = 64

func compileNode(v any, at string, depth int) (node, error) {
	if depth > maxTemplateDepth {
		return nil, &CompileError{At: at, Cause: "the value is nested too deeply"}
	}
	switch x := v.(type) {
	case string:
		src, ok := IsExpression(x)
		if !ok {
			return constNode{x}, nil
		}
		e, err := Compile(src)
		if err != nil {
			return nil, &CompileError{At: at, Cause: fmt.Sprintf("The JSONata expression '%s' is invalid: %v", src, err)}
		}
		return exprNode{e}, nil
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		obj := &objectNode{}
		dynamic := false
		for _, k := range keys {
			n, err := compileNode(x[k], at+"/"+k, depth+1)
			if err != nil {
				return nil, err
			}
			if _, ok := n.(constNode); !ok {
				dynamic = true
			}
			obj.fields = append(obj.fields, objField{name: k, node: n})
		}
		if !dynamic {
			return constNode{x}, nil
		}
		return obj, nil
	case []any:
		arr := &arrayNode{}
		dynamic := false
		for i, e := range x {
			n, err := compileNode(e, at+"/"+strconv.Itoa(i), depth+1)
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

// IsConstant reports whether the template holds no expression.
func (t *Template) IsConstant() bool {
	_, ok := t.root.(constNode)
	return ok
}

// Apply evaluates the template. vars holds the variables visible to the
// state, including "states" ($states); "$" is bound to $states.input.
// field names the ASL field in error causes ("Output", "Arguments", ...).
// A top-level expression with no result is an error; nested ones drop
// their key or element, as JSONata constructors do. Constant parts are
// shared, not copied: callers must not modify the result in place.
func (t *Template) Apply(vars map[string]any, field string) (any, error) {
	v, err := t.root.eval(vars, field)
	if errors.Is(err, errUndefined) {
		return nil, &Error{Cause: fmt.Sprintf("The JSONata expression specified for the field '%s' returned nothing (undefined)", field)}
	}
	return v, err
}
