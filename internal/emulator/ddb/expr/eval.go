package expr

import (
	"bytes"
	"strings"

	"github.com/sfapi/sfapi/internal/emulator/ddb/attr"
)

// Eval reports whether item satisfies the condition. item may be nil,
// meaning there is no item: every path is then absent, so only
// attribute_not_exists (and <>, and NOT) can hold. Comparisons between
// values of different types are false, not errors, as in DynamoDB.
func (c *Condition) Eval(item attr.Item, p *Placeholders) (bool, error) {
	if err := c.Validate(p); err != nil {
		return false, err
	}
	e := evaluator{item: item, p: p, label: c.label}
	ok := e.cond(c.root)
	if e.err != nil {
		return false, e.err
	}
	return ok, nil
}

// evaluator evaluates a validated tree. err is set only when the
// placeholders changed between Validate and Eval.
type evaluator struct {
	item  attr.Item
	p     *Placeholders
	label string
	err   *Error
}

func (e *evaluator) cond(n condNode) bool {
	switch n := n.(type) {
	case *logicalCond:
		if n.and {
			return e.cond(n.left) && e.cond(n.right)
		}
		return e.cond(n.left) || e.cond(n.right)
	case *notCond:
		return !e.cond(n.x)
	case *compareCond:
		a, okA := e.operand(n.left)
		b, okB := e.operand(n.right)
		if !okA || !okB {
			// An absent operand equals nothing, so only <> holds.
			return n.op == tokNE
		}
		return compare(n.op, a, b)
	case *betweenCond:
		x, ok1 := e.operand(n.x)
		lo, ok2 := e.operand(n.lo)
		hi, ok3 := e.operand(n.hi)
		if !ok1 || !ok2 || !ok3 {
			return false
		}
		return compare(tokGE, x, lo) && compare(tokLE, x, hi)
	case *inCond:
		x, ok := e.operand(n.x)
		if !ok {
			return false
		}
		for _, o := range n.list {
			if y, ok := e.operand(o); ok && attr.Equal(x, y) {
				return true
			}
		}
		return false
	case *funcCond:
		return e.boolFunc(n.call)
	}
	return false
}

func (e *evaluator) boolFunc(c *callOperand) bool {
	switch c.name {
	case "attribute_exists":
		_, ok := e.operand(c.args[0])
		return ok
	case "attribute_not_exists":
		_, ok := e.operand(c.args[0])
		return !ok && e.err == nil
	case "attribute_type":
		v, ok := e.operand(c.args[0])
		t, okT := e.operand(c.args[1])
		return ok && okT && t.Type == attr.TypeS && v.Type.String() == t.S
	case "begins_with":
		v, ok := e.operand(c.args[0])
		pre, okP := e.operand(c.args[1])
		if !ok || !okP || v.Type != pre.Type {
			return false
		}
		switch v.Type {
		case attr.TypeS:
			return strings.HasPrefix(v.S, pre.S)
		case attr.TypeB:
			return bytes.HasPrefix(v.B, pre.B)
		}
		return false
	case "contains":
		v, ok := e.operand(c.args[0])
		x, okX := e.operand(c.args[1])
		return ok && okX && contains(v, x)
	}
	return false
}

// contains implements contains(path, operand): substring of a string,
// member of a set of the operand's type, or element of a list.
func contains(v, x attr.Value) bool {
	switch v.Type {
	case attr.TypeS:
		return x.Type == attr.TypeS && strings.Contains(v.S, x.S)
	case attr.TypeB:
		return x.Type == attr.TypeB && bytes.Contains(v.B, x.B)
	case attr.TypeSS:
		if x.Type == attr.TypeS {
			for _, s := range v.SS {
				if s == x.S {
					return true
				}
			}
		}
	case attr.TypeNS:
		if x.Type == attr.TypeN {
			for _, s := range v.SS {
				if c, err := attr.CompareNumbers(s, x.S); err == nil && c == 0 {
					return true
				}
			}
		}
	case attr.TypeBS:
		if x.Type == attr.TypeB {
			for _, b := range v.BS {
				if bytes.Equal(b, x.B) {
					return true
				}
			}
		}
	case attr.TypeL:
		for _, el := range v.L {
			if attr.Equal(el, x) {
				return true
			}
		}
	}
	return false
}

// compare applies a comparator. = and <> compare any types (sets as sets,
// documents deeply); the orderings hold only between two S, two N or two B.
func compare(op tokKind, a, b attr.Value) bool {
	switch op {
	case tokEQ:
		return attr.Equal(a, b)
	case tokNE:
		return !attr.Equal(a, b)
	}
	c, ok := attr.Compare(a, b)
	if !ok {
		return false
	}
	switch op {
	case tokLT:
		return c < 0
	case tokLE:
		return c <= 0
	case tokGT:
		return c > 0
	case tokGE:
		return c >= 0
	}
	return false
}

// operand evaluates a condition operand; ok is false when it has no value
// (absent path, size of an unsized type).
func (e *evaluator) operand(o operand) (attr.Value, bool) {
	switch o := o.(type) {
	case *pathOperand:
		v, ok, undefined := lookup(e.item, o.path, e.p)
		if undefined != "" {
			e.fail(undefinedName(undefined))
		}
		return v, ok
	case *valueOperand:
		v, ok := resolveValue(e.p, o.name)
		if !ok {
			e.fail(undefinedValue(o.name))
		}
		return v, ok
	case *callOperand:
		if o.name != "size" {
			return attr.Value{}, false
		}
		v, ok := e.operand(o.args[0])
		if !ok {
			return attr.Value{}, false
		}
		return sizeOf(v)
	}
	return attr.Value{}, false
}

func (e *evaluator) fail(msg string) {
	if e.err == nil {
		e.err = newError(e.label, "%s", msg)
	}
}

// sizeOf implements size(): bytes of a string or binary, members of a set,
// elements of a list or map. Other types have no size.
func sizeOf(v attr.Value) (attr.Value, bool) {
	var n int
	switch v.Type {
	case attr.TypeS:
		n = len(v.S)
	case attr.TypeB:
		n = len(v.B)
	case attr.TypeSS, attr.TypeNS:
		n = len(v.SS)
	case attr.TypeBS:
		n = len(v.BS)
	case attr.TypeL:
		n = len(v.L)
	case attr.TypeM:
		n = len(v.M)
	default:
		return attr.Value{}, false
	}
	return attr.Int(int64(n)), true
}

// lookup follows a document path through item, resolving placeholders as
// it goes. undefined names a placeholder p does not define.
func lookup(item attr.Item, d docPath, p *Placeholders) (v attr.Value, ok bool, undefined string) {
	for i, el := range d.elems {
		if el.isIndex {
			if i == 0 || v.Type != attr.TypeL || el.index >= len(v.L) {
				return attr.Value{}, false, ""
			}
			v = v.L[el.index]
			continue
		}
		name, defined := resolveName(p, el.name)
		if !defined {
			return attr.Value{}, false, el.name
		}
		if i == 0 {
			v, ok = item[name]
			if !ok {
				return attr.Value{}, false, ""
			}
			continue
		}
		if v.Type != attr.TypeM {
			return attr.Value{}, false, ""
		}
		v, ok = v.M[name]
		if !ok {
			return attr.Value{}, false, ""
		}
	}
	return v, true, ""
}

// get follows a resolved path through item.
func get(item attr.Item, r resolvedPath) (attr.Value, bool) {
	v, ok := item[r[0].name]
	if !ok {
		return attr.Value{}, false
	}
	for _, s := range r[1:] {
		if s.isIndex {
			if v.Type != attr.TypeL || s.index >= len(v.L) {
				return attr.Value{}, false
			}
			v = v.L[s.index]
			continue
		}
		if v.Type != attr.TypeM {
			return attr.Value{}, false
		}
		if v, ok = v.M[s.name]; !ok {
			return attr.Value{}, false
		}
	}
	return v, true
}
