// Package mapping is API Gateway's mapping-template language: the Apache
// Velocity 1.7 dialect (VTL) that REST APIs run in integration request and
// response templates, with API Gateway's $input, $util, $context and
// $stageVariables.
//
// It owns the whole language: lexer.go (text, references, directives and
// whitespace gobbling), parser.go (expressions and block nesting), ast.go,
// eval.go (the renderer), methods.go (the Java-like methods templates call
// on strings, maps, lists and numbers), apigw.go (the API Gateway surface)
// and json.go/values.go (runtime values, JSON in and out). The accepted
// grammar, the supported surface and every known deviation from API Gateway
// are written down in docs/vtl.md.
//
// Usage: parse once, render per request; a *Template is safe for
// concurrent Render calls.
//
//	t, err := mapping.Parse("POST /jobs request", src)
//	res, err := t.Render(mapping.Input{Body: body, Params: params, Context: ctx})
//	// res.Output, res.StatusOverride, res.HeaderOverrides, res.RequestOverrides
//
// Rendering is bounded (Limits): loop iterations, output size, nesting and
// total work; exceeding a bound is an error wrapping ErrLimit, never a hang.
// Errors carry "name:line:col: message".
//
// This package imports only the standard library and ohler55/ojg (for
// JSONPath). It must not import net/http, the AWS SDK, cobra, viper, or any
// other sfapi package: apigw maps HTTP requests onto Input and Result.
package mapping
