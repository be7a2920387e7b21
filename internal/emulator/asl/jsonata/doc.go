// Package jsonata evaluates the JSONata expressions of Step Functions
// state machines whose QueryLanguage is JSONata: single expressions
// (Compile/Eval) and JSON templates whose string values of the form
// "{% expression %}" are evaluated wherever they are nested
// (CompileTemplate/Apply). It adds the functions AWS provides on top of
// JSONata ($partition, $range, $hash, $random, $uuid, $parse) and bounds
// every evaluation in depth, steps and time, so that no expression can
// crash or hang the engine.
//
// The evaluator is a vendored copy of github.com/blues/jsonata-go v1.5.4
// (MIT, see internal/engine/LICENSE), patched only to carry a per-call
// budget and per-call variables; this package is the only one that may
// import it. Failures are *Error values, which the interpreter raises as
// States.QueryEvaluationError.
//
// jsonata is a core package: it must not import net/http, the AWS SDK,
// cobra, viper or the asl interpreter itself.
package jsonata
