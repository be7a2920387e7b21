package tui

import (
	"slices"
	"strings"
	"time"

	tea "github.com/charmbracelet/bubbletea"
)

// Messages the model handles besides keys and window sizes. They are
// exported so tests (and other drivers) can feed the model directly.
type (
	// JobsMsg is the result of a List call.
	JobsMsg struct {
		Jobs []Job
		Err  error
	}
	// EventsMsg is a batch of push events, oldest first.
	EventsMsg []Event
	// JourneyMsg is the result of a Journey call for ID.
	JourneyMsg struct {
		ID    string
		Steps []Step
		Err   error
	}
	// FrameMsg asks for the view to be rebuilt if anything changed.
	FrameMsg time.Time
	// RefreshMsg asks for the list and the journey to be read again.
	RefreshMsg time.Time
	// PushStateMsg reports the push connection ("live", "closed: …").
	PushStateMsg string

	eventsOpenMsg struct {
		ch  <-chan Event
		err error
	}
)

// Init subscribes to push events, reads the jobs, and starts the frame and
// refresh ticks.
func (m *Model) Init() tea.Cmd {
	return tea.Batch(m.openEvents(), m.listCmd(), m.frameTick(), m.refreshTick())
}

// Update applies one message.
func (m *Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.KeyMsg:
		cmd := m.handleKey(msg)
		m.stale = true
		return m, cmd
	case tea.MouseMsg:
		cmd := m.handleMouse(msg)
		m.stale = true
		return m, cmd
	case tea.WindowSizeMsg:
		m.width, m.height = msg.Width, msg.Height
		m.stale = true
		return m, nil
	case EventsMsg:
		m.applyEvents(msg)
		return m, m.waitEvents()
	case JobsMsg:
		if msg.Err != nil {
			m.err = msg.Err
		} else {
			m.err = nil
			m.applyJobs(msg.Jobs)
		}
		m.dirty = true
		return m, m.settle()
	case JourneyMsg:
		if msg.ID == m.selected {
			m.journeyID, m.journey, m.journeyErr = msg.ID, msg.Steps, msg.Err
			m.dirty = true
		}
		return m, nil
	case FrameMsg:
		// Ages move with the clock, so a frame tick always redraws; the
		// cost is one render per interval, not one per event.
		m.stale = true
		return m, tea.Batch(m.settle(), m.frameTick())
	case RefreshMsg:
		return m, tea.Batch(m.listCmd(), m.journeyCmd(), m.refreshTick())
	case PushStateMsg:
		m.pushState = string(msg)
		m.dirty = true
		return m, nil
	case eventsOpenMsg:
		if msg.err != nil {
			m.pushState = "unavailable: " + msg.err.Error()
			m.dirty = true
			return m, nil
		}
		m.eventsCh = msg.ch
		m.pushState = "live"
		m.dirty = true
		return m, m.waitEvents()
	}
	return m, nil
}

func (m *Model) handleKey(msg tea.KeyMsg) tea.Cmd {
	if m.searching {
		switch msg.Type {
		case tea.KeyEnter:
			m.searching = false
		case tea.KeyEsc:
			m.searching, m.search = false, ""
		case tea.KeyBackspace:
			if r := []rune(m.search); len(r) > 0 {
				m.search = string(r[:len(r)-1])
			}
		case tea.KeyRunes, tea.KeySpace:
			m.search += string(msg.Runes)
		case tea.KeyCtrlC:
			m.quitting = true
			return tea.Quit
		}
		m.dirty = true
		return nil
	}
	k := m.keys
	before := m.selected
	switch {
	case k.Quit.Matches(msg):
		m.quitting = true
		return tea.Quit
	case k.Help.Matches(msg):
		m.showHelp = !m.showHelp
	case k.Filter.Matches(msg):
		m.filter = (m.filter + 1) % len(filters)
		m.dirty = true
	case k.Search.Matches(msg):
		m.searching, m.search = true, ""
		m.dirty = true
	case k.ClearSearch.Matches(msg):
		m.search, m.filter, m.showHelp = "", 0, false
		m.dirty = true
	case k.Up.Matches(msg):
		m.move(-1)
	case k.Down.Matches(msg):
		m.move(1)
	case k.PageUp.Matches(msg):
		m.move(-m.tableRows())
	case k.PageDown.Matches(msg):
		m.move(m.tableRows())
	case k.Top.Matches(msg):
		m.move(-len(m.order))
	case k.Bottom.Matches(msg):
		m.move(len(m.order))
	case k.DetailUp.Matches(msg):
		m.scrollDetail(-1)
	case k.DetailDown.Matches(msg):
		m.scrollDetail(1)
	}
	// Filter and search changes move the selection too; settle it now so
	// the journey follows the job that will be shown.
	m.rebuild()
	if m.selected != before {
		m.detailTop = -1
		return m.journeyCmd()
	}
	return nil
}

// scrollDetail moves the detail pane by delta lines. Scrolling down to the
// last line follows the end again.
func (m *Model) scrollDetail(delta int) {
	_, rows := m.layout()
	total := len(m.detailLines(m.opts.Now()))
	last := max(total-rows, 0)
	top := m.detailTop
	if top < 0 {
		top = last
	}
	top = min(max(top+delta, 0), last)
	if top == last {
		top = -1
	}
	m.detailTop = top
	m.dirty = true
}

// handleMouse scrolls with the wheel and selects a row on click (only
// delivered when the program enables mouse reporting: `watch --mouse`).
func (m *Model) handleMouse(msg tea.MouseMsg) tea.Cmd {
	before := m.selected
	switch {
	case msg.Button == tea.MouseButtonWheelUp:
		m.move(-1)
	case msg.Button == tea.MouseButtonWheelDown:
		m.move(1)
	case msg.Button == tea.MouseButtonLeft && msg.Action == tea.MouseActionPress:
		// Rows start on line 2 (after the header and the column titles).
		rows := m.tableRows()
		if r := msg.Y - 2; r >= 0 && r < rows {
			start := 0
			if m.cursor >= rows {
				start = m.cursor - rows + 1
			}
			m.move(start + r - m.cursor)
		}
	}
	if m.selected != before {
		m.detailTop = -1
		return m.journeyCmd()
	}
	return nil
}

// settle applies pending changes to the visible list and, when that moved
// the selection (the first jobs arrived, the selected job was evicted),
// asks for the newly selected job's journey.
func (m *Model) settle() tea.Cmd {
	before := m.selected
	m.rebuild()
	if m.selected != before {
		m.detailTop = -1
		return m.journeyCmd()
	}
	return nil
}

// move shifts the cursor by delta rows, clamped to the visible jobs.
func (m *Model) move(delta int) {
	m.rebuild()
	if len(m.visible) == 0 {
		return
	}
	m.cursor = min(max(m.cursor+delta, 0), len(m.visible)-1)
	m.selected = m.visible[m.cursor]
}

// statusRank orders statuses so a late list read never moves a job back.
func statusRank(s string) int {
	switch s {
	case StatusPending:
		return 1
	case StatusInProgress:
		return 2
	case StatusSucceeded, StatusFailed:
		return 3
	}
	return 0
}

func (m *Model) setStatus(j *Job, status string) {
	if status == "" || status == j.Status || statusRank(status) < statusRank(j.Status) {
		return
	}
	if j.Status != "" {
		m.counts[j.Status]--
	}
	j.Status = status
	m.counts[status]++
}

// job returns the job with id, creating it (and evicting the oldest when
// over MaxJobs) if it is new.
func (m *Model) job(id string, created time.Time) *Job {
	if j, ok := m.jobs[id]; ok {
		return j
	}
	j := &Job{ID: id, Progress: -1, CreatedAt: created}
	m.jobs[id] = j
	m.order = append(m.order, id)
	// Evict in chunks of a quarter so trimming is amortised O(1) per job.
	if limit := m.opts.MaxJobs; len(m.order) > limit+limit/4 {
		drop := len(m.order) - limit
		for _, old := range m.order[:drop] {
			if oj := m.jobs[old]; oj != nil && oj.Status != "" {
				m.counts[oj.Status]--
			}
			delete(m.jobs, old)
		}
		m.order = append(m.order[:0], m.order[drop:]...)
	}
	return j
}

func (m *Model) applyJobs(jobs []Job) {
	// The list is newest first; add the oldest first so arrival order
	// matches creation order.
	for i := len(jobs) - 1; i >= 0; i-- {
		in := jobs[i]
		if in.ID == "" {
			continue
		}
		j := m.job(in.ID, in.CreatedAt)
		if !in.CreatedAt.IsZero() {
			j.CreatedAt = in.CreatedAt
		}
		if in.UpdatedAt.After(j.UpdatedAt) {
			j.UpdatedAt = in.UpdatedAt
		}
		j.Operation = cmpOr(in.Operation, j.Operation)
		j.Input = cmpOr(in.Input, j.Input)
		j.Result = cmpOr(in.Result, j.Result)
		j.Error = cmpOr(in.Error, j.Error)
		m.setStatus(j, in.Status)
	}
}

func (m *Model) applyEvents(evs []Event) {
	for _, ev := range evs {
		if len(m.events) < m.opts.MaxEvents {
			m.events = append(m.events, ev)
		} else {
			m.events[m.eventsHead] = ev
			m.eventsHead = (m.eventsHead + 1) % len(m.events)
		}
		if ev.JobID == "" {
			continue
		}
		j := m.job(ev.JobID, ev.Time)
		m.setStatus(j, ev.Status)
		if ev.Progress >= 0 {
			j.Progress = ev.Progress
		}
		if ev.Time.After(j.UpdatedAt) {
			j.UpdatedAt = ev.Time
		}
		if len(j.Seen) >= maxSeen {
			j.Seen = append(j.Seen[:0], j.Seen[1:]...)
		}
		j.Seen = append(j.Seen, ev)
	}
	if len(evs) > 0 {
		m.dirty = true
	}
}

// rebuild recomputes the visible ids when the jobs, filter or search
// changed, keeping the selection on the same job when it is still shown.
func (m *Model) rebuild() {
	if !m.dirty {
		return
	}
	m.dirty = false
	want := filters[m.filter]
	needle := strings.ToLower(m.search)
	m.visible = m.visible[:0]
	for i := len(m.order) - 1; i >= 0; i-- {
		j := m.jobs[m.order[i]]
		if want != "" && j.Status != want {
			continue
		}
		if needle != "" && !strings.Contains(strings.ToLower(j.ID), needle) && !strings.Contains(strings.ToLower(j.Operation), needle) {
			continue
		}
		m.visible = append(m.visible, j.ID)
	}
	// Newest created first. Arrival order is almost that already (so the
	// sort is cheap), but a push event can announce a job before the list
	// read that carries its real creation time.
	slices.SortStableFunc(m.visible, func(a, b string) int {
		ja, jb := m.jobs[a], m.jobs[b]
		if c := jb.CreatedAt.Compare(ja.CreatedAt); c != 0 {
			return c
		}
		return strings.Compare(jb.ID, ja.ID)
	})
	if i := slices.Index(m.visible, m.selected); i >= 0 {
		m.cursor = i
	} else if len(m.visible) > 0 {
		m.cursor = min(m.cursor, len(m.visible)-1)
		m.selected = m.visible[m.cursor]
	} else {
		m.cursor, m.selected = 0, ""
	}
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// Commands. Each one calls the source under m.ctx.

func (m *Model) openEvents() tea.Cmd {
	if m.opts.Source == nil {
		return nil
	}
	return func() tea.Msg {
		ch, err := m.opts.Source.Events(m.ctx)
		return eventsOpenMsg{ch: ch, err: err}
	}
}

// waitEvents blocks for one event, then drains whatever else is already
// queued (up to maxBatch), so a flood arrives as a few large batches.
func (m *Model) waitEvents() tea.Cmd {
	ch := m.eventsCh
	if ch == nil {
		return nil
	}
	return func() tea.Msg {
		ev, ok := <-ch
		if !ok {
			return PushStateMsg("closed")
		}
		batch := EventsMsg{ev}
		for len(batch) < maxBatch {
			select {
			case ev, ok := <-ch:
				if !ok {
					return batch
				}
				batch = append(batch, ev)
			default:
				return batch
			}
		}
		return batch
	}
}

func (m *Model) listCmd() tea.Cmd {
	if m.opts.Source == nil {
		return nil
	}
	limit := m.opts.ListLimit
	return func() tea.Msg {
		jobs, err := m.opts.Source.List(m.ctx, limit)
		return JobsMsg{Jobs: jobs, Err: err}
	}
}

func (m *Model) journeyCmd() tea.Cmd {
	id := m.Selected()
	if m.opts.Source == nil || id == "" {
		return nil
	}
	return func() tea.Msg {
		steps, err := m.opts.Source.Journey(m.ctx, id)
		return JourneyMsg{ID: id, Steps: steps, Err: err}
	}
}

func (m *Model) frameTick() tea.Cmd {
	return tea.Tick(m.opts.FrameInterval, func(t time.Time) tea.Msg { return FrameMsg(t) })
}

func (m *Model) refreshTick() tea.Cmd {
	return tea.Tick(m.opts.RefreshInterval, func(t time.Time) tea.Msg { return RefreshMsg(t) })
}
