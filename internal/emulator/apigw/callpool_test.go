package apigw

import (
	"sync"
	"testing"
	"time"
)

// Calls never wait for one another: with every worker busy, more calls
// still start at once (beyond max on goroutines of their own).
func TestCallPoolNeverQueues(t *testing.T) {
	t.Parallel()
	p := newCallPool(2, time.Minute)
	release := make(chan struct{})
	var started, done sync.WaitGroup
	for range 5 {
		started.Add(1)
		done.Add(1)
		p.run(func() {
			defer done.Done()
			started.Done()
			<-release
		})
	}
	waitOrFail(t, &started, "5 blocking calls did not all start")
	if n := p.workers.Load(); n != 2 {
		t.Fatalf("workers = %d, want 2 (the max; the other calls run on their own goroutines)", n)
	}
	close(release)
	waitOrFail(t, &done, "calls did not finish")
}

// Idle workers take the next calls (no new workers), and exit after the
// idle time.
func TestCallPoolReusesAndRetires(t *testing.T) {
	t.Parallel()
	p := newCallPool(8, 50*time.Millisecond)
	var wg sync.WaitGroup
	wg.Add(1)
	p.run(wg.Done)
	waitOrFail(t, &wg, "call did not run")
	for range 20 {
		wg.Add(1)
		p.run(wg.Done)
		waitOrFail(t, &wg, "call did not run")
		// Time for the worker to get back to waiting for work; a call
		// made before that starts another worker.
		time.Sleep(time.Millisecond)
	}
	if n := p.workers.Load(); n < 1 || n > 3 {
		t.Fatalf("workers = %d after 21 calls made one at a time, want 1 (at most 3)", n)
	}
	deadline := time.Now().Add(5 * time.Second)
	for p.workers.Load() != 0 {
		if time.Now().After(deadline) {
			t.Fatalf("workers = %d long after the idle time, want 0", p.workers.Load())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func waitOrFail(t *testing.T, wg *sync.WaitGroup, msg string) {
	t.Helper()
	ch := make(chan struct{})
	go func() { wg.Wait(); close(ch) }()
	select {
	case <-ch:
	case <-time.After(5 * time.Second):
		t.Fatal(msg)
	}
}
