package versioncmd

import (
	"encoding/json"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/sfapi/sfapi/internal/build"
	"github.com/sfapi/sfapi/internal/cli/cmdutil"
	"github.com/sfapi/sfapi/internal/cli/iostreams"
)

// VersionOptions are the inputs of versionRun.
type VersionOptions struct {
	IO *iostreams.IOStreams
	// Info returns the metadata to print (build.Get in production).
	Info func() build.Info
	// Output is "text" or "json".
	Output string
}

// NewCmdVersion builds `sfapi version`. runF replaces versionRun in tests.
func NewCmdVersion(f *cmdutil.Factory, runF func(*VersionOptions) error) *cobra.Command {
	opts := &VersionOptions{IO: f.IOStreams, Info: build.Get}
	cmd := &cobra.Command{
		Use:   "version",
		Short: "Print the sfapi version, commit and build date",
		Example: `  sfapi version
  sfapi version -o json`,
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if opts.Output != "text" && opts.Output != "json" {
				return cmdutil.FlagErrorf("invalid output format %q: want text or json", opts.Output)
			}
			if runF != nil {
				return runF(opts)
			}
			return versionRun(opts)
		},
	}
	cmd.Flags().StringVarP(&opts.Output, "output", "o", "text", "output format: text or json")
	return cmd
}

func versionRun(opts *VersionOptions) error {
	info := opts.Info()
	if opts.Output == "json" {
		enc := json.NewEncoder(opts.IO.Out)
		enc.SetIndent("", "  ")
		if err := enc.Encode(info); err != nil {
			return fmt.Errorf("write version: %w", err)
		}
		return nil
	}
	if _, err := fmt.Fprintln(opts.IO.Out, info.String()); err != nil {
		return fmt.Errorf("write version: %w", err)
	}
	return nil
}
