package pipes

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestRedriveSendsParkedBatchAndDequeuesOnlyOnSuccess(t *testing.T) {
	src := newMemSource()
	src.add(jobRecord("poison"))
	store, db := openStore(t, t.TempDir())
	defer db.Close()
	var broken atomic.Bool
	broken.Store(true)
	tgt := &fakeTarget{got: make(chan Batch, 10), fail: func(b Batch) error {
		if broken.Load() {
			return errors.New("downstream down")
		}
		return nil
	}}
	p, _ := New(Config{Name: "r", BatchSize: 1, MaxRetryAttempts: 0, NameTemplate: "<$.dynamodb.Keys.pk.S>"}, src, tgt, store, nil)
	p.sleep = func(ctx context.Context, _ time.Duration) error { return ctx.Err() }
	set := NewSet(store)
	set.Add(p)
	stop := runPipe(t, p)
	var fails []Failure
	deadline := time.Now().Add(5 * time.Second)
	for len(fails) == 0 {
		if time.Now().After(deadline) {
			t.Fatal("batch never parked")
		}
		time.Sleep(time.Millisecond)
		fails, _ = set.Failures("r")
	}
	stop()
	id := fails[0].ID
	if id == "" {
		t.Fatal("failure has no id")
	}
	// The target still fails: the batch stays queued.
	if err := set.Redrive(context.Background(), "r", id); err == nil || !strings.Contains(err.Error(), "downstream down") {
		t.Fatalf("redrive into a failing target = %v", err)
	}
	if fails, _ := set.Failures("r"); len(fails) != 1 {
		t.Fatalf("queue after failed redrive = %d entries", len(fails))
	}
	broken.Store(false)
	if err := set.Redrive(context.Background(), "r", id); err != nil {
		t.Fatal(err)
	}
	if b := recv(t, tgt.got); b.Name != "poison" || len(b.Records) != 1 {
		t.Fatalf("redriven batch = %q %d records", b.Name, len(b.Records))
	}
	if fails, _ := set.Failures("r"); len(fails) != 0 {
		t.Fatalf("queue after redrive = %+v", fails)
	}
	if err := set.Redrive(context.Background(), "r", id); !errors.Is(err, ErrNoSuchFailure) {
		t.Fatalf("second redrive = %v", err)
	}
	if _, err := set.Failures("nope"); !errors.Is(err, ErrNoSuchPipe) {
		t.Fatalf("unknown pipe = %v", err)
	}
	if got := set.Names(); len(got) != 1 || got[0] != "r" {
		t.Fatalf("Names = %v", got)
	}
}
