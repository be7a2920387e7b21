package eventsapi

import (
	"context"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
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

type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) set(t time.Time) { c.mu.Lock(); defer c.mu.Unlock(); c.now = t }

func newArchiveClient(t *testing.T, db *kv.DB, clk *clock) (*eventbridge.Client, *push.Hub) {
	t.Helper()
	hub := push.NewHub()
	r := push.NewRouter(push.RouterOptions{Hub: hub, Synchronous: true, Now: clk.Now})
	if err := r.OpenArchives(db); err != nil {
		t.Fatal(err)
	}
	mux := awsjson.NewMux(nil)
	Register(mux, r)
	srv := httptest.NewServer(mux)
	t.Cleanup(func() { srv.Close(); _ = r.Close(context.Background()); hub.Close() })
	return eventbridge.New(eventbridge.Options{Region: "us-east-1", BaseEndpoint: aws.String(srv.URL),
		Credentials: credentials.NewStaticCredentialsProvider("AKID", "SECRET", ""), HTTPClient: srv.Client()}), hub
}

func TestArchiveAndReplay(t *testing.T) {
	t.Parallel()
	db, err := kv.Open(filepath.Join(t.TempDir(), "pipes.db"), kv.Options{InMemory: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	t0 := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	clk := &clock{now: t0}
	c, hub := newArchiveClient(t, db, clk)
	ctx := t.Context()
	busARN := "arn:aws:events:us-east-1:000000000000:event-bus/default"

	created, err := c.CreateArchive(ctx, &eventbridge.CreateArchiveInput{ArchiveName: aws.String("jobs"), EventSourceArn: aws.String(busARN),
		EventPattern: aws.String(`{"source":["a"]}`), RetentionDays: aws.Int32(7)})
	if err != nil || aws.ToString(created.ArchiveArn) != "arn:aws:events:us-east-1:000000000000:archive/jobs" || created.State != types.ArchiveStateEnabled {
		t.Fatalf("CreateArchive = %+v, %v", created, err)
	}
	if _, err := c.CreateArchive(ctx, &eventbridge.CreateArchiveInput{ArchiveName: aws.String("jobs"), EventSourceArn: aws.String(busARN)}); apiCode(err) != "ResourceAlreadyExistsException" {
		t.Fatalf("duplicate archive: %v", err)
	}
	if _, err := c.CreateArchive(ctx, &eventbridge.CreateArchiveInput{ArchiveName: aws.String("x"), EventSourceArn: aws.String("arn:aws:events:us-east-1:000000000000:event-bus/nope")}); apiCode(err) != "ResourceNotFoundException" {
		t.Fatalf("archive of a missing bus: %v", err)
	}
	var ruleARNs []string
	for _, name := range []string{"r1", "r2"} {
		out, err := c.PutRule(ctx, &eventbridge.PutRuleInput{Name: aws.String(name), EventPattern: aws.String(`{"source":["a"]}`)})
		if err != nil {
			t.Fatal(err)
		}
		ruleARNs = append(ruleARNs, aws.ToString(out.RuleArn))
		if _, err := c.PutTargets(ctx, &eventbridge.PutTargetsInput{Rule: aws.String(name), Targets: []types.Target{{Id: aws.String("t"), Arn: aws.String("arn:sfapi:push:::" + name)}}}); err != nil {
			t.Fatal(err)
		}
	}
	put := func(source, detail string) {
		t.Helper()
		out, err := c.PutEvents(ctx, &eventbridge.PutEventsInput{Entries: []types.PutEventsRequestEntry{{Source: aws.String(source), DetailType: aws.String("T"), Detail: aws.String(detail)}}})
		if err != nil || out.FailedEntryCount != 0 {
			t.Fatalf("PutEvents: %+v %v", out, err)
		}
	}
	put("a", `{"n":1}`)
	clk.set(t0.Add(time.Minute))
	put("a", `{"n":2}`)
	put("b", `{"n":3}`) // not matched by the archive's pattern
	d, err := c.DescribeArchive(ctx, &eventbridge.DescribeArchiveInput{ArchiveName: aws.String("jobs")})
	if err != nil || aws.ToInt64(&d.EventCount) != 2 || d.SizeBytes == 0 || aws.ToInt32(d.RetentionDays) != 7 || aws.ToString(d.EventSourceArn) != busARN {
		t.Fatalf("DescribeArchive = %+v, %v", d, err)
	}
	list, err := c.ListArchives(ctx, &eventbridge.ListArchivesInput{NamePrefix: aws.String("jo")})
	if err != nil || len(list.Archives) != 1 || aws.ToString(list.Archives[0].ArchiveName) != "jobs" {
		t.Fatalf("ListArchives = %+v, %v", list, err)
	}

	r1, r2 := hub.Subscribe("r1"), hub.Subscribe("r2")
	// Drop the live deliveries of the puts above.
	for len(r1.Messages()) > 0 {
		<-r1.Messages()
	}
	clk.set(t0.Add(2 * time.Minute))
	if _, err := c.StartReplay(ctx, &eventbridge.StartReplayInput{ReplayName: aws.String("future"), EventSourceArn: created.ArchiveArn,
		EventStartTime: aws.Time(t0), EventEndTime: aws.Time(t0.Add(time.Hour)), Destination: &types.ReplayDestination{Arn: aws.String(busARN)}}); apiCode(err) != "ValidationException" {
		t.Fatalf("replay ending in the future: %v", err)
	}
	// Replay the first minute to rule r1 only.
	sr, err := c.StartReplay(ctx, &eventbridge.StartReplayInput{ReplayName: aws.String("again"), EventSourceArn: created.ArchiveArn,
		EventStartTime: aws.Time(t0.Add(-time.Second)), EventEndTime: aws.Time(t0.Add(30 * time.Second)),
		Destination: &types.ReplayDestination{Arn: aws.String(busARN), FilterArns: ruleARNs[:1]}})
	if err != nil || sr.State != types.ReplayStateStarting || !strings.HasSuffix(aws.ToString(sr.ReplayArn), ":replay/again") {
		t.Fatalf("StartReplay = %+v, %v", sr, err)
	}
	deadline := time.Now().Add(5 * time.Second)
	var dr *eventbridge.DescribeReplayOutput
	for {
		dr, err = c.DescribeReplay(ctx, &eventbridge.DescribeReplayInput{ReplayName: aws.String("again")})
		if err != nil {
			t.Fatal(err)
		}
		if dr.State == types.ReplayStateCompleted || time.Now().After(deadline) {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	if dr.State != types.ReplayStateCompleted || dr.EventLastReplayedTime == nil || !dr.EventLastReplayedTime.Equal(t0) || dr.ReplayEndTime == nil {
		t.Fatalf("DescribeReplay = %+v", dr)
	}
	select {
	case m := <-r1.Messages():
		if !strings.Contains(string(m.Data), `"detail":{"n":1}`) || !strings.Contains(string(m.Data), `"replay-name":"again"`) {
			t.Fatalf("replayed event = %s", m.Data)
		}
	default:
		t.Fatal("r1 got no replayed event")
	}
	if len(r1.Messages()) != 0 || len(r2.Messages()) != 0 {
		t.Fatalf("extra deliveries: r1 %d, r2 %d", len(r1.Messages()), len(r2.Messages()))
	}
	// Replayed events are not archived again.
	if d, _ := c.DescribeArchive(ctx, &eventbridge.DescribeArchiveInput{ArchiveName: aws.String("jobs")}); d.EventCount != 2 {
		t.Fatalf("archive grew to %d", d.EventCount)
	}
	if _, err := c.StartReplay(ctx, &eventbridge.StartReplayInput{ReplayName: aws.String("again"), EventSourceArn: created.ArchiveArn,
		EventStartTime: aws.Time(t0), EventEndTime: aws.Time(t0.Add(time.Second)), Destination: &types.ReplayDestination{Arn: aws.String(busARN)}}); apiCode(err) != "ResourceAlreadyExistsException" {
		t.Fatalf("duplicate replay: %v", err)
	}
	lr, err := c.ListReplays(ctx, &eventbridge.ListReplaysInput{})
	if err != nil || len(lr.Replays) != 1 || lr.Replays[0].State != types.ReplayStateCompleted {
		t.Fatalf("ListReplays = %+v, %v", lr, err)
	}

	// Archives persist: a new router over the same store sees them.
	c2, _ := newArchiveClient(t, db, clk)
	if d, err := c2.DescribeArchive(ctx, &eventbridge.DescribeArchiveInput{ArchiveName: aws.String("jobs")}); err != nil || d.EventCount != 2 {
		t.Fatalf("after reopen: %+v, %v", d, err)
	}
	if _, err := c2.DeleteArchive(ctx, &eventbridge.DeleteArchiveInput{ArchiveName: aws.String("jobs")}); err != nil {
		t.Fatal(err)
	}
	if _, err := c2.DescribeArchive(ctx, &eventbridge.DescribeArchiveInput{ArchiveName: aws.String("jobs")}); apiCode(err) != "ResourceNotFoundException" {
		t.Fatalf("deleted archive: %v", err)
	}
}

func TestArchivesNeedAStore(t *testing.T) {
	t.Parallel()
	c, _ := newClient(t)
	_, err := c.CreateArchive(t.Context(), &eventbridge.CreateArchiveInput{ArchiveName: aws.String("a"), EventSourceArn: aws.String("arn:aws:events:us-east-1:000000000000:event-bus/default")})
	if apiCode(err) != "ValidationException" {
		t.Fatalf("CreateArchive without a store: %v", err)
	}
}
