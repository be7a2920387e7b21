package jobscmd

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"path"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"gopkg.in/yaml.v3"

	"github.com/sfapi/sfapi/internal/tui"
)

// jobView is a job as list/get/submit print it: input, result and error
// as JSON values rather than JSON text.
type jobView struct {
	ID        string     `json:"id" yaml:"id"`
	Operation string     `json:"operation" yaml:"operation"`
	Status    string     `json:"status" yaml:"status"`
	CreatedAt *time.Time `json:"createdAt,omitempty" yaml:"createdAt,omitempty"`
	UpdatedAt *time.Time `json:"updatedAt,omitempty" yaml:"updatedAt,omitempty"`
	Input     any        `json:"input,omitempty" yaml:"input,omitempty"`
	Result    any        `json:"result,omitempty" yaml:"result,omitempty"`
	Error     any        `json:"error,omitempty" yaml:"error,omitempty"`
	// get only
	States []stateView `json:"states,omitempty" yaml:"states,omitempty"`
	Events []eventView `json:"events,omitempty" yaml:"events,omitempty"`
}

type stateView struct {
	Name       string    `json:"name" yaml:"name"`
	Entered    time.Time `json:"entered" yaml:"entered"`
	DurationMS int64     `json:"durationMs" yaml:"durationMs"`
	Running    bool      `json:"running,omitempty" yaml:"running,omitempty"`
	Failed     bool      `json:"failed,omitempty" yaml:"failed,omitempty"`
}

// eventView is an event the execution put on a bus (which the project's
// rules may push to WebSocket subscribers).
type eventView struct {
	Time       time.Time `json:"time" yaml:"time"`
	Source     string    `json:"source,omitempty" yaml:"source,omitempty"`
	DetailType string    `json:"detailType" yaml:"detailType"`
	Detail     any       `json:"detail,omitempty" yaml:"detail,omitempty"`
}

func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

func jsonValue(s string) any {
	if s == "" {
		return nil
	}
	var v any
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		return s
	}
	return v
}

func viewOf(j tui.Job) jobView {
	return jobView{ID: j.ID, Operation: j.Operation, Status: j.Status, CreatedAt: timePtr(j.CreatedAt), UpdatedAt: timePtr(j.UpdatedAt),
		Input: jsonValue(j.Input), Result: jsonValue(j.Result), Error: jsonValue(j.Error)}
}

func encode(w io.Writer, format string, v any) error {
	switch format {
	case "yaml":
		enc := yaml.NewEncoder(w)
		enc.SetIndent(2)
		if err := enc.Encode(v); err != nil {
			return fmt.Errorf("write yaml: %w", err)
		}
		return enc.Close()
	default:
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(v)
	}
}

func duration(j tui.Job) string {
	if j.UpdatedAt.IsZero() || j.CreatedAt.IsZero() || (j.Status != tui.StatusSucceeded && j.Status != tui.StatusFailed) {
		return "-"
	}
	return j.UpdatedAt.Sub(j.CreatedAt).Round(time.Millisecond).String()
}

func stamp(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format("2006-01-02T15:04:05.000Z")
}

func listRun(ctx context.Context, o *JobsOptions, t *Target) error {
	all, err := t.Source.List(ctx, 0)
	if err != nil {
		return err
	}
	var jobs []tui.Job
	for _, j := range all {
		if o.Status != "" && j.Status != o.Status {
			continue
		}
		if o.Since > 0 && j.CreatedAt.Before(o.Now().Add(-o.Since)) {
			continue
		}
		jobs = append(jobs, j)
		if o.Limit > 0 && len(jobs) == o.Limit {
			break
		}
	}
	if o.Output == "json" || o.Output == "yaml" {
		views := make([]jobView, 0, len(jobs))
		for _, j := range jobs {
			views = append(views, viewOf(j))
		}
		return encode(o.IO.Out, o.Output, views)
	}
	tw := tabwriter.NewWriter(o.IO.Out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tOPERATION\tSTATUS\tCREATED\tDURATION")
	for _, j := range jobs {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", j.ID, j.Operation, paint(o, j.Status), stamp(j.CreatedAt), duration(j))
	}
	return tw.Flush()
}

func paint(o *JobsOptions, status string) string {
	switch status {
	case tui.StatusSucceeded:
		return o.IO.Green(status)
	case tui.StatusFailed:
		return o.IO.Red(status)
	case tui.StatusInProgress:
		return o.IO.Cyan(status)
	}
	return status
}

// busEvents lists the events:putEvents tasks of an execution history.
func (s *Source) busEvents(h *execution) []eventView {
	var out []eventView
	for _, ev := range h.events {
		d := ev.TaskScheduledEventDetails
		if d == nil || aws.ToString(d.ResourceType) != "events" || !strings.HasPrefix(aws.ToString(d.Resource), "putEvents") {
			continue
		}
		var params struct {
			Entries []struct {
				Source     string `json:"Source"`
				DetailType string `json:"DetailType"`
				Detail     any    `json:"Detail"`
			} `json:"Entries"`
		}
		if json.Unmarshal([]byte(aws.ToString(d.Parameters)), &params) != nil {
			continue
		}
		for _, e := range params.Entries {
			detail := e.Detail
			if s, ok := detail.(string); ok {
				detail = jsonValue(s)
			}
			out = append(out, eventView{Time: aws.ToTime(ev.Timestamp).UTC(), Source: e.Source, DetailType: e.DetailType, Detail: detail})
		}
	}
	return out
}

func getRun(ctx context.Context, o *JobsOptions, t *Target) error {
	j, err := t.Source.Get(ctx, o.ID)
	if err != nil {
		return err
	}
	v := viewOf(j)
	h, herr := t.Source.history(ctx, j.ID, j.ExecutionARN)
	if herr == nil {
		for _, s := range journey(h.events) {
			v.States = append(v.States, stateView{Name: s.Name, Entered: s.Entered, DurationMS: s.Duration.Milliseconds(), Running: s.Running, Failed: s.Failed})
		}
		v.Events = t.Source.busEvents(h)
	}
	if o.Output == "json" || o.Output == "yaml" {
		return encode(o.IO.Out, o.Output, v)
	}
	w := o.IO.Out
	fmt.Fprintf(w, "id         %s\noperation  %s\nstatus     %s\ncreated    %s\nupdated    %s\nduration   %s\n",
		j.ID, j.Operation, paint(o, j.Status), stamp(j.CreatedAt), stamp(j.UpdatedAt), duration(j))
	for _, f := range []struct{ name, val string }{{"input", j.Input}, {"result", j.Result}, {"error", j.Error}} {
		if f.val != "" {
			fmt.Fprintf(w, "%-10s %s\n", f.name, f.val)
		}
	}
	if herr != nil {
		fmt.Fprintf(w, "execution  %v\n", herr)
		return nil
	}
	fmt.Fprintf(w, "execution  %s\nstates:\n", h.arn)
	var t0 time.Time
	for i, s := range v.States {
		if i == 0 {
			t0 = s.Entered
		}
		mark := "ok"
		if s.Failed {
			mark = "FAILED"
		} else if s.Running {
			mark = "running"
		}
		fmt.Fprintf(w, "  +%-8s %-24s %6dms  %s\n", s.Entered.Sub(t0).Round(time.Millisecond), s.Name, s.DurationMS, mark)
	}
	if len(v.Events) > 0 {
		fmt.Fprintln(w, "events:")
		for _, e := range v.Events {
			d, _ := json.Marshal(e.Detail)
			fmt.Fprintf(w, "  %s %s %s %s\n", stamp(e.Time), e.Source, e.DetailType, d)
		}
	}
	return nil
}

func submitRun(ctx context.Context, o *JobsOptions, t *Target) error {
	if t.API == "" || t.CreatePath == "" {
		return errors.New("the project has no REST API route that creates jobs (a POST answering 202)")
	}
	var body []byte
	var err error
	if o.File == "" || o.File == "-" {
		body, err = io.ReadAll(o.IO.In)
	} else {
		body, err = os.ReadFile(o.File)
	}
	if err != nil {
		return fmt.Errorf("read job body: %w", err)
	}
	u := strings.TrimSuffix(t.API, "/") + t.CreatePath
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("build request: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := t.HTTP.Do(req)
	if err != nil {
		return fmt.Errorf("POST %s: %w", u, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return fmt.Errorf("read response of POST %s: %w", u, err)
	}
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("POST %s: %s: %s", t.CreatePath, resp.Status, bytes.TrimSpace(data))
	}
	fmt.Fprintf(o.IO.ErrOut, "%s %s\n", resp.Status, resp.Header.Get("Location"))
	if !o.Wait {
		_, err = o.IO.Out.Write(append(bytes.TrimSpace(data), '\n'))
		return err
	}
	id := jobID(data, resp.Header.Get("Location"))
	if id == "" {
		return fmt.Errorf("the %s response names no job (no \"id\" and no Location): %s", resp.Status, data)
	}
	j, err := follow(ctx, o, t, id)
	if err != nil {
		return err
	}
	if err := encode(o.IO.Out, o.Output, viewOf(j)); err != nil {
		return err
	}
	if j.Status == tui.StatusFailed {
		return fmt.Errorf("job %s failed: %s", j.ID, j.Error)
	}
	return nil
}

// jobID takes the job id from the response body, else from the Location.
func jobID(body []byte, location string) string {
	var v struct {
		ID string `json:"id"`
	}
	if json.Unmarshal(body, &v) == nil && v.ID != "" {
		return v.ID
	}
	if location != "" {
		return path.Base(location)
	}
	return ""
}

// follow polls the job (and listens to its push events for progress) until
// it finishes, drawing one progress line on ErrOut.
func follow(ctx context.Context, o *JobsOptions, t *Target, id string) (tui.Job, error) {
	if o.WaitTimeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, o.WaitTimeout)
		defer cancel()
	}
	progress := -1
	var events <-chan tui.Event
	if t.Source.WS != "" {
		src := *t.Source
		src.WS = withJobFilter(src.WS, id)
		events, _ = src.Events(ctx)
	}
	last := ""
	tick := time.NewTicker(o.PollInterval)
	defer tick.Stop()
	for {
		j, err := t.Source.Get(ctx, id)
		if err != nil && !errors.Is(err, ErrNoJob) {
			return j, err
		}
		j.Progress = progress
		if line := progressLine(j); err == nil && line != last {
			if o.IO.IsStderrTTY() {
				fmt.Fprintf(o.IO.ErrOut, "\r\x1b[K%s", line)
			} else {
				fmt.Fprintln(o.IO.ErrOut, line)
			}
			last = line
		}
		if err == nil && j.Terminal() {
			if o.IO.IsStderrTTY() {
				fmt.Fprintln(o.IO.ErrOut)
			}
			return j, nil
		}
		select {
		case <-ctx.Done():
			return j, fmt.Errorf("wait for job %s: %w", id, ctx.Err())
		case ev, ok := <-events:
			if !ok {
				events = nil
			} else if ev.Progress >= 0 {
				progress = ev.Progress
			}
		case <-tick.C:
		}
	}
}

func progressLine(j tui.Job) string {
	p := j.Progress
	if j.Terminal() {
		p = 100
	}
	bar := strings.Repeat("░", 20)
	if p >= 0 {
		bar = strings.Repeat("█", p/5) + strings.Repeat("░", 20-p/5)
	}
	return fmt.Sprintf("%s %s %s", j.ID, bar, j.Status)
}

func withJobFilter(ws, id string) string {
	u, err := url.Parse(ws)
	if err != nil {
		return ws
	}
	q := u.Query()
	q.Set("jobId", id)
	u.RawQuery = q.Encode()
	return u.String()
}

// newWatchModel builds the terminal UI for t.
func newWatchModel(ctx context.Context, o *JobsOptions, t *Target) *tui.Model {
	styles := tui.PlainStyles()
	if o.IO.ColorEnabled() {
		styles = tui.NewStyles(lipgloss.NewRenderer(o.IO.Out))
	}
	now := o.Now
	if now == nil {
		now = time.Now
	}
	return tui.New(ctx, tui.Options{Source: t.Source, Now: now, Styles: styles, Title: t.Name})
}

func watchRun(ctx context.Context, o *JobsOptions, t *Target) error {
	if !o.IO.IsStdoutTTY() {
		return watchLines(ctx, o, t)
	}
	// The UI owns the terminal: logs go to --log-file or nowhere.
	logw := io.Discard
	if o.LogFile != "" {
		f, err := os.OpenFile(o.LogFile, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
		if err != nil {
			return fmt.Errorf("open log file: %w", err)
		}
		defer f.Close()
		logw = f
	}
	log := slog.New(slog.NewTextHandler(logw, nil))
	log.Info("jobs watch started", "stack", t.Name, "table", t.Source.Table)
	popts := []tea.ProgramOption{tea.WithContext(ctx), tea.WithAltScreen(), tea.WithInput(o.IO.In), tea.WithOutput(o.IO.Out)}
	if o.Mouse {
		popts = append(popts, tea.WithMouseCellMotion())
	}
	p := tea.NewProgram(newWatchModel(ctx, o, t), popts...)
	_, err := p.Run()
	log.Info("jobs watch stopped", "err", err)
	if errors.Is(err, tea.ErrProgramKilled) && ctx.Err() != nil {
		return ctx.Err()
	}
	return err
}

// watchLine is one JSON line of a piped watch: a push event ("push") or a
// status change read from the table ("status").
type watchLine struct {
	Kind     string    `json:"kind"`
	Time     time.Time `json:"time"`
	JobID    string    `json:"jobId"`
	Status   string    `json:"status,omitempty"`
	Type     string    `json:"type,omitempty"`
	Progress *int      `json:"progress,omitempty"`
}

// watchLines prints push events and table status changes as JSON lines
// until ctx ends.
func watchLines(ctx context.Context, o *JobsOptions, t *Target) error {
	enc := json.NewEncoder(o.IO.Out)
	events, err := t.Source.Events(ctx)
	if err != nil {
		fmt.Fprintf(o.IO.ErrOut, "push events unavailable: %v\n", err)
	}
	seen := map[string]string{}
	// The first read only records the present, so old jobs are not
	// replayed as changes.
	first := true
	tick := time.NewTicker(max(o.PollInterval, 100*time.Millisecond))
	defer tick.Stop()
	poll := func() error {
		jobs, err := t.Source.List(ctx, 0)
		if err != nil {
			if ctx.Err() == nil {
				fmt.Fprintf(o.IO.ErrOut, "list jobs: %v\n", err)
			}
			return nil
		}
		for i := len(jobs) - 1; i >= 0; i-- {
			j := jobs[i]
			if seen[j.ID] == j.Status {
				continue
			}
			seen[j.ID] = j.Status
			if !first {
				if err := enc.Encode(watchLine{Kind: "status", Time: cmpTime(j.UpdatedAt, j.CreatedAt), JobID: j.ID, Status: j.Status}); err != nil {
					return err
				}
			}
		}
		first = false
		return nil
	}
	if err := poll(); err != nil {
		return err
	}
	for {
		select {
		case <-ctx.Done():
			return nil
		case ev, ok := <-events:
			if !ok {
				events = nil
				continue
			}
			line := watchLine{Kind: "push", Time: ev.Time, JobID: ev.JobID, Status: ev.Status, Type: ev.DetailType}
			if ev.Progress >= 0 {
				line.Progress = &ev.Progress
			}
			if err := enc.Encode(line); err != nil {
				return err
			}
		case <-tick.C:
			if err := poll(); err != nil {
				return err
			}
		}
	}
}

func cmpTime(a, b time.Time) time.Time {
	if !a.IsZero() {
		return a
	}
	return b
}
