package cli

import (
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/sfapi/sfapi/internal/cli/cmdutil"
	"github.com/sfapi/sfapi/internal/cli/iostreams"
)

// errNoSettings means a command asked for settings outside a normal run
// (the root's pre-run hook resolves them); it is a programming error.
var errNoSettings = errors.New("settings not resolved: the root command's pre-run hook has not run")

// NewFactory builds the production Factory. Dependencies:
//
//	Settings: set by the root's PersistentPreRunE for the running command
//	Config:   depends on Settings
//	Logger:   depends on Config and IOStreams (built once)
func NewFactory(ios *iostreams.IOStreams, getenv func(string) string) *cmdutil.Factory {
	f := &cmdutil.Factory{
		IOStreams: ios,
		Now:       time.Now,
		Getenv:    getenv,
	}
	f.Settings = func() (*cmdutil.Settings, error) { return nil, errNoSettings }
	f.Config = func() (*cmdutil.Config, error) {
		s, err := f.Settings()
		if err != nil {
			return nil, err
		}
		return s.Config()
	}
	f.Logger = sync.OnceValue(func() *slog.Logger {
		cfg, err := f.Config()
		if err != nil {
			// Config errors are reported by the pre-run hook; a logger is
			// still needed for whatever runs first, so use the defaults.
			cfg = nil
		}
		return cmdutil.NewLogger(ios.ErrOut, cfg)
	})
	return f
}
