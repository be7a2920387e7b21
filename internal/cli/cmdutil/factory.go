package cmdutil

import (
	"log/slog"
	"time"

	"github.com/sfapi/sfapi/internal/cli/iostreams"
)

// Factory hands each command its dependencies. The function fields are
// lazy: nothing is built until a command asks, so `sfapi --help` and
// `sfapi init` never read config they do not need. Tests build a Factory by
// hand with iostreams.Test() and fixed funcs.
type Factory struct {
	IOStreams *iostreams.IOStreams

	// Logger returns the diagnostics logger (slog on ErrOut, level and
	// format from --log-level/--log-format). Depends on Config.
	Logger func() *slog.Logger

	// Config returns the validated tool configuration of this invocation.
	// Depends on Settings.
	Config func() (*Config, error)

	// Settings returns the resolved flags of the running command, with
	// where each value came from. Available once the root command's
	// pre-run hook has resolved them.
	Settings func() (*Settings, error)

	// Now is the clock; tests pin it.
	Now func() time.Time

	// Getenv reads the invocation's environment; commands never call
	// os.Getenv themselves.
	Getenv func(string) string
}
