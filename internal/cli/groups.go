package cli

import (
	"fmt"

	"github.com/spf13/cobra"
)

// guardGroups gives every command that only groups subcommands (jobs, data,
// tables, completion...) a run function, so a mistyped subcommand is a
// usage error (exit 2, as at the root) instead of cobra's default of
// printing the group's help and exiting 0. Without arguments the group
// still prints its help.
func guardGroups(c *cobra.Command) {
	for _, sub := range c.Commands() {
		guardGroups(sub)
	}
	if c.HasParent() && c.HasSubCommands() && !c.Runnable() {
		c.RunE = func(cmd *cobra.Command, args []string) error {
			if len(args) > 0 {
				// Main maps the "unknown command" prefix to exit 2.
				return fmt.Errorf("unknown command %q for %q", args[0], cmd.CommandPath())
			}
			return cmd.Help()
		}
	}
}
