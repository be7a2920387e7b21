package sfapitest

import (
	"context"
	"sync"
	"time"
)

// Clock is the stack's time: the emulator's Now (history timestamps,
// $$.State.EnteredTime, TTL expiry) and the timer of Step Functions Wait
// states and retry delays. It runs with real time, shifted by every
// Advance; a sleeper whose deadline the shift passes wakes at once.
type Clock struct {
	mu       sync.Mutex
	offset   time.Duration
	wake     chan struct{} // closed and replaced by each Advance
	sleepers int
	changed  chan struct{} // closed and replaced when sleepers changes
	// afterAdvance runs after each Advance (the stack sweeps TTL).
	afterAdvance func()
}

func newClock() *Clock {
	return &Clock{wake: make(chan struct{}), changed: make(chan struct{})}
}

// Now returns the stack's current time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.offset)
}

// Advance moves the clock forward by d (negative d is ignored): Wait states
// and retry delays whose end it passes finish now, and items whose TTL it
// passes are deleted before Advance returns.
func (c *Clock) Advance(d time.Duration) {
	if d <= 0 {
		return
	}
	c.mu.Lock()
	c.offset += d
	close(c.wake)
	c.wake = make(chan struct{})
	after := c.afterAdvance
	c.mu.Unlock()
	if after != nil {
		after()
	}
}

// Sleepers returns how many Wait states and retry delays are waiting on
// the clock now.
func (c *Clock) Sleepers() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.sleepers
}

// BlockUntil waits until at least n Wait states or retry delays wait on
// the clock, so that a following Advance is sure to reach them (a Wait
// state starts sleeping a moment after it is entered).
func (c *Clock) BlockUntil(ctx context.Context, n int) error {
	for {
		c.mu.Lock()
		ok, ch := c.sleepers >= n, c.changed
		c.mu.Unlock()
		if ok {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-ch:
		}
	}
}

func (c *Clock) addSleeper(delta int) {
	c.mu.Lock()
	c.sleepers += delta
	close(c.changed)
	c.changed = make(chan struct{})
	c.mu.Unlock()
}

// Sleep waits until the clock has moved d past now (by real time passing or
// by Advance) or ctx is done.
func (c *Clock) Sleep(ctx context.Context, d time.Duration) error {
	deadline := c.Now().Add(d)
	c.addSleeper(1)
	defer c.addSleeper(-1)
	for {
		c.mu.Lock()
		left := deadline.Sub(time.Now().Add(c.offset))
		wake := c.wake
		c.mu.Unlock()
		if left <= 0 {
			return nil
		}
		t := time.NewTimer(left)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		case <-wake:
			t.Stop()
		}
	}
}
