package engine

import (
	"errors"
	"time"
)

// This file is an sfapi addition to the vendored evaluator: it bounds one
// evaluation so that hostile expressions (unbounded recursion, huge
// iterations) fail with an error instead of overflowing the goroutine
// stack — which Go cannot recover from — or running forever.

// ErrBudget is returned (wrapped) when an evaluation exceeds its Budget.
var ErrBudget = errors.New("evaluation limit exceeded")

// Budget limits one evaluation: the nesting depth of evaluation (which
// grows with recursive function calls), the number of evaluation steps,
// and the wall-clock time.
type Budget struct {
	MaxDepth int
	MaxSteps int
	Deadline time.Time

	depth, steps int
}

// BudgetError says which limit was hit.
type BudgetError struct{ What string }

func (e *BudgetError) Error() string { return e.What }

func (e *BudgetError) Unwrap() error { return ErrBudget }

func (b *Budget) enter() error {
	b.depth++
	b.steps++
	if b.MaxDepth > 0 && b.depth > b.MaxDepth {
		return &BudgetError{"Stack overflow error: Check for non-terminating recursive function.  Consider rewriting as tail-recursive."}
	}
	if b.MaxSteps > 0 && b.steps > b.MaxSteps {
		return &BudgetError{"Expression evaluation exceeded the step limit"}
	}
	if !b.Deadline.IsZero() && time.Now().After(b.Deadline) {
		return &BudgetError{"Expression evaluation timeout: Check for infinite loop"}
	}
	return nil
}

func (b *Budget) leave() { b.depth-- }
