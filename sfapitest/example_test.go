package sfapitest_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/sfapi/sfapi/sfapitest"
)

// A job goes through the whole stack: POST → DynamoDB → stream → pipe →
// Step Functions → DynamoDB. In a test, sfapitest.Start(t, dir) does what
// New and Close do here.
func Example() {
	ctx := context.Background()
	s, err := sfapitest.New(ctx, "../examples/gophers")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer s.Close()

	id, err := s.SubmitJob(ctx, map[string]string{"name": "Gordon", "location": "meadow"})
	if err != nil {
		fmt.Println(err)
		return
	}
	job, err := s.WaitForJob(ctx, id, sfapitest.StatusSucceeded)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(job.Operation, job.Status, string(job.Result))
	// Output: addGopher Succeeded {"gopherId":"Gordon","holesLinked":"0"}
}

// FailTask makes a Task state fail as if its resource had, so the state
// machine's Catch runs: gophers marks the job Failed with the error.
func ExampleStack_FailTask() {
	ctx := context.Background()
	s, err := sfapitest.New(ctx, "../examples/gophers")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer s.Close()

	s.FailTask("SaveGopher", "Gophers.Burrow", "the burrow collapsed")
	id, _ := s.SubmitJob(ctx, map[string]string{"name": "Gordon", "location": "meadow"})
	job, err := s.WaitForJob(ctx, id, sfapitest.StatusFailed)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(job.Status, string(job.Error))
	// Output: Failed {"Cause":"the burrow collapsed","Error":"Gophers.Burrow"}
}

// A throttled call reaches the SDK, whose retryer takes care of it; with
// retries off, the test sees the throttle.
func ExampleStack_ThrottleNextDynamoDBCall() {
	ctx := context.Background()
	s, err := sfapitest.New(ctx, "../examples/gophers")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer s.Close()
	db := dynamodb.NewFromConfig(s.AWSConfig())

	s.ThrottleNextDynamoDBCall()
	_, err = db.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String("Jobs")}, func(o *dynamodb.Options) { o.RetryMaxAttempts = 1 })
	fmt.Println(err != nil && strings.Contains(err.Error(), "ProvisionedThroughputExceededException"))

	s.ThrottleNextDynamoDBCall()
	out, err := db.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String("Jobs")})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(out.Table.TableStatus)
	// Output:
	// true
	// ACTIVE
}

// A dropped stream batch is retried by the pipe; the job still runs once.
func ExampleStack_DropNextStreamBatch() {
	ctx := context.Background()
	s, err := sfapitest.New(ctx, "../examples/gophers")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer s.Close()

	s.DropNextStreamBatch()
	id, _ := s.SubmitJob(ctx, map[string]string{"name": "Gordon", "location": "meadow"})
	job, err := s.WaitForJob(ctx, id, sfapitest.StatusSucceeded)
	fmt.Println(job.Status, err)
	// Output: Succeeded <nil>
}

// Events streams the push messages the project's WebSocket clients get.
func ExampleStack_Events() {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	s, err := sfapitest.New(ctx, "../examples/gophers")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer s.Close()

	events, err := s.Events(ctx)
	if err != nil {
		fmt.Println(err)
		return
	}
	if _, err := s.SubmitJob(ctx, map[string]string{"name": "Gordon", "location": "meadow"}); err != nil {
		fmt.Println(err)
		return
	}
	for ev := range events {
		fmt.Println(ev.Source, ev.DetailType)
		if ev.DetailType == "JobSucceeded" {
			break
		}
	}
	// Output:
	// gophers.jobs JobProgress
	// gophers.jobs JobSucceeded
}

// The clock jumps: Wait states, retry delays and TTL follow it.
func ExampleClock_Advance() {
	ctx := context.Background()
	s, err := sfapitest.New(ctx, "../examples/gophers")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer s.Close()

	done := make(chan error, 1)
	go func() { done <- s.Clock().Sleep(ctx, 24*time.Hour) }() // as a Wait state does
	if err := s.Clock().BlockUntil(ctx, 1); err != nil {
		fmt.Println(err)
		return
	}
	before := s.Clock().Now()
	s.Clock().Advance(24 * time.Hour)
	fmt.Println(<-done, s.Clock().Now().Sub(before).Round(time.Hour))
	// Output: <nil> 24h0m0s
}

// DeadLetters lists what a pipe gave up on.
func ExampleStack_DeadLetters() {
	s, err := sfapitest.New(context.Background(), "../examples/gophers")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer s.Close()
	dl, err := s.DeadLetters("JobsToAddGopher")
	fmt.Println(len(dl), err)
	_, err = s.DeadLetters("NoSuchPipe")
	fmt.Println(err != nil, errors.Unwrap(err) != nil)
	// Output:
	// 0 <nil>
	// true true
}
