package tui

import (
	"context"
	"sync"
	"time"
)

var t0 = time.Date(2026, 11, 26, 18, 0, 0, 0, time.UTC)

func fixedNow() time.Time { return t0.Add(90 * time.Second) }

// fakeSource serves fixed jobs and journeys and whatever events the test
// sends on ch.
type fakeSource struct {
	jobs    []Job
	journey map[string][]Step
	ch      chan Event
	// listed closes after the first List: Events waits for it so the
	// table is read before any event arrives, and the first selection
	// (the newest listed job) does not depend on goroutine timing.
	listed chan struct{}
	once   sync.Once
}

var _ JobSource = (*fakeSource)(nil)

func (f *fakeSource) List(context.Context, int) ([]Job, error) {
	if f.listed != nil {
		f.once.Do(func() { close(f.listed) })
	}
	return f.jobs, nil
}
func (f *fakeSource) Journey(_ context.Context, id string) ([]Step, error) {
	return f.journey[id], nil
}
func (f *fakeSource) Events(ctx context.Context) (<-chan Event, error) {
	if f.listed != nil {
		select {
		case <-f.listed:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	return f.ch, nil
}

func sampleJobs() []Job {
	return []Job{
		{ID: "job-3", Operation: "addGopher", Status: StatusFailed, CreatedAt: t0.Add(30 * time.Second), UpdatedAt: t0.Add(31 * time.Second), Input: `{"name":"Gordon"}`, Error: `{"Error":"GopherExists"}`, Progress: -1},
		{ID: "job-2", Operation: "addGopher", Status: StatusInProgress, CreatedAt: t0.Add(20 * time.Second), Progress: -1},
		{ID: "job-1", Operation: "addGopher", Status: StatusSucceeded, CreatedAt: t0, UpdatedAt: t0.Add(1500 * time.Millisecond), Input: `{"name":"Gordon"}`, Result: `{"hole":"h1"}`, Progress: -1},
	}
}

func sampleJourney() map[string][]Step {
	return map[string][]Step{
		"job-3": {
			{Name: "ReadJob", Entered: t0.Add(30 * time.Second), Duration: 2 * time.Millisecond},
			{Name: "SaveGopher", Entered: t0.Add(30*time.Second + 2*time.Millisecond), Duration: 5 * time.Millisecond, Failed: true},
			{Name: "MarkFailed", Entered: t0.Add(30*time.Second + 7*time.Millisecond), Duration: 3 * time.Millisecond},
		},
	}
}
