package containers

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/moby/moby/client"

	"github.com/sfapi/sfapi/internal/emulator/parity"
	"github.com/sfapi/sfapi/internal/emulator/remote"
)

// The tests here run real containers. Docker must answer; when it cannot,
// they skip loudly, except under CI=true where that is a failure.

var (
	standinsOnce sync.Once
	standins     Standins
	standinsErr  error
)

// requireStandins checks Docker and builds (or finds) the stand-in images.
func requireStandins(t *testing.T) Standins {
	t.Helper()
	t.Setenv("TESTCONTAINERS_RYUK_DISABLED", "true")
	ctx := context.Background()
	if err := Available(ctx); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("Docker is required under CI=true: %v", err)
		}
		t.Skipf("SKIPPING: Docker is not available (%v); the containers backend is untested here", err)
	}
	standinsOnce.Do(func() {
		root, err := filepath.Abs("../../..")
		if err != nil {
			standinsErr = err
			return
		}
		standins, standinsErr = BuildStandins(ctx, root, io.Discard)
	})
	if standinsErr != nil {
		t.Fatalf("build stand-in images: %v", standinsErr)
	}
	return standins
}

func call(t *testing.T, ep, signing, target, body string) (int, string) {
	t.Helper()
	f := &remote.Forwarder{Endpoint: ep, SigningName: signing, Region: "us-east-1"}
	status, out, err := f.Call(context.Background(), target, []byte(body))
	if err != nil {
		t.Fatalf("%s: %v", target, err)
	}
	return status, string(out)
}

func mustCall(t *testing.T, ep, signing, target, body string) string {
	t.Helper()
	status, out := call(t, ep, signing, target, body)
	if status != http.StatusOK {
		t.Fatalf("%s: %d %s", target, status, out)
	}
	return out
}

func projectContainers(t *testing.T, dir string) []string {
	t.Helper()
	cli, err := dockerClient(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer cli.Close()
	abs, _ := filepath.Abs(dir)
	res, err := cli.ContainerList(context.Background(), client.ContainerListOptions{All: true, Filters: make(client.Filters).Add("label", LabelProject+"="+abs)})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, c := range res.Items {
		names = append(names, c.Names[0]+"["+c.Labels[LabelRole]+","+c.Labels[LabelSession]+"]")
	}
	return names
}

const machine = `{
  "StartAt": "Put",
  "States": {
    "Put": {"Type": "Task", "Resource": "arn:aws:states:::dynamodb:putItem",
      "Parameters": {"TableName": "Tab", "Item": {"pk": {"S.$": "$.id"}}}, "ResultPath": null, "Next": "Announce"},
    "Announce": {"Type": "Task", "Resource": "arn:aws:states:::events:putEvents",
      "Parameters": {"Entries": [{"Source": "test", "DetailType": "done", "Detail": {"id.$": "$.id"}}]}, "End": true}
  }
}`

// TestStackWiring: network alias (Step Functions reaches DynamoDB as
// "dynamodb"), environment (region, account, endpoints), the events relay
// to sfapi's endpoint, labels, and removal on Close.
func TestStackWiring(t *testing.T) {
	imgs := requireStandins(t)
	ctx := context.Background()
	dir := t.TempDir()
	var progress strings.Builder
	st, err := Start(ctx, Options{ProjectDir: dir, Region: "eu-west-1", AccountID: "111122223333",
		DynamoDBImage: imgs.DynamoDB, StepFunctionsImage: imgs.StepFunctions, Progress: &progress})
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	defer st.Close(ctx)
	for _, want := range []string{"created network", "starting dynamodb-local", "waiting for stepfunctions-local to be ready"} {
		if !strings.Contains(progress.String(), want) {
			t.Errorf("progress lacks %q:\n%s", want, progress.String())
		}
	}
	if got := projectContainers(t, dir); len(got) != 2 || !strings.Contains(strings.Join(got, " "), st.Session()) {
		t.Fatalf("labelled containers = %v, want 2 of session %s", got, st.Session())
	}

	events := make(chan string, 4)
	fake := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		events <- r.Header.Get("X-Amz-Target") + " " + string(b)
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		_, _ = io.WriteString(w, `{"FailedEntryCount":0,"Entries":[{"EventId":"1"}]}`)
	}))
	defer fake.Close()
	if err := st.SetEventsTarget(fake.URL); err != nil {
		t.Fatal(err)
	}

	mustCall(t, st.DynamoDB, "dynamodb", "DynamoDB_20120810.CreateTable",
		`{"TableName":"Tab","KeySchema":[{"AttributeName":"pk","KeyType":"HASH"}],"AttributeDefinitions":[{"AttributeName":"pk","AttributeType":"S"}],"BillingMode":"PAY_PER_REQUEST"}`)
	out := mustCall(t, st.StepFunctions, "states", "AWSStepFunctions.CreateStateMachine",
		fmt.Sprintf(`{"name":"M","definition":%q,"roleArn":"arn:aws:iam::111122223333:role/r"}`, machine))
	if !strings.Contains(out, "arn:aws:states:eu-west-1:111122223333:stateMachine:M") {
		t.Fatalf("state machine ARN does not carry AWS_DEFAULT_REGION/AWS_ACCOUNT_ID: %s", out)
	}
	out = mustCall(t, st.StepFunctions, "states", "AWSStepFunctions.StartExecution",
		`{"stateMachineArn":"arn:aws:states:eu-west-1:111122223333:stateMachine:M","name":"e1","input":"{\"id\":\"job-1\"}"}`)
	var ex struct{ ExecutionArn string }
	_ = json.Unmarshal([]byte(out), &ex)
	status := ""
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		out = mustCall(t, st.StepFunctions, "states", "AWSStepFunctions.DescribeExecution", fmt.Sprintf(`{"executionArn":%q}`, ex.ExecutionArn))
		var d struct{ Status string }
		_ = json.Unmarshal([]byte(out), &d)
		if status = d.Status; status != "RUNNING" {
			break
		}
	}
	if status != "SUCCEEDED" {
		t.Fatalf("execution: %s", out)
	}
	if got := mustCall(t, st.DynamoDB, "dynamodb", "DynamoDB_20120810.GetItem", `{"TableName":"Tab","Key":{"pk":{"S":"job-1"}}}`); !strings.Contains(got, "job-1") {
		t.Fatalf("the dynamodb task did not reach DynamoDB Local through DYNAMODB_ENDPOINT: %s", got)
	}
	select {
	case ev := <-events:
		if !strings.HasPrefix(ev, "AWSEvents.PutEvents ") || !strings.Contains(ev, "job-1") {
			t.Fatalf("relayed event = %s", ev)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("events:putEvents never reached sfapi's endpoint through the relay")
	}

	if err := st.Close(ctx); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if got := projectContainers(t, dir); len(got) != 0 {
		t.Fatalf("containers left after Close: %v", got)
	}
}

// TestReuseAndClean: Reuse keeps the containers (and their data) for the
// next run, which adopts them; Clean removes them and the network.
func TestReuseAndClean(t *testing.T) {
	imgs := requireStandins(t)
	ctx := context.Background()
	dir := t.TempDir()
	opts := Options{ProjectDir: dir, Region: "us-east-1", AccountID: "123456789012",
		DynamoDBImage: imgs.DynamoDB, StepFunctionsImage: imgs.StepFunctions, Reuse: true}
	st, err := Start(ctx, opts)
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() { _, _ = Clean(context.Background(), dir) })
	mustCall(t, st.DynamoDB, "dynamodb", "DynamoDB_20120810.CreateTable",
		`{"TableName":"Kept","KeySchema":[{"AttributeName":"pk","KeyType":"HASH"}],"AttributeDefinitions":[{"AttributeName":"pk","AttributeType":"S"}],"BillingMode":"PAY_PER_REQUEST"}`)
	first := st.DynamoDB
	if err := st.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if got := projectContainers(t, dir); len(got) != 2 {
		t.Fatalf("Reuse: containers after Close = %v, want both kept", got)
	}

	var progress strings.Builder
	opts.Progress = &progress
	st2, err := Start(ctx, opts)
	if err != nil {
		t.Fatalf("second Start: %v", err)
	}
	if !st2.Reused || st2.DynamoDB != first {
		t.Fatalf("second run: reused=%v endpoint %s (first %s)\n%s", st2.Reused, st2.DynamoDB, first, progress.String())
	}
	if !strings.Contains(progress.String(), "reusing dynamodb-local") || !strings.Contains(progress.String(), "reusing stepfunctions-local") {
		t.Fatalf("progress:\n%s", progress.String())
	}
	if out := mustCall(t, st2.DynamoDB, "dynamodb", "DynamoDB_20120810.ListTables", `{}`); !strings.Contains(out, "Kept") {
		t.Fatalf("the kept DynamoDB lost its table: %s", out)
	}
	// A crash: nothing closes st2. Clean finds everything by label.
	st2.relay.close()
	got, err := Clean(ctx, dir)
	if err != nil {
		t.Fatalf("Clean: %v", err)
	}
	if len(got.Containers) != 2 || len(got.Networks) != 1 {
		t.Fatalf("Clean removed %+v, want 2 containers and 1 network", got)
	}
	if left := projectContainers(t, dir); len(left) != 0 {
		t.Fatalf("left after Clean: %v", left)
	}
	again, err := Clean(ctx, dir)
	if err != nil || len(again.Containers)+len(again.Networks) != 0 {
		t.Fatalf("second Clean = %+v, %v; want nothing", again, err)
	}
}

// TestParityDynamoDBLocal runs the DynamoDB parity suite (the same
// aws-sdk-go-v2 scenarios the embedded engine passes) through the
// containers backend: always against the stand-in image, which proves the
// network, readiness and forwarding the backend relies on, and against
// AWS's own amazon/dynamodb-local whenever that image is on this machine.
func TestParityDynamoDBLocal(t *testing.T) {
	imgs := requireStandins(t)
	ctx := context.Background()
	images := []struct{ name, image string }{
		{"standin", imgs.DynamoDB},
		{"amazon", DefaultDynamoDBImage},
	}
	for _, im := range images {
		t.Run(im.name, func(t *testing.T) {
			if im.name == "amazon" && !imagePresent(ctx, t, im.image) {
				t.Skipf("SKIPPING: %s is not on this machine and no registry is reachable here; `docker pull %s` and rerun to check parity against AWS's own engine", im.image, im.image)
			}
			st, err := Start(ctx, Options{ProjectDir: t.TempDir(), DynamoDBImage: im.image, StepFunctionsImage: imgs.StepFunctions})
			if err != nil {
				t.Fatalf("Start: %v", err)
			}
			t.Cleanup(func() { st.Close(context.Background()) })
			parity.Run(t, parity.NewEnv(st.DynamoDB, parity.DynamoDBLocal...), nil)
		})
	}
}

func imagePresent(ctx context.Context, t *testing.T, image string) bool {
	t.Helper()
	cli, err := dockerClient(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer cli.Close()
	_, err = cli.ImageInspect(ctx, image)
	return err == nil
}
