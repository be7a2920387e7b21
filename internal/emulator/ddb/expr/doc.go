// Package expr owns DynamoDB's expression languages: condition and filter
// expressions, update expressions, projection expressions and key condition
// expressions — lexer, parser, AST and evaluator over attr values — plus the
// request-level placeholder checks (ValidatePlaceholders), all reporting
// errors in AWS's wording as *Error.
//
// It knows nothing of tables, storage or the wire: callers hand it strings,
// placeholders and items. It imports only the standard library and attr;
// it must not import ddb, ddbapi, net/http or the AWS SDK.
//
// Layout: token.go and lexer.go (tokens), reserved.go (DynamoDB's reserved
// words), parser.go (one recursive-descent parser for all four languages,
// static checks), ast.go (nodes and canonical printing), validate.go
// (checks that need the request's placeholders), eval.go (conditions),
// update.go, projection.go, keycond.go, placeholders.go. The grammar and the
// error catalogue are written down in docs/expr-grammar.md.
package expr
