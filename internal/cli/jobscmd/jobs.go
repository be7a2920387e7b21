package jobscmd

import (
	"context"
	"log/slog"
	"time"

	"github.com/spf13/cobra"

	"github.com/sfapi/sfapi/internal/cli/cmdutil"
	"github.com/sfapi/sfapi/internal/cli/iostreams"
)

// JobsOptions are the inputs shared by every `sfapi jobs` subcommand, plus
// the ones of the subcommand that runs (Command says which).
type JobsOptions struct {
	IO     *iostreams.IOStreams
	Logger func() *slog.Logger
	Now    func() time.Time
	Locator

	Command string // list, get, submit, watch, redrive

	// list
	Status string
	Since  time.Duration
	Limit  int
	Output string // table, json, yaml

	// get
	ID string

	// submit
	File string
	Wait bool

	// WaitTimeout bounds submit --wait (0 = until interrupted).
	WaitTimeout time.Duration
	// PollInterval is how often submit --wait and the JSON-lines watch
	// read the table.
	PollInterval time.Duration
	// LogFile receives logs while the terminal UI runs ("" discards them).
	LogFile string
	// Mouse turns on mouse reporting in the UI (wheel scrolls, click
	// selects; the terminal's own text selection then needs Shift).
	Mouse bool

	// redrive (redrive.go)
	DryRun         bool
	Pipe           string
	SkipExecutions bool
}

// NewCmdJobs returns `sfapi jobs` and its subcommands. runF replaces the
// run function in tests.
func NewCmdJobs(f *cmdutil.Factory, runF func(*JobsOptions) error) *cobra.Command {
	opts := &JobsOptions{IO: f.IOStreams, Logger: f.Logger, Now: f.Now, PollInterval: 200 * time.Millisecond}
	cmd := &cobra.Command{
		Use:   "jobs <command>",
		Short: "List, inspect, submit and watch the project's jobs",
		Long: `Follow the jobs of a storage-first API: the items of the job table (the table
the project's pipe reads), the executions named after them, and the push
events they produce.

Without flags the commands find the sfapi dev running from the project folder
(PROJECT/.sfapi/endpoints.json). --endpoint (the AWS endpoint), --api and --ws
point them anywhere; --stack reads the URLs and names from a deployed
CloudFormation stack's outputs (ApiUrl, WebSocketUrl, <Table>TableName,
<Machine>StateMachineArn) and uses the AWS credentials of the environment.`,
		Example: `  sfapi jobs list --status Failed
  sfapi jobs get 6f1c...
  sfapi jobs submit --file gopher.json --wait
  sfapi jobs watch`,
	}
	pf := cmd.PersistentFlags()
	pf.StringVar(&opts.ProjectDir, "project", ".", "project folder (holding sfapi.yaml)")
	pf.StringVar(&opts.DataDir, "data-dir", "", "data dir of the running sfapi dev (default PROJECT/.sfapi)")
	pf.StringVar(&opts.Endpoint, "endpoint", "", "AWS endpoint URL (DynamoDB, Step Functions) instead of the running sfapi dev's")
	pf.StringVar(&opts.API, "api", "", "REST API base URL")
	pf.StringVar(&opts.WS, "ws", "", "WebSocket push URL")
	pf.StringVar(&opts.Stack, "stack", "", "deployed CloudFormation stack to read outputs from")

	// Each subcommand has its own -o (with its own default); they share
	// one options struct, so keep the values apart until one runs.
	output := map[string]*string{"list": new(string), "get": new(string), "submit": new(string), "watch": new(string), "redrive": new(string)}
	run := func(name string) func(*cobra.Command, []string) error {
		return func(c *cobra.Command, args []string) error {
			opts.Command = name
			opts.Output = *output[name]
			if len(args) > 0 {
				opts.ID = args[0]
			}
			if err := opts.validate(); err != nil {
				return err
			}
			if runF != nil {
				return runF(opts)
			}
			return jobsRun(c.Context(), opts)
		}
	}

	list := &cobra.Command{
		Use:   "list",
		Short: "List jobs, newest first",
		Example: `  sfapi jobs list --status Failed --since 1h -o json
  sfapi jobs list --limit 5`,
		Args: cobra.NoArgs,
		RunE: run("list"),
	}
	list.Flags().StringVar(&opts.Status, "status", "", "only jobs with this status (Pending, \"In Progress\", Succeeded, Failed)")
	list.Flags().DurationVar(&opts.Since, "since", 0, "only jobs created within this long (e.g. 10m)")
	list.Flags().IntVar(&opts.Limit, "limit", 50, "at most this many jobs (0 = all)")
	list.Flags().StringVarP(output["list"], "output", "o", "table", "output format: table, json or yaml")

	get := &cobra.Command{
		Use:     "get ID",
		Short:   "Show one job: status, timestamps, input, result or error, its execution's states and events",
		Example: `  sfapi jobs get 6f1c2d3e-... -o json`,
		Args:    cobra.ExactArgs(1),
		RunE:    run("get"),
	}
	get.Flags().StringVarP(output["get"], "output", "o", "table", "output format: table, json or yaml")

	submit := &cobra.Command{
		Use:   "submit",
		Short: "POST a job through the project's API and print the 202",
		Long: `POST a job body to the project's create route (the POST route of the OpenAPI
document that answers 202) and print the response. The body is read from
--file, or from stdin when --file is "-" or absent. --wait follows the job to
Succeeded or Failed with a progress display on stderr, prints the final job,
and exits 1 when it failed.`,
		Example: `  sfapi jobs submit --file gopher.json
  echo '{"name":"Gordon","location":"meadow"}' | sfapi jobs submit --wait`,
		Args: cobra.NoArgs,
		RunE: run("submit"),
	}
	submit.Flags().StringVarP(&opts.File, "file", "f", "", "JSON body file (\"-\" or absent: stdin)")
	submit.Flags().BoolVar(&opts.Wait, "wait", false, "follow the job until it finishes")
	submit.Flags().DurationVar(&opts.WaitTimeout, "timeout", 0, "give up waiting after this long (0 = never)")
	submit.Flags().StringVarP(output["submit"], "output", "o", "json", "output format of --wait's final job: table, json or yaml")

	watch := &cobra.Command{
		Use:   "watch",
		Short: "Follow jobs live in a terminal UI (JSON lines when stdout is not a terminal)",
		Long: `A live table of jobs with status colours, a progress bar from each job's
progress events, age and duration; a detail pane with the selected job's
journey through its execution; a pane of live push events. Keys: ↑/↓ (j/k)
select, f cycles the status filter, / searches, esc clears, ? help, q quits;
--mouse adds wheel scrolling and click to select.

When stdout is not a terminal, watch prints one JSON object per line for every
push event and every status change it reads from the table, until interrupted.
Logs go to --log-file while the UI owns the terminal (discarded by default).`,
		Example: `  sfapi jobs watch
  sfapi jobs watch | jq 'select(.status == "Failed")'`,
		Args: cobra.NoArgs,
		RunE: run("watch"),
	}
	watch.Flags().StringVar(&opts.LogFile, "log-file", "", "write logs here while the UI runs")
	watch.Flags().BoolVar(&opts.Mouse, "mouse", false, "scroll with the wheel and select jobs by clicking")

	cmd.AddCommand(list, get, submit, watch, newCmdRedrive(opts, run))
	return cmd
}

func (o *JobsOptions) validate() error {
	switch o.Output {
	case "", "table", "json", "yaml":
	default:
		return cmdutil.FlagErrorf("invalid output format %q: want table, json or yaml", o.Output)
	}
	switch o.Status {
	case "", "Pending", "In Progress", "Succeeded", "Failed":
	default:
		return cmdutil.FlagErrorf("invalid status %q: want Pending, \"In Progress\", Succeeded or Failed", o.Status)
	}
	if o.Limit < 0 {
		return cmdutil.FlagErrorf("--limit must not be negative")
	}
	if o.Since < 0 {
		return cmdutil.FlagErrorf("--since must not be negative")
	}
	return nil
}

func jobsRun(ctx context.Context, o *JobsOptions) error {
	t, err := o.Locate(ctx)
	if err != nil {
		return err
	}
	switch o.Command {
	case "list":
		return listRun(ctx, o, t)
	case "get":
		return getRun(ctx, o, t)
	case "submit":
		return submitRun(ctx, o, t)
	case "redrive":
		return redriveRun(ctx, o, t)
	default:
		return watchRun(ctx, o, t)
	}
}
