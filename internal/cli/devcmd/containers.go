package devcmd

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/sfapi/sfapi/internal/cli/cmdutil"
	"github.com/sfapi/sfapi/internal/emulator/containers"
	"github.com/sfapi/sfapi/internal/emulator/remote"
	"github.com/sfapi/sfapi/internal/project"
)

// Backends of `sfapi dev`.
const (
	BackendEmbedded   = "embedded"
	BackendContainers = "containers"
)

// checkBackendFlags validates the containers backend's flags.
func checkBackendFlags(opts *DevOptions) error {
	switch opts.Backend {
	case BackendEmbedded, BackendContainers:
	default:
		return cmdutil.FlagErrorf("--backend %q: want embedded or containers", opts.Backend)
	}
	if opts.Backend == BackendEmbedded && !opts.Clean {
		for _, f := range []struct {
			name string
			set  bool
		}{{"--reuse", opts.Reuse}, {"--force", opts.Force}} {
			if f.set {
				return cmdutil.FlagErrorf("%s needs --backend containers", f.name)
			}
		}
	}
	return nil
}

// cleanRun removes the containers and networks earlier runs of the
// project left (a crash, or --reuse), found by their sfapi.project label.
func cleanRun(ctx context.Context, opts *DevOptions) error {
	got, err := containers.Clean(ctx, opts.ProjectDir)
	for _, c := range got.Containers {
		fmt.Fprintf(opts.IO.Out, "removed container %s\n", c)
	}
	for _, n := range got.Networks {
		fmt.Fprintf(opts.IO.Out, "removed network %s\n", n)
	}
	if err != nil {
		return cmdutil.WithHint(fmt.Errorf("clean: %w", err), "is Docker running? (docker info)")
	}
	if len(got.Containers)+len(got.Networks) == 0 {
		fmt.Fprintln(opts.IO.Out, "nothing to clean")
	}
	return nil
}

// preflight refuses a project whose state machines Step Functions Local
// cannot run, unless --force.
func preflight(opts *DevOptions, proj *project.Project, log *slog.Logger) error {
	var ms []containers.Machine
	for _, sm := range proj.StateMachines() {
		ms = append(ms, containers.Machine{Name: sm.Name, Definition: sm.Definition})
	}
	findings, err := containers.Preflight(ms)
	if err != nil {
		return err
	}
	if len(findings) == 0 {
		return nil
	}
	if opts.Force {
		for _, f := range findings {
			log.Warn("Step Functions Local cannot run this; starting anyway (--force)", "finding", f.String())
		}
		return nil
	}
	return cmdutil.WithHint(
		fmt.Errorf("Step Functions Local cannot run these parts of the project's state machines:\n%s", containers.FormatFindings(findings)),
		"run it on the embedded backend (sfapi dev --backend embedded), or start anyway with --force")
}

// startContainers runs the preflight, then DynamoDB Local and Step
// Functions Local, and returns the backend binding sfapi's glue to them.
func startContainers(ctx context.Context, opts *DevOptions, proj *project.Project, log *slog.Logger) (*containers.Stack, *remote.Backend, error) {
	if err := preflight(opts, proj, log); err != nil {
		return nil, nil, err
	}
	start := time.Now()
	if opts.Reset {
		// --reset: start from empty containers, not the kept ones.
		got, err := containers.Clean(ctx, proj.Dir)
		if err != nil {
			return nil, nil, fmt.Errorf("reset: %w", err)
		}
		for _, c := range got.Containers {
			fmt.Fprintf(opts.IO.ErrOut, "containers: removed the kept container %s (--reset)\n", c)
		}
	}
	st, err := containers.Start(ctx, containers.Options{
		ProjectDir:         proj.Dir,
		Region:             proj.Region(),
		AccountID:          proj.AccountID(),
		DynamoDBImage:      opts.DynamoDBImage,
		StepFunctionsImage: opts.StepFunctionsImage,
		Reuse:              opts.Reuse,
		Progress:           opts.IO.ErrOut,
		Logger:             log,
	})
	if err != nil {
		return nil, nil, cmdutil.WithHint(err, "is Docker running (docker info)? Leftovers of a crashed run go with sfapi dev --clean")
	}
	fmt.Fprintf(opts.IO.ErrOut, "containers: ready in %s (dynamodb %s, stepfunctions %s)\n", time.Since(start).Round(time.Millisecond), st.DynamoDB, st.StepFunctions)
	b, err := remote.New(remote.Options{DynamoDBEndpoint: st.DynamoDB, StepFunctionsEndpoint: st.StepFunctions, Region: proj.Region(), Logger: log.With("component", "remote")})
	if err != nil {
		_ = st.Close(context.WithoutCancel(ctx))
		return nil, nil, err
	}
	return st, b, nil
}

// closeContainers removes the containers (unless --reuse keeps them).
func closeContainers(ctx context.Context, st *containers.Stack, log *slog.Logger) {
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	if err := st.Close(cctx); err != nil {
		log.Error("remove containers; sfapi dev --clean removes what is left", "err", err)
	}
}
