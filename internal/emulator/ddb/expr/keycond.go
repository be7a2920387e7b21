package expr

import (
	"fmt"

	"github.com/sfapi/sfapi/internal/emulator/ddb/attr"
)

// ParseKeyCondition parses and resolves a KeyConditionExpression: exactly
// one equality on the partition key, optionally AND one sort-key condition
// (=, <, <=, >, >=, BETWEEN, begins_with). Which attribute is the partition
// key is checked by the caller against the key schema (see ForSchema); this
// returns the structure, with names resolved through p.Names and values
// through p.Values.
func ParseKeyCondition(src string, p *Placeholders) (*KeyCondition, error) {
	c, err := parseCondition(src, labelKey)
	if err != nil {
		return nil, err
	}
	v := validator{p: p, types: true, key: true}
	v.cond(c.root)
	if v.msg != "" {
		return nil, newError(labelKey, "%s", v.msg)
	}
	kc := keyCollector{p: p}
	if msg := kc.node(c.root); msg != "" {
		return nil, newError(labelKey, "%s", msg)
	}
	terms := kc.terms
	if len(terms) > 2 {
		return nil, &Error{Msg: fmt.Sprintf("The number of query conditions (%d) exceeds the number of key attributes defined in the schema (2)", len(terms))}
	}
	// The partition key condition is the equality; with two equalities the
	// first written is assumed until ForSchema says otherwise.
	part := -1
	for i, t := range terms {
		if t.op == SortEQ {
			part = i
			break
		}
	}
	if part < 0 {
		return nil, &Error{Msg: "Query key condition not supported"}
	}
	out := &KeyCondition{
		PartitionAttr:  terms[part].attr,
		PartitionValue: terms[part].values[0],
		Refs:           c.refs,
		cond:           c,
	}
	if len(terms) == 2 {
		s := terms[1-part]
		out.Sort = &SortCondition{Attr: s.attr, Op: s.op, Values: s.values}
	}
	return out, nil
}

// ForSchema checks the key condition against the key schema of the table
// or index being queried (rangeKey is "" when there is none) and, when both
// conditions are equalities written sort key first, swaps them. Errors use
// DynamoDB's wording.
func (k *KeyCondition) ForSchema(hashKey, rangeKey string) error {
	if k.PartitionAttr != hashKey && k.Sort != nil && k.Sort.Attr == hashKey {
		if k.Sort.Op != SortEQ {
			return &Error{Msg: "Query key condition not supported"}
		}
		oldAttr, oldVal := k.PartitionAttr, k.PartitionValue
		k.PartitionAttr, k.PartitionValue = k.Sort.Attr, k.Sort.Values[0]
		k.Sort = &SortCondition{Attr: oldAttr, Op: SortEQ, Values: []attr.Value{oldVal}}
	}
	if k.PartitionAttr != hashKey {
		return &Error{Msg: "Query condition missed key schema element: " + hashKey}
	}
	if k.Sort != nil && k.Sort.Attr != rangeKey {
		if rangeKey == "" {
			return &Error{Msg: "The number of query conditions (2) exceeds the number of key attributes defined in the schema (1)"}
		}
		return &Error{Msg: "Query condition missed key schema element: " + rangeKey}
	}
	return nil
}

// String prints the key condition in canonical form, with placeholders as
// written.
func (k *KeyCondition) String() string {
	if k.cond == nil {
		return ""
	}
	return k.cond.String()
}

type keyTerm struct {
	attr   string
	op     SortOp
	values []attr.Value
}

// keyCollector flattens a key condition into its AND-ed terms, rejecting
// every construct a key condition cannot use.
type keyCollector struct {
	p     *Placeholders
	terms []keyTerm
}

func invalidKeyOperator(op string) string {
	return "Invalid operator used in KeyConditionExpression: " + op
}

func (k *keyCollector) node(n condNode) string {
	switch n := n.(type) {
	case *logicalCond:
		if !n.and {
			return invalidKeyOperator("OR")
		}
		if m := k.node(n.left); m != "" {
			return m
		}
		return k.node(n.right)
	case *notCond:
		return invalidKeyOperator("NOT")
	case *inCond:
		return invalidKeyOperator("IN")
	case *compareCond:
		var op SortOp
		switch n.op {
		case tokEQ:
			op = SortEQ
		case tokLT:
			op = SortLT
		case tokLE:
			op = SortLE
		case tokGT:
			op = SortGT
		case tokGE:
			op = SortGE
		default:
			return invalidKeyOperator(comparatorText(n.op))
		}
		return k.term(op, []operand{n.left, n.right})
	case *betweenCond:
		if _, ok := n.x.(*pathOperand); !ok {
			return "Invalid condition in KeyConditionExpression: BETWEEN operator must have the key attribute as its first operand"
		}
		return k.term(SortBetween, []operand{n.x, n.lo, n.hi})
	case *funcCond:
		if n.call.name != "begins_with" {
			return invalidKeyOperator(n.call.name)
		}
		if _, ok := n.call.args[0].(*pathOperand); !ok {
			return "Invalid condition in KeyConditionExpression: begins_with operator must have the key attribute as its first operand"
		}
		return k.term(SortBeginsWith, n.call.args)
	}
	return "unsupported key condition"
}

// flipped is the operator with its operands swapped: ":v < k" is "k > :v".
var flipped = map[SortOp]SortOp{SortEQ: SortEQ, SortLT: SortGT, SortLE: SortGE, SortGT: SortLT, SortGE: SortLE}

func (k *keyCollector) term(op SortOp, args []operand) string {
	name, at := "", -1
	var values []attr.Value
	for i, a := range args {
		switch a := a.(type) {
		case *pathOperand:
			if at >= 0 {
				return "Invalid condition in KeyConditionExpression: Multiple attribute names used in one condition"
			}
			if len(a.path.elems) > 1 {
				return "KeyConditionExpressions cannot have conditions on nested attributes"
			}
			r, _ := a.path.resolve(k.p) // placeholders were validated
			name, at = r[0].name, i
		case *callOperand:
			return "KeyConditionExpressions cannot contain nested operations"
		case *valueOperand:
			v, _ := resolveValue(k.p, a.name)
			values = append(values, v)
		}
	}
	if at < 0 {
		return "Invalid condition in KeyConditionExpression: No key attribute specified"
	}
	for _, t := range k.terms {
		if t.attr == name {
			return "KeyConditionExpressions must only contain one condition per key"
		}
	}
	if at > 0 {
		op = flipped[op]
	}
	k.terms = append(k.terms, keyTerm{attr: name, op: op, values: values})
	return ""
}
