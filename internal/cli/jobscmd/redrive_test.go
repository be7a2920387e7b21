package jobscmd

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	sfntypes "github.com/aws/aws-sdk-go-v2/service/sfn/types"

	"github.com/sfapi/sfapi/internal/cli/cmdutil"
	"github.com/sfapi/sfapi/internal/cli/iostreams"
	"github.com/sfapi/sfapi/internal/emulator"
	"github.com/sfapi/sfapi/internal/project"
)

const redriveDir = "testdata/redrive"

func TestRedriveFlags(t *testing.T) {
	t.Parallel()
	io, _, _, _ := iostreams.Test()
	var got *JobsOptions
	cmd := NewCmdJobs(&cmdutil.Factory{IOStreams: io, Now: time.Now}, func(o *JobsOptions) error { got = o; return nil })
	cmd.SetArgs(strings.Fields("redrive --dry-run --pipe P --skip-executions"))
	cmd.SetOut(&strings.Builder{})
	cmd.SetErr(&strings.Builder{})
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	if got.Command != "redrive" || !got.DryRun || got.Pipe != "P" || !got.SkipExecutions {
		t.Fatalf("options = %+v", got)
	}
	cmd.SetArgs([]string{"redrive", "extra"})
	if err := cmd.Execute(); err == nil {
		t.Fatal("redrive accepted an argument")
	}
}

// TestRedriveEndToEnd fails a job in both of the project's pipes (the
// EXPRESS one parks its batch in the on-failure queue, the STANDARD one
// has a FAILED execution), then redrives them through the command.
func TestRedriveEndToEnd(t *testing.T) {
	t.Parallel()
	p, err := project.Load(redriveDir)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	em, err := emulator.New(emulator.Options{Project: p, DataDir: dir, InMemory: true, APIAddr: "127.0.0.1:0", AWSAddr: "127.0.0.1:0", WSAddr: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	ep, err := em.Start(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := em.Shutdown(ctx); err != nil {
			t.Errorf("shutdown: %v", err)
		}
	})
	cfg := aws.Config{Region: "us-east-1", Credentials: credentials.NewStaticCredentialsProvider("test", "test", ""), BaseEndpoint: aws.String(ep.AWS)}
	db, sf := dynamodb.NewFromConfig(cfg), sfn.NewFromConfig(cfg)
	ctx := t.Context()
	put := func(pk, sk string) {
		t.Helper()
		_, err := db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(p.Manifest.Tables["Jobs"].Name), Item: map[string]ddbtypes.AttributeValue{
			"pk": &ddbtypes.AttributeValueMemberS{Value: pk}, "sk": &ddbtypes.AttributeValueMemberS{Value: sk}}})
		if err != nil {
			t.Fatal(err)
		}
	}
	execARN := "arn:aws:states:us-east-1:000000000000:execution:" + p.Manifest.StateMachines["GateStandard"].Name + ":j1"
	status := func() sfntypes.ExecutionStatus {
		out, err := sf.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: aws.String(execARN)})
		if err != nil {
			return ""
		}
		return out.Status
	}
	redrive := func(args string, wantErr bool) string {
		t.Helper()
		io, _, out, errOut := iostreams.Test()
		cmd := NewCmdJobs(&cmdutil.Factory{IOStreams: io, Now: time.Now}, nil)
		cmd.SetArgs(append([]string{"redrive", "--project", redriveDir, "--data-dir", dir}, strings.Fields(args)...))
		cmd.SetOut(&strings.Builder{})
		cmd.SetErr(&strings.Builder{})
		err := cmd.ExecuteContext(ctx)
		if (err != nil) != wantErr {
			t.Fatalf("redrive %s: err = %v, want error %v\n%s%s", args, err, wantErr, out, errOut)
		}
		return out.String()
	}

	put("j1", "job#gate")
	waitFor(t, "the failed execution", func() bool { return status() == sfntypes.ExecutionStatusFailed })
	var out string
	waitFor(t, "the parked batch", func() bool {
		out = redrive("--dry-run", false)
		return strings.Contains(out, "would redrive pipe batch JobsToExpress/")
	})
	if !strings.Contains(out, "would redrive pipe batch JobsToExpress/") || !strings.Contains(out, "(1 records)") ||
		!strings.Contains(out, "would redrive execution "+p.Manifest.StateMachines["GateStandard"].Name+"/j1 (FAILED)") {
		t.Fatalf("dry run printed:\n%s", out)
	}

	// The gate is still closed: the pipe batch fails again and stays
	// queued; the command says so and fails.
	out = redrive("--skip-executions", true)
	if !strings.Contains(out, "failed to redrive pipe batch JobsToExpress/") {
		t.Fatalf("redrive into a closed gate printed:\n%s", out)
	}
	if status() != sfntypes.ExecutionStatusFailed {
		t.Fatalf("--skip-executions touched the execution: %s", status())
	}

	put("gate", "gate")
	out = redrive("", false)
	if !strings.Contains(out, "redrove pipe batch JobsToExpress/") || !strings.Contains(out, "redrove execution "+p.Manifest.StateMachines["GateStandard"].Name+"/j1 (FAILED)") {
		t.Fatalf("redrive printed:\n%s", out)
	}
	waitFor(t, "the redriven execution", func() bool { return status() == sfntypes.ExecutionStatusSucceeded })
	d, err := sf.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: aws.String(execARN)})
	if err != nil || aws.ToInt32(d.RedriveCount) != 1 {
		t.Fatalf("redriven execution = %+v, %v", d, err)
	}
	// Nothing is left to redrive.
	if out = redrive("", false); !strings.Contains(out, "no failed pipe batches") || !strings.Contains(out, "no failed executions") {
		t.Fatalf("second redrive printed:\n%s", out)
	}
}
