package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/sfapi/sfapi/internal/cli/cmdutil"
	"github.com/sfapi/sfapi/internal/cli/iostreams"
	"github.com/sfapi/sfapi/internal/project"
)

// Exit codes of the sfapi binary; docs/exit-codes.md explains each.
const (
	ExitOK        = 0
	ExitError     = 1
	ExitUsage     = 2
	ExitCancelled = 130
)

// Main runs sfapi with the process's arguments, streams and environment,
// and returns the exit code. SIGINT and SIGTERM cancel the command's context.
func Main() int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	ios := iostreams.System(os.Getenv)
	return Run(ctx, os.Args[1:], ios, os.Getenv)
}

// MainArgs runs sfapi in-process with explicit arguments (without the
// program name), streams and environment ("KEY=VALUE" entries, like
// os.Environ), for tests and embedding. No signal handling is installed.
func MainArgs(args []string, stdin io.Reader, stdout, stderr io.Writer, env []string) int {
	getenv := EnvFunc(env)
	return Run(context.Background(), args, iostreams.New(stdin, stdout, stderr, getenv), getenv)
}

// EnvFunc turns an os.Environ-style slice into a getenv function; the last
// entry for a key wins, as in the shell.
func EnvFunc(env []string) func(string) string {
	m := make(map[string]string, len(env))
	for _, kv := range env {
		if k, v, ok := strings.Cut(kv, "="); ok {
			m[k] = v
		}
	}
	return func(k string) string { return m[k] }
}

// Run executes the root command under ctx and maps the outcome to an exit
// code, printing errors to ios.ErrOut.
func Run(ctx context.Context, args []string, ios *iostreams.IOStreams, getenv func(string) string) int {
	f := NewFactory(ios, getenv)
	root := NewCmdRoot(f)
	root.SetArgs(args)
	root.SetIn(ios.In)
	root.SetOut(ios.Out)
	root.SetErr(ios.ErrOut)
	cmd, err := root.ExecuteContextC(ctx)
	return ExitCode(ctx, err, cmd, ios.ErrOut)
}

// ExitCode is the single mapping from a command's error to the process exit
// code; it also prints what the user needs to see on w:
//
//	nil                                 → 0, nothing
//	cmdutil.SilentError                 → 1, nothing (the command reported it)
//	any error after ctx was cancelled   → 130, nothing (Ctrl-C / SIGTERM)
//	project.ErrorList / *project.Error  → 2, one "file:line:col: msg" line each
//	*cmdutil.FlagError, unknown command → 2, "Error: ..." + "Try: ..." or a --help pointer
//	anything else                       → 1, "Error: ..." + "Try: ..." when it has a hint
//
// cmd is the command that ran (may be nil).
func ExitCode(ctx context.Context, err error, cmd *cobra.Command, w io.Writer) int {
	if err == nil {
		return ExitOK
	}
	if errors.Is(err, cmdutil.SilentError) {
		return ExitError
	}
	if ee := (*cmdutil.ExitError)(nil); errors.As(err, &ee) {
		return ee.Code // a child's code wins, even after Ctrl-C reached it
	}
	if ctx.Err() != nil {
		// The command stopped because the user interrupted it; whatever it
		// returned is a consequence, and the shell already shows ^C.
		return ExitCancelled
	}

	var list project.ErrorList
	if errors.As(err, &list) {
		for _, e := range list {
			fmt.Fprintln(w, e.Error())
		}
		return ExitUsage
	}
	var perr *project.Error
	if errors.As(err, &perr) {
		fmt.Fprintln(w, perr.Error())
		return ExitUsage
	}

	hint := cmdutil.HintOf(err)
	var flagErr *cmdutil.FlagError
	if errors.As(err, &flagErr) || isUnknownCommand(err) {
		fmt.Fprintf(w, "Error: %s\n", err)
		switch {
		case hint != "":
			fmt.Fprintf(w, "Try: %s\n", hint)
		case cmd != nil:
			fmt.Fprintf(w, "Run '%s --help' for usage.\n", cmd.CommandPath())
		}
		return ExitUsage
	}

	fmt.Fprintf(w, "Error: %s\n", err)
	if hint != "" {
		fmt.Fprintf(w, "Try: %s\n", hint)
	}
	return ExitError
}

// isUnknownCommand recognises cobra's error for a mistyped subcommand,
// which is a plain error (cobra has no type for it; gh matches the same
// prefix).
func isUnknownCommand(err error) bool {
	return strings.HasPrefix(err.Error(), "unknown command ")
}
