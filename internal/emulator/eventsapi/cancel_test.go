package eventsapi

import (
	"context"
	"net/http/httptest"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge/types"

	"github.com/sfapi/sfapi/internal/emulator/awsjson"
	"github.com/sfapi/sfapi/internal/emulator/kv"
	"github.com/sfapi/sfapi/internal/emulator/push"
)

const blockARN = "arn:sfapi:test:::block"

// newBlockingClient serves EventBridge over a router whose blockARN
// target holds each delivery until its context ends, counting them.
func newBlockingClient(t *testing.T, clk *clock) (*eventbridge.Client, *atomic.Int32, chan struct{}) {
	t.Helper()
	db, err := kv.Open(filepath.Join(t.TempDir(), "events.db"), kv.Options{InMemory: true})
	if err != nil {
		t.Fatal(err)
	}
	var delivered atomic.Int32
	entered := make(chan struct{}, 16)
	block := push.TargetFunc(func(ctx context.Context, _ []byte) error {
		delivered.Add(1)
		entered <- struct{}{}
		<-ctx.Done()
		return ctx.Err()
	})
	hub := push.NewHub()
	r := push.NewRouter(push.RouterOptions{Hub: hub, Synchronous: true, Now: clk.Now,
		Resolve: func(arn string) (push.Target, bool) { return block, arn == blockARN }})
	if err := r.OpenArchives(db); err != nil {
		t.Fatal(err)
	}
	mux := awsjson.NewMux(nil)
	Register(mux, r)
	srv := httptest.NewServer(mux)
	t.Cleanup(func() { srv.Close(); _ = r.Close(context.Background()); hub.Close(); _ = db.Close() })
	c := eventbridge.New(eventbridge.Options{Region: "us-east-1", BaseEndpoint: aws.String(srv.URL),
		Credentials: credentials.NewStaticCredentialsProvider("AKID", "SECRET", ""), HTTPClient: srv.Client()})
	return c, &delivered, entered
}

func TestUpdateArchive(t *testing.T) {
	t.Parallel()
	clk := &clock{now: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
	c, _, _ := newBlockingClient(t, clk)
	ctx := t.Context()
	busARN := "arn:aws:events:us-east-1:000000000000:event-bus/default"
	if _, err := c.CreateArchive(ctx, &eventbridge.CreateArchiveInput{ArchiveName: aws.String("jobs"), EventSourceArn: aws.String(busARN),
		Description: aws.String("all"), RetentionDays: aws.Int32(7)}); err != nil {
		t.Fatal(err)
	}
	put := func(source string) {
		t.Helper()
		if out, err := c.PutEvents(ctx, &eventbridge.PutEventsInput{Entries: []types.PutEventsRequestEntry{{Source: aws.String(source), DetailType: aws.String("T"), Detail: aws.String(`{}`)}}}); err != nil || out.FailedEntryCount != 0 {
			t.Fatalf("PutEvents: %+v %v", out, err)
		}
	}
	put("b")
	up, err := c.UpdateArchive(ctx, &eventbridge.UpdateArchiveInput{ArchiveName: aws.String("jobs"), EventPattern: aws.String(`{"source":["a"]}`), RetentionDays: aws.Int32(1)})
	if err != nil || up.State != types.ArchiveStateEnabled || aws.ToString(up.ArchiveArn) != "arn:aws:events:us-east-1:000000000000:archive/jobs" || up.CreationTime == nil {
		t.Fatalf("UpdateArchive = %+v, %v", up, err)
	}
	put("b") // no longer archived
	put("a")
	d, err := c.DescribeArchive(ctx, &eventbridge.DescribeArchiveInput{ArchiveName: aws.String("jobs")})
	if err != nil || aws.ToString(d.EventPattern) != `{"source":["a"]}` || aws.ToInt32(d.RetentionDays) != 1 || aws.ToString(d.Description) != "all" || d.EventCount != 2 {
		t.Fatalf("after update: %+v, %v", d, err)
	}
	// Only the members sent change; an empty pattern archives everything.
	if _, err := c.UpdateArchive(ctx, &eventbridge.UpdateArchiveInput{ArchiveName: aws.String("jobs"), Description: aws.String("some"), EventPattern: aws.String("")}); err != nil {
		t.Fatal(err)
	}
	put("b")
	d, err = c.DescribeArchive(ctx, &eventbridge.DescribeArchiveInput{ArchiveName: aws.String("jobs")})
	if err != nil || aws.ToString(d.EventPattern) != "" || aws.ToInt32(d.RetentionDays) != 1 || aws.ToString(d.Description) != "some" || d.EventCount != 3 {
		t.Fatalf("after second update: %+v, %v", d, err)
	}
	for _, tc := range []struct {
		in   *eventbridge.UpdateArchiveInput
		code string
	}{
		{&eventbridge.UpdateArchiveInput{ArchiveName: aws.String("nope")}, "ResourceNotFoundException"},
		{&eventbridge.UpdateArchiveInput{ArchiveName: aws.String("jobs"), EventPattern: aws.String(`{"source":"a"}`)}, "InvalidEventPatternException"},
	} {
		if _, err := c.UpdateArchive(ctx, tc.in); apiCode(err) != tc.code {
			t.Fatalf("UpdateArchive(%s) = %v, want %s", aws.ToString(tc.in.ArchiveName), err, tc.code)
		}
	}
}

func TestCancelReplay(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	clk := &clock{now: t0}
	c, delivered, entered := newBlockingClient(t, clk)
	ctx := t.Context()
	busARN := "arn:aws:events:us-east-1:000000000000:event-bus/default"
	created, err := c.CreateArchive(ctx, &eventbridge.CreateArchiveInput{ArchiveName: aws.String("jobs"), EventSourceArn: aws.String(busARN)})
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if _, err := c.PutEvents(ctx, &eventbridge.PutEventsInput{Entries: []types.PutEventsRequestEntry{{Source: aws.String("a"), DetailType: aws.String("T"), Detail: aws.String(`{}`)}}}); err != nil {
			t.Fatal(err)
		}
	}
	// The rule comes after the events, so only the replay reaches it.
	if _, err := c.PutRule(ctx, &eventbridge.PutRuleInput{Name: aws.String("r"), EventPattern: aws.String(`{"source":["a"]}`)}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.PutTargets(ctx, &eventbridge.PutTargetsInput{Rule: aws.String("r"), Targets: []types.Target{{Id: aws.String("t"), Arn: aws.String(blockARN)}}}); err != nil {
		t.Fatal(err)
	}
	clk.set(t0.Add(time.Minute))
	if _, err := c.StartReplay(ctx, &eventbridge.StartReplayInput{ReplayName: aws.String("slow"), EventSourceArn: created.ArchiveArn,
		EventStartTime: aws.Time(t0.Add(-time.Second)), EventEndTime: aws.Time(t0.Add(30 * time.Second)),
		Destination: &types.ReplayDestination{Arn: aws.String(busARN)}}); err != nil {
		t.Fatal(err)
	}
	select {
	case <-entered: // the replay is delivering its first event
	case <-time.After(5 * time.Second):
		t.Fatal("the replay delivered nothing")
	}
	cr, err := c.CancelReplay(ctx, &eventbridge.CancelReplayInput{ReplayName: aws.String("slow")})
	if err != nil || cr.State != types.ReplayStateCancelling || aws.ToString(cr.ReplayArn) != "arn:aws:events:us-east-1:000000000000:replay/slow" {
		t.Fatalf("CancelReplay = %+v, %v", cr, err)
	}
	deadline := time.Now().Add(5 * time.Second)
	var dr *eventbridge.DescribeReplayOutput
	for {
		if dr, err = c.DescribeReplay(ctx, &eventbridge.DescribeReplayInput{ReplayName: aws.String("slow")}); err != nil {
			t.Fatal(err)
		}
		if dr.State == types.ReplayStateCancelled || time.Now().After(deadline) {
			break
		}
		if dr.State != types.ReplayStateCancelling {
			t.Fatalf("while cancelling: state %s", dr.State)
		}
		time.Sleep(2 * time.Millisecond)
	}
	if dr.State != types.ReplayStateCancelled || dr.ReplayEndTime == nil {
		t.Fatalf("DescribeReplay = %+v", dr)
	}
	if n := delivered.Load(); n != 1 {
		t.Fatalf("%d events delivered, want the replay stopped after the first", n)
	}
	if _, err := c.CancelReplay(ctx, &eventbridge.CancelReplayInput{ReplayName: aws.String("slow")}); apiCode(err) != "IllegalStatusException" {
		t.Fatalf("cancelling a cancelled replay: %v", err)
	}
	if _, err := c.CancelReplay(ctx, &eventbridge.CancelReplayInput{ReplayName: aws.String("nope")}); apiCode(err) != "ResourceNotFoundException" {
		t.Fatalf("cancelling a missing replay: %v", err)
	}
	lr, err := c.ListReplays(ctx, &eventbridge.ListReplaysInput{State: types.ReplayStateCancelled})
	if err != nil || len(lr.Replays) != 1 {
		t.Fatalf("ListReplays(CANCELLED) = %+v, %v", lr, err)
	}
}
