package expr

import (
	"fmt"
	"strconv"
	"strings"
)

// Limits DynamoDB applies to every expression.
const (
	maxExprBytes  = 4096 // raw expression string, before substitution
	maxOperators  = 300  // comparators, AND/OR/NOT, BETWEEN, IN, functions, + and -
	maxInOperands = 100  // right-hand side of IN
)

// language selects the keywords and functions a parse accepts.
type language uint8

const (
	langCondition language = iota // ConditionExpression, FilterExpression, KeyConditionExpression
	langUpdate
	langProjection
)

// syntaxError marks the token at which parsing failed. It is internal: the
// public error is built from it once, with the source text around the token.
type syntaxError struct{ at int }

// issueKind orders the non-syntax problems a parse can find. DynamoDB
// reports only one; when an expression has several, the earliest kind
// wins, whatever its position.
type issueKind uint8

const (
	issueParens issueKind = iota
	issueFunction
	issueMisused
	issueReserved
	issueSection
	issueOperands
	numIssues
)

type issues [numIssues]string

func (s *issues) add(k issueKind, msg string) {
	if s[k] == "" {
		s[k] = msg
	}
}

func (s *issues) first() string {
	for _, m := range s {
		if m != "" {
			return m
		}
	}
	return ""
}

type parser struct {
	src     string
	toks    []token
	pos     int
	lang    language
	label   string // "ConditionExpression", "UpdateExpression", ...
	issues  issues
	opCount int
	refs    refCollector
	match   []int // match[i] is the index of the ")" closing a "(" at i, or -1
}

func (p *parser) peek() token        { return p.toks[p.pos] }
func (p *parser) peekAt(n int) token { return p.toks[min(p.pos+n, len(p.toks)-1)] }
func (p *parser) errHere() *syntaxError {
	return &syntaxError{at: p.pos}
}

func (p *parser) expect(k tokKind) *syntaxError {
	if p.peek().kind != k {
		return p.errHere()
	}
	p.pos++
	return nil
}

// isKeyword reports whether t is a keyword of the parser's language and so
// cannot be an attribute name.
func (p *parser) isKeyword(t token) bool {
	if t.kind != tokIdent {
		return false
	}
	switch p.lang {
	case langCondition:
		return t.is("AND") || t.is("OR") || t.is("NOT") || t.is("BETWEEN") || t.is("IN")
	case langUpdate:
		return clauseKind(t) >= 0
	}
	return false
}

func clauseKind(t token) int {
	for i, n := range actionNames {
		if t.is(n) {
			return i
		}
	}
	return -1
}

// newError formats an *Error with the expression label prefix.
func newError(label, format string, args ...any) *Error {
	return &Error{Msg: "Invalid " + label + ": " + fmt.Sprintf(format, args...)}
}

// syntaxMessage renders a syntax error the way DynamoDB does: the offending
// token and the source from the token before it to the token after it.
func (p *parser) syntaxMessage(e *syntaxError) *Error {
	at := min(max(e.at, 0), len(p.toks)-1)
	t := p.toks[at]
	text := t.text
	start, end := t.start, t.end
	if at > 0 {
		start = p.toks[at-1].start
	}
	if t.kind == tokEOF {
		text = "<EOF>"
		if at > 0 {
			end = p.toks[at-1].end
		}
	} else if next := p.toks[at+1]; next.kind != tokEOF {
		end = next.end
	}
	return newError(p.label, "Syntax error; token: %q, near: %q", text, p.src[start:end])
}

// prepare applies the checks DynamoDB makes before parsing and lexes src.
func prepare(src, label string, lang language) (*parser, *Error) {
	if len(src) > maxExprBytes {
		return nil, newError(label, "Expression size has exceeded the maximum allowed size; expression size: %d", len(src))
	}
	if strings.TrimSpace(src) == "" {
		return nil, newError(label, "The expression can not be empty;")
	}
	toks := lex(src)
	return &parser{src: src, toks: toks, lang: lang, label: label, match: matchParens(toks)}, nil
}

// matchParens pairs parentheses, so the parser can tell "(a = b)" from
// "(a) = b" by looking past the ")" instead of backtracking, which would
// cost quadratic time on deeply nested input.
func matchParens(toks []token) []int {
	match := make([]int, len(toks))
	var open []int
	for i, t := range toks {
		match[i] = -1
		switch t.kind {
		case tokLParen:
			open = append(open, i)
		case tokRParen:
			if n := len(open); n > 0 {
				match[open[n-1]] = i
				open = open[:n-1]
			}
		}
	}
	return match
}

// afterGroup is the token after the ")" matching the "(" at the current
// position (EOF when it has none).
func (p *parser) afterGroup() token {
	if m := p.match[p.pos]; m >= 0 {
		return p.toks[m+1]
	}
	return p.toks[len(p.toks)-1]
}

// finish converts the parse outcome into the one error DynamoDB reports.
func (p *parser) finish(serr *syntaxError) *Error {
	if serr == nil && p.peek().kind != tokEOF {
		serr = p.errHere()
	}
	if serr != nil {
		return p.syntaxMessage(serr)
	}
	if p.opCount > maxOperators {
		return newError(p.label, "The expression contains too many operators; operator count: %d", p.opCount)
	}
	if m := p.issues.first(); m != "" {
		return newError(p.label, "%s", m)
	}
	return nil
}

// ---- conditions ------------------------------------------------------------

// parseOr parses a full condition. paren reports whether the whole
// condition was one parenthesised group, to detect ((redundant)) parens.
func (p *parser) parseOr() (condNode, bool, *syntaxError) {
	left, paren, err := p.parseAnd()
	if err != nil {
		return nil, false, err
	}
	for p.peek().is("OR") {
		p.pos++
		right, _, err := p.parseAnd()
		if err != nil {
			return nil, false, err
		}
		p.opCount++
		left, paren = &logicalCond{left: left, right: right}, false
	}
	return left, paren, nil
}

func (p *parser) parseAnd() (condNode, bool, *syntaxError) {
	left, paren, err := p.parseNot()
	if err != nil {
		return nil, false, err
	}
	for p.peek().is("AND") {
		p.pos++
		right, _, err := p.parseNot()
		if err != nil {
			return nil, false, err
		}
		p.opCount++
		left, paren = &logicalCond{and: true, left: left, right: right}, false
	}
	return left, paren, nil
}

func (p *parser) parseNot() (condNode, bool, *syntaxError) {
	if p.peek().is("NOT") {
		p.pos++
		x, _, err := p.parseNot()
		if err != nil {
			return nil, false, err
		}
		p.opCount++
		return &notCond{x: x}, false, nil
	}
	return p.parsePrimary()
}

// parsePrimary parses a parenthesised condition or a single comparison or
// function. "(" is ambiguous: "(a = b)" groups a condition while "(a) = b"
// groups an operand; what follows the matching ")" decides.
func (p *parser) parsePrimary() (condNode, bool, *syntaxError) {
	if p.peek().kind != tokLParen {
		n, err := p.parseComparison()
		return n, false, err
	}
	if next := p.afterGroup(); next.isComparator() || next.is("BETWEEN") || next.is("IN") {
		n, err := p.parseComparison()
		return n, false, err
	}
	p.pos++
	inner, innerParen, err := p.parseOr()
	if err != nil {
		return nil, false, err
	}
	if err := p.expect(tokRParen); err != nil {
		return nil, false, err
	}
	if innerParen {
		p.issues.add(issueParens, "The expression has redundant parentheses;")
	}
	return inner, true, nil
}

// parseComparison parses `operand comparator operand`, BETWEEN, IN, or a
// function call standing alone as a condition.
func (p *parser) parseComparison() (condNode, *syntaxError) {
	left, paren, err := p.parseOperand()
	if err != nil {
		return nil, err
	}
	t := p.peek()
	switch {
	case t.isComparator():
		p.pos++
		right, _, err := p.parseOperand()
		if err != nil {
			return nil, err
		}
		p.opCount++
		p.checkOperandUse(left, right)
		return &compareCond{op: t.kind, left: left, right: right}, nil
	case t.is("BETWEEN"):
		p.pos++
		lo, _, err := p.parseOperand()
		if err != nil {
			return nil, err
		}
		if !p.peek().is("AND") {
			return nil, p.errHere()
		}
		p.pos++
		hi, _, err := p.parseOperand()
		if err != nil {
			return nil, err
		}
		p.opCount++
		p.checkOperandUse(left, lo, hi)
		return &betweenCond{x: left, lo: lo, hi: hi}, nil
	case t.is("IN"):
		p.pos++
		if err := p.expect(tokLParen); err != nil {
			return nil, err
		}
		list, err := p.parseOperandList()
		if err != nil {
			return nil, err
		}
		if err := p.expect(tokRParen); err != nil {
			return nil, err
		}
		p.opCount++
		p.checkOperandUse(left)
		p.checkOperandUse(list...)
		if len(list) > maxInOperands {
			p.issues.add(issueOperands, fmt.Sprintf("The IN operator is provided with too many operands; number of operands: %d", len(list)))
		}
		return &inCond{x: left, list: list}, nil
	}
	if call, ok := left.(*callOperand); ok && !paren {
		if call.name == "size" {
			p.issues.add(issueMisused, "The function is not allowed to be used this way in an expression; function: size")
		}
		return &funcCond{call: call}, nil
	}
	return nil, p.errHere()
}

// checkOperandUse flags boolean functions used where a value is needed:
// only size() yields a value.
func (p *parser) checkOperandUse(ops ...operand) {
	for _, o := range ops {
		if c, ok := o.(*callOperand); ok && c.name != "size" {
			p.issues.add(issueMisused, "The function is not allowed to be used this way in an expression; function: "+c.name)
		}
	}
}

// ---- operands and paths ----------------------------------------------------

func (p *parser) parseOperandList() ([]operand, *syntaxError) {
	var list []operand
	for {
		o, _, err := p.parseOperand()
		if err != nil {
			return nil, err
		}
		list = append(list, o)
		if p.peek().kind != tokComma {
			return list, nil
		}
		p.pos++
	}
}

// parseOperand parses a path, a ":value", a function call or a
// parenthesised operand; paren reports the last case.
func (p *parser) parseOperand() (operand, bool, *syntaxError) {
	t := p.peek()
	switch t.kind {
	case tokLParen:
		p.pos++
		inner, innerParen, err := p.parseOperand()
		if err != nil {
			return nil, false, err
		}
		if err := p.expect(tokRParen); err != nil {
			return nil, false, err
		}
		if innerParen {
			p.issues.add(issueParens, "The expression has redundant parentheses;")
		}
		return inner, true, nil
	case tokValue:
		p.pos++
		p.refs.addValue(t.text)
		return &valueOperand{name: t.text}, false, nil
	case tokIdent:
		if p.peekAt(1).kind == tokLParen && !p.isKeyword(t) {
			c, err := p.parseCall()
			return c, false, err
		}
	}
	path, err := p.parsePath()
	if err != nil {
		return nil, false, err
	}
	return &pathOperand{path: path}, false, nil
}

func (p *parser) parseCall() (*callOperand, *syntaxError) {
	name := p.peek().text
	p.pos += 2 // name and "("
	args, err := p.parseOperandList()
	if err != nil {
		return nil, err
	}
	if err := p.expect(tokRParen); err != nil {
		return nil, err
	}
	p.opCount++
	c := &callOperand{name: name, args: args}
	p.checkCall(c)
	return c, nil
}

// Function arities by language.
var (
	conditionFuncs = map[string]int{
		"attribute_exists":     1,
		"attribute_not_exists": 1,
		"attribute_type":       2,
		"begins_with":          2,
		"contains":             2,
		"size":                 1,
	}
	updateFuncs = map[string]int{
		"if_not_exists": 2,
		"list_append":   2,
	}
)

// checkCall records the static problems of a function call: unknown name,
// function of the other language, arity, and arguments that must be paths.
func (p *parser) checkCall(c *callOperand) {
	own, other, where := conditionFuncs, updateFuncs, "a condition"
	if p.lang == langUpdate {
		own, other, where = updateFuncs, conditionFuncs, "an update"
	}
	arity, ok := own[c.name]
	if !ok {
		if _, isOther := other[c.name]; isOther {
			p.issues.add(issueFunction, fmt.Sprintf("The function is not allowed in %s expression; function: %s", where, c.name))
		} else {
			p.issues.add(issueFunction, "Invalid function name; function: "+c.name)
		}
		return
	}
	if len(c.args) != arity {
		p.issues.add(issueOperands, fmt.Sprintf("Incorrect number of operands for operator or function; operator or function: %s, number of operands: %d", c.name, len(c.args)))
		return
	}
	switch c.name {
	case "attribute_exists", "attribute_not_exists", "attribute_type", "if_not_exists":
		if _, isPath := c.args[0].(*pathOperand); !isPath {
			p.issues.add(issueOperands, "Operator or function requires a document path; operator or function: "+c.name)
		}
	}
}

// parsePath parses name(.name | [index])*, where a name is a literal
// attribute name or a #placeholder.
func (p *parser) parsePath() (docPath, *syntaxError) {
	var path docPath
	elem, err := p.parsePathName()
	if err != nil {
		return path, err
	}
	path.elems = append(path.elems, elem)
	for {
		switch p.peek().kind {
		case tokDot:
			p.pos++
			elem, err := p.parsePathName()
			if err != nil {
				return path, err
			}
			path.elems = append(path.elems, elem)
		case tokLBracket:
			p.pos++
			t := p.peek()
			if t.kind != tokNumber {
				return path, p.errHere()
			}
			n, convErr := strconv.Atoi(t.text)
			if convErr != nil || n > 1<<31-1 {
				return path, p.errHere()
			}
			p.pos++
			if err := p.expect(tokRBracket); err != nil {
				return path, err
			}
			path.elems = append(path.elems, pathElem{index: n, isIndex: true})
		default:
			return path, nil
		}
	}
}

func (p *parser) parsePathName() (pathElem, *syntaxError) {
	t := p.peek()
	switch {
	case t.kind == tokName:
		p.pos++
		p.refs.addName(t.text)
		return pathElem{name: t.text}, nil
	case t.kind == tokIdent && !p.isKeyword(t):
		p.pos++
		if isReserved(t.text) {
			p.issues.add(issueReserved, "Attribute name is a reserved keyword; reserved keyword: "+t.text)
		}
		return pathElem{name: t.text}, nil
	}
	return pathElem{}, p.errHere()
}

// ---- update expressions ----------------------------------------------------

func (p *parser) parseUpdate() ([]*updateClause, *syntaxError) {
	var clauses []*updateClause
	var seen [len(actionNames)]bool
	for p.peek().kind != tokEOF {
		k := clauseKind(p.peek())
		if k < 0 {
			return nil, p.errHere()
		}
		p.pos++
		if seen[k] {
			p.issues.add(issueSection, fmt.Sprintf("The %q section can only be used once in an update expression;", actionNames[k]))
		}
		seen[k] = true
		cl := &updateClause{kind: actionKind(k)}
		for {
			a, err := p.parseAction(actionKind(k))
			if err != nil {
				return nil, err
			}
			cl.actions = append(cl.actions, a)
			if p.peek().kind != tokComma {
				break
			}
			p.pos++
		}
		clauses = append(clauses, cl)
	}
	if len(clauses) == 0 {
		return nil, p.errHere()
	}
	return clauses, nil
}

func (p *parser) parseAction(k actionKind) (*updateAction, *syntaxError) {
	path, err := p.parsePath()
	if err != nil {
		return nil, err
	}
	a := &updateAction{kind: k, path: path}
	switch k {
	case actSet:
		if err := p.expect(tokEQ); err != nil {
			return nil, err
		}
		a.value, err = p.parseSetValue()
		if err != nil {
			return nil, err
		}
	case actAdd, actDelete:
		t := p.peek()
		if t.kind != tokValue {
			return nil, p.errHere()
		}
		p.pos++
		p.refs.addValue(t.text)
		a.value = &valueOperand{name: t.text}
	}
	return a, nil
}

// parseSetValue parses operand [(+|-) operand], optionally wrapped in one
// pair of parentheses as a whole: "(a + b)" against "(a) + b".
func (p *parser) parseSetValue() (operand, *syntaxError) {
	if p.peek().kind == tokLParen {
		if k := p.afterGroup().kind; k != tokPlus && k != tokMinus {
			p.pos++
			v, err := p.parseArith()
			if err != nil {
				return nil, err
			}
			return v, p.expect(tokRParen)
		}
	}
	return p.parseArith()
}

func (p *parser) parseArith() (operand, *syntaxError) {
	left, _, err := p.parseOperand()
	if err != nil {
		return nil, err
	}
	k := p.peek().kind
	if k != tokPlus && k != tokMinus {
		return left, nil
	}
	p.pos++
	right, _, err := p.parseOperand()
	if err != nil {
		return nil, err
	}
	p.opCount++
	return &arithOperand{minus: k == tokMinus, left: left, right: right}, nil
}

// ---- projections -----------------------------------------------------------

func (p *parser) parseProjection() ([]docPath, *syntaxError) {
	var paths []docPath
	for {
		path, err := p.parsePath()
		if err != nil {
			return nil, err
		}
		paths = append(paths, path)
		if p.peek().kind != tokComma {
			return paths, nil
		}
		p.pos++
	}
}
