package jsonata

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/sfapi/sfapi/internal/emulator/asl/jsonata/internal/engine"
	"github.com/sfapi/sfapi/internal/emulator/asl/jsonpath"
)

// ErrorName is the ASL error raised for JSONata evaluation failures.
const ErrorName = "States.QueryEvaluationError"

// Limits of one evaluation. A recursion deeper than MaxDepth, more than
// MaxSteps evaluation steps or longer than Timeout fails the evaluation.
const (
	MaxDepth     = 500
	MaxSteps     = 2_000_000
	Timeout      = 2 * time.Second
	maxSourceLen = 64 << 10
	maxNesting   = 100 // brackets in the source: bounds the parser's recursion
)

// Error is a JSONata compile or evaluation failure; Cause is the message
// shown as the failure's cause.
type Error struct {
	Cause string
}

func (e *Error) Error() string { return e.Cause }

// Expr is a compiled JSONata expression. It is safe for concurrent use.
type Expr struct {
	src string
	e   *engine.Expr
}

// Compile parses a JSONata expression (the text between "{%" and "%}").
func Compile(src string) (*Expr, error) {
	if len(src) > maxSourceLen {
		return nil, &Error{Cause: fmt.Sprintf("The JSONata expression is longer than %d characters", maxSourceLen)}
	}
	if nestingDepth(src) > maxNesting {
		return nil, &Error{Cause: fmt.Sprintf("The JSONata expression nests more than %d brackets", maxNesting)}
	}
	if strings.TrimSpace(src) == "" {
		return nil, &Error{Cause: "The JSONata expression is empty"}
	}
	e, err := safeCompile(src)
	if err != nil {
		return nil, &Error{Cause: err.Error()}
	}
	return &Expr{src: src, e: e}, nil
}

func safeCompile(src string) (e *engine.Expr, err error) {
	defer func() {
		if r := recover(); r != nil {
			e, err = nil, fmt.Errorf("invalid JSONata expression: %v", r)
		}
	}()
	return engine.Compile(src)
}

// nestingDepth is the maximum bracket nesting outside string literals.
func nestingDepth(s string) int {
	depth, maxD := 0, 0
	var quote byte
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case quote != 0:
			if c == '\\' {
				i++
			} else if c == quote {
				quote = 0
			}
		case c == '"' || c == '\'':
			quote = c
		case c == '(' || c == '[' || c == '{':
			depth++
			maxD = max(maxD, depth)
		case c == ')' || c == ']' || c == '}':
			depth--
		}
	}
	return maxD
}

// String returns the expression as written.
func (x *Expr) String() string { return x.src }

// Undefined reports an evaluation whose result is JSONata's undefined
// (no value), as opposed to null.
var Undefined = errors.New("undefined result")

// Eval evaluates the expression with the given variables (names without
// the leading "$"). The context value "$" is input. The result is a plain
// JSON value (maps, slices, strings, int64/float64, bools, nil). It returns
// Undefined when the expression produces no value and an *Error when it
// fails.
func (x *Expr) Eval(input any, vars map[string]any) (out any, err error) {
	defer func() {
		if r := recover(); r != nil {
			out, err = nil, &Error{Cause: fmt.Sprintf("The JSONata expression '%s' failed: %v", x.src, r)}
		}
	}()
	b := &engine.Budget{MaxDepth: MaxDepth, MaxSteps: MaxSteps, Deadline: time.Now().Add(Timeout)}
	v, err := x.e.EvalWith(input, vars, b)
	if errors.Is(err, engine.ErrUndefined) {
		return nil, Undefined
	}
	if err != nil {
		return nil, &Error{Cause: err.Error()}
	}
	// A round trip through JSON turns the evaluator's values (float64
	// numbers, typed nulls, functions) into the engine's plain values.
	raw, err := jsonpath.Marshal(v)
	if err != nil {
		return nil, &Error{Cause: fmt.Sprintf("The JSONata expression '%s' returned a value that is not JSON: %v", x.src, err)}
	}
	res, err := jsonpath.ParseJSON(raw)
	if err != nil {
		return nil, &Error{Cause: fmt.Sprintf("The JSONata expression '%s' returned a value that is not JSON: %v", x.src, err)}
	}
	return res, nil
}

// IsExpression reports whether s is a JSONata expression string
// "{% ... %}" and returns the expression between the delimiters.
func IsExpression(s string) (string, bool) {
	if len(s) >= 4 && strings.HasPrefix(s, "{%") && strings.HasSuffix(s, "%}") {
		return s[2 : len(s)-2], true
	}
	return "", false
}
