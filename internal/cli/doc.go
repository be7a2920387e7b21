// Package cli is the sfapi command line: Main builds the process
// dependencies (signal context, streams, environment, Factory), runs the
// root cobra command, and is the one place where errors become exit codes
// (documented in docs/exit-codes.md and in `sfapi --help`).
//
// Only cmd/sfapi imports this package; command packages depend on
// internal/cli/cmdutil instead, which is what lets this root import them
// without a cycle. Core packages never see cobra or viper.
package cli
