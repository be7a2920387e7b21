package sfapitest_test

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/sfapi/sfapi/sfapitest"
)

const gophers = "../examples/gophers"

func ctxT(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func TestClockSleepAndAdvance(t *testing.T) {
	t.Parallel()
	s := sfapitest.Start(t, gophers)
	c := s.Clock()
	ctx := ctxT(t)

	// A short sleep ends with real time.
	start := time.Now()
	if err := c.Sleep(ctx, 20*time.Millisecond); err != nil || time.Since(start) < 20*time.Millisecond {
		t.Fatalf("Sleep(20ms) = %v after %s", err, time.Since(start))
	}
	// A long one ends when the clock passes its end, not before.
	done := make(chan error, 1)
	go func() { done <- c.Sleep(ctx, time.Hour) }()
	if err := c.BlockUntil(ctx, 1); err != nil {
		t.Fatal(err)
	}
	c.Advance(30 * time.Minute)
	select {
	case err := <-done:
		t.Fatalf("woke after half the sleep: %v", err)
	case <-time.After(50 * time.Millisecond):
	}
	if c.Sleepers() != 1 {
		t.Fatalf("Sleepers = %d, want 1", c.Sleepers())
	}
	c.Advance(30 * time.Minute)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	real := time.Now()
	if d := c.Now().Sub(real); d < time.Hour || d > time.Hour+time.Second {
		t.Fatalf("clock is %s ahead, want 1h", d)
	}
	// Cancellation ends a sleep with the context's error.
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if err := c.Sleep(cctx, time.Hour); !errors.Is(err, context.Canceled) {
		t.Fatalf("Sleep on a cancelled ctx = %v", err)
	}
	// BlockUntil gives up with its context.
	short, cancel2 := context.WithTimeout(ctx, 10*time.Millisecond)
	defer cancel2()
	if err := c.BlockUntil(short, 5); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("BlockUntil = %v", err)
	}
}

// Advancing the clock past an item's TTL deletes it at once.
func TestClockAdvanceExpiresTTL(t *testing.T) {
	t.Parallel()
	ctx := ctxT(t)
	s := sfapitest.Start(t, gophers)
	db := dynamodb.NewFromConfig(s.AWSConfig())
	if _, err := db.CreateTable(ctx, &dynamodb.CreateTableInput{
		TableName:            aws.String("Sessions"),
		BillingMode:          types.BillingModePayPerRequest,
		AttributeDefinitions: []types.AttributeDefinition{{AttributeName: aws.String("id"), AttributeType: types.ScalarAttributeTypeS}},
		KeySchema:            []types.KeySchemaElement{{AttributeName: aws.String("id"), KeyType: types.KeyTypeHash}},
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.UpdateTimeToLive(ctx, &dynamodb.UpdateTimeToLiveInput{
		TableName:               aws.String("Sessions"),
		TimeToLiveSpecification: &types.TimeToLiveSpecification{AttributeName: aws.String("expires"), Enabled: aws.Bool(true)},
	}); err != nil {
		t.Fatal(err)
	}
	expires := strconv.FormatInt(s.Clock().Now().Add(time.Hour).Unix(), 10)
	if _, err := db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("Sessions"), Item: map[string]types.AttributeValue{
		"id": &types.AttributeValueMemberS{Value: "s1"}, "expires": &types.AttributeValueMemberN{Value: expires},
	}}); err != nil {
		t.Fatal(err)
	}
	count := func() int32 {
		out, err := db.Scan(ctx, &dynamodb.ScanInput{TableName: aws.String("Sessions"), ConsistentRead: aws.Bool(true)})
		if err != nil {
			t.Fatal(err)
		}
		return out.Count
	}
	s.Clock().Advance(59 * time.Minute)
	if n := count(); n != 1 {
		t.Fatalf("before expiry: %d items", n)
	}
	s.Clock().Advance(2 * time.Minute)
	if n := count(); n != 0 {
		t.Fatalf("after expiry: %d items", n)
	}
}

// The API's own DynamoDB call is throttled: the job is not accepted, and
// the next one is.
func TestThrottleReachesAPIIntegration(t *testing.T) {
	t.Parallel()
	ctx := ctxT(t)
	s := sfapitest.Start(t, gophers)
	s.ThrottleNextDynamoDBCall()
	if _, err := s.SubmitJob(ctx, map[string]string{"name": "Gordon", "location": "meadow"}); err == nil || !strings.Contains(err.Error(), "answered") {
		t.Fatalf("SubmitJob with a throttled PutItem: err = %v, want a non-202 answer", err)
	}
	id, err := s.SubmitJob(ctx, map[string]string{"name": "Gordon", "location": "meadow"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.WaitForJob(ctx, id, sfapitest.StatusSucceeded); err != nil {
		t.Fatal(err)
	}
}

func TestClearFaults(t *testing.T) {
	t.Parallel()
	ctx := ctxT(t)
	s := sfapitest.Start(t, gophers)
	s.FailTask("SaveGopher", "X", "y")
	s.ThrottleNextDynamoDBCall()
	s.DropNextStreamBatch()
	s.ClearFaults()
	id, err := s.SubmitJob(ctx, map[string]string{"name": "Gordon", "location": "meadow"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.WaitForJob(ctx, id, sfapitest.StatusSucceeded); err != nil {
		t.Fatal(err)
	}
}

func TestSubmitJobErrors(t *testing.T) {
	t.Parallel()
	ctx := ctxT(t)
	s := sfapitest.Start(t, gophers)
	// The request validator refuses a body without a name.
	if _, err := s.SubmitJob(ctx, `{"location": "meadow"}`); err == nil || !strings.Contains(err.Error(), "answered 400") {
		t.Fatalf("invalid body: err = %v", err)
	}
	if _, err := s.Job(ctx, "nope"); !errors.Is(err, sfapitest.ErrNoJob) {
		t.Fatalf("Job(nope) = %v, want ErrNoJob", err)
	}
	short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	if _, err := s.WaitForJob(short, "nope", sfapitest.StatusSucceeded); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("WaitForJob(nope) = %v", err)
	}
}

func TestEventsEndWithStack(t *testing.T) {
	t.Parallel()
	ctx := ctxT(t)
	s, err := sfapitest.New(ctx, gophers)
	if err != nil {
		t.Fatal(err)
	}
	events, err := s.Events(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	for range events {
	}
	if err := s.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
}

func TestEnvAndEndpoints(t *testing.T) {
	t.Parallel()
	s := sfapitest.Start(t, gophers)
	ep := s.Endpoints()
	env := strings.Join(s.Env(), "\n") + "\n"
	for _, want := range []string{"AWS_ENDPOINT_URL=" + ep.AWS + "\n", "SFAPI_API_URL=" + ep.API + "\n", "SFAPI_WS_URL=" + ep.WS + "\n", "AWS_REGION=us-east-1\n"} {
		if !strings.Contains(env, want) {
			t.Errorf("Env lacks %q", want)
		}
	}
	if !strings.HasSuffix(ep.WS, "/jobs") {
		t.Errorf("WS = %s", ep.WS)
	}
}

func TestStartFailsOnBadProject(t *testing.T) {
	t.Parallel()
	if _, err := sfapitest.New(context.Background(), t.TempDir()); err == nil || !strings.Contains(err.Error(), "load project") {
		t.Fatalf("New on an empty folder: err = %v", err)
	}
}
