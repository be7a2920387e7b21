package mapping

// Template nodes. Every node and expression keeps the byte offset where it
// starts so render errors can say line:col.

type node interface{ nodePos() int }

// textNode is literal output.
type textNode struct {
	pos  int
	text string
}

// refNode prints a reference. escapes is the number of backslashes written
// directly before the '$' (Velocity's \$x escaping).
type refNode struct {
	ref     *refExpr
	escapes int
}

// setNode is #set($lhs = rhs).
type setNode struct {
	pos int
	lhs *refExpr
	rhs expr
}

// ifNode is #if/#elseif/#else/#end: blocks[i] runs when conds[i] is the
// first truthy condition; elseBlock runs when none is.
type ifNode struct {
	pos       int
	conds     []expr
	blocks    [][]node
	elseBlock []node
}

// foreachNode is #foreach($varName in iter) body #end.
type foreachNode struct {
	pos     int
	varName string
	iter    expr
	body    []node
}

// breakNode is #break, stopNode is #stop.
type breakNode struct{ pos int }
type stopNode struct{ pos int }

// defineNode is #define($name) body #end.
type defineNode struct {
	pos  int
	name string
	body []node
}

// macroDef is a #macro definition; macros are bound at parse time.
type macroDef struct {
	pos    int
	name   string
	params []string
	body   []node
}

// macroCallNode is #name(args...).
type macroCallNode struct {
	pos  int
	def  *macroDef
	args []expr
}

func (n *textNode) nodePos() int      { return n.pos }
func (n *refNode) nodePos() int       { return n.ref.pos }
func (n *setNode) nodePos() int       { return n.pos }
func (n *ifNode) nodePos() int        { return n.pos }
func (n *foreachNode) nodePos() int   { return n.pos }
func (n *breakNode) nodePos() int     { return n.pos }
func (n *stopNode) nodePos() int      { return n.pos }
func (n *defineNode) nodePos() int    { return n.pos }
func (n *macroCallNode) nodePos() int { return n.pos }

// Expressions.

type expr interface{ exprPos() int }

type modKind uint8

const (
	modProp modKind = iota
	modMethod
	modIndex
)

// modifier is one step after a reference's root name: .prop, .method(args)
// or [index].
type modifier struct {
	kind modKind
	pos  int
	name string
	args []expr
}

// refExpr is $name followed by modifiers. text is the source as written,
// printed for null references in LiteralNulls mode.
type refExpr struct {
	pos   int
	name  string
	quiet bool
	mods  []modifier
	text  string
}

// litExpr is a constant: nil, bool, int64, float64 or string.
type litExpr struct {
	pos int
	val any
}

// interpExpr is a double-quoted string with references or directives.
type interpExpr struct {
	pos   int
	nodes []node
}

type listExpr struct {
	pos   int
	elems []expr
}

type rangeExpr struct {
	pos    int
	lo, hi expr
}

type mapExpr struct {
	pos        int
	keys, vals []expr
}

type binOp uint8

const (
	opOr binOp = iota
	opAnd
	opEq
	opNe
	opLt
	opLe
	opGt
	opGe
	opAdd
	opSub
	opMul
	opDiv
	opMod
)

type binaryExpr struct {
	pos  int
	op   binOp
	l, r expr
}

type unaryExpr struct {
	pos int
	neg bool // true: arithmetic minus; false: logical not
	x   expr
}

func (e *refExpr) exprPos() int    { return e.pos }
func (e *litExpr) exprPos() int    { return e.pos }
func (e *interpExpr) exprPos() int { return e.pos }
func (e *listExpr) exprPos() int   { return e.pos }
func (e *rangeExpr) exprPos() int  { return e.pos }
func (e *mapExpr) exprPos() int    { return e.pos }
func (e *binaryExpr) exprPos() int { return e.pos }
func (e *unaryExpr) exprPos() int  { return e.pos }
