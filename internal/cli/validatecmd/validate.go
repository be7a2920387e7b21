package validatecmd

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/sfapi/sfapi/internal/cli/cmdutil"
	"github.com/sfapi/sfapi/internal/cli/iostreams"
	"github.com/sfapi/sfapi/internal/emulator/apigw"
	"github.com/sfapi/sfapi/internal/emulator/apigw/wsapi"
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
Every mapping template of the API is rendered with a sample request (a body
built from the operation's request schema), so templates that fail, aws
request templates that are not valid input for their action, unknown $util
and $context members and wrong integration uris are reported before any
request is sent. Findings that do not stop sfapi dev are printed as
warnings. Exits 0 when the project is valid and 2 when it is not.`,
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
	if err := checkAPI(opts, p); err != nil {
		return err
	}
	if err := checkWebSocket(opts, p); err != nil {
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

// checkAPI renders the API's mapping templates (apigw.Check). Errors are
// returned as a project.ErrorList so that cli.Main prints them and exits 2;
// warnings go to stderr.
func checkAPI(opts *ValidateOptions, p *project.Project) error {
	doc, lines, err := p.OpenAPI()
	if errors.Is(err, project.ErrNoAPI) {
		return nil
	}
	if err != nil {
		return err
	}
	src, err := os.ReadFile(filepath.Join(p.Dir, filepath.FromSlash(p.OpenAPIFile())))
	if err != nil {
		// Load read it a moment ago; without the text, template lines
		// are reported at their key's line.
		src = nil
	}
	var list project.ErrorList
	for _, pr := range apigw.Check(apigw.Options{
		Doc: doc, File: p.OpenAPIFile(), Lines: lines, Source: src, Stage: p.Stage(),
		Region: p.Region(), AccountID: p.AccountID(),
	}) {
		if pr.Warning {
			fmt.Fprintf(opts.IO.ErrOut, "warning: %s\n", pr)
			continue
		}
		list = append(list, &project.Error{File: pr.File, Line: pr.Line, Msg: pr.Message})
	}
	if len(list) > 0 {
		return list
	}
	return nil
}

// checkWebSocket renders the WebSocket API's route templates
// (wsapi.Check), reported as checkAPI reports the REST API's.
func checkWebSocket(opts *ValidateOptions, p *project.Project) error {
	var list project.ErrorList
	for _, pr := range wsapi.Check(wsapi.Options{Spec: p.Manifest.WebSocket, Stage: p.Stage(), Region: p.Region(), AccountID: p.AccountID()}) {
		if pr.Warning {
			fmt.Fprintf(opts.IO.ErrOut, "warning: %s\n", pr)
			continue
		}
		list = append(list, &project.Error{File: pr.File, Line: pr.Line, Msg: pr.Message})
	}
	if len(list) > 0 {
		return list
	}
	return nil
}

func count(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
