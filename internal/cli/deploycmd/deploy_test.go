package deploycmd

import (
	"bytes"
	"context"
	"errors"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"

	"github.com/sfapi/sfapi/internal/cli/cmdutil"
	"github.com/sfapi/sfapi/internal/cli/iostreams"
	"github.com/sfapi/sfapi/internal/deploy"
	"github.com/sfapi/sfapi/internal/deploy/cfntest"
	"github.com/sfapi/sfapi/internal/project"
)

const gophersDir = "../../../examples/gophers"

func TestNewCmdDeployFlags(t *testing.T) {
	t.Parallel()
	tests := []struct {
		args    string
		want    DeployOptions
		wantErr string
	}{
		{args: "", want: DeployOptions{ProjectDir: "."}},
		{args: "--project p --stage prod --region eu-west-1 --profile ops --stack-name s --yes --dry-run --endpoint-url http://x",
			want: DeployOptions{ProjectDir: "p", Stage: "prod", StackName: "s", Yes: true, DryRun: true, AWS: AWSOptions{Region: "eu-west-1", Profile: "ops", EndpointURL: "http://x"}}},
		{args: "-y", want: DeployOptions{ProjectDir: ".", Yes: true}},
		{args: "--project=", wantErr: "--project must not be empty"},
		{args: "extra", wantErr: "takes no arguments"},
	}
	for _, tt := range tests {
		t.Run(tt.args, func(t *testing.T) {
			ios, _, _, _ := iostreams.Test()
			var got *DeployOptions
			cmd := NewCmdDeploy(&cmdutil.Factory{IOStreams: ios}, func(o *DeployOptions) error { got = o; return nil })
			cmd.SetArgs(strings.Fields(tt.args))
			cmd.SetOut(&bytes.Buffer{})
			cmd.SetErr(&bytes.Buffer{})
			err := cmd.Execute()
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.ProjectDir != tt.want.ProjectDir || got.Stage != tt.want.Stage || got.StackName != tt.want.StackName ||
				got.Yes != tt.want.Yes || got.DryRun != tt.want.DryRun || got.AWS != tt.want.AWS {
				t.Fatalf("options = %+v, want %+v", got, tt.want)
			}
		})
	}
	ios, _, _, _ := iostreams.Test()
	if f := NewCmdDeploy(&cmdutil.Factory{IOStreams: ios}, nil).Flags().Lookup("endpoint-url"); f == nil || !f.Hidden {
		t.Fatal("--endpoint-url must exist and be hidden")
	}
	if f := NewCmdDestroy(&cmdutil.Factory{IOStreams: ios}, nil).Flags().Lookup("dry-run"); f != nil {
		t.Fatal("destroy has no --dry-run")
	}
}

func TestDryRunPrintsGolden(t *testing.T) {
	t.Parallel()
	ios, _, out, errOut := iostreams.Test()
	opts := &DeployOptions{IO: ios, Load: project.Load, ProjectDir: gophersDir, DryRun: true,
		NewAPI: func(context.Context, AWSOptions) (deploy.API, error) { t.Fatal("dry run touched AWS"); return nil, nil }}
	if err := deployRun(context.Background(), opts); err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile("../../deploy/cfn/testdata/gophers.golden.json")
	if err != nil {
		t.Fatal(err)
	}
	if out.String() != string(want) || errOut.Len() != 0 {
		t.Fatalf("dry run output differs from the golden template (stderr %q)", errOut.String())
	}
}

// standIn returns options whose client is the real SDK client talking to
// a fresh CloudFormation stand-in.
func standIn(t *testing.T, stdin string) (*cfntest.Server, *DeployOptions, *bytes.Buffer, *bytes.Buffer) {
	t.Helper()
	fake := cfntest.New()
	srv := httptest.NewServer(fake)
	t.Cleanup(srv.Close)
	ios, in, out, errOut := iostreams.Test()
	in.WriteString(stdin)
	opts := &DeployOptions{
		IO: ios, Load: project.Load, ProjectDir: gophersDir,
		NewAPI: func(_ context.Context, o AWSOptions) (deploy.API, error) {
			return cloudformation.New(cloudformation.Options{
				Region:       o.Region,
				Credentials:  credentials.NewStaticCredentialsProvider("AKIDTEST", "secret", ""),
				BaseEndpoint: aws.String(o.EndpointURL),
			}), nil
		},
		AWS: AWSOptions{Region: "us-east-1", EndpointURL: srv.URL},
	}
	return fake, opts, out, errOut
}

func TestDeployAndDestroyRun(t *testing.T) {
	t.Parallel()
	fake, opts, out, errOut := standIn(t, "y\n")
	opts.Stage = "prod"
	if err := deployRun(context.Background(), opts); err != nil {
		t.Fatalf("deploy: %v\n%s", err, errOut.String())
	}
	if fake.StackStatus("gophers-prod") != "CREATE_COMPLETE" {
		t.Fatalf("stack status %q", fake.StackStatus("gophers-prod"))
	}
	if !strings.HasPrefix(out.String(), "Changes to gophers-prod (create):\n") || !strings.Contains(out.String(), "  WebSocketUrl ") {
		t.Fatalf("stdout:\n%s", out.String())
	}
	if !strings.HasPrefix(errOut.String(), "Deploy these changes to gophers-prod? [y/N] ") || !strings.Contains(errOut.String(), "CREATE_COMPLETE") {
		t.Fatalf("stderr:\n%s", errOut.String())
	}

	// Unchanged project: no changes, no question.
	out.Reset()
	if err := deployRun(context.Background(), opts); err != nil {
		t.Fatal(err)
	}
	if out.String() != "No changes: stack gophers-prod is up to date.\n" {
		t.Fatalf("stdout %q", out.String())
	}

	// Destroy: stdin is now empty, so without --yes it refuses.
	err := destroyRun(context.Background(), opts)
	if err == nil || cmdutil.HintOf(err) != "pass --yes to go ahead without asking" {
		t.Fatalf("destroy without an answer: %v", err)
	}
	opts.Yes = true
	out.Reset()
	if err := destroyRun(context.Background(), opts); err != nil {
		t.Fatal(err)
	}
	if out.String() != "Stack gophers-prod deleted.\n" || fake.StackStatus("gophers-prod") != "" {
		t.Fatalf("destroy stdout %q, status %q", out.String(), fake.StackStatus("gophers-prod"))
	}
}

func TestDeployRunFailureAndDecline(t *testing.T) {
	t.Parallel()
	fake, opts, _, errOut := standIn(t, "n\n")
	err := deployRun(context.Background(), opts)
	if !errors.Is(err, deploy.ErrDeclined) || fake.Requests["ExecuteChangeSet"] != 0 {
		t.Fatalf("declined: %v, requests %v", err, fake.Requests)
	}
	opts.Yes = true
	fake.FailNext("ApiStage", "CloudWatch Logs role ARN must be set in account settings to enable logging")
	errOut.Reset()
	err = deployRun(context.Background(), opts)
	want := "stack gophers-dev ended in ROLLBACK_COMPLETE: ApiStage (AWS::ApiGateway::Stage) failed: CloudWatch Logs role ARN must be set in account settings to enable logging"
	if err == nil || err.Error() != want {
		t.Fatalf("err = %v\nwant %s", err, want)
	}
	if !strings.Contains(errOut.String(), "CREATE_FAILED") || !strings.Contains(errOut.String(), "ROLLBACK_COMPLETE") {
		t.Fatalf("progress:\n%s", errOut.String())
	}
}

// The default client: credentials and region from the standard chain
// (here the environment), endpoint from the hidden flag.
func TestDefaultAPIUsesStandardChain(t *testing.T) {
	fake := cfntest.New()
	srv := httptest.NewServer(fake)
	defer srv.Close()
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIDENV")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "envsecret")
	t.Setenv("AWS_REGION", "")
	t.Setenv("AWS_DEFAULT_REGION", "")
	t.Setenv("AWS_CONFIG_FILE", os.DevNull)
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", os.DevNull)
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	if _, err := defaultAPI(context.Background(), AWSOptions{EndpointURL: srv.URL}); err == nil || cmdutil.HintOf(err) == "" {
		t.Fatalf("no region: err = %v", err)
	}
	t.Setenv("AWS_REGION", "eu-west-1")
	ios, _, out, errOut := iostreams.Test()
	opts := &DeployOptions{IO: ios, Load: project.Load, NewAPI: defaultAPI, ProjectDir: gophersDir, Yes: true, AWS: AWSOptions{EndpointURL: srv.URL}}
	if err := deployRun(context.Background(), opts); err != nil {
		t.Fatalf("deploy: %v\n%s", err, errOut.String())
	}
	if fake.StackStatus("gophers-dev") != "CREATE_COMPLETE" {
		t.Fatal("stack not created")
	}
	if all := out.String() + errOut.String(); strings.Contains(all, "envsecret") || strings.Contains(all, "AKIDENV") {
		t.Fatal("credentials printed")
	}
}
