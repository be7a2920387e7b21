package mapping

import (
	"errors"
	"math"
	"strings"
)

// ctl is the control-flow signal a block returns: keep going, leave the
// innermost #foreach (#break) or end the render (#stop).
type ctl uint8

const (
	ctlNone ctl = iota
	ctlBreak
	ctlStop
)

// renderer holds the state of one Render call; it is never shared.
type renderer struct {
	t       *Template
	lim     Limits
	literal bool
	// vars holds the template's variables; nil until the first is set.
	// The built-ins ($context, $input, $util, $stageVariables) are not in
	// it: getVar falls back to them, so a render that sets nothing builds
	// no map.
	vars    map[string]any
	stage   *vmap             // $stageVariables, built on first use
	stageIn map[string]string // Input.StageVariables
	out     []byte
	iters   int
	work    int
	depth   int
	in      *inputObj
	ctx     *vmap
	respOvr *vmap
	reqOvr  *vmap
	fe      *foreachScope
	// thaw is set when the render tried to change a frozen container.
	thaw bool
	// state is the pooled allocation r lives in (see release).
	state *renderState
}

// foreachScope is $foreach inside a #foreach body.
type foreachScope struct {
	index  int
	size   int
	parent *foreachScope
}

// blockVal is the value of a #define'd reference: printing it renders the
// block in the current context.
type blockVal struct {
	pos  int
	body []node
}

func (r *renderer) errorf(pos int, format string, args ...any) error {
	return r.t.errorAt(pos, nil, format, args...)
}

func (r *renderer) limitf(pos int, format string, args ...any) error {
	return r.t.errorAt(pos, ErrLimit, format, args...)
}

// wrap attaches a position to an error raised below the AST (JSON, regexp,
// index errors) unless it already has one.
func (r *renderer) wrap(pos int, err error) error {
	var e *Error
	if errors.As(err, &e) {
		return err
	}
	var cause error
	switch {
	case errors.Is(err, ErrLimit):
		cause = ErrLimit
	case errors.Is(err, ErrBodyNotJSON):
		cause = ErrBodyNotJSON
	}
	return r.t.errorAt(pos, cause, "%s", err.Error())
}

// charge adds n work units and fails once the budget is spent.
func (r *renderer) charge(pos, n int) error {
	r.work += n
	if r.work > r.lim.MaxWork {
		return r.limitf(pos, "work limit (%d) exceeded", r.lim.MaxWork)
	}
	return nil
}

// checkString charges for a produced string and enforces the size bound.
func (r *renderer) checkString(pos int, s string) error {
	if len(s) > r.lim.MaxOutputBytes {
		return r.limitf(pos, "string value larger than %d bytes", r.lim.MaxOutputBytes)
	}
	return r.charge(pos, len(s)/8)
}

func (r *renderer) write(pos int, s string) error {
	if len(r.out)+len(s) > r.lim.MaxOutputBytes {
		return r.limitf(pos, "output larger than %d bytes", r.lim.MaxOutputBytes)
	}
	r.out = append(r.out, s...)
	return nil
}

func (r *renderer) exec(nodes []node) (ctl, error) {
	for _, n := range nodes {
		r.work++
		if r.work > r.lim.MaxWork {
			return ctlNone, r.limitf(n.nodePos(), "work limit (%d) exceeded", r.lim.MaxWork)
		}
		switch n := n.(type) {
		case *textNode:
			if err := r.write(n.pos, n.text); err != nil {
				return ctlNone, err
			}
		case *refNode:
			if err := r.printRef(n); err != nil {
				return ctlNone, err
			}
		case *setNode:
			if err := r.set(n); err != nil {
				return ctlNone, err
			}
		case *ifNode:
			block := n.elseBlock
			for i, c := range n.conds {
				v, err := r.eval(c)
				if err != nil {
					return ctlNone, err
				}
				if truthy(v) {
					block = n.blocks[i]
					break
				}
			}
			if c, err := r.exec(block); c != ctlNone || err != nil {
				return c, err
			}
		case *foreachNode:
			c, err := r.foreach(n)
			if c == ctlStop || err != nil {
				return c, err
			}
		case *breakNode:
			return ctlBreak, nil
		case *stopNode:
			return ctlStop, nil
		case *defineNode:
			r.setVar(n.name, &blockVal{pos: n.pos, body: n.body})
		case *macroCallNode:
			c, err := r.callMacro(n)
			if c == ctlStop || err != nil {
				return c, err
			}
		}
	}
	return ctlNone, nil
}

// printRef writes a reference, honouring quiet refs, null rendering and
// Velocity's backslash escapes.
func (r *renderer) printRef(n *refNode) error {
	ref := n.ref
	v, err := r.evalRef(ref)
	if err != nil {
		return err
	}
	if n.escapes > 0 {
		// Velocity: with a null value every backslash and the reference
		// print as written; otherwise pairs of backslashes print as one and
		// an odd one left over makes the reference literal.
		if v == nil {
			return r.write(ref.pos, strings.Repeat(`\`, n.escapes)+ref.text)
		}
		if err := r.write(ref.pos, strings.Repeat(`\`, n.escapes/2)); err != nil {
			return err
		}
		if n.escapes%2 == 1 {
			return r.write(ref.pos, ref.text)
		}
	}
	if v == nil {
		if ref.quiet || !r.literal {
			return nil
		}
		return r.write(ref.pos, ref.text)
	}
	if b, ok := v.(*blockVal); ok {
		return r.renderBlock(ref.pos, b)
	}
	s, err := r.str(ref.pos, v)
	if err != nil {
		return err
	}
	return r.write(ref.pos, s)
}

func (r *renderer) renderBlock(pos int, b *blockVal) error {
	r.depth++
	defer func() { r.depth-- }()
	if r.depth > r.lim.MaxDepth {
		return r.limitf(pos, "#define/macro recursion deeper than %d", r.lim.MaxDepth)
	}
	_, err := r.exec(b.body)
	return err
}

// str is toString() for any value, rendering #define blocks.
func (r *renderer) str(pos int, v any) (string, error) {
	switch v := v.(type) {
	case string:
		return v, nil
	case *blockVal:
		return r.renderToString(pos, v.body)
	}
	s, err := plainString(v, 0)
	if err != nil {
		return "", r.errorf(pos, "%v", err)
	}
	if err := r.checkString(pos, s); err != nil {
		return "", err
	}
	return s, nil
}

// renderToString renders nodes into a fresh buffer (string interpolation and
// block values).
func (r *renderer) renderToString(pos int, nodes []node) (string, error) {
	r.depth++
	defer func() { r.depth-- }()
	if r.depth > r.lim.MaxDepth {
		return "", r.limitf(pos, "#define/macro recursion deeper than %d", r.lim.MaxDepth)
	}
	saved := r.out
	r.out = make([]byte, 0, 32)
	_, err := r.exec(nodes)
	s := string(r.out)
	r.out = saved
	if err != nil {
		return "", err
	}
	return s, r.checkString(pos, s)
}

func (r *renderer) set(n *setNode) error {
	v, err := r.eval(n.rhs)
	if err != nil {
		return err
	}
	if v == nil {
		// Velocity 1.7: a null right-hand side leaves the target unchanged.
		return nil
	}
	lhs := n.lhs
	if len(lhs.mods) == 0 {
		r.setVar(lhs.name, v)
		return nil
	}
	target, err := r.evalMods(lhs, lhs.mods[:len(lhs.mods)-1])
	if err != nil || target == nil {
		return err
	}
	last := &lhs.mods[len(lhs.mods)-1]
	switch last.kind {
	case modProp:
		m, ok := target.(*vmap)
		if !ok {
			// No setter to call: Velocity logs and moves on.
			return nil
		}
		if err := r.touch(m); err != nil {
			return err
		}
		if m == r.respOvr && last.name == "status" {
			if _, err := statusCode(v); err != nil {
				return r.errorf(last.pos, "%v", err)
			}
		}
		m.put(last.name, v)
	case modIndex:
		idx, err := r.eval(last.args[0])
		if err != nil {
			return err
		}
		if err := r.touch(target); err != nil {
			return err
		}
		switch t := target.(type) {
		case *vmap:
			k, err := r.str(last.pos, idx)
			if err != nil {
				return err
			}
			t.put(k, v)
		case *vlist:
			i, err := listIndex(t, idx)
			if err != nil {
				return r.errorf(last.pos, "%v", err)
			}
			t.items[i] = v
		}
	}
	return nil
}

func (r *renderer) foreach(n *foreachNode) (ctl, error) {
	src, err := r.eval(n.iter)
	if err != nil {
		return ctlNone, err
	}
	var items []any
	switch s := src.(type) {
	case *vlist:
		// Iterate a snapshot: appending inside the loop does not extend it.
		items = s.items[:len(s.items):len(s.items)]
	case *vmap:
		// Velocity iterates a map's values.
		if err := r.charge(n.pos, s.size()); err != nil {
			return ctlNone, err
		}
		items = make([]any, 0, s.size())
		for _, e := range s.ents {
			items = append(items, e.v)
		}
	default:
		// null and non-collections iterate zero times, as Velocity does.
		return ctlNone, nil
	}
	oldVar, hadVar := r.getVar(n.varName)
	oldCount, hadCount := r.getVar("velocityCount")
	oldHasNext, hadHasNext := r.getVar("velocityHasNext")
	oldFE, hadFE := r.getVar("foreach")
	scope := &foreachScope{size: len(items), parent: r.fe}
	r.fe = scope
	restore := func() {
		r.fe = scope.parent
		r.restoreVar(n.varName, oldVar, hadVar)
		r.restoreVar("velocityCount", oldCount, hadCount)
		r.restoreVar("velocityHasNext", oldHasNext, hadHasNext)
		r.restoreVar("foreach", oldFE, hadFE)
	}
	defer restore()
	r.setVar("foreach", scope)
	for i, it := range items {
		r.iters++
		if r.iters > r.lim.MaxIterations {
			return ctlNone, r.limitf(n.pos, "#foreach iteration limit (%d) exceeded", r.lim.MaxIterations)
		}
		scope.index = i
		if it == nil {
			r.unsetVar(n.varName)
		} else {
			r.setVar(n.varName, it)
		}
		r.setVar("velocityCount", int64(i+1))
		r.setVar("velocityHasNext", i+1 < len(items))
		c, err := r.exec(n.body)
		if err != nil || c == ctlStop {
			return c, err
		}
		if c == ctlBreak {
			break
		}
	}
	return ctlNone, nil
}

func (r *renderer) restoreVar(name string, old any, had bool) {
	if had {
		r.setVar(name, old)
	} else {
		r.unsetVar(name)
	}
}

// getVar looks a variable up: a set one, else a built-in.
func (r *renderer) getVar(name string) (any, bool) {
	if v, ok := r.vars[name]; ok {
		return v, true
	}
	switch name {
	case "context":
		return r.ctx, true
	case "input":
		return r.in, true
	case "util":
		return utilObj{}, true
	case "stageVariables":
		if r.stage == nil {
			r.stage = stringMap(r.stageIn, false)
		}
		return r.stage, true
	}
	return nil, false
}

func (r *renderer) setVar(name string, v any) {
	if r.vars == nil {
		r.vars = make(map[string]any, 8)
	}
	r.vars[name] = v
}

// unsetVar makes name null. A built-in's name keeps a null entry, so the
// built-in stays hidden as it was when the built-ins lived in vars.
func (r *renderer) unsetVar(name string) {
	switch name {
	case "context", "input", "util", "stageVariables":
		r.setVar(name, nil)
	default:
		delete(r.vars, name)
	}
}

// callMacro binds the arguments (evaluated once, by value) to the macro's
// parameters, renders its body and restores the previous bindings.
func (r *renderer) callMacro(n *macroCallNode) (ctl, error) {
	def := n.def
	r.depth++
	defer func() { r.depth-- }()
	if r.depth > r.lim.MaxDepth {
		return ctlNone, r.limitf(n.pos, "#define/macro recursion deeper than %d", r.lim.MaxDepth)
	}
	type saved struct {
		v   any
		had bool
	}
	olds := make([]saved, len(def.params))
	for i, name := range def.params {
		var v any
		if i < len(n.args) {
			var err error
			if v, err = r.eval(n.args[i]); err != nil {
				return ctlNone, err
			}
		}
		old, had := r.getVar(name)
		olds[i] = saved{old, had}
		if v == nil {
			r.unsetVar(name)
		} else {
			r.setVar(name, v)
		}
	}
	c, err := r.exec(def.body)
	for i, name := range def.params {
		r.restoreVar(name, olds[i].v, olds[i].had)
	}
	if c == ctlBreak {
		c = ctlNone
	}
	return c, err
}

// eval evaluates an expression.
func (r *renderer) eval(x expr) (any, error) {
	r.work++
	if r.work > r.lim.MaxWork {
		return nil, r.limitf(x.exprPos(), "work limit (%d) exceeded", r.lim.MaxWork)
	}
	switch x := x.(type) {
	case *litExpr:
		return x.val, nil
	case *refExpr:
		return r.evalRef(x)
	case *interpExpr:
		return r.renderToString(x.pos, x.nodes)
	case *listExpr:
		l := &vlist{items: make([]any, 0, len(x.elems))}
		for _, e := range x.elems {
			v, err := r.eval(e)
			if err != nil {
				return nil, err
			}
			l.items = append(l.items, v)
		}
		return l, nil
	case *mapExpr:
		m := newMap(len(x.keys))
		for i := range x.keys {
			k, err := r.eval(x.keys[i])
			if err != nil {
				return nil, err
			}
			v, err := r.eval(x.vals[i])
			if err != nil {
				return nil, err
			}
			ks, err := r.str(x.keys[i].exprPos(), k)
			if err != nil {
				return nil, err
			}
			m.put(ks, v)
		}
		return m, nil
	case *rangeExpr:
		return r.evalRange(x)
	case *unaryExpr:
		v, err := r.eval(x.x)
		if err != nil {
			return nil, err
		}
		if !x.neg {
			return !truthy(v), nil
		}
		switch v := v.(type) {
		case int64:
			if v == math.MinInt64 {
				return -float64(v), nil
			}
			return -v, nil
		case float64:
			return -v, nil
		case bigNum:
			_, f, _, _ := toNumber(v)
			return -f, nil
		}
		return nil, nil
	case *binaryExpr:
		return r.evalBinary(x)
	}
	return nil, r.errorf(x.exprPos(), "unknown expression")
}

func (r *renderer) evalRange(x *rangeExpr) (any, error) {
	lo, err := r.eval(x.lo)
	if err != nil {
		return nil, err
	}
	hi, err := r.eval(x.hi)
	if err != nil {
		return nil, err
	}
	a, ok1 := rangeBound(lo)
	b, ok2 := rangeBound(hi)
	if !ok1 || !ok2 {
		// Velocity logs and yields null for non-integer bounds.
		return nil, nil
	}
	n := b - a
	if n < 0 {
		n = -n
	}
	if n >= int64(r.lim.MaxIterations) {
		return nil, r.limitf(x.pos, "range [%d..%d] has more than %d elements", a, b, r.lim.MaxIterations)
	}
	if err := r.charge(x.pos, int(n)); err != nil {
		return nil, err
	}
	l := &vlist{items: make([]any, 0, n+1)}
	step := int64(1)
	if b < a {
		step = -1
	}
	for i := a; ; i += step {
		l.items = append(l.items, i)
		if i == b {
			break
		}
	}
	return l, nil
}

func rangeBound(v any) (int64, bool) {
	switch v := v.(type) {
	case int64:
		return v, true
	case float64:
		if v == math.Trunc(v) && math.Abs(v) < 1<<53 {
			return int64(v), true
		}
	case string:
		return parseJavaInt(strings.TrimSpace(v))
	}
	return 0, false
}

func (r *renderer) evalBinary(x *binaryExpr) (any, error) {
	l, err := r.eval(x.l)
	if err != nil {
		return nil, err
	}
	// && and || short-circuit.
	switch x.op {
	case opAnd:
		if !truthy(l) {
			return false, nil
		}
		rv, err := r.eval(x.r)
		return truthy(rv), err
	case opOr:
		if truthy(l) {
			return true, nil
		}
		rv, err := r.eval(x.r)
		return truthy(rv), err
	}
	rv, err := r.eval(x.r)
	if err != nil {
		return nil, err
	}
	switch x.op {
	case opEq, opNe:
		eq, err := r.equal(x.pos, l, rv)
		if err != nil {
			return nil, err
		}
		return eq == (x.op == opEq), nil
	case opLt, opLe, opGt, opGe:
		c, ok := compareNumbers(l, rv)
		if !ok {
			// Velocity 1.7 compares numbers only; anything else is false.
			return false, nil
		}
		switch x.op {
		case opLt:
			return c < 0, nil
		case opLe:
			return c <= 0, nil
		case opGt:
			return c > 0, nil
		}
		return c >= 0, nil
	case opAdd:
		_, lIsStr := l.(string)
		_, rIsStr := rv.(string)
		if lIsStr || rIsStr {
			// Velocity concatenates when either side is a string; a null
			// side contributes its source text.
			ls, err := r.operandString(x.l, l)
			if err != nil {
				return nil, err
			}
			rs, err := r.operandString(x.r, rv)
			if err != nil {
				return nil, err
			}
			s := ls + rs
			return s, r.checkString(x.pos, s)
		}
	}
	return arith(x.op, l, rv), nil
}

func (r *renderer) operandString(e expr, v any) (string, error) {
	if v == nil {
		if ref, ok := e.(*refExpr); ok {
			return ref.text, nil
		}
		return "null", nil
	}
	return r.str(e.exprPos(), v)
}

// equal is Velocity 1.7's ==: nulls equal only each other, numbers compare
// by value, same-class values by equals(), and anything else by comparing
// their toString() forms.
func (r *renderer) equal(pos int, a, b any) (bool, error) {
	if a == nil || b == nil {
		return a == nil && b == nil, nil
	}
	if isNumber(a) && isNumber(b) {
		c, _ := compareNumbers(a, b)
		return c == 0, nil
	}
	if sameKind(a, b) {
		return r.deepEqual(pos, a, b)
	}
	as, err := r.str(pos, a)
	if err != nil {
		return false, err
	}
	bs, err := r.str(pos, b)
	if err != nil {
		return false, err
	}
	return as == bs, nil
}

// deepEqual compares two values, charging for every node compared.
func (r *renderer) deepEqual(pos int, a, b any) (bool, error) {
	steps := 0
	eq, err := deepEqual(a, b, 0, &steps)
	if err != nil {
		return false, r.errorf(pos, "%v", err)
	}
	return eq, r.charge(pos, steps)
}

// arith applies + - * / % to numbers. Integer operations stay integral
// (overflowing into float64), division by zero and non-numbers give null,
// as in Velocity 1.7.
func arith(op binOp, a, b any) any {
	ai, af, afl, ok1 := toNumber(a)
	bi, bf, bfl, ok2 := toNumber(b)
	if !ok1 || !ok2 {
		return nil
	}
	if !afl && !bfl {
		switch op {
		case opAdd:
			s := ai + bi
			if (s > ai) == (bi > 0) {
				return s
			}
			return float64(ai) + float64(bi)
		case opSub:
			s := ai - bi
			if (s < ai) == (bi > 0) {
				return s
			}
			return float64(ai) - float64(bi)
		case opMul:
			if ai == 0 || bi == 0 {
				return int64(0)
			}
			p := ai * bi
			if p/bi == ai && !(ai == -1 && bi == math.MinInt64) && !(bi == -1 && ai == math.MinInt64) {
				return p
			}
			return float64(ai) * float64(bi)
		case opDiv:
			if bi == 0 {
				return nil
			}
			if ai == math.MinInt64 && bi == -1 {
				return -float64(ai)
			}
			return ai / bi
		case opMod:
			if bi == 0 {
				return nil
			}
			if bi == -1 {
				return int64(0)
			}
			return ai % bi
		}
		return nil
	}
	if !afl {
		af = float64(ai)
	}
	if !bfl {
		bf = float64(bi)
	}
	switch op {
	case opAdd:
		return af + bf
	case opSub:
		return af - bf
	case opMul:
		return af * bf
	case opDiv:
		if bf == 0 {
			return nil
		}
		return af / bf
	case opMod:
		if bf == 0 {
			return nil
		}
		return math.Mod(af, bf)
	}
	return nil
}

// evalRef looks up a reference and applies its modifiers; a null anywhere
// along the chain makes the whole reference null.
func (r *renderer) evalRef(x *refExpr) (any, error) {
	return r.evalMods(x, x.mods)
}

func (r *renderer) evalMods(x *refExpr, mods []modifier) (any, error) {
	v, _ := r.getVar(x.name)
	for i := range mods {
		if v == nil {
			return nil, nil
		}
		m := &mods[i]
		var err error
		switch m.kind {
		case modProp:
			v, err = r.property(m.pos, v, m.name)
		case modMethod:
			args := make([]any, len(m.args))
			for j, a := range m.args {
				if args[j], err = r.eval(a); err != nil {
					return nil, err
				}
			}
			v, err = r.call(m.pos, v, m.name, args)
		case modIndex:
			var idx any
			if idx, err = r.eval(m.args[0]); err != nil {
				return nil, err
			}
			v, err = r.index(m.pos, v, idx)
		}
		if err != nil {
			return nil, err
		}
	}
	return v, nil
}

// index is $a[i] (lists, negative counting from the end) and $m["k"].
func (r *renderer) index(pos int, v, idx any) (any, error) {
	switch t := v.(type) {
	case *vlist:
		i, err := listIndex(t, idx)
		if err != nil {
			return nil, r.errorf(pos, "%v", err)
		}
		return t.items[i], nil
	case *vmap:
		k, err := r.str(pos, idx)
		if err != nil {
			return nil, err
		}
		val, _ := t.get(k)
		return val, nil
	case string:
		// Not indexable in Velocity 1.7: null.
		return nil, nil
	}
	return nil, nil
}
