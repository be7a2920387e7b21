package standincmd

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"github.com/sfapi/sfapi/internal/cli/cmdutil"
	"github.com/sfapi/sfapi/internal/emulator"
	"github.com/sfapi/sfapi/internal/emulator/asl"
	"github.com/sfapi/sfapi/internal/emulator/awsjson"
	"github.com/sfapi/sfapi/internal/emulator/ddb"
	"github.com/sfapi/sfapi/internal/emulator/ddbapi"
	"github.com/sfapi/sfapi/internal/emulator/kv"
	"github.com/sfapi/sfapi/internal/emulator/remote"
	"github.com/sfapi/sfapi/internal/emulator/sfnapi"
)

// DynamoDB Local's identity: with -sharedDb it names every table under
// region "ddblocal" and account 000000000000.
const (
	localRegion  = "ddblocal"
	localAccount = "000000000000"
)

// NewCmdStandin returns the hidden `sfapi standin` command.
func NewCmdStandin(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:    "standin",
		Short:  "Serve one AWS service as the stand-in of its local image (used by the containers backend's tests)",
		Hidden: true,
		Args:   cobra.NoArgs,
		Example: `  sfapi standin dynamodb-local -jar DynamoDBLocal.jar -sharedDb -inMemory -port 8000
  DYNAMODB_ENDPOINT=http://dynamodb:8000 sfapi standin stepfunctions-local`,
	}
	cmd.AddCommand(&cobra.Command{
		Use:     "dynamodb-local [DynamoDB Local options]",
		Short:   "Serve only DynamoDB and DynamoDB Streams, taking DynamoDB Local's command line",
		Example: `  sfapi standin dynamodb-local -jar DynamoDBLocal.jar -sharedDb -inMemory -port 8000`,
		// DynamoDB Local's options are single-dash words (-sharedDb),
		// which pflag would read as bundles of short flags.
		DisableFlagParsing: true,
		RunE: func(cmd *cobra.Command, args []string) error {
			a, err := ParseDynamoDBArgs(args)
			if errors.Is(err, errHelp) {
				return cmd.Help()
			}
			if err != nil {
				return cmdutil.FlagErrorf("%v", err)
			}
			return runDynamoDB(cmd.Context(), f.Logger(), a)
		},
	})
	cmd.AddCommand(&cobra.Command{
		Use:   "stepfunctions-local",
		Short: "Serve only Step Functions on 8083, configured by Step Functions Local's environment",
		Long: `Serve only Step Functions on port 8083, as amazon/aws-stepfunctions-local does.

Environment: AWS_DEFAULT_REGION, AWS_ACCOUNT_ID, DYNAMODB_ENDPOINT (dynamodb
tasks call it), EVENTBRIDGE_ENDPOINT (events:putEvents tasks, and the sns
tasks sfapi records as events), SQS_ENDPOINT (sqs tasks), SNS_ENDPOINT (accepted),
SFN_MOCK_CONFIG (a MockConfigFile), WAIT_TIME_SCALE (scales Wait states and
retry delays).`,
		Example: `  DYNAMODB_ENDPOINT=http://dynamodb:8000 sfapi standin stepfunctions-local`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			env, err := ParseStepFunctionsEnv(f.Getenv)
			if err != nil {
				return cmdutil.FlagErrorf("%v", err)
			}
			return runStepFunctions(cmd.Context(), f.Logger(), env)
		},
	})
	return cmd
}

func runDynamoDB(ctx context.Context, log *slog.Logger, a DynamoDBArgs) error {
	path := filepath.Join(a.DBPath, "shared-local-instance.db")
	if a.InMemory {
		path = filepath.Join(os.TempDir(), "sfapi-dynamodb-local.db")
	}
	if !a.SharedDB {
		// DynamoDB Local keeps one database per access key and region
		// without -sharedDb; the stand-in always shares one.
		log.Warn("the stand-in always shares one database, as with -sharedDb")
	}
	store, err := kv.Open(path, kv.Options{InMemory: a.InMemory})
	if err != nil {
		return fmt.Errorf("open %s: %w", path, err)
	}
	defer store.Close()
	eng, err := ddb.Open(store, ddb.Options{Region: localRegion, AccountID: localAccount, Logger: log})
	if err != nil {
		return fmt.Errorf("open dynamodb: %w", err)
	}
	mux := awsjson.NewMux(log)
	ddbapi.Register(mux, eng)
	ttl, stopTTL := context.WithCancel(ctx)
	defer stopTTL()
	go eng.RunTTL(ttl, emulator.TTLSweepInterval)
	log.Info("dynamodb-local stand-in", "port", a.Port, "inMemory", a.InMemory, "dbPath", a.DBPath, "ignored", a.Ignored)
	return serve(ctx, log, a.Port, mux)
}

func runStepFunctions(ctx context.Context, log *slog.Logger, env StepFunctionsEnv) error {
	store, err := kv.Open(filepath.Join(os.TempDir(), "sfapi-stepfunctions-local.db"), kv.Options{InMemory: true})
	if err != nil {
		return err
	}
	defer store.Close()
	// Tasks call the configured endpoints; a service with no endpoint is
	// absent from the mux and its tasks fail (UnknownOperation), as
	// Step Functions Local's calls to an unreachable AWS would.
	out := awsjson.NewMux(log)
	if env.DynamoDB != "" {
		remote.RegisterDynamoDB(out, env.DynamoDB, env.Region, nil)
	}
	if env.EventBridge != "" {
		remote.RegisterEvents(out, env.EventBridge, env.Region, nil)
	}
	if env.SQS != "" {
		remote.RegisterSQS(out, env.SQS, env.Region, nil)
	}
	inv, bind := emulator.NewTaskInvoker(out, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		http.Error(w, `{"message":"apigateway:invoke is not available in the Step Functions Local stand-in"}`, http.StatusNotImplemented)
	}))
	var mocks *asl.MockConfig
	if env.MockConfig != "" {
		if mocks, err = asl.LoadMockConfig(env.MockConfig); err != nil {
			return err
		}
	}
	scale := env.WaitTimeScale
	eng, err := asl.NewEngine(asl.Options{Store: store, Tasks: inv, Logger: log, Region: env.Region, AccountID: env.AccountID, Mocks: mocks,
		Sleep: func(ctx context.Context, d time.Duration) error {
			t := time.NewTimer(scaled(d, scale))
			defer t.Stop()
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-t.C:
				return nil
			}
		}})
	if err != nil {
		return err
	}
	bind(eng)
	if err := eng.Start(ctx); err != nil {
		return err
	}
	defer func() {
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		_ = eng.Shutdown(sctx)
	}()
	mux := awsjson.NewMux(log)
	sfnapi.Register(mux, eng)
	log.Info("stepfunctions-local stand-in", "port", env.Port, "region", env.Region, "account", env.AccountID,
		"dynamodb", env.DynamoDB, "eventbridge", env.EventBridge, "waitTimeScale", env.WaitTimeScale)
	return serve(ctx, log, env.Port, mux)
}

// serve answers on every interface (inside a container) until ctx ends.
func serve(ctx context.Context, log *slog.Logger, port int, h http.Handler) error {
	ln, err := net.Listen("tcp", ":"+strconv.Itoa(port))
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
	}
	log.Info("stand-in stopping")
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return err
	}
	return nil
}
