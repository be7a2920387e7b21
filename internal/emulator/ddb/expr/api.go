package expr

// This file fixes the package's public API, which the storage engine (ddb)
// and the wire layer (ddbapi) are written against. The implementation lives
// in lexer.go, parser.go, ast.go and eval.go.

import (
	"strings"
	"sync/atomic"

	"github.com/sfapi/sfapi/internal/emulator/ddb/attr"
)

// Placeholders carries a request's ExpressionAttributeNames ("#n" → name)
// and ExpressionAttributeValues (":v" → value).
type Placeholders struct {
	Names  map[string]string
	Values map[string]attr.Value
}

// Refs lists the placeholders one parsed expression refers to, so a request
// with several expressions can report unused placeholders as AWS does.
type Refs struct {
	Names  []string // "#n" tokens
	Values []string // ":v" tokens
	// Expr names the request parameter the expression came from
	// ("ConditionExpression", "UpdateExpression", ...). ValidatePlaceholders
	// uses it to prefix "not defined" errors as AWS does.
	Expr string

	seq []string // Names and Values interleaved in source order
}

// Error is a ValidationException-class error from parsing or evaluating an
// expression; Msg is AWS's wording where known, e.g.
// `Invalid ConditionExpression: Syntax error; token: "=", near: "a = = b"`.
type Error struct{ Msg string }

func (e *Error) Error() string { return e.Msg }

// SortOp is the operator of a key condition on the sort key.
type SortOp int

// Sort key operators allowed in a KeyConditionExpression.
const (
	SortEQ SortOp = iota + 1
	SortLT
	SortLE
	SortGT
	SortGE
	SortBetween
	SortBeginsWith
)

// KeyCondition is a resolved KeyConditionExpression: the partition key
// equality and an optional sort key condition. Attribute names are resolved
// through Placeholders.Names; values through Placeholders.Values.
//
// When both conditions are equalities the parser cannot tell which
// attribute is the partition key: the first one written is put in
// PartitionAttr. ForSchema settles it against the table's key schema.
type KeyCondition struct {
	PartitionAttr  string
	PartitionValue attr.Value
	Sort           *SortCondition
	Refs           Refs

	cond *Condition // the parsed expression, for String
}

// SortCondition is the sort key part of a KeyCondition. Values holds one
// operand, or two for SortBetween.
type SortCondition struct {
	Attr   string
	Op     SortOp
	Values []attr.Value
}

// Condition is a parsed ConditionExpression or FilterExpression.
type Condition struct {
	label string // "ConditionExpression" or "FilterExpression"
	root  condNode
	refs  Refs
	ok    atomic.Pointer[Placeholders] // last placeholders Validate accepted
}

// Update is a parsed UpdateExpression.
type Update struct {
	clauses []*updateClause
	refs    Refs
	ok      atomic.Pointer[Placeholders]
}

// Projection is a parsed ProjectionExpression.
type Projection struct {
	paths []docPath
	refs  Refs
	ok    atomic.Pointer[Placeholders]
}

const (
	labelCondition  = "ConditionExpression"
	labelFilter     = "FilterExpression"
	labelUpdate     = "UpdateExpression"
	labelProjection = "ProjectionExpression"
	labelKey        = "KeyConditionExpression"
)

// ParseCondition parses a ConditionExpression. Errors are *Error with AWS's
// wording and the "Invalid ConditionExpression: " prefix.
func ParseCondition(src string) (*Condition, error) {
	return conditions.get(src, func(src string) (*Condition, error) { return parseCondition(src, labelCondition) })
}

// ParseFilter parses a FilterExpression: the grammar of ParseCondition,
// with "Invalid FilterExpression: " errors.
func ParseFilter(src string) (*Condition, error) {
	return filters.get(src, func(src string) (*Condition, error) { return parseCondition(src, labelFilter) })
}

func parseCondition(src, label string) (*Condition, error) {
	p, perr := prepare(src, label, langCondition)
	if perr != nil {
		return nil, perr
	}
	root, _, serr := p.parseOr()
	if err := p.finish(serr); err != nil {
		return nil, err
	}
	return &Condition{label: label, root: root, refs: p.refs.build(label)}, nil
}

// Refs lists the placeholders the condition uses.
func (c *Condition) Refs() Refs { return c.refs }

// String prints the condition in canonical form: keywords upper-case,
// single spaces, parentheses only where precedence needs them.
func (c *Condition) String() string {
	var b strings.Builder
	c.root.writeCond(&b, 0)
	return b.String()
}

// ParseUpdate parses an UpdateExpression.
func ParseUpdate(src string) (*Update, error) { return updates.get(src, parseUpdate) }

func parseUpdate(src string) (*Update, error) {
	p, perr := prepare(src, labelUpdate, langUpdate)
	if perr != nil {
		return nil, perr
	}
	clauses, serr := p.parseUpdate()
	if err := p.finish(serr); err != nil {
		return nil, err
	}
	return &Update{clauses: clauses, refs: p.refs.build(labelUpdate)}, nil
}

// Refs lists the placeholders the update uses.
func (u *Update) Refs() Refs { return u.refs }

// String prints the update in canonical form, clauses in source order.
func (u *Update) String() string {
	var b strings.Builder
	for i, cl := range u.clauses {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(actionNames[cl.kind])
		for j, a := range cl.actions {
			if j > 0 {
				b.WriteByte(',')
			}
			b.WriteByte(' ')
			a.path.writeTo(&b)
			switch a.kind {
			case actSet:
				b.WriteString(" = ")
				a.value.writeTo(&b)
			case actAdd, actDelete:
				b.WriteByte(' ')
				a.value.writeTo(&b)
			}
		}
	}
	return b.String()
}

// Paths lists the top-level attributes the update writes, in source order
// without duplicates. A name written through a placeholder is listed as the
// placeholder ("#s"); use PathsWith to resolve it.
func (u *Update) Paths() []string { return u.PathsWith(nil) }

// PathsWith is Paths with "#n" placeholders resolved through p; names p does
// not define stay as written.
func (u *Update) PathsWith(p *Placeholders) []string {
	var out []string
	seen := map[string]bool{}
	for _, cl := range u.clauses {
		for _, a := range cl.actions {
			name := a.path.elems[0].name
			if r, ok := resolveName(p, name); ok {
				name = r
			}
			if !seen[name] {
				seen[name] = true
				out = append(out, name)
			}
		}
	}
	return out
}

// ParseProjection parses a ProjectionExpression.
func ParseProjection(src string) (*Projection, error) { return projections.get(src, parseProjection) }

func parseProjection(src string) (*Projection, error) {
	p, perr := prepare(src, labelProjection, langProjection)
	if perr != nil {
		return nil, perr
	}
	paths, serr := p.parseProjection()
	if err := p.finish(serr); err != nil {
		return nil, err
	}
	return &Projection{paths: paths, refs: p.refs.build(labelProjection)}, nil
}

// Refs lists the placeholders the projection uses.
func (pr *Projection) Refs() Refs { return pr.refs }

// String prints the projection in canonical form: "a, b.c, d[0]".
func (pr *Projection) String() string {
	var b strings.Builder
	for i, path := range pr.paths {
		if i > 0 {
			b.WriteString(", ")
		}
		path.writeTo(&b)
	}
	return b.String()
}

// refCollector records placeholder tokens in source order while parsing.
type refCollector struct{ seq []string }

func (r *refCollector) addName(n string)  { r.seq = append(r.seq, n) }
func (r *refCollector) addValue(v string) { r.seq = append(r.seq, v) }

func (r *refCollector) build(label string) Refs {
	refs := Refs{Expr: label}
	seen := make(map[string]bool, len(r.seq))
	for _, s := range r.seq {
		if seen[s] {
			continue
		}
		seen[s] = true
		refs.seq = append(refs.seq, s)
		if s[0] == '#' {
			refs.Names = append(refs.Names, s)
		} else {
			refs.Values = append(refs.Values, s)
		}
	}
	return refs
}

func resolveName(p *Placeholders, n string) (string, bool) {
	if len(n) == 0 || n[0] != '#' {
		return n, true
	}
	if p == nil {
		return "", false
	}
	r, ok := p.Names[n]
	return r, ok
}

func resolveValue(p *Placeholders, v string) (attr.Value, bool) {
	if p == nil {
		return attr.Value{}, false
	}
	r, ok := p.Values[v]
	return r, ok && !r.IsZero()
}
