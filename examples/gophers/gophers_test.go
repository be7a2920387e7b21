// Integration tests of the gophers project, written with sfapitest: the
// way a team tests its own storage-first API. `sfapi init` does not copy
// this file into new projects (internal/scaffold skips Go files; see
// TestInitSkipsGoFiles).
package gophers_test

import (
	"context"
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/sfapi/sfapi/internal/project"
	"github.com/sfapi/sfapi/internal/scaffold"
	"github.com/sfapi/sfapi/sfapitest"
)

func testContext(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func addGopher(name, location string) map[string]string {
	return map[string]string{"name": name, "location": location}
}

func TestJobSucceeds(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	s := sfapitest.Start(t, ".")

	id, err := s.SubmitJob(ctx, addGopher("Gordon", "meadow"))
	if err != nil {
		t.Fatal(err)
	}
	job, err := s.WaitForJob(ctx, id, sfapitest.StatusSucceeded)
	if err != nil {
		t.Fatal(err)
	}
	if got := string(job.Result); got != `{"gopherId":"Gordon","holesLinked":"0"}` {
		t.Errorf("result = %s", got)
	}
	// The gopher is in the table, as any AWS SDK client sees it.
	db := dynamodb.NewFromConfig(s.AWSConfig())
	out, err := db.GetItem(ctx, &dynamodb.GetItemInput{
		TableName: aws.String("Jobs"),
		Key: map[string]types.AttributeValue{
			"pk": &types.AttributeValueMemberS{Value: "gopher#Gordon"},
			"sk": &types.AttributeValueMemberS{Value: "gopher"},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if loc, _ := out.Item["location"].(*types.AttributeValueMemberS); loc == nil || loc.Value != "meadow" {
		t.Errorf("gopher item = %v, want location meadow", out.Item)
	}
}

func TestFailingTaskFailsJob(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	s := sfapitest.Start(t, ".")

	s.FailTask("DigHole", "Gophers.NoRoom", "the meadow is full")
	id, err := s.SubmitJob(ctx, addGopher("Gordon", "meadow"))
	if err != nil {
		t.Fatal(err)
	}
	job, err := s.WaitForJob(ctx, id, sfapitest.StatusFailed)
	if err != nil {
		t.Fatal(err)
	}
	if got := string(job.Error); got != `{"Cause":"the meadow is full","Error":"Gophers.NoRoom"}` {
		t.Errorf("job error = %s", got)
	}
	// Waiting for the wrong status says how the job ended, at once.
	if _, err := s.WaitForJob(ctx, id, sfapitest.StatusSucceeded); err == nil || !strings.Contains(err.Error(), "ended Failed") {
		t.Errorf("WaitForJob(Succeeded) of a failed job: err = %v", err)
	}
}

// A throttled DynamoDB write is never acknowledged: the API answers 500
// (the POST's error mapping), no job exists, and the next POST, no longer
// throttled, is accepted and runs. (A throttled call inside the state
// machine would race the pipe, which starts the execution within
// milliseconds of the 202; FailTask covers the task path.)
func TestThrottledWriteIsNotAccepted(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	s := sfapitest.Start(t, ".")

	s.ThrottleNextDynamoDBCall()
	if id, err := s.SubmitJob(ctx, addGopher("Gordon", "meadow")); err == nil || !strings.Contains(err.Error(), "answered 500") {
		t.Fatalf("throttled POST: id %q, err %v; want a 500", id, err)
	}
	id, err := s.SubmitJob(ctx, addGopher("Gordon", "meadow"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.WaitForJob(ctx, id, sfapitest.StatusSucceeded); err != nil {
		t.Fatal(err)
	}
	out, err := dynamodb.NewFromConfig(s.AWSConfig()).Scan(ctx, &dynamodb.ScanInput{
		TableName:                 aws.String("Jobs"),
		FilterExpression:          aws.String("begins_with(sk, :job)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":job": &types.AttributeValueMemberS{Value: "job#"}},
	})
	if err != nil || out.Count != 1 {
		t.Fatalf("jobs stored: %v (%v); want only the accepted one", out.Count, err)
	}
}

// A stream record the target cannot take is retried maximumRetryAttempts
// times, then parked in the pipe's on-failure queue; the pipe moves on to
// the next job. The poison: a job item of 300 KB, which DynamoDB stores
// (its limit is 400 KB) but whose stream record exceeds the 256 KB input
// limit of a Step Functions execution.
func TestPoisonedRecordReachesDeadLetterQueue(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	dir := projectVariant(t, func(dir string) {
		edit(t, filepath.Join(dir, "sfapi.yaml"), "      batchSize: 1\n", "      batchSize: 1\n      maximumRetryAttempts: 2\n")
	})
	s := sfapitest.Start(t, dir)

	db := dynamodb.NewFromConfig(s.AWSConfig())
	_, err := db.PutItem(ctx, &dynamodb.PutItemInput{
		TableName: aws.String("Jobs"),
		Item: map[string]types.AttributeValue{
			"pk":     &types.AttributeValueMemberS{Value: "poison"},
			"sk":     &types.AttributeValueMemberS{Value: "job#addGopher"},
			"status": &types.AttributeValueMemberS{Value: "Pending"},
			"input": &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{
				"name":  &types.AttributeValueMemberS{Value: "Bloated"},
				"notes": &types.AttributeValueMemberS{Value: strings.Repeat("x", 300_000)},
			}},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	var dead []sfapitest.DeadLetter
	for len(dead) == 0 {
		if dead, err = s.DeadLetters("JobsToAddGopher"); err != nil {
			t.Fatal(err)
		}
		if ctx.Err() != nil {
			t.Fatal("the poisoned record never reached the dead-letter queue")
		}
		time.Sleep(10 * time.Millisecond)
	}
	d := dead[0]
	if len(dead) != 1 || d.Condition != "TargetInvocationFailed" || d.Attempts != 3 || !strings.Contains(d.Error, "InvalidExecutionInput") {
		t.Fatalf("dead letters = %+v, want one TargetInvocationFailed after 3 attempts with InvalidExecutionInput", dead)
	}
	var rec struct {
		DynamoDB struct {
			Keys map[string]map[string]string
		} `json:"dynamodb"`
	}
	if len(d.Records) != 1 || json.Unmarshal(d.Records[0], &rec) != nil || rec.DynamoDB.Keys["pk"]["S"] != "poison" {
		t.Fatalf("dead letter records = %s", d.Records)
	}

	id, err := s.SubmitJob(ctx, addGopher("Gordon", "meadow"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.WaitForJob(ctx, id, sfapitest.StatusSucceeded); err != nil {
		t.Fatal(err)
	}
}

// A Wait state of an hour passes when the test moves the clock, not after
// an hour.
func TestWaitStatePassesOnControlledClock(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	dir := projectVariant(t, func(dir string) {
		path := filepath.Join(dir, "statemachines", "add-gopher.asl.json")
		var def map[string]any
		if err := json.Unmarshal(read(t, path), &def); err != nil {
			t.Fatal(err)
		}
		states := def["States"].(map[string]any)
		states["ReadJob"].(map[string]any)["Next"] = "Pause"
		states["Pause"] = map[string]any{"Type": "Wait", "Seconds": 3600, "Next": "MarkInProgress"}
		data, err := json.MarshalIndent(def, "", "  ")
		if err != nil {
			t.Fatal(err)
		}
		write(t, path, data)
	})
	s := sfapitest.Start(t, dir)
	start := time.Now()

	id, err := s.SubmitJob(ctx, addGopher("Gordon", "meadow"))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Clock().BlockUntil(ctx, 1); err != nil {
		t.Fatalf("the execution never reached its Wait state: %v", err)
	}
	if job, err := s.Job(ctx, id); err != nil || job.Status != sfapitest.StatusPending {
		t.Fatalf("job during the wait = %+v, %v; want Pending", job, err)
	}
	s.Clock().Advance(time.Hour)
	job, err := s.WaitForJob(ctx, id, sfapitest.StatusSucceeded)
	if err != nil {
		t.Fatal(err)
	}
	if took := time.Since(start); took > 20*time.Second {
		t.Errorf("the job took %s of real time", took)
	}
	// The execution's clock moved: the job was claimed an hour after it
	// was submitted.
	created, _ := time.Parse(time.RFC3339, job.Item["createdAt"].(string))
	updated, _ := time.Parse(time.RFC3339, job.Item["updatedAt"].(string))
	if !created.IsZero() && updated.Sub(created) < time.Hour {
		t.Errorf("createdAt %s, updatedAt %s: want an hour between them", created, updated)
	}
}

// sfapi init writes this project without its Go test files: a new project
// has no go.mod that would make them compile.
func TestInitSkipsGoFiles(t *testing.T) {
	t.Parallel()
	tmpl, err := scaffold.Template(scaffold.DefaultTemplate)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := fs.Stat(tmpl, "gophers_test.go"); err != nil {
		t.Fatalf("the embedded template should carry this file (so the skip matters): %v", err)
	}
	dir := t.TempDir()
	written, err := scaffold.Write(tmpl, dir, scaffold.Options{Name: "burrows"})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range written {
		if strings.HasSuffix(p, ".go") {
			t.Errorf("sfapi init wrote %s", p)
		}
	}
	if _, err := project.Load(dir); err != nil {
		t.Fatalf("the written project does not load: %v", err)
	}
	// And it runs: a job succeeds on it.
	ctx := testContext(t)
	s := sfapitest.Start(t, dir)
	id, err := s.SubmitJob(ctx, addGopher("Gordon", "meadow"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.WaitForJob(ctx, id, sfapitest.StatusSucceeded); err != nil {
		t.Fatal(err)
	}
}

// projectVariant copies this project into a temporary folder (without Go
// files and state) and lets change edit it.
func projectVariant(t *testing.T, change func(dir string)) string {
	t.Helper()
	dir := t.TempDir()
	err := filepath.WalkDir(".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && d.Name() == ".sfapi" {
			return fs.SkipDir
		}
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(dir, p), 0o755)
		}
		if strings.HasSuffix(p, ".go") {
			return nil
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dir, p), data, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	change(dir)
	return dir
}

func edit(t *testing.T, path, old, new string) {
	t.Helper()
	data := string(read(t, path))
	if strings.Count(data, old) != 1 {
		t.Fatalf("%s: want exactly one %q", path, old)
	}
	write(t, path, []byte(strings.Replace(data, old, new, 1)))
}

func read(t *testing.T, path string) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func write(t *testing.T, path string, data []byte) {
	t.Helper()
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}
