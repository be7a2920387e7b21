package tui

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
)

func newTestModel(t *testing.T) *Model {
	t.Helper()
	m := New(context.Background(), Options{Now: fixedNow, MaxJobs: 8, MaxEvents: 4})
	m.Update(tea.WindowSizeMsg{Width: 100, Height: 30})
	m.Update(JobsMsg{Jobs: sampleJobs()})
	return m
}

func key(s string) tea.KeyMsg {
	switch s {
	case "enter":
		return tea.KeyMsg{Type: tea.KeyEnter}
	case "esc":
		return tea.KeyMsg{Type: tea.KeyEsc}
	case "down":
		return tea.KeyMsg{Type: tea.KeyDown}
	case "backspace":
		return tea.KeyMsg{Type: tea.KeyBackspace}
	}
	return tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(s)}
}

func ids(jobs []Job) string {
	var s []string
	for _, j := range jobs {
		s = append(s, j.ID)
	}
	return strings.Join(s, ",")
}

func TestUpdateListOrderAndCounts(t *testing.T) {
	t.Parallel()
	m := newTestModel(t)
	if got := ids(m.Jobs()); got != "job-3,job-2,job-1" {
		t.Fatalf("jobs = %s", got)
	}
	if m.Selected() != "job-3" {
		t.Fatalf("selected = %q", m.Selected())
	}
	if m.counts[StatusFailed] != 1 || m.counts[StatusInProgress] != 1 || m.counts[StatusSucceeded] != 1 {
		t.Fatalf("counts = %v", m.counts)
	}
}

func TestUpdateEventsProgressAndNoRegression(t *testing.T) {
	t.Parallel()
	m := newTestModel(t)
	m.Update(EventsMsg{
		{Time: t0.Add(40 * time.Second), JobID: "job-2", Status: StatusInProgress, Progress: 10, DetailType: "JobProgress"},
		{Time: t0.Add(41 * time.Second), JobID: "job-2", Status: StatusSucceeded, Progress: 100, DetailType: "JobSucceeded"},
		{Time: t0.Add(42 * time.Second), JobID: "job-4", Status: StatusInProgress, Progress: 10},
	})
	j, _ := m.Job("job-2")
	if j.Status != StatusSucceeded || j.Progress != 100 || len(j.Seen) != 2 || !j.UpdatedAt.Equal(t0.Add(41*time.Second)) {
		t.Fatalf("job-2 = %+v", j)
	}
	// A list read made before the events must not move the job back.
	m.Update(JobsMsg{Jobs: sampleJobs()})
	if j, _ := m.Job("job-2"); j.Status != StatusSucceeded {
		t.Fatalf("status regressed to %q", j.Status)
	}
	if _, ok := m.Job("job-4"); !ok {
		t.Fatal("a job first seen in an event is not shown")
	}
	if m.counts[StatusSucceeded] != 2 || m.counts[StatusInProgress] != 1 {
		t.Fatalf("counts = %v", m.counts)
	}
}

func TestUpdateBoundedHistory(t *testing.T) {
	t.Parallel()
	m := newTestModel(t) // MaxJobs 8, MaxEvents 4
	var evs EventsMsg
	for i := range 20 {
		evs = append(evs, Event{Time: t0.Add(time.Duration(i) * time.Second), JobID: fmt.Sprintf("e%02d", i), Status: StatusPending, Progress: -1})
	}
	m.Update(evs)
	if n := len(m.jobs); n > 8+8/4 {
		t.Fatalf("kept %d jobs, want at most 10", n)
	}
	if _, ok := m.Job("e19"); !ok {
		t.Fatal("newest job evicted")
	}
	if _, ok := m.Job("job-1"); ok {
		t.Fatal("oldest job kept")
	}
	total := 0
	for _, n := range m.counts {
		total += n
	}
	if total != len(m.jobs) {
		t.Fatalf("counts %v do not add up to %d jobs", m.counts, len(m.jobs))
	}
	got := m.Events()
	if len(got) != 4 || got[0].JobID != "e16" || got[3].JobID != "e19" {
		t.Fatalf("events = %+v", got)
	}
}

func TestUpdateKeys(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		keys     []string
		selected string
		visible  string
	}{
		{"down selects the next", []string{"j"}, "job-2", "job-3,job-2,job-1"},
		{"cursor clamps at the end", []string{"j", "j", "j", "j"}, "job-1", "job-3,job-2,job-1"},
		{"bottom then top", []string{"G", "g"}, "job-3", "job-3,job-2,job-1"},
		{"filter pending shows none", []string{"f"}, "", ""},
		{"filter in progress", []string{"f", "f"}, "job-2", "job-2"},
		{"filter failed", []string{"f", "f", "f", "f"}, "job-3", "job-3"},
		{"filter wraps to all", []string{"f", "f", "f", "f", "f"}, "job-3", "job-3,job-2,job-1"},
		{"search", []string{"/", "-", "1", "enter"}, "job-1", "job-1"},
		{"search backspace", []string{"/", "-", "1", "backspace", "enter"}, "job-3", "job-3,job-2,job-1"},
		{"search esc clears", []string{"/", "2", "esc"}, "job-3", "job-3,job-2,job-1"},
		{"esc clears filter", []string{"f", "f", "esc"}, "job-2", "job-3,job-2,job-1"},
		{"q typed in search is text", []string{"/", "q"}, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			m := newTestModel(t)
			for _, k := range tt.keys {
				if _, cmd := m.Update(key(k)); cmd != nil && m.quitting {
					t.Fatalf("key %q quit", k)
				}
			}
			if got := ids(m.Jobs()); got != tt.visible {
				t.Fatalf("visible = %q, want %q", got, tt.visible)
			}
			if m.Selected() != tt.selected {
				t.Fatalf("selected = %q, want %q", m.Selected(), tt.selected)
			}
		})
	}
}

func TestUpdateQuitAndHelp(t *testing.T) {
	t.Parallel()
	m := newTestModel(t)
	m.Update(key("?"))
	if !strings.Contains(m.View(), "toggle help") {
		t.Fatalf("help not shown:\n%s", m.View())
	}
	_, cmd := m.Update(key("q"))
	if cmd == nil {
		t.Fatal("q returned no command")
	}
	if _, ok := cmd().(tea.QuitMsg); !ok {
		t.Fatal("q did not quit")
	}
	if m.View() != "" {
		t.Fatal("view after quit is not empty")
	}
}

func TestViewThrottled(t *testing.T) {
	t.Parallel()
	m := newTestModel(t)
	before := m.View()
	m.Update(EventsMsg{{Time: t0, JobID: "job-9", Status: StatusPending, Progress: -1}})
	if m.View() != before {
		t.Fatal("an event batch redrew before the frame tick")
	}
	m.Update(FrameMsg(t0))
	if !strings.Contains(m.View(), "job-9") {
		t.Fatalf("frame tick did not redraw:\n%s", m.View())
	}
}

func TestViewFitsEverySize(t *testing.T) {
	t.Parallel()
	for _, size := range [][2]int{{20, 5}, {40, 10}, {79, 24}, {100, 30}, {200, 60}} {
		m := newTestModel(t)
		m.Update(JourneyMsg{ID: "job-3", Steps: sampleJourney()["job-3"]})
		m.Update(tea.WindowSizeMsg{Width: size[0], Height: size[1]})
		lines := strings.Split(m.View(), "\n")
		if len(lines) != max(size[1], 5) {
			t.Errorf("%dx%d: %d lines", size[0], size[1], len(lines))
		}
		for i, l := range lines {
			if w := len([]rune(l)); w > max(size[0], 20) {
				t.Errorf("%dx%d: line %d is %d cells: %q", size[0], size[1], i, w, l)
			}
		}
	}
}

func TestCompactDuration(t *testing.T) {
	t.Parallel()
	for d, want := range map[time.Duration]string{
		-time.Second: "0s", 850 * time.Millisecond: "850ms", 3200 * time.Millisecond: "3.2s",
		42 * time.Second: "42s", 125 * time.Second: "2m05s", 62 * time.Minute: "1h02m",
	} {
		if got := compactDuration(d); got != want {
			t.Errorf("compactDuration(%v) = %q, want %q", d, got, want)
		}
	}
}

func TestUpdateMouse(t *testing.T) {
	t.Parallel()
	m := newTestModel(t)
	m.Update(tea.MouseMsg{Button: tea.MouseButtonWheelDown, Action: tea.MouseActionPress})
	if m.Selected() != "job-2" {
		t.Fatalf("wheel down selected %q", m.Selected())
	}
	m.Update(tea.MouseMsg{Button: tea.MouseButtonLeft, Action: tea.MouseActionPress, Y: 4}) // third row
	if m.Selected() != "job-1" {
		t.Fatalf("click selected %q", m.Selected())
	}
	m.Update(tea.MouseMsg{Button: tea.MouseButtonLeft, Action: tea.MouseActionPress, Y: 20}) // below the rows
	m.Update(tea.MouseMsg{Button: tea.MouseButtonWheelUp, Action: tea.MouseActionPress})
	if m.Selected() != "job-2" {
		t.Fatalf("wheel up selected %q", m.Selected())
	}
}

// A journey longer than the pane shows its end (the running state) with a
// marker for what is cut, and [ / ] scroll through the rest.
func TestDetailPaneScrollsLongJourney(t *testing.T) {
	t.Parallel()
	m := newTestModel(t)
	m.Update(tea.WindowSizeMsg{Width: 100, Height: 20})
	var steps []Step
	for i := range 40 {
		steps = append(steps, Step{Name: fmt.Sprintf("State%02d", i), Entered: t0.Add(30*time.Second + time.Duration(i)*time.Millisecond), Duration: time.Millisecond})
	}
	steps[39].Running = true
	m.Update(JourneyMsg{ID: "job-3", Steps: steps})
	m.stale = true
	view := m.View()
	if !strings.Contains(view, "State39") || strings.Contains(view, "State00") {
		t.Fatalf("following view should show the last state and not the first:\n%s", view)
	}
	if !strings.Contains(view, "↑") || !strings.Contains(view, "more · [ scrolls up") {
		t.Fatalf("cut top is not marked:\n%s", view)
	}
	for range 60 {
		m.Update(key("["))
	}
	m.stale = true
	view = m.View()
	if !strings.Contains(view, "status Failed") || strings.Contains(view, "State39") {
		t.Fatalf("scrolled to the top, the view should start at the job's status and not show the end:\n%s", view)
	}
	if !strings.Contains(view, "more · ] scrolls down") {
		t.Fatalf("cut bottom is not marked:\n%s", view)
	}
	for range 60 {
		m.Update(key("]"))
	}
	if m.detailTop != -1 {
		t.Fatalf("scrolling to the end should follow again, detailTop = %d", m.detailTop)
	}
	// Selecting another job follows its end again.
	m.Update(key("["))
	m.Update(key("down"))
	if m.detailTop != -1 {
		t.Fatalf("a new selection should follow, detailTop = %d", m.detailTop)
	}
}
