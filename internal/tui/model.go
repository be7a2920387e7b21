package tui

import (
	"context"
	"time"
)

// Defaults of Options.
const (
	// DefaultMaxJobs bounds the jobs kept in memory; the oldest are
	// forgotten first.
	DefaultMaxJobs = 2000
	// DefaultMaxEvents bounds the push events kept for the events pane.
	DefaultMaxEvents = 200
	// DefaultFrameInterval is how often the view may be rebuilt while
	// events arrive (10 frames per second).
	DefaultFrameInterval = 100 * time.Millisecond
	// DefaultRefreshInterval is how often the job list and the selected
	// job's journey are read again from the source.
	DefaultRefreshInterval = time.Second
	// DefaultListLimit is how many jobs a refresh asks for.
	DefaultListLimit = 500
	// maxSeen bounds the push events remembered per job.
	maxSeen = 8
	// maxBatch bounds the events handed to Update in one message, so a
	// flood cannot starve key presses.
	maxBatch = 4096
)

// Job statuses as the job table stores them.
const (
	StatusPending    = "Pending"
	StatusInProgress = "In Progress"
	StatusSucceeded  = "Succeeded"
	StatusFailed     = "Failed"
)

// Job is one job as the UI shows it.
type Job struct {
	ID        string    `json:"id"`
	Operation string    `json:"operation,omitempty"`
	Status    string    `json:"status"`
	CreatedAt time.Time `json:"createdAt,omitzero"`
	UpdatedAt time.Time `json:"updatedAt,omitzero"`
	// Input, Result and Error are JSON text ("" when absent).
	Input  string `json:"input,omitempty"`
	Result string `json:"result,omitempty"`
	Error  string `json:"error,omitempty"`
	// Progress is the last progress (0-100) a push event reported; -1
	// when none was seen. Sources leave it at -1.
	Progress int `json:"progress"`
	// ExecutionARN is the execution that claimed the job, when the job
	// item records it (the gophers machine stores $$.Execution.Id as
	// executionId); "" otherwise.
	ExecutionARN string `json:"executionArn,omitempty"`
	// Seen are the last push events seen for the job, oldest first.
	Seen []Event `json:"-"`
}

// Terminal reports whether the job has finished.
func (j *Job) Terminal() bool { return j.Status == StatusSucceeded || j.Status == StatusFailed }

// Event is one push event about a job.
type Event struct {
	Time       time.Time `json:"time"`
	JobID      string    `json:"jobId"`
	DetailType string    `json:"type,omitempty"`
	Status     string    `json:"status,omitempty"`
	// Progress is 0-100, or -1 when the event carries none.
	Progress int `json:"progress"`
}

// Step is one state of a job's execution, for the journey timeline.
type Step struct {
	Name    string    `json:"name"`
	Entered time.Time `json:"entered"`
	// Duration is zero while the state is running.
	Duration time.Duration `json:"duration"`
	Running  bool          `json:"running,omitempty"`
	Failed   bool          `json:"failed,omitempty"`
}

// JobSource is the port the model reads jobs through. Implementations live
// with the command that binds the running stack (internal/cli/jobscmd).
type JobSource interface {
	// List returns at most limit jobs, newest first.
	List(ctx context.Context, limit int) ([]Job, error)
	// Journey returns the states job id's execution went through.
	Journey(ctx context.Context, id string) ([]Step, error)
	// Events delivers push events until ctx ends, then closes the channel.
	Events(ctx context.Context) (<-chan Event, error)
}

// Options configure a Model. Zero fields take the defaults.
type Options struct {
	Source JobSource
	// Now is the clock (ages and durations); tests pin it.
	Now             func() time.Time
	Styles          Styles
	MaxJobs         int
	MaxEvents       int
	FrameInterval   time.Duration
	RefreshInterval time.Duration
	ListLimit       int
	// Title is shown in the header (the project or stack name).
	Title string
}

// filters are the status filters `f` cycles through ("" = all).
var filters = []string{"", StatusPending, StatusInProgress, StatusSucceeded, StatusFailed}

// Model is the bubbletea model of `sfapi jobs watch`. Use it through a
// pointer: View caches the last frame.
type Model struct {
	// ctx bounds the source calls of the commands the model returns;
	// bubbletea commands take no context of their own.
	ctx  context.Context
	opts Options
	keys KeyMap

	jobs  map[string]*Job
	order []string // arrival order, oldest first
	// counts of jobs by status, kept in step with jobs.
	counts map[string]int

	events     []Event // ring buffer of push events
	eventsHead int     // index of the oldest event once the ring is full

	visible  []string // ids shown, newest first, after filter and search
	cursor   int
	selected string

	journeyID  string
	journey    []Step
	journeyErr error
	// detailTop is the first detail line shown when the pane is scrolled
	// by hand; -1 follows the end, so a running job's current state stays
	// in view. Selecting another job follows again.
	detailTop int

	filter    int
	search    string
	searching bool
	showHelp  bool

	width, height int
	err           error // last source error, shown in the footer
	pushState     string

	dirty    bool   // state changed since the last frame
	frame    string // cached view
	stale    bool   // frame must be rebuilt on the next View
	quitting bool
	eventsCh <-chan Event
}

// New returns a model reading from opts.Source; ctx bounds its source calls.
func New(ctx context.Context, opts Options) *Model {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.MaxJobs <= 0 {
		opts.MaxJobs = DefaultMaxJobs
	}
	if opts.MaxEvents <= 0 {
		opts.MaxEvents = DefaultMaxEvents
	}
	if opts.FrameInterval <= 0 {
		opts.FrameInterval = DefaultFrameInterval
	}
	if opts.RefreshInterval <= 0 {
		opts.RefreshInterval = DefaultRefreshInterval
	}
	if opts.ListLimit <= 0 {
		opts.ListLimit = DefaultListLimit
	}
	if opts.Styles.Status == nil {
		opts.Styles = PlainStyles()
	}
	return &Model{
		ctx:       ctx,
		opts:      opts,
		keys:      DefaultKeyMap(),
		jobs:      make(map[string]*Job),
		counts:    make(map[string]int),
		events:    make([]Event, 0, opts.MaxEvents),
		width:     100,
		height:    30,
		pushState: "connecting",
		detailTop: -1,
		dirty:     true,
		stale:     true,
	}
}

// Jobs returns the jobs shown, newest first (after filter and search).
func (m *Model) Jobs() []Job {
	m.rebuild()
	out := make([]Job, 0, len(m.visible))
	for _, id := range m.visible {
		out = append(out, *m.jobs[id])
	}
	return out
}

// Job returns the job with id, if the model knows it.
func (m *Model) Job(id string) (Job, bool) {
	j, ok := m.jobs[id]
	if !ok {
		return Job{}, false
	}
	return *j, true
}

// Selected is the id of the selected job ("" when none).
func (m *Model) Selected() string { m.rebuild(); return m.selected }

// Events returns the push events kept, oldest first.
func (m *Model) Events() []Event {
	if len(m.events) < m.opts.MaxEvents {
		return append([]Event(nil), m.events...)
	}
	out := make([]Event, 0, len(m.events))
	out = append(out, m.events[m.eventsHead:]...)
	return append(out, m.events[:m.eventsHead]...)
}
