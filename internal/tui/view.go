package tui

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/charmbracelet/x/ansi"
)

// Fixed column widths of the job table; the ID column takes the rest.
const (
	colOperation = 12
	colStatus    = 11
	colProgress  = 15 // 10-cell bar, space, "100%"
	colAge       = 7
	colDuration  = 8
	barCells     = 10
	minIDWidth   = 8
	// maxIDWidth fits a UUID (API Gateway request ids) with room to spare;
	// wider terminals leave the rest blank rather than stretch the table.
	maxIDWidth = 38
)

// View returns the current frame. It is rebuilt only when a key, a resize
// or a frame tick marked it stale: a burst of events between two ticks
// costs map updates, not renders.
func (m *Model) View() string {
	if m.quitting {
		return ""
	}
	if m.stale || m.frame == "" {
		m.frame = m.render()
		m.stale = false
	}
	return m.frame
}

// Render builds a frame now, whatever the throttle says (benchmarks and
// golden tests call it).
func (m *Model) Render() string { return m.render() }

// layout splits the height: header, table header, rows, pane title, pane
// rows, footer.
func (m *Model) layout() (tableRows, paneRows int) {
	if m.height < 12 {
		return max(m.height-3, 1), 0
	}
	rest := m.height - 4
	paneRows = rest * 2 / 5
	return rest - paneRows, paneRows
}

func (m *Model) tableRows() int { r, _ := m.layout(); return r }

func (m *Model) render() string {
	m.rebuild()
	w := max(m.width, 20)
	var b strings.Builder
	b.Grow(w * m.height * 2)
	now := m.opts.Now()
	tableRows, paneRows := m.layout()

	b.WriteString(fit(m.opts.Styles.Title.Render("sfapi jobs")+" "+m.headerText(), w))
	b.WriteByte('\n')
	showProgress := w >= 70
	idW := w - colOperation - colStatus - colAge - colDuration - 4
	if showProgress {
		idW -= colProgress + 1
	}
	idW = min(max(idW, minIDWidth), maxIDWidth)
	hdr := padRight("ID", idW) + " " + padRight("OPERATION", colOperation) + " " + padRight("STATUS", colStatus) + " "
	if showProgress {
		hdr += padRight("PROGRESS", colProgress) + " "
	}
	hdr += padLeft("AGE", colAge) + " " + padLeft("DURATION", colDuration)
	b.WriteString(m.opts.Styles.Header.Render(fit(hdr, w)))
	b.WriteByte('\n')

	// Scroll so the cursor row is visible.
	start := 0
	if m.cursor >= tableRows {
		start = m.cursor - tableRows + 1
	}
	for r := range tableRows {
		i := start + r
		if i >= len(m.visible) {
			if r == 0 && len(m.visible) == 0 {
				b.WriteString(fit(m.opts.Styles.Dim.Render("  no jobs yet"+m.filterNote()), w))
			}
			b.WriteByte('\n')
			continue
		}
		b.WriteString(m.row(m.jobs[m.visible[i]], i == m.cursor, idW, showProgress, now, w))
		b.WriteByte('\n')
	}

	if paneRows > 0 {
		var left, right []string
		leftW, rightW := w, 0
		if w >= 80 && !m.showHelp {
			leftW = w * 3 / 5
			rightW = w - leftW - 1
		}
		leftTitle := "journey"
		if m.showHelp {
			leftTitle = "keys"
			left = columns(m.keys.helpLines(), paneRows, leftW)
		} else {
			left = scrollWindow(m.detailLines(now), m.detailTop, paneRows)
			if m.selected != "" {
				leftTitle = "journey " + m.selected
			}
		}
		title := paneTitle(leftTitle, leftW)
		if rightW > 0 {
			right = m.eventLines()
			title += " " + paneTitle("push events ("+m.pushState+")", rightW)
		}
		b.WriteString(m.opts.Styles.Dim.Render(title))
		b.WriteByte('\n')
		for r := range paneRows {
			l := ""
			if r < len(left) {
				l = left[r]
			}
			if rightW > 0 {
				rr := ""
				if r < len(right) {
					rr = right[r]
				}
				b.WriteString(fit(l, leftW) + "│" + fitEnd(rr, rightW))
			} else {
				b.WriteString(fitEnd(l, leftW))
			}
			b.WriteByte('\n')
		}
	}
	b.WriteString(fitEnd(m.footer(), w))
	return b.String()
}

func (m *Model) headerText() string {
	c := m.counts
	s := fmt.Sprintf("· %s%d jobs · %d pending · %d in progress · %d succeeded · %d failed", titlePrefix(m.opts.Title), len(m.jobs), c[StatusPending], c[StatusInProgress], c[StatusSucceeded], c[StatusFailed])
	return s
}

func titlePrefix(t string) string {
	if t == "" {
		return ""
	}
	return t + " · "
}

func (m *Model) filterNote() string {
	var parts []string
	if f := filters[m.filter]; f != "" {
		parts = append(parts, "status "+f)
	}
	if m.search != "" {
		parts = append(parts, "matching "+strconv.Quote(m.search))
	}
	if len(parts) == 0 {
		return ""
	}
	return " (" + strings.Join(parts, ", ") + ")"
}

func (m *Model) footer() string {
	if m.searching {
		return "search: " + m.search + "█  (enter keeps it, esc clears)"
	}
	var parts []string
	if f := filters[m.filter]; f != "" {
		parts = append(parts, "filter: "+f)
	}
	if m.search != "" {
		parts = append(parts, "search: "+m.search)
	}
	if m.err != nil {
		parts = append(parts, "error: "+m.err.Error())
	}
	parts = append(parts, "? help · / search · f filter · q quit")
	return strings.Join(parts, " · ")
}

func (m *Model) row(j *Job, selected bool, idW int, showProgress bool, now time.Time, w int) string {
	st := m.opts.Styles
	status := padRight(j.Status, colStatus)
	age := padLeft(compactDuration(now.Sub(j.CreatedAt)), colAge)
	dur := "…"
	if j.Terminal() && !j.UpdatedAt.IsZero() {
		dur = compactDuration(j.UpdatedAt.Sub(j.CreatedAt))
	}
	dur = padLeft(dur, colDuration)
	prog := ""
	if showProgress {
		prog = padRight(progressBar(j), colProgress) + " "
	}
	head := fit(j.ID, idW) + " " + fit(j.Operation, colOperation) + " "
	tail := age + " " + dur
	if selected {
		return st.Selected.Render(fit(head+status+" "+prog+tail, w))
	}
	if s, ok := st.Status[j.Status]; ok {
		status = s.Render(status)
	}
	if showProgress {
		prog = st.Bar.Render(prog)
	}
	return fit(head+status+" "+prog+tail, w)
}

// progressBar draws the last reported progress; finished jobs without
// progress events show a full bar.
func progressBar(j *Job) string {
	p := j.Progress
	if p < 0 {
		if !j.Terminal() {
			return ""
		}
		p = 100
	}
	p = min(max(p, 0), 100)
	full := p * barCells / 100
	return strings.Repeat("█", full) + strings.Repeat("░", barCells-full) + " " + strconv.Itoa(p) + "%"
}

func (m *Model) detailLines(now time.Time) []string {
	j, ok := m.jobs[m.selected]
	if !ok {
		return []string{"  select a job with ↑/↓"}
	}
	lines := []string{
		fmt.Sprintf("status %s · %s · created %s · updated %s", j.Status, cmpOr(j.Operation, "?"), clock(j.CreatedAt), clock(j.UpdatedAt)),
	}
	if j.Input != "" {
		lines = append(lines, "input  "+j.Input)
	}
	if j.Result != "" {
		lines = append(lines, "result "+j.Result)
	}
	if j.Error != "" {
		lines = append(lines, "error  "+j.Error)
	}
	if len(j.Seen) > 0 {
		var seen []string
		for _, ev := range j.Seen {
			seen = append(seen, eventLabel(ev))
		}
		lines = append(lines, "pushes "+strings.Join(seen, " · "))
	}
	if m.journeyID == j.ID {
		if m.journeyErr != nil {
			lines = append(lines, "journey: "+m.journeyErr.Error())
		}
		var t0 time.Time
		if len(m.journey) > 0 {
			t0 = m.journey[0].Entered
		}
		for _, s := range m.journey {
			mark, d := "✓", compactDuration(s.Duration)
			switch {
			case s.Running:
				mark, d = "▶", compactDuration(now.Sub(s.Entered))+"…"
			case s.Failed:
				mark = "✗"
			}
			lines = append(lines, fmt.Sprintf("%s %8s  %-22s %s", mark, "+"+compactDuration(s.Entered.Sub(t0)), s.Name, d))
		}
	}
	return lines
}

// columns lays lines out in as many columns of rows lines as width allows,
// so the whole key help fits a short pane.
func columns(lines []string, rows, width int) []string {
	if len(lines) <= rows || rows <= 0 {
		return lines
	}
	ncol := (len(lines) + rows - 1) / rows
	colW := width / ncol
	for _, l := range lines {
		if ansi.StringWidth(l) >= colW {
			return lines // too narrow: the pane cuts, as before
		}
	}
	out := make([]string, rows)
	for i, l := range lines {
		r := i % rows
		if i/rows < ncol-1 {
			l = padRight(l, colW)
		}
		out[r] += l
	}
	return out
}

// scrollWindow returns the rows of lines that fit a pane of rows lines,
// starting at top (-1: the end). A cut side is marked in its edge row, so
// a long journey never silently loses states.
func scrollWindow(lines []string, top, rows int) []string {
	if len(lines) <= rows || rows < 3 {
		return lines
	}
	last := len(lines) - rows
	if top < 0 || top > last {
		top = last
	}
	win := slices.Clone(lines[top : top+rows])
	if top > 0 {
		win[0] = fmt.Sprintf("  ↑ %d more · [ scrolls up", top+1)
	}
	if below := len(lines) - (top + rows); below > 0 {
		win[rows-1] = fmt.Sprintf("  ↓ %d more · ] scrolls down", below+1)
	}
	return win
}

func eventLabel(ev Event) string {
	s := cmpOr(ev.DetailType, ev.Status)
	if ev.Progress >= 0 {
		s += " " + strconv.Itoa(ev.Progress) + "%"
	}
	return s
}

// eventLines lists the kept push events, newest first.
func (m *Model) eventLines() []string {
	evs := m.Events()
	lines := make([]string, 0, len(evs))
	for i := len(evs) - 1; i >= 0; i-- {
		ev := evs[i]
		lines = append(lines, clock(ev.Time)+" "+shortID(ev.JobID)+" "+eventLabel(ev))
	}
	return lines
}

// Formatting helpers. Widths are terminal cells (ansi.StringWidth), so
// escape codes and wide runes are measured correctly.

func clock(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.Format("15:04:05.000")
}

func shortID(id string) string {
	if len(id) > 8 {
		return id[:8]
	}
	return id
}

// compactDuration prints 850ms, 3.2s, 2m05s, 1h02m.
func compactDuration(d time.Duration) string {
	switch {
	case d < 0:
		return "0s"
	case d < time.Second:
		return strconv.FormatInt(d.Milliseconds(), 10) + "ms"
	case d < 10*time.Second:
		return strconv.FormatFloat(d.Seconds(), 'f', 1, 64) + "s"
	case d < time.Minute:
		return strconv.Itoa(int(d.Seconds())) + "s"
	case d < time.Hour:
		return fmt.Sprintf("%dm%02ds", int(d.Minutes()), int(d.Seconds())%60)
	default:
		return fmt.Sprintf("%dh%02dm", int(d.Hours()), int(d.Minutes())%60)
	}
}

func paneTitle(title string, w int) string {
	t := "─ " + title + " "
	return fit(t+strings.Repeat("─", max(w-ansi.StringWidth(t), 0)), w)
}

// fit pads or truncates s to exactly w cells.
func fit(s string, w int) string {
	n := ansi.StringWidth(s)
	if n > w {
		return ansi.Truncate(s, w, "…")
	}
	return s + strings.Repeat(" ", w-n)
}

// fitEnd truncates s to w cells without padding (the end of a line).
func fitEnd(s string, w int) string {
	if ansi.StringWidth(s) > w {
		return ansi.Truncate(s, w, "…")
	}
	return s
}

func padRight(s string, w int) string { return fit(s, w) }

func padLeft(s string, w int) string {
	n := ansi.StringWidth(s)
	if n >= w {
		return fit(s, w)
	}
	return strings.Repeat(" ", w-n) + s
}
