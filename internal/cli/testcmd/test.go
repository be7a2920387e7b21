package testcmd

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"os/signal"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/sfapi/sfapi/internal/cli/cmdutil"
	"github.com/sfapi/sfapi/internal/cli/iostreams"
	"github.com/sfapi/sfapi/internal/emulator"
	"github.com/sfapi/sfapi/internal/project"
)

// ShutdownTimeout bounds the stack's drain after CMD exits.
const ShutdownTimeout = 5 * time.Second

// ReportJobs is how many jobs the failure report shows.
const ReportJobs = 5

// TestOptions are the inputs of `sfapi test`.
type TestOptions struct {
	IO     *iostreams.IOStreams
	Logger func() *slog.Logger

	ProjectDir string
	DataDir    string // "" = a fresh temporary directory
	Seed       string // JSON-lines file of items to load first
	Keep       bool   // keep (and print) the data directory
	Command    []string

	// Environ is the environment CMD inherits (before the stack's).
	Environ func() []string
	// Signals delivers the signals to forward to CMD; stop ends that.
	Signals func() (ch <-chan os.Signal, stop func())
}

// NewCmdTest returns the `sfapi test` command. runF replaces testRun in
// tests.
func NewCmdTest(f *cmdutil.Factory, runF func(*TestOptions) error) *cobra.Command {
	opts := &TestOptions{IO: f.IOStreams, Logger: f.Logger}
	cmd := &cobra.Command{
		Use:   "test [flags] -- CMD [ARGS...]",
		Short: "Run a command (your integration tests) against a fresh local stack",
		Long: `Start the project's whole stack on free ports with fresh state, run CMD
against it, stop the stack and exit with CMD's exit code.

CMD gets the environment every AWS SDK and the aws CLI honour, so it needs
no endpoint configured:

  AWS_ENDPOINT_URL, AWS_ENDPOINT_URL_DYNAMODB, AWS_ENDPOINT_URL_DYNAMODB_STREAMS,
  AWS_ENDPOINT_URL_SFN, AWS_ENDPOINT_URL_EVENTBRIDGE   the stack's AWS endpoint
  AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY             dummy credentials ("test")
  AWS_REGION, AWS_DEFAULT_REGION                       the project's region
  SFAPI_API_URL, SFAPI_WS_URL, SFAPI_AWS_URL           the project's REST, push and AWS URLs
  SFAPI_API, SFAPI_WS, SFAPI_ENDPOINT                  the same, as settings of sfapi jobs

AWS_PROFILE and AWS_SESSION_TOKEN are removed, so real credentials never mix
in. SIGINT, SIGTERM and SIGHUP are passed on to CMD.

--seed loads items before CMD starts, one JSON object per line:

  {"table": "Jobs", "item": {"pk": {"S": "a"}, "sk": {"S": "b"}}}

where table is a logical ID of sfapi.yaml or a physical table name and item
is DynamoDB JSON; blank lines and lines starting with # are skipped. It is
the format of sfapi data export.

When CMD fails, the last jobs are printed with the state, error and cause of
their failure. The data directory is removed unless --keep (or --data-dir)
is given.`,
		Example: `  # Run the project's Go integration tests against a fresh stack
  sfapi test -- go test ./integration/...

  # The aws CLI needs no --endpoint-url
  sfapi test --project ./gophers -- aws dynamodb scan --table-name Jobs

  # Seed data, keep the state for a post-mortem
  sfapi test --seed testdata/seed.jsonl --keep -- npm test`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return cmdutil.FlagErrorf("sfapi test needs a command to run: sfapi test [flags] -- CMD [ARGS...]")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Command = args
			if opts.Environ == nil {
				opts.Environ = os.Environ
			}
			opts.Signals = func() (<-chan os.Signal, func()) {
				ch := make(chan os.Signal, 4)
				signal.Notify(ch, os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
				return ch, func() { signal.Stop(ch) }
			}
			if runF != nil {
				return runF(opts)
			}
			return testRun(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	// CMD's own flags are not ours: flag parsing stops at CMD, with or
	// without "--".
	fl.SetInterspersed(false)
	fl.StringVar(&opts.ProjectDir, "project", ".", "project folder (holding sfapi.yaml)")
	fl.StringVar(&opts.DataDir, "data-dir", "", "keep state in this folder (default: a fresh temporary folder, removed afterwards)")
	fl.StringVar(&opts.Seed, "seed", "", "JSON-lines file of items to load before CMD runs")
	fl.BoolVar(&opts.Keep, "keep", false, "keep the data folder afterwards and print where it is")
	return cmd
}

func testRun(ctx context.Context, opts *TestOptions) (err error) {
	log := opts.Logger()
	errOut := opts.IO.ErrOut
	proj, err := project.Load(opts.ProjectDir)
	if err != nil {
		return err
	}
	var seed []SeedItem
	if opts.Seed != "" {
		f, err := os.Open(opts.Seed)
		if err != nil {
			return cmdutil.FlagErrorf("--seed: %v", err)
		}
		seed, err = ParseSeed(f)
		f.Close()
		if err != nil {
			return fmt.Errorf("seed %s: %w", opts.Seed, err)
		}
	}
	dataDir, inMemory := opts.DataDir, false
	if dataDir == "" {
		if dataDir, err = os.MkdirTemp("", "sfapi-test-"); err != nil {
			return fmt.Errorf("create data dir: %w", err)
		}
		// Nothing to keep: skip the fsyncs.
		inMemory = !opts.Keep
		defer func() {
			if !opts.Keep {
				os.RemoveAll(dataDir)
			}
		}()
	}
	em, err := emulator.New(emulator.Options{
		Project: proj, DataDir: dataDir, InMemory: inMemory,
		APIAddr: "127.0.0.1:0", AWSAddr: "127.0.0.1:0", WSAddr: "127.0.0.1:0",
		Logger: log,
	})
	if err != nil {
		return err
	}
	ep, err := em.Start(ctx)
	if err != nil {
		return err
	}
	stopped := false
	stop := func() {
		if stopped {
			return
		}
		stopped = true
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), ShutdownTimeout)
		defer cancel()
		if serr := em.Shutdown(sctx); serr != nil {
			log.Warn("stack did not shut down cleanly", "err", serr)
		}
		if opts.Keep || opts.DataDir != "" {
			fmt.Fprintf(errOut, "sfapi test: state kept in %s\n", dataDir)
		}
	}
	defer stop()
	for _, w := range em.Warnings() {
		log.Warn(w)
	}
	if err := loadSeed(ctx, em.Mux(), proj, opts.Seed, seed); err != nil {
		return err
	}
	fmt.Fprintf(errOut, "sfapi test: stack ready (api %s, aws %s, ws %s)\n", ep.API, ep.AWS, ep.WS)

	code, err := runCommand(opts, emulator.MergeEnviron(opts.Environ(), childEnviron(ep, proj.Region())))
	if err != nil {
		return err
	}
	if code != 0 {
		jobs, rerr := lastJobs(context.WithoutCancel(ctx), em.Mux(), proj, ReportJobs)
		fmt.Fprintf(errOut, "sfapi test: %s exited with code %d\n", opts.Command[0], code)
		if rerr != nil {
			log.Warn("cannot read the jobs", "err", rerr)
		} else if len(jobTables(proj)) > 0 {
			printReport(errOut, jobs)
		}
		stop()
		return &cmdutil.ExitError{Code: code}
	}
	return nil
}

// runCommand runs CMD with env, stdio wired to sfapi's, forwarding signals,
// and returns its exit code (128+N when a signal N ended it, as shells say).
func runCommand(opts *TestOptions, env []string) (int, error) {
	c := exec.Command(opts.Command[0], opts.Command[1:]...)
	c.Env = env
	c.Stdin, c.Stdout, c.Stderr = opts.IO.In, opts.IO.Out, opts.IO.ErrOut
	if err := c.Start(); err != nil {
		var ee *exec.Error
		if errors.As(err, &ee) {
			return 0, cmdutil.WithHint(fmt.Errorf("run %s: %w", opts.Command[0], err), "check the command after --; it runs without a shell")
		}
		return 0, fmt.Errorf("run %s: %w", opts.Command[0], err)
	}
	sigs, stopSigs := opts.Signals()
	defer stopSigs()
	done := make(chan struct{})
	go func() {
		for {
			select {
			case s := <-sigs:
				_ = c.Process.Signal(s)
			case <-done:
				return
			}
		}
	}()
	err := c.Wait()
	close(done)
	if err == nil {
		return 0, nil
	}
	var xe *exec.ExitError
	if !errors.As(err, &xe) {
		return 0, fmt.Errorf("run %s: %w", opts.Command[0], err)
	}
	if ws, ok := xe.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return 128 + int(ws.Signal()), nil
	}
	return xe.ExitCode(), nil
}

// childEnviron is the stack's environment for CMD: the AWS variables and
// SFAPI_*_URL (emulator.Endpoints.Environ), plus SFAPI_ENDPOINT, SFAPI_API
// and SFAPI_WS, the settings of `sfapi jobs`' --endpoint, --api and --ws,
// so `sfapi jobs submit --wait` run by CMD finds this stack.
func childEnviron(ep emulator.Endpoints, region string) []string {
	return append(ep.Environ(region), "SFAPI_ENDPOINT="+ep.AWS, "SFAPI_API="+ep.API, "SFAPI_WS="+ep.WS)
}
