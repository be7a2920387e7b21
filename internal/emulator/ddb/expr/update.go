package expr

import (
	"bytes"
	"maps"
	"math/big"
	"sort"

	"github.com/sfapi/sfapi/internal/emulator/ddb/attr"
)

// Runtime update errors. DynamoDB reports these bare or prefixed exactly as
// written here.
const (
	msgMissingOperand = "The provided expression refers to an attribute that does not exist in the item"
	msgInvalidPath    = "The document path provided in the update expression is invalid for update"
	msgWrongType      = "Invalid UpdateExpression: An operand in the update expression has an incorrect data type"
)

// Apply returns a new item with the update applied; item is not mutated
// (nil means there is no item yet). changed lists the top-level attribute
// names the update's actions target, in source order, for UPDATED_OLD and
// UPDATED_NEW. Every right-hand side is evaluated against the original
// item, as in DynamoDB.
//
// Attributes the update writes are fresh copies; attributes it does not
// touch are shared between item and the result, so treat both as
// immutable (clone before editing in place).
func (u *Update) Apply(item attr.Item, p *Placeholders) (attr.Item, []string, error) {
	if err := u.Validate(p); err != nil {
		return nil, nil, err
	}
	type pending struct {
		a    *updateAction
		path resolvedPath
		val  attr.Value
	}
	n := 0
	for _, cl := range u.clauses {
		n += len(cl.actions)
	}
	sets := make([]pending, 0, n)
	changed := make([]string, 0, n)
	var removes, others []pending
	for _, cl := range u.clauses {
		for _, a := range cl.actions {
			r, undefined := a.path.resolve(p)
			if undefined != "" {
				return nil, nil, newError(labelUpdate, "%s", undefinedName(undefined))
			}
			if !containsString(changed, r[0].name) {
				changed = append(changed, r[0].name)
			}
			pd := pending{a: a, path: r}
			switch a.kind {
			case actSet:
				v, err := evalSetValue(a.value, item, p)
				if err != nil {
					return nil, nil, err
				}
				pd.val = v
				sets = append(sets, pd)
			case actRemove:
				removes = append(removes, pd)
			default:
				v, ok := resolveValue(p, a.value.(*valueOperand).name)
				if !ok {
					return nil, nil, newError(labelUpdate, "%s", undefinedValue(a.value.(*valueOperand).name))
				}
				pd.val = v
				others = append(others, pd)
			}
		}
	}

	// maps.Clone copies the table wholesale, far cheaper than re-inserting.
	w := writer{out: maps.Clone(item)}
	if w.out == nil {
		w.out = make(attr.Item, len(sets))
	}
	for _, s := range sets {
		if err := w.set(s.path, s.val.Clone()); err != nil {
			return nil, nil, err
		}
	}
	for _, o := range others {
		emptied, err := w.addOrDelete(o.a.kind, o.path, o.val)
		if err != nil {
			return nil, nil, err
		}
		if emptied {
			removes = append(removes, o)
		}
	}
	// Every index refers to the position in the original item, but removing
	// a list element shifts the later ones. Removing in descending path
	// order (a[2] before a[1].x before a[0]) keeps each index valid.
	sort.Slice(removes, func(i, j int) bool { return comparePaths(removes[i].path, removes[j].path) > 0 })
	for _, r := range removes {
		if err := w.remove(r.path); err != nil {
			return nil, nil, err
		}
	}
	return w.out, changed, nil
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// evalSetValue evaluates the right-hand side of a SET action against the
// original item.
func evalSetValue(o operand, item attr.Item, p *Placeholders) (attr.Value, error) {
	switch o := o.(type) {
	case *valueOperand:
		v, ok := resolveValue(p, o.name)
		if !ok {
			return attr.Value{}, newError(labelUpdate, "%s", undefinedValue(o.name))
		}
		return v, nil
	case *pathOperand:
		v, ok, undefined := lookup(item, o.path, p)
		if undefined != "" {
			return attr.Value{}, newError(labelUpdate, "%s", undefinedName(undefined))
		}
		if !ok {
			return attr.Value{}, &Error{Msg: msgMissingOperand}
		}
		return v, nil
	case *arithOperand:
		a, err := evalSetValue(o.left, item, p)
		if err != nil {
			return attr.Value{}, err
		}
		b, err := evalSetValue(o.right, item, p)
		if err != nil {
			return attr.Value{}, err
		}
		fn := "+"
		if o.minus {
			fn = "-"
		}
		for _, v := range []attr.Value{a, b} {
			if v.Type != attr.TypeN {
				return attr.Value{}, newError(labelUpdate, "%s", incorrectOperand(fn, v.Type))
			}
		}
		return arith(a, b, o.minus)
	case *callOperand:
		switch o.name {
		case "if_not_exists":
			path := o.args[0].(*pathOperand) // checked by the parser
			v, ok, undefined := lookup(item, path.path, p)
			if undefined != "" {
				return attr.Value{}, newError(labelUpdate, "%s", undefinedName(undefined))
			}
			if ok {
				return v, nil
			}
			return evalSetValue(o.args[1], item, p)
		case "list_append":
			a, err := evalSetValue(o.args[0], item, p)
			if err != nil {
				return attr.Value{}, err
			}
			b, err := evalSetValue(o.args[1], item, p)
			if err != nil {
				return attr.Value{}, err
			}
			for _, v := range []attr.Value{a, b} {
				if v.Type != attr.TypeL {
					return attr.Value{}, newError(labelUpdate, "%s", incorrectOperand(o.name, v.Type))
				}
			}
			l := make([]attr.Value, 0, len(a.L)+len(b.L))
			return attr.List(append(append(l, a.L...), b.L...)...), nil
		}
	}
	return attr.Value{}, newError(labelUpdate, "unsupported operand")
}

// arith adds or subtracts two N values exactly.
func arith(a, b attr.Value, minus bool) (attr.Value, error) {
	x, err := attr.Rat(a.S)
	if err != nil {
		return attr.Value{}, &Error{Msg: "The parameter cannot be converted to a numeric value: " + a.S}
	}
	y, err := attr.Rat(b.S)
	if err != nil {
		return attr.Value{}, &Error{Msg: "The parameter cannot be converted to a numeric value: " + b.S}
	}
	if minus {
		x.Sub(x, y)
	} else {
		x.Add(x, y)
	}
	v, err := attr.FormatRat(x)
	if err != nil {
		return attr.Value{}, &Error{Msg: numberRangeMessage(x)}
	}
	return v, nil
}

var (
	ratMax = new(big.Rat).SetFrac(new(big.Int).Exp(big.NewInt(10), big.NewInt(126), nil), big.NewInt(1))
	ratMin = new(big.Rat).SetFrac(big.NewInt(1), new(big.Int).Exp(big.NewInt(10), big.NewInt(130), nil))
)

// numberRangeMessage explains why a computed number cannot be stored.
func numberRangeMessage(r *big.Rat) string {
	abs := new(big.Rat).Abs(r)
	switch {
	case abs.Cmp(ratMax) >= 0:
		return "Number overflow. Attempting to store a number with magnitude larger than supported range"
	case abs.Sign() != 0 && abs.Cmp(ratMin) < 0:
		return "Number underflow. Attempting to store a number with magnitude smaller than supported range"
	}
	return "Attempting to store more than 38 significant digits in a Number"
}

// writer applies actions to a shallow copy of the item, deep-cloning a
// top-level attribute the first time something inside it changes, so the
// caller's item is never mutated.
type writer struct {
	out    attr.Item
	cloned map[string]bool
}

func (w *writer) root(name string) (attr.Value, bool) {
	v, ok := w.out[name]
	if ok && !w.cloned[name] {
		v = v.Clone()
		w.out[name] = v
		w.own(name)
	}
	return v, ok
}

// own records that the result's attribute name is a private copy.
func (w *writer) own(name string) {
	if w.cloned == nil {
		w.cloned = map[string]bool{}
	}
	w.cloned[name] = true
}

func (w *writer) set(r resolvedPath, val attr.Value) error {
	if len(r) == 1 {
		// No other action can reach inside this attribute (overlapping
		// paths are rejected), so it needs no ownership mark.
		w.out[r[0].name] = val
		return nil
	}
	top, ok := w.root(r[0].name)
	if !ok {
		return &Error{Msg: msgInvalidPath}
	}
	nv, err := setIn(top, r[1:], val)
	if err != nil {
		return err
	}
	w.out[r[0].name] = nv
	return nil
}

// setIn writes val at steps below v, which is already a private copy.
// Setting a list index past the end appends.
func setIn(v attr.Value, steps []step, val attr.Value) (attr.Value, error) {
	s := steps[0]
	if s.isIndex {
		if v.Type != attr.TypeL {
			return v, &Error{Msg: msgInvalidPath}
		}
		if len(steps) == 1 {
			if s.index < len(v.L) {
				v.L[s.index] = val
			} else {
				v.L = append(v.L, val)
			}
			return v, nil
		}
		if s.index >= len(v.L) {
			return v, &Error{Msg: msgInvalidPath}
		}
		child, err := setIn(v.L[s.index], steps[1:], val)
		v.L[s.index] = child
		return v, err
	}
	if v.Type != attr.TypeM {
		return v, &Error{Msg: msgInvalidPath}
	}
	if v.M == nil {
		v.M = map[string]attr.Value{}
	}
	if len(steps) == 1 {
		v.M[s.name] = val
		return v, nil
	}
	child, ok := v.M[s.name]
	if !ok {
		return v, &Error{Msg: msgInvalidPath}
	}
	child, err := setIn(child, steps[1:], val)
	v.M[s.name] = child
	return v, err
}

func (w *writer) remove(r resolvedPath) error {
	if len(r) == 1 {
		delete(w.out, r[0].name)
		return nil
	}
	top, ok := w.root(r[0].name)
	if !ok {
		return &Error{Msg: msgInvalidPath}
	}
	nv, err := removeIn(top, r[1:])
	if err != nil {
		return err
	}
	w.out[r[0].name] = nv
	return nil
}

// removeIn deletes the element at steps below v. Removing a map key or list
// index that is not there is a no-op; a missing or mistyped parent is an
// invalid path.
func removeIn(v attr.Value, steps []step) (attr.Value, error) {
	s := steps[0]
	if s.isIndex {
		if v.Type != attr.TypeL {
			return v, &Error{Msg: msgInvalidPath}
		}
		if len(steps) == 1 {
			if s.index < len(v.L) {
				v.L = append(v.L[:s.index], v.L[s.index+1:]...)
			}
			return v, nil
		}
		if s.index >= len(v.L) {
			return v, &Error{Msg: msgInvalidPath}
		}
		child, err := removeIn(v.L[s.index], steps[1:])
		v.L[s.index] = child
		return v, err
	}
	if v.Type != attr.TypeM {
		return v, &Error{Msg: msgInvalidPath}
	}
	if len(steps) == 1 {
		delete(v.M, s.name)
		return v, nil
	}
	child, ok := v.M[s.name]
	if !ok {
		return v, &Error{Msg: msgInvalidPath}
	}
	child, err := removeIn(child, steps[1:])
	v.M[s.name] = child
	return v, err
}

// addOrDelete applies ADD (number increment or set union; a missing
// attribute starts from zero or the empty set) or DELETE (set difference;
// a missing attribute is left alone). emptied reports a set DELETE left
// empty: the caller removes it with the REMOVE actions, since DynamoDB
// stores no empty sets.
func (w *writer) addOrDelete(kind actionKind, r resolvedPath, val attr.Value) (emptied bool, err error) {
	cur, exists := get(w.out, r)
	if kind == actDelete {
		if !exists {
			return false, nil
		}
		if cur.Type != val.Type {
			return false, &Error{Msg: msgWrongType}
		}
		rest := setDifference(cur, val)
		if setLen(rest) == 0 {
			return true, nil
		}
		return false, w.set(r, rest)
	}
	if !exists {
		return false, w.set(r, val.Clone())
	}
	if cur.Type != val.Type {
		return false, &Error{Msg: msgWrongType}
	}
	if cur.Type == attr.TypeN {
		sum, err := arith(cur, val, false)
		if err != nil {
			return false, err
		}
		return false, w.set(r, sum)
	}
	return false, w.set(r, setUnion(cur, val))
}

// comparePaths orders resolved paths lexicographically, list indexes
// numerically.
func comparePaths(a, b resolvedPath) int {
	for i := 0; i < len(a) && i < len(b); i++ {
		x, y := a[i], b[i]
		switch {
		case x.isIndex && y.isIndex:
			if x.index != y.index {
				return x.index - y.index
			}
		case x.isIndex != y.isIndex:
			if x.isIndex {
				return -1
			}
			return 1
		case x.name != y.name:
			if x.name < y.name {
				return -1
			}
			return 1
		}
	}
	return len(a) - len(b)
}

func setLen(v attr.Value) int {
	if v.Type == attr.TypeBS {
		return len(v.BS)
	}
	return len(v.SS)
}

// setHas reports whether set s has a member equal to member i of set x.
func setMember(s attr.Value, x attr.Value, i int) bool {
	switch s.Type {
	case attr.TypeBS:
		for _, b := range s.BS {
			if bytes.Equal(b, x.BS[i]) {
				return true
			}
		}
	case attr.TypeNS:
		for _, n := range s.SS {
			if c, err := attr.CompareNumbers(n, x.SS[i]); err == nil && c == 0 {
				return true
			}
		}
	default:
		for _, m := range s.SS {
			if m == x.SS[i] {
				return true
			}
		}
	}
	return false
}

// setUnion returns cur's members followed by the members of add it lacks.
func setUnion(cur, add attr.Value) attr.Value {
	out := cur.Clone()
	for i := 0; i < setLen(add); i++ {
		if setMember(cur, add, i) {
			continue
		}
		if add.Type == attr.TypeBS {
			out.BS = append(out.BS, bytes.Clone(add.BS[i]))
		} else {
			out.SS = append(out.SS, add.SS[i])
		}
	}
	return out
}

// setDifference returns cur's members that del does not have.
func setDifference(cur, del attr.Value) attr.Value {
	out := attr.Value{Type: cur.Type}
	for i := 0; i < setLen(cur); i++ {
		if setMember(del, cur, i) {
			continue
		}
		if cur.Type == attr.TypeBS {
			out.BS = append(out.BS, bytes.Clone(cur.BS[i]))
		} else {
			out.SS = append(out.SS, cur.SS[i])
		}
	}
	return out
}
