package cli

import (
	"github.com/spf13/cobra"

	"github.com/sfapi/sfapi/internal/build"
	"github.com/sfapi/sfapi/internal/cli/benchcmd"
	"github.com/sfapi/sfapi/internal/cli/cmdutil"
	"github.com/sfapi/sfapi/internal/cli/datacmd"
	"github.com/sfapi/sfapi/internal/cli/deploycmd"
	"github.com/sfapi/sfapi/internal/cli/devcmd"
	"github.com/sfapi/sfapi/internal/cli/initcmd"
	"github.com/sfapi/sfapi/internal/cli/jobscmd"
	"github.com/sfapi/sfapi/internal/cli/logscmd"
	"github.com/sfapi/sfapi/internal/cli/standincmd"
	"github.com/sfapi/sfapi/internal/cli/tablescmd"
	"github.com/sfapi/sfapi/internal/cli/testcmd"
	"github.com/sfapi/sfapi/internal/cli/validatecmd"
	"github.com/sfapi/sfapi/internal/cli/versioncmd"
)

const rootLong = `sfapi runs storage-first serverless APIs locally: API Gateway → DynamoDB →
stream → Step Functions → EventBridge → WebSocket, in one process, from the
same project files that deploy to AWS.

Settings: every flag can also come from the environment as SFAPI_<FLAG>
(--log-level is SFAPI_LOG_LEVEL, --api-addr is SFAPI_API_ADDR) or from the
tool config file, whose keys are flag names ("log-level: debug"). The file is
--config, else $SFAPI_CONFIG, else $XDG_CONFIG_HOME/sfapi/config.yaml or
~/.config/sfapi/config.yaml when present. Precedence: flag > environment >
config file > default.

Exit codes:
  0    success
  1    error (printed as "Error: ...", often followed by "Try: ...")
  2    usage error (bad flag, argument or setting) or invalid project files
       (one "file:line:col: message" line per problem)
  130  interrupted (Ctrl-C or SIGTERM)`

// NewCmdRoot builds the sfapi command tree around f.
func NewCmdRoot(f *cmdutil.Factory) *cobra.Command {
	info := build.Get()
	cmd := &cobra.Command{
		Use:   "sfapi <command> [flags]",
		Short: "Run storage-first serverless APIs locally",
		Long:  rootLong,
		Example: `  # create a project and run it
  sfapi init shop --name shop
  cd shop && sfapi dev

  # check the project files
  sfapi validate --project shop`,
		Version: info.Version,
		// Main prints errors and usage hints itself, once.
		SilenceErrors: true,
		SilenceUsage:  true,
		// Resolve flags against env and config for whichever command runs.
		// Subcommands must not define their own PersistentPreRunE: cobra
		// would run theirs instead of this one.
		PersistentPreRunE: func(cmd *cobra.Command, args []string) error {
			s, err := cmdutil.LoadSettings(cmd.Flags(), f.Getenv)
			if err != nil {
				return err
			}
			cfg, err := s.Config()
			if err != nil {
				return err
			}
			f.Settings = func() (*cmdutil.Settings, error) { return s, nil }
			f.Logger().Debug("settings resolved", "command", cmd.CommandPath(), "config", cfg.String())
			return nil
		},
	}
	cmd.SetVersionTemplate(info.String() + "\n")
	cmd.SetFlagErrorFunc(func(_ *cobra.Command, err error) error {
		return cmdutil.FlagErrorWrap(err)
	})
	cmdutil.AddGlobalFlags(cmd.PersistentFlags())

	cmd.AddCommand(initcmd.NewCmdInit(f, nil))
	cmd.AddCommand(validatecmd.NewCmdValidate(f, nil))
	cmd.AddCommand(versioncmd.NewCmdVersion(f, nil))
	cmd.AddCommand(devcmd.NewCmdDev(f, nil))
	cmd.AddCommand(jobscmd.NewCmdJobs(f, nil))
	cmd.AddCommand(logscmd.NewCmdLogs(f, nil))
	cmd.AddCommand(deploycmd.NewCmdDeploy(f, nil), deploycmd.NewCmdDestroy(f, nil))
	cmd.AddCommand(testcmd.NewCmdTest(f, nil))
	cmd.AddCommand(standincmd.NewCmdStandin(f))
	cmd.AddCommand(benchcmd.NewCmdBench(f, nil))
	cmd.AddCommand(datacmd.NewCmdData(f, nil))
	cmd.AddCommand(tablescmd.NewCmdTables(f, nil))

	// Create cobra's built-in help and completion commands now (cobra would
	// add them lazily at Execute) so they get examples like every other
	// command and the example test sees the whole tree.
	cmd.InitDefaultHelpCmd()
	cmd.InitDefaultCompletionCmd()
	addBuiltinExamples(cmd)
	guardGroups(cmd)
	return cmd
}

// builtinExamples are the examples of cobra's generated commands, keyed by
// command path below the root.
var builtinExamples = map[string]string{
	"help":                  "  sfapi help init",
	"completion":            "  sfapi completion bash > /etc/bash_completion.d/sfapi",
	"completion bash":       "  source <(sfapi completion bash)",
	"completion zsh":        "  sfapi completion zsh > \"${fpath[1]}/_sfapi\"",
	"completion fish":       "  sfapi completion fish > ~/.config/fish/completions/sfapi.fish",
	"completion powershell": "  sfapi completion powershell | Out-String | Invoke-Expression",
}

func addBuiltinExamples(root *cobra.Command) {
	for _, c := range root.Commands() {
		if ex, ok := builtinExamples[c.Name()]; ok && c.Example == "" {
			c.Example = ex
		}
		for _, sub := range c.Commands() {
			if ex, ok := builtinExamples[c.Name()+" "+sub.Name()]; ok && sub.Example == "" {
				sub.Example = ex
			}
		}
	}
}
