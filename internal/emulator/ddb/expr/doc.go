// Package expr owns DynamoDB's expression languages: condition and filter
// expressions, update expressions, projection expressions and key condition
// expressions — lexer, parser, AST and evaluator over attr values.
//
// It knows nothing of tables, storage or the wire: callers hand it strings,
// placeholders and items. It imports only the standard library and attr.
// The grammar is written down in docs/expr-grammar.md.
package expr
