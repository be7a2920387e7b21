package tui

import (
	"bytes"
	"context"
	"fmt"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/exp/teatest"
)

// runFlow drives a model inside a real bubbletea program at a fixed size,
// with a fixed clock and the ANSI colour profile, types keys, quits, and
// returns the final model.
func runFlow(t *testing.T, w, h int, want string, keys ...string) *Model {
	t.Helper()
	src := &fakeSource{jobs: sampleJobs(), journey: sampleJourney(), ch: make(chan Event, 16), listed: make(chan struct{})}
	src.ch <- Event{Time: t0.Add(85 * time.Second), JobID: "job-2", DetailType: "JobProgress", Status: StatusInProgress, Progress: 40}
	src.ch <- Event{Time: t0.Add(31 * time.Second), JobID: "job-3", DetailType: "JobFailed", Status: StatusFailed, Progress: 100}
	m := New(t.Context(), Options{Source: src, Now: fixedNow, Styles: ANSIStyles(), Title: "gophers",
		FrameInterval: 10 * time.Millisecond, RefreshInterval: time.Hour})
	tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(w, h))
	// The push event and the selected job's journey arrive
	// asynchronously; wait until both are on screen.
	teatest.WaitFor(t, tm.Output(), func(b []byte) bool {
		return bytes.Contains(b, []byte("pushes JobFailed")) && bytes.Contains(b, []byte("SaveGopher"))
	}, teatest.WithDuration(5*time.Second))
	for _, k := range keys {
		tm.Send(key(k))
	}
	if want != "" {
		teatest.WaitFor(t, tm.Output(), func(b []byte) bool { return bytes.Contains(b, []byte(want)) },
			teatest.WithDuration(5*time.Second))
	}
	if err := tm.Quit(); err != nil {
		t.Fatal(err)
	}
	fm, ok := tm.FinalModel(t, teatest.WithFinalTimeout(5*time.Second)).(*Model)
	if !ok {
		t.Fatal("final model is not *Model")
	}
	return fm
}

// TestGoldenViews compares whole frames (escape codes included) at fixed
// sizes. Regenerate with: go test ./internal/tui -run TestGoldenViews -update
func TestGoldenViews(t *testing.T) {
	tests := []struct {
		name string
		w, h int
		want string // on screen once the keys took effect
		keys []string
	}{
		{"wide", 120, 30, "", nil},
		{"narrow", 60, 20, "", nil},
		{"help", 100, 24, "cycle status filter", []string{"?"}},
		{"filter_in_progress", 100, 24, "filter: In Progress", []string{"f", "f"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := runFlow(t, tt.w, tt.h, tt.want, tt.keys...)
			m.quitting = false // the final frame is blank by design; render the last screen
			teatest.RequireEqualOutput(t, []byte(m.Render()))
		})
	}
}

// TestFlowShowsJourney checks the asynchronous parts of a real program: the
// push event reached the table and the journey reached the detail pane.
func TestFlowShowsJourney(t *testing.T) {
	m := runFlow(t, 120, 30, "")
	m.quitting = false
	out := m.Render()
	for _, want := range []string{"████░░░░░░ 40%", "✗", "SaveGopher", "pushes JobFailed 100%", "push events (live)"} {
		if !bytes.Contains([]byte(out), []byte(want)) {
			t.Errorf("frame lacks %q:\n%s", want, out)
		}
	}
}

// BenchmarkRenderLoop feeds the model 1,000 jobs/s, each job producing
// three push events (started, progress, finished), and renders one frame
// per 100 ms tick: one op is one frame's worth of events plus the render.
// At 10 frames per second the loop keeps up while ns/op stays well under
// 100 ms.
func BenchmarkRenderLoop(b *testing.B) {
	m := New(context.Background(), Options{Now: fixedNow, Styles: ANSIStyles()})
	m.Update(tea.WindowSizeMsg{Width: 160, Height: 50})
	const jobsPerFrame = 100 // 1,000 jobs/s at 10 frames/s
	statuses := []string{StatusInProgress, StatusInProgress, StatusSucceeded}
	ids := make([]string, 1<<16)
	for i := range ids {
		ids[i] = fmt.Sprintf("job-%08d", i)
	}
	batch := make(EventsMsg, 0, jobsPerFrame*3)
	n := 0
	b.ReportAllocs()
	for b.Loop() {
		batch = batch[:0]
		for range jobsPerFrame {
			id := ids[n%len(ids)]
			n++
			for k, s := range statuses {
				batch = append(batch, Event{Time: t0, JobID: id, Status: s, Progress: []int{10, 60, 100}[k], DetailType: "JobProgress"})
			}
		}
		m.Update(batch)
		m.Update(FrameMsg(t0))
		if len(m.View()) == 0 {
			b.Fatal("empty frame")
		}
	}
}
