package mapping

import (
	"strconv"
	"strings"
)

// Expression grammar (lowest precedence first):
//
//	expr    = and { ("||" | "or") and }
//	and     = eq { ("&&" | "and") eq }
//	eq      = rel { ("==" | "!=" | "eq" | "ne") rel }
//	rel     = add { ("<" | "<=" | ">" | ">=" | "lt" | "le" | "gt" | "ge") add }
//	add     = mul { ("+" | "-") mul }
//	mul     = unary { ("*" | "/" | "%") unary }
//	unary   = ("!" | "not" | "-") unary | primary
//	primary = reference | string | number | "true" | "false" | "null"
//	        | "[" [ expr { "," expr } ] "]" | "[" expr ".." expr "]"
//	        | "{" [ expr ":" expr { "," expr ":" expr } ] "}" | "(" expr ")"

func (p *parser) enter() error {
	p.depth++
	if p.depth > p.maxDepth {
		return p.t.errorAt(p.at(p.pos), ErrLimit, "expression nested deeper than %d", p.maxDepth)
	}
	return nil
}

func (p *parser) leave() { p.depth-- }

func (p *parser) parseExpr(hi int) (expr, error) {
	if err := p.enter(); err != nil {
		return nil, err
	}
	defer p.leave()
	return p.parseOr(hi)
}

// matchOp consumes the first of the symbolic or word operators present.
func (p *parser) matchOp(hi int, syms []string, words []string) (int, bool) {
	p.skipWS(hi)
	for i, s := range syms {
		if s != "" && strings.HasPrefix(p.src[p.pos:hi], s) {
			p.pos += len(s)
			return i, true
		}
	}
	for i, w := range words {
		if w != "" && p.word(hi, w) {
			return i, true
		}
	}
	return 0, false
}

func (p *parser) parseOr(hi int) (expr, error) {
	l, err := p.parseAnd(hi)
	if err != nil {
		return nil, err
	}
	for {
		pos := p.pos
		if _, ok := p.matchOp(hi, []string{"||"}, []string{"or"}); !ok {
			p.pos = pos
			return l, nil
		}
		r, err := p.parseAnd(hi)
		if err != nil {
			return nil, err
		}
		l = &binaryExpr{pos: p.at(pos), op: opOr, l: l, r: r}
	}
}

func (p *parser) parseAnd(hi int) (expr, error) {
	l, err := p.parseEq(hi)
	if err != nil {
		return nil, err
	}
	for {
		pos := p.pos
		if _, ok := p.matchOp(hi, []string{"&&"}, []string{"and"}); !ok {
			p.pos = pos
			return l, nil
		}
		r, err := p.parseEq(hi)
		if err != nil {
			return nil, err
		}
		l = &binaryExpr{pos: p.at(pos), op: opAnd, l: l, r: r}
	}
}

func (p *parser) parseEq(hi int) (expr, error) {
	l, err := p.parseRel(hi)
	if err != nil {
		return nil, err
	}
	for {
		pos := p.pos
		i, ok := p.matchOp(hi, []string{"==", "!="}, []string{"eq", "ne"})
		if !ok {
			p.pos = pos
			return l, nil
		}
		r, err := p.parseRel(hi)
		if err != nil {
			return nil, err
		}
		op := opEq
		if i == 1 {
			op = opNe
		}
		l = &binaryExpr{pos: p.at(pos), op: op, l: l, r: r}
	}
}

func (p *parser) parseRel(hi int) (expr, error) {
	l, err := p.parseAdd(hi)
	if err != nil {
		return nil, err
	}
	ops := []binOp{opLe, opGe, opLt, opGt}
	for {
		pos := p.pos
		i, ok := p.matchOp(hi, []string{"<=", ">=", "<", ">"}, []string{"le", "ge", "lt", "gt"})
		if !ok {
			p.pos = pos
			return l, nil
		}
		r, err := p.parseAdd(hi)
		if err != nil {
			return nil, err
		}
		l = &binaryExpr{pos: p.at(pos), op: ops[i], l: l, r: r}
	}
}

func (p *parser) parseAdd(hi int) (expr, error) {
	l, err := p.parseMul(hi)
	if err != nil {
		return nil, err
	}
	for {
		pos := p.pos
		i, ok := p.matchOp(hi, []string{"+", "-"}, nil)
		if !ok {
			p.pos = pos
			return l, nil
		}
		r, err := p.parseMul(hi)
		if err != nil {
			return nil, err
		}
		op := opAdd
		if i == 1 {
			op = opSub
		}
		l = &binaryExpr{pos: p.at(pos), op: op, l: l, r: r}
	}
}

func (p *parser) parseMul(hi int) (expr, error) {
	l, err := p.parseUnary(hi)
	if err != nil {
		return nil, err
	}
	ops := []binOp{opMul, opDiv, opMod}
	for {
		pos := p.pos
		i, ok := p.matchOp(hi, []string{"*", "/", "%"}, nil)
		if !ok {
			p.pos = pos
			return l, nil
		}
		r, err := p.parseUnary(hi)
		if err != nil {
			return nil, err
		}
		l = &binaryExpr{pos: p.at(pos), op: ops[i], l: l, r: r}
	}
}

func (p *parser) parseUnary(hi int) (expr, error) {
	if err := p.enter(); err != nil {
		return nil, err
	}
	defer p.leave()
	p.skipWS(hi)
	pos := p.pos
	neg := false
	switch {
	case p.pos < hi && p.src[p.pos] == '!' && !strings.HasPrefix(p.src[p.pos:hi], "!="):
		p.pos++
	case p.word(hi, "not"):
	case p.pos < hi && p.src[p.pos] == '-':
		p.pos++
		neg = true
	default:
		return p.parsePrimary(hi)
	}
	x, err := p.parseUnary(hi)
	if err != nil {
		return nil, err
	}
	if neg {
		// Fold negative literals so "-1" is a constant.
		if lit, ok := x.(*litExpr); ok {
			switch v := lit.val.(type) {
			case int64:
				return &litExpr{pos: p.at(pos), val: -v}, nil
			case float64:
				return &litExpr{pos: p.at(pos), val: -v}, nil
			}
		}
	}
	return &unaryExpr{pos: p.at(pos), neg: neg, x: x}, nil
}

func (p *parser) parsePrimary(hi int) (expr, error) {
	p.skipWS(hi)
	if p.pos >= hi {
		return nil, p.errorf(p.pos, "unexpected end of expression")
	}
	pos := p.pos
	c := p.src[p.pos]
	switch {
	case c == '$':
		ref, ok, err := p.tryRef(hi, true)
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, p.errorf(pos, "malformed reference")
		}
		return ref, nil
	case c == '"' || c == '\'':
		return p.parseString(hi)
	case c >= '0' && c <= '9':
		return p.parseNumber(hi)
	case c == '[':
		return p.parseList(hi)
	case c == '{':
		return p.parseMap(hi)
	case c == '(':
		p.pos++
		x, err := p.parseExpr(hi)
		if err != nil {
			return nil, err
		}
		p.skipWS(hi)
		if !p.eat(hi, ')') {
			return nil, p.errorf(p.pos, "expected )")
		}
		return x, nil
	case p.word(hi, "true"):
		return &litExpr{pos: p.at(pos), val: true}, nil
	case p.word(hi, "false"):
		return &litExpr{pos: p.at(pos), val: false}, nil
	case p.word(hi, "null"):
		return &litExpr{pos: p.at(pos), val: nil}, nil
	case isIdentStart(c):
		j := p.pos
		for j < hi && isNameChar(p.src[j]) {
			j++
		}
		return nil, p.errorf(pos, "unexpected word %q (references start with $)", p.src[p.pos:j])
	}
	return nil, p.errorf(pos, "unexpected %q in expression", c)
}

func (p *parser) parseNumber(hi int) (expr, error) {
	start := p.pos
	for p.pos < hi && p.src[p.pos] >= '0' && p.src[p.pos] <= '9' {
		p.pos++
	}
	isFloat := false
	// A '.' only continues the number when a digit follows: "1..3" is a range.
	if p.pos+1 < hi && p.src[p.pos] == '.' && p.src[p.pos+1] >= '0' && p.src[p.pos+1] <= '9' {
		isFloat = true
		p.pos++
		for p.pos < hi && p.src[p.pos] >= '0' && p.src[p.pos] <= '9' {
			p.pos++
		}
	}
	text := p.src[start:p.pos]
	if !isFloat {
		if n, err := strconv.ParseInt(text, 10, 64); err == nil {
			return &litExpr{pos: p.at(start), val: n}, nil
		}
	}
	f, err := strconv.ParseFloat(text, 64)
	if err != nil {
		return nil, p.errorf(start, "malformed number %q", text)
	}
	return &litExpr{pos: p.at(start), val: f}, nil
}

// parseString parses a string literal. Single-quoted strings are literal;
// double-quoted ones are templates of their own (references and directives
// are evaluated). A quote is written inside by doubling it, as in Velocity
// 1.7; backslashes are literal characters.
func (p *parser) parseString(hi int) (expr, error) {
	start := p.pos
	q := p.src[p.pos]
	i := p.pos + 1
	doubled := false
	for {
		k := strings.IndexByte(p.src[i:hi], q)
		if k < 0 {
			return nil, p.errorf(start, "unterminated string literal")
		}
		i += k
		if i+1 < hi && p.src[i+1] == q {
			doubled = true
			i += 2
			continue
		}
		break
	}
	lo, end := start+1, i
	p.pos = i + 1
	content := p.src[lo:end]
	if doubled {
		content = strings.ReplaceAll(content, string([]byte{q, q}), string(q))
	}
	if q == '\'' || !strings.ContainsAny(content, "$#") {
		return &litExpr{pos: p.at(start), val: content}, nil
	}
	var nodes []node
	var err error
	if !doubled {
		// Parse in place so positions point into the template.
		sub := &parser{t: p.t, src: p.src, depth: p.depth, maxDepth: p.maxDepth, macros: p.macros, posOverride: p.posOverride}
		nodes, err = sub.parseTemplate(lo, end, false)
	} else {
		pos := p.at(start)
		sub := &parser{t: p.t, src: content, depth: p.depth, maxDepth: p.maxDepth, macros: p.macros, posOverride: pos}
		nodes, err = sub.parseTemplate(0, len(content), false)
	}
	if err != nil {
		return nil, err
	}
	if len(nodes) == 1 {
		if tn, ok := nodes[0].(*textNode); ok {
			return &litExpr{pos: p.at(start), val: tn.text}, nil
		}
	}
	if len(nodes) == 0 {
		return &litExpr{pos: p.at(start), val: ""}, nil
	}
	return &interpExpr{pos: p.at(start), nodes: nodes}, nil
}

func (p *parser) parseList(hi int) (expr, error) {
	start := p.pos
	p.pos++ // [
	p.skipWS(hi)
	if p.eat(hi, ']') {
		return &listExpr{pos: p.at(start)}, nil
	}
	first, err := p.parseExpr(hi)
	if err != nil {
		return nil, err
	}
	p.skipWS(hi)
	if strings.HasPrefix(p.src[p.pos:hi], "..") {
		p.pos += 2
		last, err := p.parseExpr(hi)
		if err != nil {
			return nil, err
		}
		p.skipWS(hi)
		if !p.eat(hi, ']') {
			return nil, p.errorf(p.pos, "expected ] to close range")
		}
		return &rangeExpr{pos: p.at(start), lo: first, hi: last}, nil
	}
	l := &listExpr{pos: p.at(start), elems: []expr{first}}
	for {
		p.skipWS(hi)
		if p.eat(hi, ']') {
			return l, nil
		}
		if !p.eat(hi, ',') {
			return nil, p.errorf(p.pos, "expected , or ] in list")
		}
		x, err := p.parseExpr(hi)
		if err != nil {
			return nil, err
		}
		l.elems = append(l.elems, x)
	}
}

func (p *parser) parseMap(hi int) (expr, error) {
	start := p.pos
	p.pos++ // {
	m := &mapExpr{pos: p.at(start)}
	p.skipWS(hi)
	if p.eat(hi, '}') {
		return m, nil
	}
	for {
		k, err := p.parseExpr(hi)
		if err != nil {
			return nil, err
		}
		p.skipWS(hi)
		if !p.eat(hi, ':') {
			return nil, p.errorf(p.pos, "expected : in map literal")
		}
		v, err := p.parseExpr(hi)
		if err != nil {
			return nil, err
		}
		m.keys = append(m.keys, k)
		m.vals = append(m.vals, v)
		p.skipWS(hi)
		if p.eat(hi, '}') {
			return m, nil
		}
		if !p.eat(hi, ',') {
			return nil, p.errorf(p.pos, "expected , or } in map literal")
		}
	}
}

// build nests the flat item list into a node tree, matching #end to the
// block it closes.
func (p *parser) build(items []item) ([]node, error) {
	type frame struct {
		it    item
		nodes []node
		ifn   *ifNode
		inEl  bool // #if frame after its #else
		block node // the node the frame becomes when closed
	}
	stack := []*frame{{}}
	top := func() *frame { return stack[len(stack)-1] }
	appendNode := func(n node) {
		f := top()
		if tn, ok := n.(*textNode); ok && len(f.nodes) > 0 {
			if prev, ok := f.nodes[len(f.nodes)-1].(*textNode); ok {
				f.nodes[len(f.nodes)-1] = &textNode{pos: prev.pos, text: prev.text + tn.text}
				return
			}
		}
		f.nodes = append(f.nodes, n)
	}
	push := func(it item, ifn *ifNode) error {
		if len(stack) > p.maxDepth {
			return p.t.errorAt(it.pos, ErrLimit, "blocks nested deeper than %d", p.maxDepth)
		}
		stack = append(stack, &frame{it: it, ifn: ifn})
		return nil
	}
	for _, it := range items {
		switch it.kind {
		case itText, itRaw:
			if it.text != "" {
				appendNode(&textNode{pos: it.pos, text: it.text})
			}
		case itRef:
			appendNode(&refNode{ref: it.ref, escapes: it.escapes})
		case itComment:
		case itSet:
			appendNode(&setNode{pos: it.pos, lhs: it.ref, rhs: it.x})
		case itBreak:
			appendNode(&breakNode{pos: it.pos})
		case itStop:
			appendNode(&stopNode{pos: it.pos})
		case itMacroCall:
			appendNode(&macroCallNode{pos: it.pos, def: it.def, args: it.args})
		case itIf:
			if err := push(it, &ifNode{pos: it.pos, conds: []expr{it.x}}); err != nil {
				return nil, err
			}
		case itForeach, itDefine, itMacro:
			if err := push(it, nil); err != nil {
				return nil, err
			}
		case itElseIf, itElse:
			f := top()
			if f.ifn == nil {
				return nil, p.t.errorAt(it.pos, nil, "%s without #if", it.kind)
			}
			if f.inEl {
				return nil, p.t.errorAt(it.pos, nil, "%s after #else", it.kind)
			}
			f.ifn.blocks = append(f.ifn.blocks, f.nodes)
			f.nodes = nil
			if it.kind == itElse {
				f.inEl = true
			} else {
				f.ifn.conds = append(f.ifn.conds, it.x)
			}
		case itEnd:
			if len(stack) == 1 {
				return nil, p.t.errorAt(it.pos, nil, "#end without a block to close")
			}
			f := top()
			stack = stack[:len(stack)-1]
			switch f.it.kind {
			case itIf:
				if f.inEl {
					f.ifn.elseBlock = f.nodes
				} else {
					f.ifn.blocks = append(f.ifn.blocks, f.nodes)
				}
				appendNode(f.ifn)
			case itForeach:
				appendNode(&foreachNode{pos: f.it.pos, varName: f.it.text, iter: f.it.x, body: f.nodes})
			case itDefine:
				appendNode(&defineNode{pos: f.it.pos, name: f.it.text, body: f.nodes})
			case itMacro:
				f.it.def.body = f.nodes
			}
		}
	}
	if len(stack) > 1 {
		f := top()
		return nil, p.t.errorAt(f.it.pos, nil, "missing #end for %s", f.it.kind)
	}
	return stack[0].nodes, nil
}
