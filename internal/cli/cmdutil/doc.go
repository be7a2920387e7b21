// Package cmdutil owns what every sfapi command package shares: the
// Factory of lazily built dependencies (streams, logger, tool config, clock,
// environment), the error kinds that cli.Main maps to exit codes
// (FlagError, SilentError, HintError), positional-argument checks, and the
// settings layer that resolves each flag from the command line, SFAPI_*
// environment variables, the tool config file and the flag default.
//
// It sits between the root command (internal/cli) and the command packages
// (internal/cli/initcmd, ...), so the root can import commands without a
// cycle. It may import cobra, viper and iostreams; it must not import
// internal/cli or any command package, and nothing outside internal/cli/...
// may import it.
package cmdutil
