package pipes

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// partialTarget fails the records whose body contains a poisoned id with
// a partial batch response, and records every batch it saw (as the
// sequence numbers of its records) and which records it accepted.
type partialTarget struct {
	mu       sync.Mutex
	poisoned []string
	seen     [][]string
	accepted []string
	// hold blocks the first invocation until closed, so a test can look
	// at the checkpoint while a batch is in flight.
	hold chan struct{}
}

func (t *partialTarget) Invoke(_ context.Context, b Batch) error {
	t.mu.Lock()
	var seqs []string
	for _, r := range b.Records {
		seqs = append(seqs, r.SequenceNumber)
	}
	t.seen = append(t.seen, seqs)
	hold := t.hold
	retry := len(t.seen) > 1
	t.mu.Unlock()
	if hold != nil && retry {
		<-hold
	}
	var failed []string
	for _, r := range b.Records {
		for _, p := range t.poisoned {
			if strings.Contains(string(r.Body), fmt.Sprintf("%q", p)) {
				failed = append(failed, r.SequenceNumber)
			}
		}
	}
	if len(failed) == 0 {
		t.mu.Lock()
		t.accepted = append(t.accepted, seqs...)
		t.mu.Unlock()
		return nil
	}
	// A real target processed the records before the first failure.
	t.mu.Lock()
	for _, s := range seqs {
		if s == failed[0] {
			break
		}
		t.accepted = append(t.accepted, s)
	}
	t.mu.Unlock()
	return &PartialFailure{ItemIdentifiers: failed}
}

func (t *partialTarget) batches() [][]string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return slices.Clone(t.seen)
}

func seq(n int) string { return fmt.Sprintf("%021d", n) }

func TestPartialBatchResponseRetriesFromFirstFailedItem(t *testing.T) {
	src := newMemSource()
	for _, id := range []string{"a", "b", "bad", "c", "d"} {
		src.add(jobRecord(id))
	}
	store, db := openStore(t, t.TempDir())
	defer db.Close()
	tgt := &partialTarget{poisoned: []string{"bad"}}
	p, _ := New(Config{Name: "pr", BatchSize: 5, MaxRetryAttempts: 2}, src, tgt, store, nil)
	p.sleep = func(ctx context.Context, _ time.Duration) error { return ctx.Err() }
	stop := runPipe(t, p)
	waitCheckpoint(t, store, "pr", seq(5))
	stop()
	// The whole batch once, then two retries of the rest from the failed
	// record (which was so attempted three times): a and b are never sent
	// again.
	want := [][]string{
		{seq(1), seq(2), seq(3), seq(4), seq(5)},
		{seq(3), seq(4), seq(5)}, {seq(3), seq(4), seq(5)},
	}
	if got := tgt.batches(); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("batches = %v\nwant %v", got, want)
	}
	fails, err := store.Failures("pr")
	if err != nil {
		t.Fatal(err)
	}
	if len(fails) != 1 || fails[0].StartSequence != seq(3) || fails[0].EndSequence != seq(5) || fails[0].InvokeCount != 3 {
		t.Fatalf("failures = %+v", fails)
	}
}

func TestPartialBatchAutomaticBisectIsolatesFailedItem(t *testing.T) {
	src := newMemSource()
	for _, id := range []string{"a", "b", "bad", "c", "d", "e"} {
		src.add(jobRecord(id))
	}
	store, db := openStore(t, t.TempDir())
	defer db.Close()
	tgt := &partialTarget{poisoned: []string{"bad"}}
	p, _ := New(Config{Name: "pb", BatchSize: 6, MaxRetryAttempts: 0, BisectPartialFailures: true}, src, tgt, store, nil)
	p.sleep = func(ctx context.Context, _ time.Duration) error { return ctx.Err() }
	stop := runPipe(t, p)
	waitCheckpoint(t, store, "pb", seq(6))
	stop()
	// [1..6] fails at 3 → retry from 3, halved: [3 4] fails at 3 → [3]
	// alone, parked; [4] accepted; then [5 6].
	want := [][]string{
		{seq(1), seq(2), seq(3), seq(4), seq(5), seq(6)},
		{seq(3), seq(4)}, {seq(3)}, {seq(4)},
		{seq(5), seq(6)},
	}
	if got := tgt.batches(); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("batches = %v\nwant %v", got, want)
	}
	fails, _ := store.Failures("pb")
	if len(fails) != 1 || fails[0].BatchSize != 1 || fails[0].StartSequence != seq(3) {
		t.Fatalf("failures = %+v", fails)
	}
	if got := strings.Join(tgt.accepted, ","); got != strings.Join([]string{seq(1), seq(2), seq(4), seq(5), seq(6)}, ",") {
		t.Fatalf("accepted = %s", got)
	}
}

func TestPartialBatchCheckpointsBeforeFirstFailedItem(t *testing.T) {
	src := newMemSource()
	for _, id := range []string{"a", "b", "bad", "c"} {
		src.add(jobRecord(id))
	}
	store, db := openStore(t, t.TempDir())
	defer db.Close()
	tgt := &partialTarget{poisoned: []string{"bad"}, hold: make(chan struct{})}
	p, _ := New(Config{Name: "pc", BatchSize: 4, MaxRetryAttempts: 1}, src, tgt, store, nil)
	p.sleep = func(ctx context.Context, _ time.Duration) error { return ctx.Err() }
	stop := runPipe(t, p)
	// While the retry from the failed record is in flight, the checkpoint
	// already covers the records before it, and no further.
	waitCheckpoint(t, store, "pc", seq(2))
	close(tgt.hold)
	waitCheckpoint(t, store, "pc", seq(4))
	stop()
}

func TestPartialBatchUnknownIdentifierFailsWholeBatch(t *testing.T) {
	for _, ids := range [][]string{{""}, {"not-a-sequence-number"}} {
		t.Run(fmt.Sprint(ids), func(t *testing.T) {
			src := newMemSource()
			src.add(jobRecord("a"))
			src.add(jobRecord("b"))
			store, db := openStore(t, t.TempDir())
			defer db.Close()
			var calls [][]string
			tgt := targetFunc(func(b Batch) error {
				var seqs []string
				for _, r := range b.Records {
					seqs = append(seqs, r.SequenceNumber)
				}
				calls = append(calls, seqs)
				return &PartialFailure{ItemIdentifiers: ids}
			})
			p, _ := New(Config{Name: "pu", BatchSize: 2, MaxRetryAttempts: 1}, src, tgt, store, nil)
			p.sleep = func(ctx context.Context, _ time.Duration) error { return ctx.Err() }
			stop := runPipe(t, p)
			waitCheckpoint(t, store, "pu", seq(2))
			stop()
			if len(calls) != 2 || len(calls[1]) != 2 {
				t.Fatalf("calls = %v, want the whole batch twice", calls)
			}
			fails, _ := store.Failures("pu")
			if len(fails) != 1 || fails[0].BatchSize != 2 {
				t.Fatalf("failures = %+v", fails)
			}
		})
	}
}

type targetFunc func(b Batch) error

func (f targetFunc) Invoke(_ context.Context, b Batch) error { return f(b) }

func TestFirstFailed(t *testing.T) {
	recs := []Record{{SequenceNumber: "1"}, {SequenceNumber: "2"}, {SequenceNumber: "3"}}
	for _, tc := range []struct {
		ids  []string
		want int
	}{
		{nil, -1},
		{[]string{"2"}, 1},
		{[]string{"3", "1"}, 0},
		{[]string{"2", "9"}, -1},
		{[]string{""}, -1},
	} {
		if got := firstFailed(recs, tc.ids); got != tc.want {
			t.Errorf("firstFailed(%v) = %d, want %d", tc.ids, got, tc.want)
		}
	}
	if err := error(&PartialFailure{ItemIdentifiers: []string{"7"}}); !strings.Contains(err.Error(), `"7"`) || !errors.As(err, new(*PartialFailure)) {
		t.Fatalf("error = %v", err)
	}
}

// The checkpoint is saved off the delivery path, but a store that fails
// still stops the pipe with the error.
func TestRunReportsCheckpointStoreFailure(t *testing.T) {
	src := newMemSource()
	src.add(jobRecord("a"))
	store, db := openStore(t, t.TempDir())
	tgt := &fakeTarget{got: make(chan Batch, 10)}
	p, _ := New(Config{Name: "cf", BatchSize: 1}, src, tgt, store, nil)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- p.Run(ctx) }()
	recv(t, tgt.got)
	waitCheckpoint(t, store, "cf", seq(1))
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	// Each new record is delivered, and the next advance reports the
	// failed save of an earlier checkpoint.
	deadline := time.After(5 * time.Second)
	for i := 0; ; i++ {
		src.add(jobRecord(fmt.Sprint("r", i)))
		select {
		case err := <-done:
			if err == nil || !strings.Contains(err.Error(), "save checkpoint") {
				t.Fatalf("Run = %v, want the checkpoint error", err)
			}
			return
		case <-deadline:
			t.Fatal("Run kept going with a failing checkpoint store")
		case <-tgt.got:
		}
		time.Sleep(checkpointInterval)
	}
}

// Checkpoints trail deliveries in coalesced commits, not one per batch,
// and Run still leaves the last position stored.
func TestCheckpointsAreCoalesced(t *testing.T) {
	src := newMemSource()
	const n = 400
	for i := range n {
		src.add(jobRecord(fmt.Sprint("c", i)))
	}
	store, db := openStore(t, t.TempDir())
	defer db.Close()
	var delivered atomic.Int32
	tgt := targetFunc(func(Batch) error { delivered.Add(1); return nil })
	p, _ := New(Config{Name: "co", BatchSize: 1}, src, tgt, store, nil)
	before := db.Stats().Commits
	stop := runPipe(t, p)
	waitCheckpoint(t, store, "co", seq(n))
	stop()
	if got := delivered.Load(); got != n {
		t.Fatalf("%d batches delivered, want %d", got, n)
	}
	commits := db.Stats().Commits - before
	t.Logf("%d checkpoint commits for %d batches", commits, n)
	if commits > n/4 {
		t.Fatalf("%d checkpoint commits for %d batches", commits, n)
	}
}
