package expr

import (
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"

	"github.com/sfapi/sfapi/internal/emulator/ddb/attr"
)

// step is one element of a path whose placeholders have been resolved.
type step struct {
	name    string
	index   int
	isIndex bool
}

type resolvedPath []step

// String renders the path as DynamoDB does in overlap errors: [a, b, [0]].
func (r resolvedPath) String() string {
	var b strings.Builder
	b.WriteByte('[')
	for i, s := range r {
		if i > 0 {
			b.WriteString(", ")
		}
		if s.isIndex {
			b.WriteString("[" + strconv.Itoa(s.index) + "]")
		} else {
			b.WriteString(s.name)
		}
	}
	b.WriteByte(']')
	return b.String()
}

func (r resolvedPath) equal(o resolvedPath) bool {
	if len(r) != len(o) {
		return false
	}
	for i := range r {
		if r[i] != o[i] {
			return false
		}
	}
	return true
}

// resolve substitutes the path's #placeholders. undefined is the first
// placeholder p does not define, or "".
func (d docPath) resolve(p *Placeholders) (r resolvedPath, undefined string) {
	r = make(resolvedPath, len(d.elems))
	for i, e := range d.elems {
		if e.isIndex {
			r[i] = step{index: e.index, isIndex: true}
			continue
		}
		name, ok := resolveName(p, e.name)
		if !ok {
			return nil, e.name
		}
		r[i] = step{name: name}
	}
	return r, ""
}

func undefinedName(n string) string {
	return "An expression attribute name used in the document path is not defined; attribute name: " + n
}

func undefinedValue(v string) string {
	return "An expression attribute value used in expression is not defined; attribute value: " + v
}

func incorrectOperand(fn string, t attr.Type) string {
	return fmt.Sprintf("Incorrect operand type for operator or function; operator or function: %s, operand type: %s", fn, t)
}

// validator walks a parsed expression with the request's placeholders and
// records the first problem DynamoDB would report.
type validator struct {
	p     *Placeholders
	msg   string
	types bool // also check operand types (off for the definedness pass of updates)
	key   bool // KeyConditionExpression: ordering operands must be S, N or B
}

func (v *validator) fail(format string, args ...any) {
	if v.msg == "" {
		v.msg = fmt.Sprintf(format, args...)
	}
}

func (v *validator) path(d docPath) {
	for _, e := range d.elems {
		if e.isPlaceholder() {
			if _, ok := resolveName(v.p, e.name); !ok {
				v.fail("%s", undefinedName(e.name))
				return
			}
		}
	}
}

func (v *validator) cond(n condNode) {
	if v.msg != "" {
		return
	}
	switch n := n.(type) {
	case *logicalCond:
		v.cond(n.left)
		v.cond(n.right)
	case *notCond:
		v.cond(n.x)
	case *compareCond:
		v.operand(n.left)
		v.operand(n.right)
		op := comparatorText(n.op)
		v.distinct(op, n.left, n.right)
		if v.key && n.op != tokEQ && n.op != tokNE {
			v.keyOperands(op, n.left, n.right)
		}
	case *betweenCond:
		v.operand(n.x)
		v.operand(n.lo)
		v.operand(n.hi)
		if v.key {
			v.keyOperands("BETWEEN", n.lo, n.hi)
		}
		v.between(n.lo, n.hi)
	case *inCond:
		v.operand(n.x)
		for _, o := range n.list {
			v.operand(o)
		}
	case *funcCond:
		v.operand(n.call)
	}
}

func (v *validator) operand(o operand) {
	if v.msg != "" {
		return
	}
	switch o := o.(type) {
	case *pathOperand:
		v.path(o.path)
	case *valueOperand:
		if _, ok := resolveValue(v.p, o.name); !ok {
			v.fail("%s", undefinedValue(o.name))
		}
	case *callOperand:
		for _, a := range o.args {
			v.operand(a)
		}
		if v.types && v.msg == "" {
			v.call(o)
		}
	case *arithOperand:
		v.operand(o.left)
		v.operand(o.right)
		if v.types && v.msg == "" {
			fn := "+"
			if o.minus {
				fn = "-"
			}
			for _, a := range []operand{o.left, o.right} {
				if t, ok := v.immediateType(a); ok && t != attr.TypeN {
					v.fail("%s", incorrectOperand(fn, t))
				}
			}
		}
	}
}

// call checks a function's operand types where they are known before
// evaluation: values, and the results of size, list_append and arithmetic.
func (v *validator) call(c *callOperand) {
	if len(c.args) == 2 {
		v.distinct(c.name, c.args[0], c.args[1])
	}
	switch c.name {
	case "begins_with":
		for _, a := range c.args {
			if t, ok := v.staticType(a); ok && t != attr.TypeS && t != attr.TypeB {
				v.fail("%s", incorrectOperand(c.name, t))
			}
		}
	case "attribute_type":
		t, ok := v.staticType(c.args[1])
		if !ok || t != attr.TypeS {
			name := "{NS,SS,L,BS,N,M,B,BOOL,NULL,S}"
			if ok {
				name = t.String()
			}
			v.fail("Incorrect operand type for operator or function; operator or function: %s, operand type: %s", c.name, name)
			return
		}
		if val, isVal := v.valueOf(c.args[1]); isVal {
			if _, valid := attr.ParseType(val.S); !valid {
				v.fail("Invalid attribute type name found; type: %s, valid types: {B,NULL,SS,BOOL,L,BS,N,NS,S,M}", val.S)
			}
		}
	case "size":
		if t, ok := v.staticType(c.args[0]); ok && (t == attr.TypeN || t == attr.TypeBOOL || t == attr.TypeNULL) {
			v.fail("%s", incorrectOperand(c.name, t))
		}
	case "list_append":
		for _, a := range c.args {
			if t, ok := v.immediateType(a); ok && t != attr.TypeL {
				v.fail("%s", incorrectOperand(c.name, t))
			}
		}
	}
}

// distinct rejects `a = a`, `contains(#x, #x)` and the like: DynamoDB
// requires the first operand to differ from the others when both are paths.
func (v *validator) distinct(op string, a, b operand) {
	pa, okA := a.(*pathOperand)
	pb, okB := b.(*pathOperand)
	if !okA || !okB || v.msg != "" {
		return
	}
	ra, ua := pa.path.resolve(v.p)
	rb, ub := pb.path.resolve(v.p)
	if ua != "" || ub != "" || !ra.equal(rb) {
		return
	}
	v.fail("The first operand must be distinct from the remaining operands for this operator or function; operator: %s, first operand: %s", op, ra)
}

// between checks literal bounds: same type, lower <= upper.
func (v *validator) between(lo, hi operand) {
	l, okL := v.valueOf(lo)
	h, okH := v.valueOf(hi)
	if !okL || !okH || v.msg != "" {
		return
	}
	if l.Type != h.Type {
		v.fail("The BETWEEN operator requires same data type for lower and upper bounds; lower bound operand: AttributeValue: %s, upper bound operand: AttributeValue: %s", formatAV(l), formatAV(h))
		return
	}
	if c, ok := attr.Compare(l, h); ok && c > 0 {
		v.fail("The BETWEEN operator requires upper bound to be greater than or equal to lower bound; lower bound operand: AttributeValue: %s, upper bound operand: AttributeValue: %s", formatAV(l), formatAV(h))
	}
}

// keyOperands rejects value types no key attribute can have in an ordering
// key condition (BOOL, NULL, documents, sets).
func (v *validator) keyOperands(op string, ops ...operand) {
	for _, o := range ops {
		if val, ok := v.valueOf(o); ok {
			switch val.Type {
			case attr.TypeS, attr.TypeN, attr.TypeB:
			default:
				v.fail("%s", incorrectOperand(op, val.Type))
			}
		}
	}
}

func (v *validator) valueOf(o operand) (attr.Value, bool) {
	if vo, ok := o.(*valueOperand); ok {
		return resolveValue(v.p, vo.name)
	}
	return attr.Value{}, false
}

// immediateType is the type of a literal value operand.
func (v *validator) immediateType(o operand) (attr.Type, bool) {
	val, ok := v.valueOf(o)
	return val.Type, ok
}

// staticType is the type of an operand known before evaluation: a value's,
// or a function's result type.
func (v *validator) staticType(o operand) (attr.Type, bool) {
	switch o := o.(type) {
	case *valueOperand:
		return v.immediateType(o)
	case *arithOperand:
		return attr.TypeN, true
	case *callOperand:
		switch o.name {
		case "size":
			return attr.TypeN, true
		case "list_append":
			return attr.TypeL, true
		case "if_not_exists":
			if len(o.args) == 2 {
				return v.staticType(o.args[1])
			}
		}
	}
	return attr.TypeInvalid, false
}

// formatAV renders a value the way DynamoDB quotes BETWEEN bounds: {N:10}.
func formatAV(v attr.Value) string {
	switch v.Type {
	case attr.TypeS, attr.TypeN:
		return "{" + v.Type.String() + ":" + v.S + "}"
	case attr.TypeB:
		return "{B:" + base64.StdEncoding.EncodeToString(v.B) + "}"
	case attr.TypeBOOL:
		return "{BOOL:" + strconv.FormatBool(v.Bool) + "}"
	case attr.TypeNULL:
		return "{NULL:true}"
	}
	b, err := v.MarshalJSON()
	if err != nil {
		return "{" + v.Type.String() + "}"
	}
	return strings.ReplaceAll(string(b), `"`, "")
}

// overlapMessage reports the first pair of paths that overlap (one is a
// prefix of the other) or, failing that, conflict (one indexes a list where
// the other names a map key).
func overlapMessage(paths []resolvedPath) string {
	var overlap, conflict string
	for j := range paths {
		for i := 0; i < j; i++ {
			a, b := paths[i], paths[j]
			n := min(len(a), len(b))
			k := 0
			for ; k < n; k++ {
				if a[k].isIndex != b[k].isIndex {
					if conflict == "" {
						conflict = fmt.Sprintf("Two document paths conflict with each other; must remove or rewrite one of these paths; path one: %s, path two: %s", a, b)
					}
					break
				}
				if a[k] != b[k] {
					break
				}
			}
			if k == n && overlap == "" {
				overlap = fmt.Sprintf("Two document paths overlap with each other; must remove or rewrite one of these paths; path one: %s, path two: %s", a, b)
			}
		}
	}
	if overlap != "" {
		return overlap
	}
	return conflict
}

// ---- Validate methods ------------------------------------------------------

// Validate checks the condition against the request's placeholders: every
// placeholder defined, operand types that are wrong before evaluation,
// BETWEEN bounds in order. Eval calls it; the result is cached for the
// last Placeholders accepted.
func (c *Condition) Validate(p *Placeholders) error {
	if p != nil && c.ok.Load() == p {
		return nil
	}
	v := validator{p: p, types: true}
	v.cond(c.root)
	if v.msg != "" {
		return newError(c.label, "%s", v.msg)
	}
	if p != nil {
		c.ok.Store(p)
	}
	return nil
}

// Validate checks the update against the request's placeholders: every
// placeholder defined, no overlapping paths, ADD and DELETE operands of
// the right type, literal operands of +, - and list_append of the right
// type. Apply calls it.
func (u *Update) Validate(p *Placeholders) error {
	if p != nil && u.ok.Load() == p {
		return nil
	}
	if msg := u.validate(p); msg != "" {
		return newError(labelUpdate, "%s", msg)
	}
	if p != nil {
		u.ok.Store(p)
	}
	return nil
}

func (u *Update) validate(p *Placeholders) string {
	v := validator{p: p}
	var paths []resolvedPath
	for _, cl := range u.clauses {
		for _, a := range cl.actions {
			v.path(a.path)
			if a.value != nil {
				v.operand(a.value)
			}
			if v.msg != "" {
				return v.msg
			}
			r, _ := a.path.resolve(p)
			paths = append(paths, r)
		}
	}
	if msg := overlapMessage(paths); msg != "" {
		return msg
	}
	for _, cl := range u.clauses {
		if cl.kind != actAdd && cl.kind != actDelete {
			continue
		}
		for _, a := range cl.actions {
			val, _ := v.valueOf(a.value)
			switch val.Type {
			case attr.TypeSS, attr.TypeNS, attr.TypeBS:
				continue
			case attr.TypeN:
				if cl.kind == actAdd {
					continue
				}
			}
			return fmt.Sprintf("Incorrect operand type for operator or function; operator: %s, operand type: %s", actionNames[cl.kind], longTypeName(val.Type))
		}
	}
	v.types = true
	for _, cl := range u.clauses {
		for _, a := range cl.actions {
			if cl.kind == actSet {
				v.operand(a.value)
			}
		}
	}
	return v.msg
}

// longTypeName is the spelling DynamoDB uses for ADD and DELETE operand
// type errors.
func longTypeName(t attr.Type) string {
	switch t {
	case attr.TypeS:
		return "STRING"
	case attr.TypeN:
		return "NUMBER"
	case attr.TypeB:
		return "BINARY"
	case attr.TypeBOOL:
		return "BOOLEAN"
	case attr.TypeNULL:
		return "NULL"
	case attr.TypeL:
		return "LIST"
	case attr.TypeM:
		return "MAP"
	}
	return t.String()
}

// Validate checks the projection against the request's placeholders: every
// placeholder defined and no overlapping paths. Apply calls it.
func (pr *Projection) Validate(p *Placeholders) error {
	if p != nil && pr.ok.Load() == p {
		return nil
	}
	v := validator{p: p}
	paths := make([]resolvedPath, 0, len(pr.paths))
	for _, d := range pr.paths {
		v.path(d)
		if v.msg != "" {
			return newError(labelProjection, "%s", v.msg)
		}
		r, _ := d.resolve(p)
		paths = append(paths, r)
	}
	if msg := overlapMessage(paths); msg != "" {
		return newError(labelProjection, "%s", msg)
	}
	if p != nil {
		pr.ok.Store(p)
	}
	return nil
}
