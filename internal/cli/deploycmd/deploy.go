package deploycmd

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/sfapi/sfapi/internal/cli/cmdutil"
	"github.com/sfapi/sfapi/internal/cli/iostreams"
	"github.com/sfapi/sfapi/internal/deploy"
	"github.com/sfapi/sfapi/internal/deploy/cfn"
	"github.com/sfapi/sfapi/internal/project"
)

// AWSOptions select the account, region and endpoint of the client.
type AWSOptions struct {
	Region, Profile string
	// EndpointURL replaces the CloudFormation endpoint (hidden flag, for
	// the local stand-in).
	EndpointURL string
}

// NewAPI builds the CloudFormation client; tests replace it.
type NewAPI func(ctx context.Context, o AWSOptions) (deploy.API, error)

// DeployOptions are the inputs of deployRun and destroyRun.
type DeployOptions struct {
	IO     *iostreams.IOStreams
	Load   func(dir string) (*project.Project, error)
	NewAPI NewAPI

	ProjectDir string
	Stage      string
	StackName  string
	AWS        AWSOptions
	Yes        bool
	DryRun     bool
	// PollInterval between stack event polls (deploy.DefaultPollInterval).
	PollInterval time.Duration
}

// defaultAPI loads credentials and region from the standard chain
// (environment, shared config and credentials files, SSO, IMDS), as the
// aws CLI does; --profile and --region take precedence.
func defaultAPI(ctx context.Context, o AWSOptions) (deploy.API, error) {
	var loads []func(*config.LoadOptions) error
	if o.Region != "" {
		loads = append(loads, config.WithRegion(o.Region))
	}
	if o.Profile != "" {
		loads = append(loads, config.WithSharedConfigProfile(o.Profile))
	}
	cfg, err := config.LoadDefaultConfig(ctx, loads...)
	if err != nil {
		return nil, fmt.Errorf("load AWS configuration: %w", err)
	}
	if cfg.Region == "" {
		return nil, cmdutil.WithHint(errors.New("no AWS region configured"), "pass --region, or set AWS_REGION")
	}
	return cloudformation.NewFromConfig(cfg, func(co *cloudformation.Options) {
		if o.EndpointURL != "" {
			co.BaseEndpoint = aws.String(o.EndpointURL)
		}
	}), nil
}

func addCommonFlags(fl *pflag.FlagSet, opts *DeployOptions) {
	fl.StringVar(&opts.ProjectDir, "project", ".", "project `dir`ectory (the one holding sfapi.yaml)")
	fl.StringVar(&opts.Stage, "stage", "", "API stage (default: api.stage of sfapi.yaml)")
	fl.StringVar(&opts.StackName, "stack-name", "", "CloudFormation stack `name` (default: PROJECT-STAGE)")
	fl.StringVar(&opts.AWS.Region, "region", "", "AWS `region` (default: the AWS SDK's: AWS_REGION, the profile's region)")
	fl.StringVar(&opts.AWS.Profile, "profile", "", "AWS shared config `profile` (default: AWS_PROFILE or default)")
	fl.BoolVarP(&opts.Yes, "yes", "y", false, "do not ask for confirmation")
	fl.StringVar(&opts.AWS.EndpointURL, "endpoint-url", "", "CloudFormation endpoint `URL` (for a local stand-in)")
	_ = fl.MarkHidden("endpoint-url")
	fl.DurationVar(&opts.PollInterval, "poll-interval", deploy.DefaultPollInterval, "time between stack event polls")
	_ = fl.MarkHidden("poll-interval")
}

// NewCmdDeploy builds `sfapi deploy`. runF replaces deployRun in tests.
func NewCmdDeploy(f *cmdutil.Factory, runF func(*DeployOptions) error) *cobra.Command {
	opts := &DeployOptions{IO: f.IOStreams, Load: project.Load, NewAPI: defaultAPI, PollInterval: deploy.DefaultPollInterval}
	cmd := &cobra.Command{
		Use:   "deploy",
		Short: "Deploy the project to AWS as a CloudFormation stack",
		Long: `Turn the project into a CloudFormation template — DynamoDB tables, the REST
API from the OpenAPI file, state machines, pipes, rules, the WebSocket push
API and one least-privilege IAM role per integration, no Lambda — and create
or update the stack through a change set.

The changes are shown as a diff (+ add, ~ change, - remove, replacements
called out) and confirmed before anything happens (--yes skips the
question); stack events stream to stderr until the stack settles. On failure
the first failed resource, its reason and the rollback's end state are
reported and the exit code is 1. An unchanged project reports "No changes".

Credentials and region come from the standard AWS chain (environment,
~/.aws/config and credentials, SSO); --profile and --region override it.`,
		Example: `  # Print the template without touching AWS
  sfapi deploy --dry-run

  # Deploy stage prod of the project in ./shop, without asking
  sfapi deploy --project ./shop --stage prod --region eu-west-1 --yes`,
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if opts.ProjectDir == "" {
				return cmdutil.FlagErrorf("--project must not be empty")
			}
			if runF != nil {
				return runF(opts)
			}
			return deployRun(cmd.Context(), opts)
		},
	}
	addCommonFlags(cmd.Flags(), opts)
	cmd.Flags().BoolVar(&opts.DryRun, "dry-run", false, "print the CloudFormation template (JSON) and stop")
	return cmd
}

// NewCmdDestroy builds `sfapi destroy`. runF replaces destroyRun in tests.
func NewCmdDestroy(f *cmdutil.Factory, runF func(*DeployOptions) error) *cobra.Command {
	opts := &DeployOptions{IO: f.IOStreams, Load: project.Load, NewAPI: defaultAPI, PollInterval: deploy.DefaultPollInterval}
	cmd := &cobra.Command{
		Use:   "destroy",
		Short: "Delete the project's CloudFormation stack and everything in it",
		Long: `Delete the project's stack — tables and their data included — after asking
(--yes skips the question), and follow the deletion until it completes.
A stack that does not exist is not an error.`,
		Example: `  sfapi destroy
  sfapi destroy --stage prod --yes`,
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if opts.ProjectDir == "" {
				return cmdutil.FlagErrorf("--project must not be empty")
			}
			if runF != nil {
				return runF(opts)
			}
			return destroyRun(cmd.Context(), opts)
		},
	}
	addCommonFlags(cmd.Flags(), opts)
	return cmd
}

func loadProject(opts *DeployOptions) (*project.Project, error) {
	p, err := opts.Load(opts.ProjectDir)
	if err != nil {
		var list project.ErrorList
		var perr *project.Error
		if errors.As(err, &list) || errors.As(err, &perr) {
			return nil, err // cli.Main prints each problem and exits 2
		}
		if errors.Is(err, fs.ErrNotExist) {
			return nil, cmdutil.WithHint(err, "sfapi init, or pass --project DIR")
		}
		return nil, err
	}
	return p, nil
}

func stackName(p *project.Project, opts *DeployOptions) string {
	if opts.StackName != "" {
		return opts.StackName
	}
	stage := opts.Stage
	if stage == "" {
		stage = p.Stage()
	}
	return p.Manifest.Name + "-" + stage
}

func deployOptions(opts *DeployOptions, name string) deploy.Options {
	d := deploy.Options{StackName: name, Out: opts.IO.Out, Progress: opts.IO.ErrOut, PollInterval: opts.PollInterval}
	if !opts.Yes {
		d.Confirm = confirmer(opts.IO)
	}
	return d
}

// confirmer asks on stderr and reads y/yes from stdin; anything else,
// including a closed stdin, is no.
func confirmer(streams *iostreams.IOStreams) func(context.Context, string) (bool, error) {
	return func(_ context.Context, question string) (bool, error) {
		fmt.Fprintf(streams.ErrOut, "%s [y/N] ", question)
		line, err := bufio.NewReader(streams.In).ReadString('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			return false, fmt.Errorf("read answer: %w", err)
		}
		if errors.Is(err, io.EOF) && line == "" {
			fmt.Fprintln(streams.ErrOut)
			return false, cmdutil.WithHint(errors.New("no answer on stdin"), "pass --yes to go ahead without asking")
		}
		switch strings.ToLower(strings.TrimSpace(line)) {
		case "y", "yes":
			return true, nil
		}
		return false, nil
	}
}

func deployRun(ctx context.Context, opts *DeployOptions) error {
	p, err := loadProject(opts)
	if err != nil {
		return err
	}
	tmpl, err := cfn.Synthesize(p, cfn.Options{Stage: opts.Stage})
	if err != nil {
		return err
	}
	if opts.DryRun {
		out, err := tmpl.JSON()
		if err != nil {
			return err
		}
		_, err = opts.IO.Out.Write(out)
		return err
	}
	api, err := opts.NewAPI(ctx, opts.AWS)
	if err != nil {
		return err
	}
	_, err = deploy.Deploy(ctx, api, tmpl, deployOptions(opts, stackName(p, opts)))
	return err
}

func destroyRun(ctx context.Context, opts *DeployOptions) error {
	p, err := loadProject(opts)
	if err != nil {
		return err
	}
	api, err := opts.NewAPI(ctx, opts.AWS)
	if err != nil {
		return err
	}
	_, err = deploy.Destroy(ctx, api, deployOptions(opts, stackName(p, opts)))
	return err
}
