package push

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func newTestRouter(t *testing.T, hub *Hub) *Router {
	t.Helper()
	n := 0
	r := NewRouter(RouterOptions{
		Hub: hub, Synchronous: true, Retry: RetryPolicy{Attempts: 3, Backoff: -1},
		Now:   func() time.Time { return time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC) },
		NewID: func() string { n++; return fmt.Sprintf("id-%d", n) },
	})
	t.Cleanup(func() { _ = r.Close(context.Background()) })
	return r
}

func TestPutEventsValidation(t *testing.T) {
	t.Parallel()
	r := newTestRouter(t, nil)
	ctx := context.Background()
	out, err := r.PutEvents(ctx, []Entry{
		{Source: "s", DetailType: "t", Detail: `{"a":1}`},
		{DetailType: "t", Detail: `{}`},
		{Source: "s", Detail: `{}`},
		{Source: "s", DetailType: "t"},
		{Source: "s", DetailType: "t", Detail: `[1]`},
		{Source: "s", DetailType: "t", Detail: `{"a":`},
		{Source: "s", DetailType: "t", Detail: `{}`, EventBusName: "nope"},
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []EntryResult{
		{EventID: "id-1"},
		{ErrorCode: "InvalidArgument", ErrorMessage: "Parameter Source is not valid. Reason: Source is a required argument."},
		{ErrorCode: "InvalidArgument", ErrorMessage: "Parameter DetailType is not valid. Reason: DetailType is a required argument."},
		{ErrorCode: "InvalidArgument", ErrorMessage: "Parameter Detail is not valid. Reason: Detail is a required argument."},
		{ErrorCode: "MalformedDetail", ErrorMessage: "Detail is malformed."},
		{ErrorCode: "MalformedDetail", ErrorMessage: "Detail is malformed."},
		{ErrorCode: "ResourceNotFoundException", ErrorMessage: "Event bus nope does not exist."},
	}
	if out.FailedEntryCount != 6 {
		t.Fatalf("FailedEntryCount = %d, want 6", out.FailedEntryCount)
	}
	for i := range want {
		if out.Entries[i] != want[i] {
			t.Fatalf("entry %d = %+v, want %+v", i, out.Entries[i], want[i])
		}
	}

	_, err = r.PutEvents(ctx, make([]Entry, 11))
	if ErrorCode(err) != CodeValidation {
		t.Fatalf("11 entries: err = %v, want ValidationException", err)
	}
	_, err = r.PutEvents(ctx, nil)
	if ErrorCode(err) != CodeValidation {
		t.Fatalf("0 entries: err = %v, want ValidationException", err)
	}
	big := `{"a":"` + strings.Repeat("x", MaxPutEventsSize) + `"}`
	_, err = r.PutEvents(ctx, []Entry{{Source: "s", DetailType: "t", Detail: big}})
	if ErrorCode(err) != CodeValidation || !strings.Contains(err.Error(), "over the limit") {
		t.Fatalf("oversize: err = %v", err)
	}
}

func TestPutEventsDeliversEventShape(t *testing.T) {
	t.Parallel()
	hub := NewHub()
	r := newTestRouter(t, hub)
	if _, err := r.PutRule(RuleSpec{Name: "progress", EventPattern: `{"source":["sfapi.jobs"],"detail":{"progress":[{"numeric":[">",0]}]}}`}); err != nil {
		t.Fatal(err)
	}
	if f, err := r.PutTargets("", "progress", []TargetSpec{{ID: "ws", ARN: "arn:sfapi:push:::jobs"}}); err != nil || len(f) != 0 {
		t.Fatalf("PutTargets: %v %v", f, err)
	}
	sub := hub.Subscribe("jobs")
	defer sub.Close()
	out, err := r.PutEvents(context.Background(), []Entry{
		{Source: "sfapi.jobs", DetailType: "Job Progress", Detail: `{"jobId":"j1","progress":10}`, Resources: []string{"r1"}},
		{Source: "sfapi.jobs", DetailType: "Job Progress", Detail: `{"jobId":"j1","progress":0}`},
	})
	if err != nil || out.FailedEntryCount != 0 {
		t.Fatalf("PutEvents: %+v %v", out, err)
	}
	var got Event
	select {
	case msg := <-sub.Messages():
		if err := json.Unmarshal(msg.Data, &got); err != nil {
			t.Fatal(err)
		}
	default:
		t.Fatal("no message published")
	}
	want := Event{Version: "0", ID: "id-1", DetailType: "Job Progress", Source: "sfapi.jobs", Account: DefaultAccount,
		Time: "2026-01-02T03:04:05Z", Region: DefaultRegion, Resources: []string{"r1"}}
	if got.ID != want.ID || got.Version != want.Version || got.DetailType != want.DetailType || got.Source != want.Source ||
		got.Account != want.Account || got.Time != want.Time || got.Region != want.Region || len(got.Resources) != 1 ||
		string(got.Detail) != `{"jobId":"j1","progress":10}` {
		t.Fatalf("event = %+v", got)
	}
	select {
	case msg := <-sub.Messages():
		t.Fatalf("progress 0 should not match: %s", msg.Data)
	default:
	}
}

func TestRuleStateBusesAndForwarding(t *testing.T) {
	t.Parallel()
	hub := NewHub()
	r := newTestRouter(t, hub)
	if _, err := r.CreateBus("jobs-bus"); err != nil {
		t.Fatal(err)
	}
	if _, err := r.CreateBus("jobs-bus"); ErrorCode(err) != CodeResourceAlreadyExists {
		t.Fatalf("duplicate bus: %v", err)
	}
	busARN := "arn:aws:events:us-east-1:000000000000:event-bus/jobs-bus"
	arn, err := r.PutRule(RuleSpec{Name: "fwd", EventPattern: `{"source":["a"]}`})
	if err != nil || arn != "arn:aws:events:us-east-1:000000000000:rule/fwd" {
		t.Fatalf("PutRule = %q, %v", arn, err)
	}
	if _, err := r.PutTargets("default", "fwd", []TargetSpec{{ID: "bus", ARN: busARN}}); err != nil {
		t.Fatal(err)
	}
	arn, err = r.PutRule(RuleSpec{Name: "deliver", EventBusName: busARN, EventPattern: `{"source":["a"]}`})
	if err != nil || arn != "arn:aws:events:us-east-1:000000000000:rule/jobs-bus/deliver" {
		t.Fatalf("PutRule custom = %q, %v", arn, err)
	}
	if _, err := r.PutTargets("jobs-bus", "deliver", []TargetSpec{{ID: "p", ARN: PushARNPrefix + "c"}}); err != nil {
		t.Fatal(err)
	}
	sub := hub.Subscribe("c")
	put := func() {
		t.Helper()
		if out, err := r.PutEvents(context.Background(), []Entry{{Source: "a", DetailType: "t", Detail: `{}`}}); err != nil || out.FailedEntryCount != 0 {
			t.Fatalf("PutEvents: %+v %v", out, err)
		}
	}
	put()
	if len(sub.Messages()) != 1 {
		t.Fatalf("forwarded messages = %d, want 1", len(sub.Messages()))
	}
	<-sub.Messages()
	if _, err := r.PutRule(RuleSpec{Name: "deliver", EventBusName: "jobs-bus", EventPattern: `{"source":["a"]}`, State: StateDisabled}); err != nil {
		t.Fatal(err)
	}
	put()
	if len(sub.Messages()) != 0 {
		t.Fatal("disabled rule delivered")
	}
	// Updating the rule kept its target.
	ts, err := r.ListTargets("jobs-bus", "deliver")
	if err != nil || len(ts) != 1 || ts[0].ID != "p" {
		t.Fatalf("ListTargets = %+v, %v", ts, err)
	}
	if err := r.DeleteRule("jobs-bus", "deliver", false); ErrorCode(err) != CodeValidation {
		t.Fatalf("delete rule with targets: %v", err)
	}
	if _, err := r.RemoveTargets("jobs-bus", "deliver", []string{"p"}, false); err != nil {
		t.Fatal(err)
	}
	if err := r.DeleteRule("jobs-bus", "deliver", false); err != nil {
		t.Fatal(err)
	}
	if _, err := r.DescribeRule("jobs-bus", "deliver"); ErrorCode(err) != CodeResourceNotFound {
		t.Fatalf("describe deleted rule: %v", err)
	}
	if err := r.DeleteBus("default"); ErrorCode(err) != CodeValidation {
		t.Fatalf("delete default bus: %v", err)
	}
	if got := len(r.ListBuses("")); got != 2 {
		t.Fatalf("ListBuses = %d, want 2", got)
	}
}

func TestBusLoopIsBounded(t *testing.T) {
	t.Parallel()
	r := newTestRouter(t, nil)
	if _, err := r.PutRule(RuleSpec{Name: "loop", EventPattern: `{}`}); err != nil {
		t.Fatal(err)
	}
	var calls atomic.Int32
	counter := TargetFunc(func(context.Context, []byte) error { calls.Add(1); return nil })
	if _, err := r.PutTargets("", "loop", []TargetSpec{
		{ID: "self", ARN: "arn:aws:events:us-east-1:000000000000:event-bus/default"},
		{ID: "count", ARN: "x", Bound: counter},
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := r.PutEvents(context.Background(), []Entry{{Source: "a", DetailType: "t", Detail: `{}`}}); err != nil {
		t.Fatal(err)
	}
	if got := calls.Load(); got != MaxBusHops+1 {
		t.Fatalf("deliveries = %d, want %d", got, MaxBusHops+1)
	}
}

func TestDeliveryRetriesThenDrops(t *testing.T) {
	t.Parallel()
	r := NewRouter(RouterOptions{Retry: RetryPolicy{Attempts: 3, Backoff: time.Millisecond}})
	defer r.Close(context.Background())
	var mu sync.Mutex
	var attempts []int
	failing := 2
	target := TargetFunc(func(_ context.Context, ev []byte) error {
		mu.Lock()
		defer mu.Unlock()
		attempts = append(attempts, len(ev))
		if failing > 0 {
			failing--
			return errors.New("boom")
		}
		return nil
	})
	if _, err := r.PutRule(RuleSpec{Name: "r", EventPattern: `{"source":["a"]}`}); err != nil {
		t.Fatal(err)
	}
	if _, err := r.PutTargets("", "r", []TargetSpec{{ID: "t", Bound: target, Input: `{"const":true}`}}); err != nil {
		t.Fatal(err)
	}
	if _, err := r.PutEvents(context.Background(), []Entry{{Source: "a", DetailType: "t", Detail: `{}`}}); err != nil {
		t.Fatal(err)
	}
	r.Wait()
	mu.Lock()
	if len(attempts) != 3 {
		t.Fatalf("attempts = %d, want 3 (2 failures then success)", len(attempts))
	}
	failing = 10
	attempts = nil
	mu.Unlock()
	if _, err := r.PutEvents(context.Background(), []Entry{{Source: "a", DetailType: "t", Detail: `{}`}}); err != nil {
		t.Fatal(err)
	}
	r.Wait()
	mu.Lock()
	defer mu.Unlock()
	if len(attempts) != 3 {
		t.Fatalf("attempts = %d, want 3 then drop", len(attempts))
	}
}

func TestPutTargetsValidation(t *testing.T) {
	t.Parallel()
	r := newTestRouter(t, nil)
	if _, err := r.PutRule(RuleSpec{Name: "r", EventPattern: `{"source":["a"]}`}); err != nil {
		t.Fatal(err)
	}
	if _, err := r.PutRule(RuleSpec{Name: "bad", EventPattern: `{"source":"a"}`}); ErrorCode(err) != CodeInvalidEventPattern {
		t.Fatalf("bad pattern: %v", err)
	}
	if _, err := r.PutRule(RuleSpec{Name: "bad name!", EventPattern: `{}`}); ErrorCode(err) != CodeValidation {
		t.Fatalf("bad name: %v", err)
	}
	cases := []TargetSpec{
		{ID: "a", ARN: "arn:aws:lambda:us-east-1:0:function:f"},
		{ID: "a", ARN: PushARNPrefix + "c", Input: "{}", InputPath: "$.detail"},
		{ID: "a", ARN: PushARNPrefix + "c", Input: "{"},
		{ID: "a", ARN: PushARNPrefix + "c", InputPath: "detail"},
		{ID: "bad id!", ARN: PushARNPrefix + "c"},
	}
	for i, c := range cases {
		if _, err := r.PutTargets("", "r", []TargetSpec{c}); ErrorCode(err) != CodeValidation {
			t.Fatalf("case %d: err = %v, want ValidationException", i, err)
		}
	}
	var six []TargetSpec
	for i := range 6 {
		six = append(six, TargetSpec{ID: fmt.Sprintf("t%d", i), ARN: LogARNPrefix + "x"})
	}
	failed, err := r.PutTargets("", "r", six)
	if err != nil || len(failed) != 1 || failed[0].TargetID != "t5" || failed[0].ErrorCode != CodeLimitExceeded {
		t.Fatalf("sixth target: %+v %v", failed, err)
	}
	if _, err := r.PutTargets("", "nope", six[:1]); ErrorCode(err) != CodeResourceNotFound {
		t.Fatalf("missing rule: %v", err)
	}
}

func BenchmarkPutEventsFanOut(b *testing.B) {
	hub := NewHubWithOptions(HubOptions{Buffer: 1 << 16})
	r := NewRouter(RouterOptions{Hub: hub, Synchronous: true})
	defer r.Close(context.Background())
	for i := range 20 {
		name := fmt.Sprintf("rule-%d", i)
		pattern := fmt.Sprintf(`{"source":["sfapi.jobs"],"detail":{"shard":[%d]}}`, i%4)
		if _, err := r.PutRule(RuleSpec{Name: name, EventPattern: pattern}); err != nil {
			b.Fatal(err)
		}
		if _, err := r.PutTargets("", name, []TargetSpec{{ID: "p", ARN: PushARNPrefix + "jobs"}}); err != nil {
			b.Fatal(err)
		}
	}
	const subscribers = 8
	var wg sync.WaitGroup
	for range subscribers {
		s := hub.Subscribe("jobs")
		wg.Go(func() {
			for range s.Messages() {
			}
		})
	}
	entries := make([]Entry, 10)
	for i := range entries {
		entries[i] = Entry{Source: "sfapi.jobs", DetailType: "Job Progress", Detail: fmt.Sprintf(`{"jobId":"j%d","shard":%d,"progress":50}`, i, i%4)}
	}
	b.ReportAllocs()
	for b.Loop() {
		if out, err := r.PutEvents(context.Background(), entries); err != nil || out.FailedEntryCount != 0 {
			b.Fatal(out, err)
		}
	}
	b.ReportMetric(float64(b.N*len(entries))/b.Elapsed().Seconds(), "events/s")
	hub.Close()
	wg.Wait()
}
