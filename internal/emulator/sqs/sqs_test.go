package sqs

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sfapi/sfapi/internal/emulator/kv"
)

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func open(t *testing.T, path string, c *clock) (*Engine, *kv.DB) {
	t.Helper()
	db, err := kv.Open(path, kv.Options{})
	if err != nil {
		t.Fatal(err)
	}
	e, err := Open(Options{Store: db, Now: c.Now})
	if err != nil {
		t.Fatal(err)
	}
	return e, db
}

func newEngine(t *testing.T) (*Engine, *clock) {
	t.Helper()
	c := &clock{t: time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)}
	e, db := open(t, filepath.Join(t.TempDir(), "q.db"), c)
	t.Cleanup(func() { _ = db.Close() })
	return e, c
}

func TestMD5OfAttributes(t *testing.T) {
	t.Parallel()
	// The vector was computed by moto's Message.attribute_md5, an
	// independent implementation of AWS's algorithm.
	got := MD5OfAttributes(map[string]MessageAttribute{
		"City":       {DataType: "String", StringValue: "Any City"},
		"Greeting":   {DataType: "Binary", BinaryValue: []byte("Hello, World!")},
		"Population": {DataType: "Number", StringValue: "1250800"},
	})
	if got != "28eb0e573cf8e8a77e349a2f968eac4a" {
		t.Fatalf("MD5OfAttributes = %s", got)
	}
	if MD5OfAttributes(nil) != "" {
		t.Fatal("no attributes must have no digest")
	}
}

func TestVisibilityDelayRetention(t *testing.T) {
	t.Parallel()
	e, c := newEngine(t)
	ctx := context.Background()
	if _, err := e.CreateQueue("jobs", map[string]string{"VisibilityTimeout": "10", "MessageRetentionPeriod": "60"}, nil); err != nil {
		t.Fatal(err)
	}
	delay := 5
	if _, errs, err := e.Send("jobs", []SendInput{{Body: "now"}, {Body: "later", DelaySeconds: &delay}}); err != nil || errs[0] != nil || errs[1] != nil {
		t.Fatalf("send: %v %v", err, errs)
	}
	got, err := e.Receive(ctx, "jobs", ReceiveOptions{Max: 10})
	if err != nil || len(got) != 1 || got[0].Body != "now" || got[0].ReceiveCount != 1 {
		t.Fatalf("first receive = %+v, %v", got, err)
	}
	first := got[0].ReceiptHandle
	if got, _ := e.Receive(ctx, "jobs", ReceiveOptions{Max: 10}); len(got) != 0 {
		t.Fatalf("in-flight and delayed messages were received: %+v", got)
	}
	attrs, err := e.QueueAttributes("jobs", []string{"All"})
	if err != nil || attrs["ApproximateNumberOfMessagesNotVisible"] != "1" || attrs["ApproximateNumberOfMessagesDelayed"] != "1" || attrs["VisibilityTimeout"] != "10" {
		t.Fatalf("attributes = %v, %v", attrs, err)
	}
	c.Advance(6 * time.Second)
	got, _ = e.Receive(ctx, "jobs", ReceiveOptions{Max: 10})
	if len(got) != 1 || got[0].Body != "later" {
		t.Fatalf("after the delay: %+v", got)
	}
	c.Advance(5 * time.Second)
	got, _ = e.Receive(ctx, "jobs", ReceiveOptions{Max: 1})
	if len(got) != 1 || got[0].Body != "now" || got[0].ReceiveCount != 2 {
		t.Fatalf("after the visibility timeout: %+v", got)
	}
	// The first receive's handle no longer deletes the message.
	if errs, err := e.Delete("jobs", []string{first}); err != nil || errs[0] != nil {
		t.Fatalf("stale delete: %v %v", err, errs)
	}
	if errs, _ := e.ChangeVisibility("jobs", []VisibilityChange{{ReceiptHandle: first, Timeout: 0}}); errs[0] == nil {
		t.Fatal("a stale handle changed visibility")
	}
	if errs, err := e.ChangeVisibility("jobs", []VisibilityChange{{ReceiptHandle: got[0].ReceiptHandle, Timeout: 0}}); err != nil || errs[0] != nil {
		t.Fatalf("change visibility: %v %v", err, errs)
	}
	got, _ = e.Receive(ctx, "jobs", ReceiveOptions{Max: 1})
	if len(got) != 1 || got[0].Body != "now" {
		t.Fatalf("after visibility 0: %+v", got)
	}
	if errs, err := e.Delete("jobs", []string{got[0].ReceiptHandle}); err != nil || errs[0] != nil {
		t.Fatalf("delete: %v %v", err, errs)
	}
	// Retention: "later" expires 60 s after it was sent.
	c.Advance(time.Minute)
	if got, _ := e.Receive(ctx, "jobs", ReceiveOptions{Max: 10}); len(got) != 0 {
		t.Fatalf("expired message received: %+v", got)
	}
	if attrs, _ := e.QueueAttributes("jobs", []string{"ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"}); attrs["ApproximateNumberOfMessages"] != "0" || attrs["ApproximateNumberOfMessagesNotVisible"] != "0" {
		t.Fatalf("attributes after expiry = %v", attrs)
	}
}

func TestErrors(t *testing.T) {
	t.Parallel()
	e, _ := newEngine(t)
	if _, err := e.CreateQueue("q", nil, nil); err != nil {
		t.Fatal(err)
	}
	code := func(err error) string {
		var se *Error
		if !errors.As(err, &se) {
			return ""
		}
		return se.Code
	}
	tests := []struct {
		name string
		err  error
		want string
	}{
		{"missing queue", func() error { _, _, err := e.Send("nope", []SendInput{{Body: "x"}}); return err }(), "QueueDoesNotExist"},
		{"bad name", func() error { _, err := e.CreateQueue("a b", nil, nil); return err }(), "InvalidParameterValue"},
		{"fifo", func() error { _, err := e.CreateQueue("a.fifo", nil, nil); return err }(), "InvalidParameterValue"},
		{"bad attribute", func() error {
			_, err := e.CreateQueue("b", map[string]string{"VisibilityTimeout": "50000"}, nil)
			return err
		}(), "InvalidAttributeValue"},
		{"unknown attribute", func() error { _, err := e.CreateQueue("b", map[string]string{"Colour": "1"}, nil); return err }(), "InvalidAttributeName"},
		{"exists differently", func() error { _, err := e.CreateQueue("q", map[string]string{"DelaySeconds": "3"}, nil); return err }(), "QueueNameExists"},
		{"bad receipt", func() error { errs, _ := e.Delete("q", []string{"garbage"}); return errs[0] }(), "ReceiptHandleIsInvalid"},
		{"max messages", func() error { _, err := e.Receive(context.Background(), "q", ReceiveOptions{Max: 11}); return err }(), "InvalidParameterValue"},
		{"bad body", func() error { _, errs, _ := e.Send("q", []SendInput{{Body: "\x01"}}); return errs[0] }(), "InvalidMessageContents"},
		{"bad attr type", func() error {
			_, errs, _ := e.Send("q", []SendInput{{Body: "x", Attributes: map[string]MessageAttribute{"a": {DataType: "Float", StringValue: "1"}}}})
			return errs[0]
		}(), "InvalidParameterValue"},
		{"too big", func() error {
			_ = e.SetQueueAttributes("q", map[string]string{"MaximumMessageSize": "1024"})
			_, errs, _ := e.Send("q", []SendInput{{Body: strings.Repeat("a", 1025)}})
			return errs[0]
		}(), "InvalidParameterValue"},
	}
	for _, tt := range tests {
		if got := code(tt.err); got != tt.want {
			t.Errorf("%s: error %v, want code %s", tt.name, tt.err, tt.want)
		}
	}
	if QueryCode("QueueDoesNotExist") != "AWS.SimpleQueueService.NonExistentQueue" || QueryCode("InvalidParameterValue") != "InvalidParameterValue" {
		t.Fatal("QueryCode")
	}
}

func TestLongPollWakesOnSend(t *testing.T) {
	t.Parallel()
	e, _ := newEngine(t)
	if _, err := e.CreateQueue("q", nil, nil); err != nil {
		t.Fatal(err)
	}
	done := make(chan []Received, 1)
	wait := 10
	start := time.Now()
	go func() {
		got, _ := e.Receive(context.Background(), "q", ReceiveOptions{WaitSeconds: &wait})
		done <- got
	}()
	time.Sleep(50 * time.Millisecond)
	if _, _, err := e.Send("q", []SendInput{{Body: "hello"}}); err != nil {
		t.Fatal(err)
	}
	select {
	case got := <-done:
		if len(got) != 1 || got[0].Body != "hello" {
			t.Fatalf("long poll got %+v", got)
		}
		if time.Since(start) > 5*time.Second {
			t.Fatalf("long poll took %v", time.Since(start))
		}
	case <-time.After(8 * time.Second):
		t.Fatal("long poll did not return")
	}
	// A long poll ends with its context.
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if got, err := e.Receive(ctx, "q", ReceiveOptions{WaitSeconds: &wait}); err != nil || len(got) != 0 {
		t.Fatalf("cancelled long poll = %+v, %v", got, err)
	}
}

func TestRestartKeepsQueuesAndMessages(t *testing.T) {
	t.Parallel()
	c := &clock{t: time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)}
	path := filepath.Join(t.TempDir(), "q.db")
	e, db := open(t, path, c)
	if _, err := e.CreateQueue("orders", map[string]string{"VisibilityTimeout": "45"}, map[string]string{"team": "a"}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := e.Send("orders", []SendInput{{Body: "one", Attributes: map[string]MessageAttribute{"k": {DataType: "String", StringValue: "v"}}}, {Body: "two"}}); err != nil {
		t.Fatal(err)
	}
	got, _ := e.Receive(context.Background(), "orders", ReceiveOptions{})
	if len(got) != 1 || got[0].Body != "one" {
		t.Fatalf("receive = %+v", got)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	e, db = open(t, path, c)
	defer db.Close()
	q, err := e.GetQueue("orders")
	if err != nil || q.Attrs["VisibilityTimeout"] != 45 || q.Tags["team"] != "a" {
		t.Fatalf("queue after restart = %+v, %v", q, err)
	}
	// "one" is still in flight after the restart; "two" is next.
	got2, _ := e.Receive(context.Background(), "orders", ReceiveOptions{Max: 10})
	if len(got2) != 1 || got2[0].Body != "two" {
		t.Fatalf("after restart = %+v", got2)
	}
	c.Advance(46 * time.Second)
	got3, _ := e.Receive(context.Background(), "orders", ReceiveOptions{Max: 10})
	if len(got3) != 2 || got3[0].Body != "one" || got3[0].ReceiveCount != 2 || got3[0].Attributes["k"].StringValue != "v" {
		t.Fatalf("after visibility = %+v", got3)
	}
	// A handle from before the restart is still the current one's queue.
	if errs, err := e.Delete("orders", []string{got3[0].ReceiptHandle, got3[1].ReceiptHandle}); err != nil || errs[0] != nil || errs[1] != nil {
		t.Fatalf("delete: %v %v", err, errs)
	}
	if err := e.PurgeQueue("orders"); err != nil {
		t.Fatal(err)
	}
	if err := e.DeleteQueue("orders"); err != nil {
		t.Fatal(err)
	}
	if names := e.ListQueues(""); len(names) != 0 {
		t.Fatalf("queues after delete = %v", names)
	}
}

var receiptSeeds = []string{"", "garbage", receiptHandle("q", 7, "abc"), "cQAxAA", "cQA3AGFiYw"}

func TestParseReceiptHandle(t *testing.T) {
	t.Parallel()
	q, seq, n, ok := ParseReceiptHandle(receiptHandle("orders", 42, "n1"))
	if !ok || q != "orders" || seq != 42 || n != "n1" {
		t.Fatalf("round trip = %q %d %q %v", q, seq, n, ok)
	}
	for _, s := range receiptSeeds[:2] {
		if _, _, _, ok := ParseReceiptHandle(s); ok {
			t.Fatalf("%q parsed", s)
		}
	}
}

func FuzzParseReceiptHandle(f *testing.F) {
	for _, s := range receiptSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		q, seq, n, ok := ParseReceiptHandle(s)
		if !ok {
			return
		}
		q2, seq2, n2, ok2 := ParseReceiptHandle(receiptHandle(q, seq, n))
		if !ok2 || q2 != q || seq2 != seq || n2 != n {
			t.Fatalf("%q: round trip %q %d %q → %q %d %q %v", s, q, seq, n, q2, seq2, n2, ok2)
		}
	})
}
