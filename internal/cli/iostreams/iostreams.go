package iostreams

import (
	"bytes"
	"io"
	"os"
)

// IOStreams bundles the three standard streams with their terminal state.
type IOStreams struct {
	In     io.Reader
	Out    io.Writer
	ErrOut io.Writer

	stdoutTTY    bool
	stderrTTY    bool
	colorEnabled bool
}

// New wraps the given streams. A stream counts as a terminal only when it is
// an *os.File attached to a character device. Colour is on only when stdout
// is a terminal, NO_COLOR is unset or empty (https://no-color.org) and TERM
// is not "dumb". getenv may be nil (treated as an empty environment).
func New(in io.Reader, out, errOut io.Writer, getenv func(string) string) *IOStreams {
	if getenv == nil {
		getenv = func(string) string { return "" }
	}
	s := &IOStreams{
		In:        in,
		Out:       out,
		ErrOut:    errOut,
		stdoutTTY: isTerminal(out),
		stderrTTY: isTerminal(errOut),
	}
	s.colorEnabled = colorAllowed(s.stdoutTTY, getenv)
	return s
}

// colorAllowed is the colour policy: a terminal, no NO_COLOR, no dumb TERM.
func colorAllowed(stdoutTTY bool, getenv func(string) string) bool {
	return stdoutTTY && getenv("NO_COLOR") == "" && getenv("TERM") != "dumb"
}

// System wraps the process's stdin, stdout and stderr.
func System(getenv func(string) string) *IOStreams {
	return New(os.Stdin, os.Stdout, os.Stderr, getenv)
}

// Test returns streams backed by buffers (no terminal, no colour) and the
// three buffers, for tests that assert exact output.
func Test() (*IOStreams, *bytes.Buffer, *bytes.Buffer, *bytes.Buffer) {
	in, out, errOut := &bytes.Buffer{}, &bytes.Buffer{}, &bytes.Buffer{}
	return &IOStreams{In: in, Out: out, ErrOut: errOut}, in, out, errOut
}

// IsStdoutTTY reports whether Out is a terminal.
func (s *IOStreams) IsStdoutTTY() bool { return s.stdoutTTY }

// IsStderrTTY reports whether ErrOut is a terminal.
func (s *IOStreams) IsStderrTTY() bool { return s.stderrTTY }

// SetStdoutTTY overrides terminal detection for Out (tests, or callers that
// know better). It does not change the colour decision.
func (s *IOStreams) SetStdoutTTY(v bool) { s.stdoutTTY = v }

// SetStderrTTY overrides terminal detection for ErrOut.
func (s *IOStreams) SetStderrTTY(v bool) { s.stderrTTY = v }

// ColorEnabled reports whether output may contain ANSI colour codes.
func (s *IOStreams) ColorEnabled() bool { return s.colorEnabled }

// SetColorEnabled overrides the colour decision (tests of coloured output).
func (s *IOStreams) SetColorEnabled(v bool) { s.colorEnabled = v }

// ANSI SGR codes used by the helpers below.
const (
	sgrBold  = "1"
	sgrRed   = "31"
	sgrGreen = "32"
	sgrCyan  = "36"
)

func (s *IOStreams) paint(code, text string) string {
	if !s.colorEnabled {
		return text
	}
	return "\x1b[" + code + "m" + text + "\x1b[0m"
}

// Bold renders text bold when colour is enabled.
func (s *IOStreams) Bold(text string) string { return s.paint(sgrBold, text) }

// Green renders text green when colour is enabled (success marks).
func (s *IOStreams) Green(text string) string { return s.paint(sgrGreen, text) }

// Red renders text red when colour is enabled (failure marks).
func (s *IOStreams) Red(text string) string { return s.paint(sgrRed, text) }

// Cyan renders text cyan when colour is enabled (commands to type).
func (s *IOStreams) Cyan(text string) string { return s.paint(sgrCyan, text) }

// isTerminal reports whether w is a character device such as a terminal.
// A Stat-based check keeps this package free of x/term; pipes, regular files
// and buffers are all "not a terminal", which is what the callers need.
func isTerminal(w any) bool {
	f, ok := w.(*os.File)
	if !ok || f == nil {
		return false
	}
	fi, err := f.Stat()
	if err != nil {
		return false
	}
	if fi.Mode()&os.ModeCharDevice == 0 {
		return false
	}
	// /dev/null is a character device too, but output sent there is not
	// read by a person; treat it like a pipe.
	if null, err := os.Stat(os.DevNull); err == nil && os.SameFile(fi, null) {
		return false
	}
	return true
}
