package devcmd

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/sfapi/sfapi/internal/cli/cmdutil"
	"github.com/sfapi/sfapi/internal/cli/iostreams"
	"github.com/sfapi/sfapi/internal/emulator"
	"github.com/sfapi/sfapi/internal/emulator/containers"
	"github.com/sfapi/sfapi/internal/emulator/remote"
	"github.com/sfapi/sfapi/internal/project"
)

// Default listener addresses. Port 0 picks a free port.
const (
	DefaultAPIAddr = "127.0.0.1:8080"
	DefaultAWSAddr = "127.0.0.1:4566"
	DefaultWSAddr  = "127.0.0.1:8081"
	// ShutdownTimeout bounds the graceful drain after the first signal.
	ShutdownTimeout = 5 * time.Second
)

// DevOptions are the inputs of `sfapi dev`.
type DevOptions struct {
	IO     *iostreams.IOStreams
	Logger func() *slog.Logger

	ProjectDir string
	DataDir    string // default <ProjectDir>/.sfapi
	APIAddr    string
	AWSAddr    string
	WSAddr     string
	InMemory   bool
	Reset      bool
	MockConfig string
	TestCase   string

	// Backend is embedded or containers (DynamoDB Local and Step
	// Functions Local in Docker); Reuse, Force, Clean and the images
	// belong to the containers backend.
	Backend string
	// BackendDefaulted is true when no flag, SFAPI_BACKEND or config file
	// chose the backend: the project's sfapi.yaml (backend:) may then.
	BackendDefaulted   bool
	Reuse              bool
	Force              bool
	Clean              bool
	DynamoDBImage      string
	StepFunctionsImage string
	// NoReload turns off watching the project files for hot reload.
	NoReload bool

	// WatchInterrupts starts delivering SIGINT/SIGTERM once the first one
	// has begun the shutdown; another one aborts the drain.
	WatchInterrupts func() (ch <-chan os.Signal, stop func())
}

// NewCmdDev returns the `sfapi dev` command. runF replaces devRun in tests.
func NewCmdDev(f *cmdutil.Factory, runF func(*DevOptions) error) *cobra.Command {
	opts := &DevOptions{IO: f.IOStreams, Logger: f.Logger}
	cmd := &cobra.Command{
		Use:   "dev",
		Short: "Run the project locally: REST API, DynamoDB, Step Functions, pipes, events and WebSocket push",
		Long: `Run the project's whole stack in this process on the embedded backend.

Once every listener is bound, sfapi dev prints exactly one line per endpoint to
stdout, then logs to stderr:

  ready api http://127.0.0.1:PORT     the project's REST API (stage prefix optional)
  ready aws http://127.0.0.1:PORT     DynamoDB, DynamoDB Streams, Step Functions,
                                      EventBridge and SQS for the aws CLI and AWS SDKs
  ready ws  ws://127.0.0.1:PORT/PATH  WebSocket push of job events

An edit to sfapi.yaml, the OpenAPI file or an ASL file is validated and swapped
in place: routes, mapping templates and state machine definitions (running
executions finish on the version they started with; data stays). One line on
stderr says what changed; an invalid edit keeps the last good version running
and prints its file:line errors. Tables, pipes and rules need a restart, and
the line says so.

State is kept in --data-dir (default PROJECT/.sfapi) and survives restarts;
every acknowledged write is on disk. Ctrl-C shuts down gracefully within 5s;
a second Ctrl-C aborts. A bad project file stops it with file:line messages
and exit code 2.

--backend containers (or SFAPI_BACKEND=containers, "backend: containers" in
the config file, or "backend: containers" in the project's sfapi.yaml) runs DynamoDB Local and Step Functions Local in Docker
instead of the embedded engines; the REST API, pipes, event bus and push stay
sfapi's. It first checks the state machines and refuses, state by state, what
Step Functions Local cannot run (--force starts anyway). Progress goes to
stderr, then the same ready lines. Ctrl-C removes the containers; --reuse
keeps them (and their data) for the next run; --clean removes what earlier
runs of the project left and exits.`,
		Example: `  # Run the project in the current folder on the default ports
  sfapi dev

  # Another folder, free ports, nothing kept on disk
  sfapi dev --project ./gophers --api-addr 127.0.0.1:0 --aws-addr 127.0.0.1:0 --ws-addr 127.0.0.1:0 --in-memory

  # DynamoDB Local and Step Functions Local in Docker, kept between runs
  sfapi dev --backend containers --reuse

  # Talk to it with the aws CLI
  aws --endpoint-url http://127.0.0.1:4566 dynamodb scan --table-name Jobs`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if opts.DataDir == "" {
				opts.DataDir = filepath.Join(opts.ProjectDir, ".sfapi")
			}
			if opts.TestCase != "" && opts.MockConfig == "" {
				return cmdutil.FlagErrorf("--sfn-test-case needs --sfn-mock-config")
			}
			if opts.InMemory && opts.Reset {
				return cmdutil.FlagErrorf("--in-memory and --reset cannot be combined: in-memory state always starts empty")
			}
			for _, a := range []struct{ flag, addr string }{{"--api-addr", opts.APIAddr}, {"--aws-addr", opts.AWSAddr}, {"--ws-addr", opts.WSAddr}} {
				if err := checkAddr(a.addr); err != nil {
					return cmdutil.FlagErrorf("%s %q: %v", a.flag, a.addr, err)
				}
			}
			if f.Settings != nil {
				if st, err := f.Settings(); err == nil && st.Source("backend") == cmdutil.SourceDefault {
					opts.BackendDefaulted = true
				}
			}
			// With the backend still open to sfapi.yaml, devRun checks
			// the containers-only flags once it has read the project.
			if !opts.BackendDefaulted {
				if err := checkBackendFlags(opts); err != nil {
					return err
				}
			}
			opts.WatchInterrupts = func() (<-chan os.Signal, func()) {
				sigs := make(chan os.Signal, 1)
				signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
				return sigs, func() { signal.Stop(sigs) }
			}
			if runF != nil {
				return runF(opts)
			}
			return devRun(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.ProjectDir, "project", ".", "project folder (holding sfapi.yaml)")
	fl.StringVar(&opts.DataDir, "data-dir", "", "where state is kept (default PROJECT/.sfapi)")
	fl.StringVar(&opts.APIAddr, "api-addr", DefaultAPIAddr, "host:port of the REST API (port 0 picks a free port)")
	fl.StringVar(&opts.AWSAddr, "aws-addr", DefaultAWSAddr, "host:port of the AWS endpoint")
	fl.StringVar(&opts.WSAddr, "ws-addr", DefaultWSAddr, "host:port of the WebSocket push API")
	fl.BoolVar(&opts.InMemory, "in-memory", false, "keep nothing on disk (state is lost on exit)")
	fl.BoolVar(&opts.Reset, "reset", false, "delete the saved state before starting")
	fl.StringVar(&opts.MockConfig, "sfn-mock-config", "", "Step Functions Local MockConfigFile answering Task states (for tests)")
	fl.StringVar(&opts.TestCase, "sfn-test-case", "", "test case of --sfn-mock-config used for every execution")
	fl.StringVar(&opts.Backend, "backend", BackendEmbedded, "embedded, or containers: DynamoDB Local and Step Functions Local in Docker")
	fl.BoolVar(&opts.Reuse, "reuse", false, "containers backend: keep the containers (and their data) for the next run")
	fl.BoolVar(&opts.Force, "force", false, "containers backend: start even when Step Functions Local cannot run parts of the state machines")
	fl.BoolVar(&opts.Clean, "clean", false, "remove the containers and networks earlier runs of the project left, then exit")
	fl.StringVar(&opts.DynamoDBImage, "dynamodb-image", containers.DefaultDynamoDBImage, "containers backend: the DynamoDB Local image")
	fl.StringVar(&opts.StepFunctionsImage, "stepfunctions-image", containers.DefaultStepFunctionsImage, "containers backend: the Step Functions Local image")
	fl.BoolVar(&opts.NoReload, "no-reload", false, "do not watch the project files (by default an edit to sfapi.yaml, the OpenAPI file or an ASL file is validated and swapped in place)")
	return cmd
}

// checkAddr accepts "host:port" and ":port" (host defaults to 127.0.0.1).
func checkAddr(addr string) error {
	_, err := emulator.NormalizeAddr(addr)
	return err
}

func devRun(ctx context.Context, opts *DevOptions) error {
	emulator.TuneGC()
	stopProfile, err := startProfile()
	if err != nil {
		return err
	}
	defer stopProfile()
	log := opts.Logger()
	if opts.Clean {
		return cleanRun(ctx, opts)
	}
	start := time.Now()
	proj, err := project.Load(opts.ProjectDir)
	if err != nil {
		return err
	}
	if opts.BackendDefaulted && proj.Manifest.Backend != "" {
		opts.Backend = proj.Manifest.Backend
	}
	if opts.Backend == "" {
		opts.Backend = BackendEmbedded
	}
	if err := checkBackendFlags(opts); err != nil {
		return err
	}
	var backend emulator.Backend
	var stack *containers.Stack
	inMemory := opts.InMemory
	if opts.Backend == BackendContainers {
		var b *remote.Backend
		if stack, b, err = startContainers(ctx, opts, proj, log); err != nil {
			return err
		}
		defer closeContainers(ctx, stack, log)
		backend = b
		// The data lives in the containers; sfapi's own state (pipe
		// checkpoints, push log) is kept in memory, so a checkpoint never
		// outlives the stream it points into. Over kept containers a pipe
		// re-reads the stream, and each execution it starts again is the
		// same named execution.
		inMemory = true
	}
	em, err := emulator.New(emulator.Options{
		Project:    proj,
		DataDir:    opts.DataDir,
		InMemory:   inMemory,
		Reset:      opts.Reset && backend == nil,
		APIAddr:    opts.APIAddr,
		AWSAddr:    opts.AWSAddr,
		WSAddr:     opts.WSAddr,
		Logger:     log,
		MockConfig: opts.MockConfig,
		TestCase:   opts.TestCase,
		Backend:    backend,
	})
	if err != nil {
		return err
	}
	ep, err := em.Start(ctx)
	if err != nil {
		return err
	}
	if stack != nil {
		// Step Functions Local's events:putEvents reach sfapi's bus.
		if err := stack.SetEventsTarget(ep.AWS); err != nil {
			return err
		}
	}
	out := opts.IO.Out
	fmt.Fprintf(out, "ready api %s\n", ep.API)
	fmt.Fprintf(out, "ready aws %s\n", ep.AWS)
	fmt.Fprintf(out, "ready ws %s\n", ep.WS)
	log.Info("sfapi dev is ready", "project", proj.Manifest.Name, "dataDir", opts.DataDir, "inMemory", inMemory, "backend", opts.Backend, "startup", time.Since(start).Round(time.Microsecond))
	for _, w := range em.Warnings() {
		log.Warn(w)
	}
	if !opts.NoReload {
		go watchProject(ctx, opts.IO.ErrOut, log, em, proj)
	}

	<-ctx.Done()
	interrupts, stop := opts.WatchInterrupts()
	defer stop()
	log.Info("shutting down (press Ctrl-C again to abort)")
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), ShutdownTimeout)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- em.Shutdown(sctx) }()
	select {
	case err := <-done:
		if err != nil && !errors.Is(err, context.DeadlineExceeded) {
			return fmt.Errorf("shut down: %w", err)
		}
		if err != nil {
			log.Warn("shutdown did not finish in time; state on disk is consistent and resumes on the next start", "timeout", ShutdownTimeout)
		}
		return nil
	case <-interrupts:
		return errors.New("aborted by a second interrupt; state on disk is consistent and resumes on the next start")
	}
}
