package expr

// This file fixes the package's public API, which the storage engine (ddb)
// and the wire layer (ddbapi) are written against. The implementation lives
// in lexer.go, parser.go, ast.go and eval.go.

import "github.com/sfapi/sfapi/internal/emulator/ddb/attr"

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
type KeyCondition struct {
	PartitionAttr  string
	PartitionValue attr.Value
	Sort           *SortCondition
	Refs           Refs
}

// SortCondition is the sort key part of a KeyCondition. Values holds one
// operand, or two for SortBetween.
type SortCondition struct {
	Attr   string
	Op     SortOp
	Values []attr.Value
}
