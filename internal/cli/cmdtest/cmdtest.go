// Package cmdtest holds helpers for testing sfapi's command packages the
// way gh tests its commands: build the command with a runF that captures
// the options, execute it with arguments, and look at what it parsed.
//
// It is imported only by _test.go files under internal/cli.
package cmdtest

import (
	"github.com/spf13/cobra"

	"github.com/sfapi/sfapi/internal/cli/cmdutil"
	"github.com/sfapi/sfapi/internal/cli/iostreams"
)

// Parse builds a command with newCmd, executes it with args and returns the
// options its run function received (nil when parsing failed) and the
// error Execute returned.
func Parse[O any](newCmd func(*cmdutil.Factory, func(*O) error) *cobra.Command, args []string) (*O, error) {
	ios, _, _, _ := iostreams.Test()
	var got *O
	cmd := newCmd(&cmdutil.Factory{IOStreams: ios}, func(o *O) error {
		got = o
		return nil
	})
	cmd.SetArgs(args)
	cmd.SetOut(ios.Out)
	cmd.SetErr(ios.ErrOut)
	cmd.SilenceUsage, cmd.SilenceErrors = true, true
	err := cmd.Execute()
	return got, err
}
