package expr

import (
	"strconv"
	"strings"
)

// pathElem is one step of a document path: an attribute name (literal or
// "#placeholder") or a list index.
type pathElem struct {
	name    string
	index   int
	isIndex bool
}

func (e pathElem) isPlaceholder() bool { return len(e.name) > 0 && e.name[0] == '#' }

// docPath is a document path as written: a.b[2].#c.
type docPath struct {
	elems []pathElem
}

func (d docPath) writeTo(b *strings.Builder) {
	for i, e := range d.elems {
		switch {
		case e.isIndex:
			b.WriteByte('[')
			b.WriteString(strconv.Itoa(e.index))
			b.WriteByte(']')
		case i > 0:
			b.WriteByte('.')
			b.WriteString(e.name)
		default:
			b.WriteString(e.name)
		}
	}
}

// operand is anything that yields a value: a path, a ":value", a function
// call, or (in update expressions only) a sum or difference.
type operand interface{ writeTo(b *strings.Builder) }

type pathOperand struct{ path docPath }

type valueOperand struct{ name string }

type callOperand struct {
	name string
	args []operand
}

// arithOperand is `left + right` or `left - right` in a SET action.
type arithOperand struct {
	minus       bool
	left, right operand
}

func (o *pathOperand) writeTo(b *strings.Builder)  { o.path.writeTo(b) }
func (o *valueOperand) writeTo(b *strings.Builder) { b.WriteString(o.name) }

func (o *callOperand) writeTo(b *strings.Builder) {
	b.WriteString(o.name)
	b.WriteByte('(')
	for i, a := range o.args {
		if i > 0 {
			b.WriteString(", ")
		}
		a.writeTo(b)
	}
	b.WriteByte(')')
}

func (o *arithOperand) writeTo(b *strings.Builder) {
	o.left.writeTo(b)
	if o.minus {
		b.WriteString(" - ")
	} else {
		b.WriteString(" + ")
	}
	o.right.writeTo(b)
}

// condNode is a node of a condition (or filter, or key condition) tree.
type condNode interface {
	// writeCond prints the node; minPrec is the binding strength the
	// context needs, so parentheses appear only where precedence demands.
	writeCond(b *strings.Builder, minPrec int)
}

// Binding strengths: OR < AND < NOT < everything else.
const (
	precOr = iota + 1
	precAnd
	precNot
	precAtom
)

type logicalCond struct {
	and         bool
	left, right condNode
}

type notCond struct{ x condNode }

type compareCond struct {
	op          tokKind
	left, right operand
}

type betweenCond struct{ x, lo, hi operand }

type inCond struct {
	x    operand
	list []operand
}

// funcCond is a boolean function used as a condition: attribute_exists,
// attribute_not_exists, attribute_type, begins_with or contains.
type funcCond struct{ call *callOperand }

func (n *logicalCond) writeCond(b *strings.Builder, minPrec int) {
	prec, kw := precOr, " OR "
	if n.and {
		prec, kw = precAnd, " AND "
	}
	if prec < minPrec {
		b.WriteByte('(')
	}
	// Left-associative: a right child of equal strength keeps its parentheses.
	n.left.writeCond(b, prec)
	b.WriteString(kw)
	n.right.writeCond(b, prec+1)
	if prec < minPrec {
		b.WriteByte(')')
	}
}

func (n *notCond) writeCond(b *strings.Builder, _ int) {
	b.WriteString("NOT ")
	n.x.writeCond(b, precNot)
}

func (n *compareCond) writeCond(b *strings.Builder, _ int) {
	n.left.writeTo(b)
	b.WriteByte(' ')
	b.WriteString(comparatorText(n.op))
	b.WriteByte(' ')
	n.right.writeTo(b)
}

func (n *betweenCond) writeCond(b *strings.Builder, _ int) {
	n.x.writeTo(b)
	b.WriteString(" BETWEEN ")
	n.lo.writeTo(b)
	b.WriteString(" AND ")
	n.hi.writeTo(b)
}

func (n *inCond) writeCond(b *strings.Builder, _ int) {
	n.x.writeTo(b)
	b.WriteString(" IN (")
	for i, o := range n.list {
		if i > 0 {
			b.WriteString(", ")
		}
		o.writeTo(b)
	}
	b.WriteByte(')')
}

func (n *funcCond) writeCond(b *strings.Builder, _ int) { n.call.writeTo(b) }

func comparatorText(k tokKind) string {
	switch k {
	case tokEQ:
		return "="
	case tokNE:
		return "<>"
	case tokLT:
		return "<"
	case tokLE:
		return "<="
	case tokGT:
		return ">"
	case tokGE:
		return ">="
	}
	return "?"
}

// actionKind is the clause an update action belongs to.
type actionKind uint8

const (
	actSet actionKind = iota
	actRemove
	actAdd
	actDelete
)

var actionNames = [...]string{"SET", "REMOVE", "ADD", "DELETE"}

// updateAction is one comma-separated item of an update clause. value is
// the right-hand side of SET, or the ":value" of ADD and DELETE; nil for
// REMOVE.
type updateAction struct {
	kind  actionKind
	path  docPath
	value operand
}

type updateClause struct {
	kind    actionKind
	actions []*updateAction
}
