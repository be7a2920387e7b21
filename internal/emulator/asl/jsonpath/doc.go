// Package jsonpath implements the data-flow half of the Amazon States
// Language's JSONPath query language: path evaluation (over
// github.com/ohler55/ojg/jp), the context object "$$", payload templates
// (Parameters, ItemSelector, ResultSelector with ".$" keys), ResultPath
// merging and the States.* intrinsic functions.
//
// Values are plain Go JSON values as decoded by ParseJSON: map[string]any,
// []any, string, bool, nil, int64 and float64. Failures are *Error values
// carrying the ASL error name (States.Runtime, States.ResultPathMatchFailure,
// States.IntrinsicFailure, ...) so the interpreter can raise them as-is.
//
// The package is pure: it must not import net/http, the AWS SDK, or the asl
// package that uses it.
package jsonpath
