package deploy_test

import (
	"bytes"
	"context"
	"errors"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"

	"github.com/sfapi/sfapi/internal/deploy"
	"github.com/sfapi/sfapi/internal/deploy/cfn"
	"github.com/sfapi/sfapi/internal/deploy/cfntest"
	"github.com/sfapi/sfapi/internal/project"
)

func standIn(t *testing.T) (*cfntest.Server, *cloudformation.Client) {
	t.Helper()
	fake := cfntest.New()
	srv := httptest.NewServer(fake)
	t.Cleanup(srv.Close)
	client := cloudformation.New(cloudformation.Options{
		Region:       "us-east-1",
		Credentials:  credentials.NewStaticCredentialsProvider("AKIDTEST", "secret", ""),
		BaseEndpoint: aws.String(srv.URL),
	})
	return fake, client
}

func gophers(t *testing.T) *cfn.Template {
	t.Helper()
	p, err := project.Load("../../examples/gophers")
	if err != nil {
		t.Fatal(err)
	}
	tmpl, err := cfn.Synthesize(p, cfn.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return tmpl
}

func opts(out, progress *bytes.Buffer) deploy.Options {
	return deploy.Options{
		StackName: "gophers-dev",
		Out:       out, Progress: progress,
		Now: func() time.Time { return time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC) },
	}
}

func TestDeployCreateThenNoChangesThenDestroy(t *testing.T) {
	t.Parallel()
	fake, client := standIn(t)
	fake.Outputs["ApiUrl"] = "https://abc.execute-api.us-east-1.amazonaws.com/dev"
	tmpl := gophers(t)
	ctx := context.Background()
	var out, progress bytes.Buffer
	asked := ""
	o := opts(&out, &progress)
	o.Confirm = func(_ context.Context, q string) (bool, error) { asked = q; return true, nil }

	res, err := deploy.Deploy(ctx, client, tmpl, o)
	if err != nil {
		t.Fatalf("deploy: %v\n%s", err, progress.String())
	}
	if res.Status != "CREATE_COMPLETE" || res.Outputs["ApiUrl"] != "https://abc.execute-api.us-east-1.amazonaws.com/dev" {
		t.Fatalf("result = %+v", res)
	}
	if asked != "Deploy these changes to gophers-dev?" {
		t.Fatalf("confirm question = %q", asked)
	}
	n := len(tmpl.Resources)
	for _, want := range []string{
		"Changes to gophers-dev (create):\n",
		"  + Jobs ",
		"AWS::DynamoDB::Table\n",
		"to add, 0 to change, 0 to remove\n",
		"Outputs:\n",
		"  ApiUrl ",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("stdout lacks %q:\n%s", want, out.String())
		}
	}
	if !strings.Contains(out.String(), "\n"+itoa(n)+" to add") {
		t.Errorf("want %d additions:\n%s", n, out.String())
	}
	lines := strings.Split(strings.TrimSpace(progress.String()), "\n")
	if first := lines[0]; !strings.Contains(first, "CREATE_IN_PROGRESS") || !strings.Contains(first, "gophers-dev") {
		t.Errorf("first event line = %q", first)
	}
	if last := lines[len(lines)-1]; !strings.Contains(last, "["+itoa(n)+"/"+itoa(n)+"]   CREATE_COMPLETE") {
		t.Errorf("last event line = %q", last)
	}
	if strings.Contains(out.String()+progress.String(), "secret") || strings.Contains(out.String()+progress.String(), "AKIDTEST") {
		t.Fatal("credentials printed")
	}

	// Same template again: no changes, and the empty change set is gone.
	out.Reset()
	progress.Reset()
	o.Confirm = func(context.Context, string) (bool, error) { t.Fatal("asked to confirm no changes"); return false, nil }
	res, err = deploy.Deploy(ctx, client, tmpl, o)
	if err != nil {
		t.Fatal(err)
	}
	if !res.NoChanges || out.String() != "No changes: stack gophers-dev is up to date.\n" {
		t.Fatalf("second deploy: %+v, stdout %q", res, out.String())
	}
	if fake.Requests["DeleteChangeSet"] != 1 || fake.Requests["ExecuteChangeSet"] != 1 {
		t.Fatalf("requests = %v", fake.Requests)
	}

	// Destroy, declined then accepted.
	out.Reset()
	o.Confirm = func(context.Context, string) (bool, error) { return false, nil }
	if _, err := deploy.Destroy(ctx, client, o); !errors.Is(err, deploy.ErrDeclined) {
		t.Fatalf("declined destroy: %v", err)
	}
	if fake.StackStatus("gophers-dev") != "CREATE_COMPLETE" {
		t.Fatal("declined destroy changed the stack")
	}
	o.Confirm = nil
	progress.Reset()
	res, err = deploy.Destroy(ctx, client, o)
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != "DELETE_COMPLETE" || !strings.HasSuffix(out.String(), "Stack gophers-dev deleted.\n") {
		t.Fatalf("destroy: %+v %q", res, out.String())
	}
	if !strings.Contains(progress.String(), "DELETE_COMPLETE") || fake.StackStatus("gophers-dev") != "" {
		t.Fatalf("destroy progress:\n%s", progress.String())
	}
	// Destroying again is not an error.
	out.Reset()
	if _, err := deploy.Destroy(ctx, client, o); err != nil || out.String() != "Stack gophers-dev does not exist: nothing to destroy.\n" {
		t.Fatalf("second destroy: %v %q", err, out.String())
	}
}

func TestDeployUpdateFailsAndRollsBack(t *testing.T) {
	t.Parallel()
	fake, client := standIn(t)
	ctx := context.Background()
	var out, progress bytes.Buffer
	o := opts(&out, &progress)
	if _, err := deploy.Deploy(ctx, client, gophers(t), o); err != nil {
		t.Fatal(err)
	}
	// Change the state machine and a table key: a modify and a replacement.
	tmpl := gophers(t)
	tmpl.Resources["AddGopher"].Properties["StateMachineType"] = "EXPRESS"
	delete(tmpl.Resources, "JobsToAddGopherDeadLetterQueue")
	tmpl.Resources["Extra"] = cfn.Resource{Type: "AWS::SQS::Queue"}
	fake.FailNext("Extra", "Resource handler returned message: \"Access denied\"")
	out.Reset()
	progress.Reset()
	_, err := deploy.Deploy(ctx, client, tmpl, o)
	var fe *deploy.FailedError
	if !errors.As(err, &fe) {
		t.Fatalf("err = %v, want FailedError\n%s", err, progress.String())
	}
	if fe.Status != "UPDATE_ROLLBACK_COMPLETE" || fe.Resource != "Extra" || fe.Type != "AWS::SQS::Queue" || !strings.Contains(fe.Reason, "Access denied") {
		t.Fatalf("failure = %+v", fe)
	}
	want := "Error: stack gophers-dev ended in UPDATE_ROLLBACK_COMPLETE: Extra (AWS::SQS::Queue) failed: Resource handler returned message: \"Access denied\""
	if "Error: "+err.Error() != want {
		t.Fatalf("message:\n got %s\nwant %s", err, want)
	}
	for _, want := range []string{
		"  ~ AddGopher ", "(replacement)",
		"  + Extra ", "  - JobsToAddGopherDeadLetterQueue ",
		"1 to add, 1 to change, 1 to remove (1 replaced)\n",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("diff lacks %q:\n%s", want, out.String())
		}
	}
	if !strings.Contains(progress.String(), "UPDATE_FAILED") && !strings.Contains(progress.String(), "CREATE_FAILED") {
		t.Errorf("progress shows no failure:\n%s", progress.String())
	}
	if fake.StackStatus("gophers-dev") != "UPDATE_ROLLBACK_COMPLETE" {
		t.Fatalf("stack status %s", fake.StackStatus("gophers-dev"))
	}
	// After the rollback the old template is still deployed: redeploying
	// it finds no changes.
	out.Reset()
	res, err := deploy.Deploy(ctx, client, gophers(t), o)
	if err != nil || !res.NoChanges {
		t.Fatalf("redeploy after rollback: %+v %v", res, err)
	}
}

func TestDeployCreateFailsAndRollsBack(t *testing.T) {
	t.Parallel()
	fake, client := standIn(t)
	ctx := context.Background()
	var out, progress bytes.Buffer
	fake.FailNext("Jobs", "Table already exists")
	_, err := deploy.Deploy(ctx, client, gophers(t), opts(&out, &progress))
	var fe *deploy.FailedError
	if !errors.As(err, &fe) || fe.Status != "ROLLBACK_COMPLETE" || fe.Resource != "Jobs" || fe.Reason != "Table already exists" {
		t.Fatalf("err = %v", err)
	}
	if !strings.Contains(progress.String(), "ROLLBACK_IN_PROGRESS") || !strings.Contains(progress.String(), "ROLLBACK_COMPLETE") {
		t.Fatalf("progress:\n%s", progress.String())
	}
	// A stack that never came up must be destroyed before deploying again.
	_, err = deploy.Deploy(ctx, client, gophers(t), opts(&out, &progress))
	if err == nil || !strings.Contains(err.Error(), "run sfapi destroy") {
		t.Fatalf("deploy over ROLLBACK_COMPLETE: %v", err)
	}
}

func TestDeployDeclinedLeavesNothing(t *testing.T) {
	t.Parallel()
	fake, client := standIn(t)
	var out, progress bytes.Buffer
	o := opts(&out, &progress)
	o.Confirm = func(context.Context, string) (bool, error) { return false, nil }
	if _, err := deploy.Deploy(context.Background(), client, gophers(t), o); !errors.Is(err, deploy.ErrDeclined) {
		t.Fatalf("err = %v", err)
	}
	if fake.Requests["ExecuteChangeSet"] != 0 || fake.Requests["DeleteChangeSet"] != 1 || fake.Requests["DeleteStack"] != 1 {
		t.Fatalf("requests = %v", fake.Requests)
	}
}

func itoa(n int) string { return strconv.Itoa(n) }
