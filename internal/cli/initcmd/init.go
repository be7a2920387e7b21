package initcmd

import (
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/sfapi/sfapi/internal/cli/cmdutil"
	"github.com/sfapi/sfapi/internal/cli/iostreams"
	"github.com/sfapi/sfapi/internal/scaffold"
)

// InitOptions are the inputs of initRun.
type InitOptions struct {
	IO *iostreams.IOStreams
	// Template returns the files of a named template (scaffold.Template).
	Template func(name string) (fs.FS, error)

	Dir          string
	Name         string
	Force        bool
	TemplateName string
}

// NewCmdInit builds `sfapi init`. runF replaces initRun in tests.
func NewCmdInit(f *cmdutil.Factory, runF func(*InitOptions) error) *cobra.Command {
	opts := &InitOptions{IO: f.IOStreams, Template: scaffold.Template}
	cmd := &cobra.Command{
		Use:   "init [dir]",
		Short: "Create a new sfapi project",
		Long: `Create a new sfapi project in dir (default: the current directory) from a
template embedded in sfapi. The directory is created if missing and must be
empty unless --force is given; --force overwrites files with the same names
and leaves other files alone.

--name renames the project. It changes exactly two things: the top-level
"name:" in sfapi.yaml (which names the deployed stack) and the project name in
the README title. Table, state machine and variable names stay as in the
template. A name is 1-40 characters of a-z, 0-9 and "-", starting with a
letter.

Templates: ` + strings.Join(scaffold.Templates(), ", ") + `.`,
		Example: `  # a project in a new folder
  sfapi init shop --name shop

  # in the current, empty folder
  sfapi init

  # overwrite template files in a folder that has other files
  sfapi init existing-dir --force`,
		Args: cmdutil.MaximumArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Dir = "."
			if len(args) == 1 {
				opts.Dir = args[0]
			}
			if opts.Name != "" {
				if err := scaffold.ValidateName(opts.Name); err != nil {
					return cmdutil.FlagErrorWrap(fmt.Errorf("invalid --name: %w", err))
				}
			}
			if _, err := opts.Template(opts.TemplateName); err != nil {
				return cmdutil.FlagErrorWrap(fmt.Errorf("invalid --template: %w", err))
			}
			if runF != nil {
				return runF(opts)
			}
			return initRun(opts)
		},
	}
	cmd.Flags().StringVar(&opts.Name, "name", "", "project name (default: the template's)")
	cmd.Flags().BoolVar(&opts.Force, "force", false, "write into a non-empty directory")
	cmd.Flags().StringVar(&opts.TemplateName, "template", scaffold.DefaultTemplate, "project template")
	return cmd
}

func initRun(opts *InitOptions) error {
	tmpl, err := opts.Template(opts.TemplateName)
	if err != nil {
		return err
	}
	written, err := scaffold.Write(tmpl, opts.Dir, scaffold.Options{Name: opts.Name, Force: opts.Force})
	if errors.Is(err, scaffold.ErrNotEmpty) {
		return cmdutil.WithHint(fmt.Errorf("%s is not empty", opts.Dir),
			"sfapi init --force, or choose an empty folder")
	}
	if err != nil {
		return fmt.Errorf("create project in %s: %w", opts.Dir, err)
	}

	out := opts.IO.Out
	fmt.Fprintf(out, "Created %s project in %s:\n", opts.TemplateName, opts.Dir)
	for _, p := range written {
		fmt.Fprintf(out, "  %s %s\n", opts.IO.Green("+"), filepath.FromSlash(p))
	}
	fmt.Fprintln(out)
	fmt.Fprintln(out, "Next:")
	fmt.Fprintf(out, "  %s\n", opts.IO.Cyan(nextCommand(opts.Dir)))
	return nil
}

// nextCommand is what the user types to run the new project.
func nextCommand(dir string) string {
	if filepath.Clean(dir) == "." {
		return "sfapi dev"
	}
	return "cd " + shellQuote(dir) + " && sfapi dev"
}

// shellQuote quotes dir for a POSIX shell when it has characters the shell
// would interpret, so the printed command can be pasted as is.
func shellQuote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
