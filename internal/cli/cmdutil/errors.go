package cmdutil

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"
)

// FlagError is a usage mistake: a bad flag, a bad argument count, an invalid
// setting. cli.Main prints it with a pointer to --help and exits 2.
type FlagError struct {
	err error
}

func (e *FlagError) Error() string { return e.err.Error() }
func (e *FlagError) Unwrap() error { return e.err }

// FlagErrorf returns a *FlagError with a formatted message.
func FlagErrorf(format string, args ...any) error {
	return &FlagError{err: fmt.Errorf(format, args...)}
}

// FlagErrorWrap marks err as a usage error. A nil err stays nil.
func FlagErrorWrap(err error) error {
	if err == nil {
		return nil
	}
	return &FlagError{err: err}
}

// SilentError tells cli.Main to exit 1 without printing anything, for
// commands that already reported the failure themselves.
var SilentError = errors.New("SilentError")

// HintError carries a suggestion printed after the error as "Try: <Hint>".
type HintError struct {
	Err  error
	Hint string
}

func (e *HintError) Error() string { return e.Err.Error() }
func (e *HintError) Unwrap() error { return e.Err }

// WithHint attaches a "Try: ..." hint to err. A nil err stays nil.
func WithHint(err error, hint string) error {
	if err == nil {
		return nil
	}
	return &HintError{Err: err, Hint: hint}
}

// HintOf returns the hint of the outermost HintError in err's chain, or "".
func HintOf(err error) string {
	var h *HintError
	if errors.As(err, &h) {
		return h.Hint
	}
	return ""
}

// MaximumArgs is cobra.MaximumNArgs returning a FlagError, so too many
// positional arguments exit 2 like any other usage mistake.
func MaximumArgs(n int) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) > n {
			return FlagErrorf("%s accepts at most %d argument(s), received %d: %q", cmd.CommandPath(), n, len(args), args)
		}
		return nil
	}
}

// NoArgs rejects any positional argument with a FlagError.
func NoArgs(cmd *cobra.Command, args []string) error {
	if len(args) > 0 {
		return FlagErrorf("%s takes no arguments, received %q", cmd.CommandPath(), args)
	}
	return nil
}
