package validatecmd

import (
	"errors"
	"fmt"
	"io/fs"
	"strings"

	"github.com/spf13/cobra"

	"github.com/sfapi/sfapi/internal/cli/cmdutil"
	"github.com/sfapi/sfapi/internal/cli/iostreams"
	"github.com/sfapi/sfapi/internal/project"
)

// ValidateOptions are the inputs of validateRun.
type ValidateOptions struct {
	IO *iostreams.IOStreams
	// Load reads a project directory (project.Load).
	Load func(dir string) (*project.Project, error)

	ProjectDir string
}

// NewCmdValidate builds `sfapi validate`. runF replaces validateRun in tests.
func NewCmdValidate(f *cmdutil.Factory, runF func(*ValidateOptions) error) *cobra.Command {
	opts := &ValidateOptions{IO: f.IOStreams, Load: project.Load}
	cmd := &cobra.Command{
		Use:   "validate",
		Short: "Check every file of a project",
		Long: `Check a project's files — sfapi.yaml, the OpenAPI file and the state machine
definitions it names — and print every problem as file:line:col: message.
Exits 0 when the project is valid and 2 when it is not.`,
		Example: `  sfapi validate
  sfapi validate --project ./shop`,
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if opts.ProjectDir == "" {
				return cmdutil.FlagErrorf("--project must not be empty")
			}
			if runF != nil {
				return runF(opts)
			}
			return validateRun(opts)
		},
	}
	cmd.Flags().StringVar(&opts.ProjectDir, "project", ".", "project `dir`ectory (the one holding sfapi.yaml)")
	return cmd
}

func validateRun(opts *ValidateOptions) error {
	p, err := opts.Load(opts.ProjectDir)
	if err != nil {
		var list project.ErrorList
		var perr *project.Error
		if errors.As(err, &list) || errors.As(err, &perr) {
			// cli.Main prints each problem and exits 2.
			return err
		}
		if errors.Is(err, fs.ErrNotExist) {
			return cmdutil.WithHint(err, "sfapi init, or pass --project DIR")
		}
		return err
	}
	m := p.Manifest
	fmt.Fprintf(opts.IO.Out, "ok: %s: %s\n", m.Name, strings.Join([]string{
		count(len(m.Tables), "table"),
		count(len(m.StateMachines), "state machine"),
		count(len(m.Pipes), "pipe"),
		count(len(m.Rules), "rule"),
	}, ", "))
	return nil
}

func count(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
