package benchcmd

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"path"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"
)

// Defaults of a Plan.
const (
	DefaultRequests     = 100
	DefaultConcurrency  = 4
	DefaultWaitTimeout  = 30 * time.Second
	DefaultPollInterval = time.Second
	// DefaultMaxInFlight caps the requests an open loop keeps outstanding
	// when -c is not given, so a stalled server cannot exhaust sockets.
	DefaultMaxInFlight = 1000
)

// Plan is one load run.
type Plan struct {
	// URL is the create route (e.g. http://127.0.0.1:4566/gophers); Method
	// defaults to POST.
	URL, Method string
	// API is the base URL status links are resolved against (its path, an
	// API Gateway stage such as /dev, prefixes links that start with /).
	API  string
	Body *Template
	// Requests stops after this many requests (0: only Duration stops).
	Requests int
	// Duration stops sending after this long (0: only Requests stops).
	Duration time.Duration
	// Concurrency is the number of clients of a closed loop, or the cap on
	// outstanding requests of an open loop (0: DefaultMaxInFlight).
	Concurrency int
	// Rate > 0 makes an open loop: request i is due at start + i/Rate,
	// whatever happened to the earlier ones.
	Rate float64
	// WaitTimeout bounds how long an accepted job may take to reach a
	// terminal status before it counts as lost (and each HTTP request).
	WaitTimeout time.Duration
	// PollInterval is how often unfinished jobs' status links are read.
	PollInterval time.Duration
	// WS is the push WebSocket URL ("" polls only).
	WS string

	HTTP *http.Client
	Now  func() time.Time
	// Progress, when set, is called with a snapshot every ProgressEvery.
	Progress      func(Snapshot)
	ProgressEvery time.Duration
	// Warn reports a problem that does not stop the run (push unavailable).
	Warn func(string)
}

// Snapshot is the progress of a running bench.
type Snapshot struct {
	Elapsed  time.Duration
	Sent     int64
	Accepted int64
	Done     int64 // jobs seen in a terminal status
	Failed   int64 // rejected requests, transport errors and Failed jobs so far
	// Total is the planned number of requests (0 when only a duration
	// bounds the run); Duration the planned sending time.
	Total    int
	Duration time.Duration
}

// Report is the outcome of a run. Latencies are in milliseconds.
type Report struct {
	Method      string  `json:"method" yaml:"method"`
	URL         string  `json:"url" yaml:"url"`
	Mode        string  `json:"mode" yaml:"mode"` // "closed" or "open"
	Concurrency int     `json:"concurrency" yaml:"concurrency"`
	Rate        float64 `json:"rate,omitempty" yaml:"rate,omitempty"`

	Requests int `json:"requests" yaml:"requests"`
	// Accepted requests answered 2xx with a job id; Rejected answered
	// otherwise; Errors got no answer (connection or timeout).
	Accepted int            `json:"accepted" yaml:"accepted"`
	Rejected int            `json:"rejected" yaml:"rejected"`
	Errors   int            `json:"errors" yaml:"errors"`
	Status   map[string]int `json:"statusCodes" yaml:"statusCodes"`

	// Succeeded and Failed count accepted jobs by terminal status; Lost
	// ones reached none within the wait timeout of their acknowledgement.
	Succeeded int `json:"succeeded" yaml:"succeeded"`
	Failed    int `json:"failed" yaml:"failed"`
	Lost      int `json:"lost" yaml:"lost"`
	// ObservedByPush and ObservedByPoll say how terminal statuses were seen.
	ObservedByPush int     `json:"observedByPush" yaml:"observedByPush"`
	ObservedByPoll int     `json:"observedByPoll" yaml:"observedByPoll"`
	Push           bool    `json:"push" yaml:"push"` // the push socket was connected
	PollIntervalMS float64 `json:"pollIntervalMs" yaml:"pollIntervalMs"`

	// SendSeconds is the time from the first request to the last answer;
	// TotalSeconds to the last terminal status seen.
	SendSeconds  float64 `json:"sendSeconds" yaml:"sendSeconds"`
	TotalSeconds float64 `json:"totalSeconds" yaml:"totalSeconds"`
	// AckPerSecond is Accepted / SendSeconds; JobsPerSecond is finished
	// (succeeded + failed) jobs / TotalSeconds.
	AckPerSecond  float64 `json:"ackPerSecond" yaml:"ackPerSecond"`
	JobsPerSecond float64 `json:"jobsPerSecond" yaml:"jobsPerSecond"`

	Ack      Latency `json:"ack" yaml:"ack"`
	EndToEnd Latency `json:"endToEnd" yaml:"endToEnd"`
}

// terminal statuses of a job item; Succeeded is the only good one.
var terminalStatus = map[string]bool{"Succeeded": true, "Failed": true, "TimedOut": true, "Aborted": true}

// job is one request and, once accepted, its job.
type job struct {
	start     time.Time // when the request was due (open loop) or sent
	acked     time.Time
	code      int
	err       error
	id        string
	statusURL string
}

// sighting is the first time a terminal status of a job was seen.
type sighting struct {
	at     time.Time
	status string
	push   bool
}

// runner holds the shared state of one Run.
type runner struct {
	p    *Plan
	base *url.URL

	mu     sync.Mutex
	jobs   []*job
	byID   map[string]*job
	seen   map[string]sighting // by job id; may precede the 202
	lastAt time.Time           // latest answer

	sent, accepted, done, failed atomic.Int64
	pending                      chan struct{} // poked when a job finishes
}

// Run executes the plan until it is done or ctx ends, and reports. When ctx
// ends early the report covers what happened so far and the error is
// ctx.Err().
func Run(ctx context.Context, p Plan) (*Report, error) {
	if p.Method == "" {
		p.Method = http.MethodPost
	}
	if p.Now == nil {
		p.Now = time.Now
	}
	if p.WaitTimeout <= 0 {
		p.WaitTimeout = DefaultWaitTimeout
	}
	if p.PollInterval <= 0 {
		p.PollInterval = DefaultPollInterval
	}
	if p.HTTP == nil {
		p.HTTP = &http.Client{Timeout: p.WaitTimeout}
	}
	if p.Warn == nil {
		p.Warn = func(string) {}
	}
	if p.Body == nil {
		p.Body = &Template{}
	}
	if p.Requests <= 0 && p.Duration <= 0 {
		p.Requests = DefaultRequests
	}
	if p.Concurrency <= 0 {
		p.Concurrency = DefaultConcurrency
		if p.Rate > 0 {
			p.Concurrency = DefaultMaxInFlight
		}
	}
	base, err := url.Parse(p.API)
	if err != nil {
		return nil, fmt.Errorf("parse API URL %q: %w", p.API, err)
	}
	r := &runner{p: &p, base: base, byID: map[string]*job{}, seen: map[string]sighting{}, pending: make(chan struct{}, 1)}

	// Follow push events from before the first request, so no job can
	// finish unseen between its 202 and a later subscription.
	watchCtx, stopWatch := context.WithCancel(context.WithoutCancel(ctx))
	var watchers sync.WaitGroup
	defer func() { stopWatch(); watchers.Wait() }()
	push := false
	if p.WS != "" {
		conn, _, err := websocket.Dial(ctx, p.WS, nil)
		if err != nil {
			p.Warn(fmt.Sprintf("push events unavailable (%v); following jobs by polling only", err))
		} else {
			push = true
			watchers.Go(func() { r.readPush(watchCtx, conn) })
		}
	}
	watchers.Go(func() { r.poll(watchCtx, push) })

	start := p.Now()
	if p.Progress != nil && p.ProgressEvery > 0 {
		watchers.Go(func() { r.progress(watchCtx, start) })
	}
	r.send(ctx, start)
	sendEnd := p.Now()

	// Wait for every accepted job to finish, each for at most WaitTimeout
	// after its 202.
	r.mu.Lock()
	deadline := r.lastAt.Add(p.WaitTimeout)
	r.mu.Unlock()
	for ctx.Err() == nil && r.unfinished() > 0 && p.Now().Before(deadline) {
		select {
		case <-ctx.Done():
		case <-r.pending:
		case <-time.After(min(p.PollInterval, time.Until(deadline)+time.Millisecond)):
		}
	}
	stopWatch()
	watchers.Wait()
	if p.Progress != nil {
		p.Progress(r.snapshot(start))
	}
	rep := r.report(start, sendEnd, push)
	return rep, ctx.Err()
}

// send issues the requests: Concurrency clients in a closed loop, or one
// scheduler releasing a request every 1/Rate seconds in an open loop.
func (r *runner) send(ctx context.Context, start time.Time) {
	p := r.p
	var stopAt time.Time
	if p.Duration > 0 {
		stopAt = start.Add(p.Duration)
	}
	var next atomic.Int64 // index of the next request
	// claim returns the next request index, or false when the run is over.
	claim := func() (int, bool) {
		if ctx.Err() != nil || (!stopAt.IsZero() && !p.Now().Before(stopAt)) {
			return 0, false
		}
		i := int(next.Add(1) - 1)
		if p.Requests > 0 && i >= p.Requests {
			return 0, false
		}
		return i, true
	}
	var wg sync.WaitGroup
	if p.Rate <= 0 {
		for range p.Concurrency {
			wg.Go(func() {
				for {
					i, ok := claim()
					if !ok {
						return
					}
					r.do(ctx, i, p.Now())
				}
			})
		}
		wg.Wait()
		return
	}
	slots := make(chan struct{}, p.Concurrency)
	interval := time.Duration(float64(time.Second) / p.Rate)
	for {
		i, ok := claim()
		if !ok {
			break
		}
		// Latency counts from when the request was due, not from when it
		// went out, so a server that stalls the sender is charged for the
		// wait (no coordinated omission).
		due := start.Add(time.Duration(i) * interval)
		if d := due.Sub(p.Now()); d > 0 {
			select {
			case <-ctx.Done():
			case <-time.After(d):
			}
			if ctx.Err() != nil || (!stopAt.IsZero() && !p.Now().Before(stopAt)) {
				break
			}
		}
		select {
		case slots <- struct{}{}:
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			break
		}
		wg.Go(func() {
			defer func() { <-slots }()
			r.do(ctx, i, due)
		})
	}
	wg.Wait()
}

// do sends request i and records the answer.
func (r *runner) do(ctx context.Context, i int, start time.Time) {
	p := r.p
	j := &job{start: start}
	r.sent.Add(1)
	defer func() {
		r.mu.Lock()
		r.jobs = append(r.jobs, j)
		if j.acked.After(r.lastAt) {
			r.lastAt = j.acked
		}
		if j.id != "" {
			r.byID[j.id] = j
		}
		_, finished := r.seen[j.id]
		r.mu.Unlock()
		if j.id != "" {
			r.accepted.Add(1)
			if finished {
				r.finish()
			}
		} else {
			r.failed.Add(1)
		}
	}()
	req, err := http.NewRequestWithContext(ctx, p.Method, p.URL, bytes.NewReader(p.Body.Render(i)))
	if err != nil {
		j.err = err
		j.acked = p.Now()
		return
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := p.HTTP.Do(req)
	if err != nil {
		j.err = err
		j.acked = p.Now()
		return
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	resp.Body.Close()
	j.acked = p.Now()
	j.code = resp.StatusCode
	if err != nil {
		j.err = err
		return
	}
	if resp.StatusCode/100 != 2 {
		return
	}
	j.id, j.statusURL = r.accept(body, resp.Header.Get("Location"))
}

// accept reads the job id and status link of a 2xx answer: the id from the
// body's "id", else the last segment of Location; the link from the body's
// links[rel=status].href, else Location.
func (r *runner) accept(body []byte, location string) (id, status string) {
	var v struct {
		ID    string `json:"id"`
		Links []struct {
			Rel  string `json:"rel"`
			Href string `json:"href"`
		} `json:"links"`
	}
	_ = json.Unmarshal(body, &v) // a body that is not JSON falls back to Location
	id = v.ID
	link := location
	for _, l := range v.Links {
		if l.Rel == "status" && l.Href != "" {
			link = l.Href
			break
		}
	}
	if id == "" && location != "" {
		id = path.Base(location)
	}
	if link != "" {
		status = r.resolve(link)
	}
	return id, status
}

// resolve turns a status link into a URL. API Gateway's links are paths
// without the stage ("/jobs/ID"), so a base with a stage path ("/dev")
// prefixes them unless they already carry it.
func (r *runner) resolve(link string) string {
	u, err := url.Parse(link)
	if err != nil {
		return ""
	}
	if u.IsAbs() {
		return u.String()
	}
	stage := strings.TrimSuffix(r.base.Path, "/")
	if strings.HasPrefix(u.Path, "/") && stage != "" && u.Path != stage && !strings.HasPrefix(u.Path, stage+"/") {
		u.Path = stage + u.Path
	}
	return r.base.ResolveReference(u).String()
}

// sight records the first terminal status seen for job id.
func (r *runner) sight(id, status string, push bool) {
	if !terminalStatus[status] {
		return
	}
	now := r.p.Now()
	r.mu.Lock()
	if _, ok := r.seen[id]; ok {
		r.mu.Unlock()
		return
	}
	r.seen[id] = sighting{at: now, status: status, push: push}
	_, ours := r.byID[id]
	r.mu.Unlock()
	if ours {
		r.finish()
	}
}

func (r *runner) finish() {
	r.done.Add(1)
	select {
	case r.pending <- struct{}{}:
	default:
	}
}

// unfinished counts accepted jobs not yet seen in a terminal status. It is
// exact once every request has been answered (after send returns), which
// is when Run asks.
func (r *runner) unfinished() int64 {
	return r.accepted.Load() - r.done.Load()
}

// readPush records terminal statuses from push events until ctx ends. The
// time of a sighting is when the message was read: later than the status
// change by the event's delivery delay, never earlier.
func (r *runner) readPush(ctx context.Context, conn *websocket.Conn) {
	defer conn.CloseNow()
	conn.SetReadLimit(1 << 20)
	for {
		_, data, err := conn.Read(ctx)
		if err != nil {
			if ctx.Err() == nil {
				r.p.Warn(fmt.Sprintf("push connection lost (%v); following jobs by polling", err))
			}
			return
		}
		var m struct {
			Detail struct {
				JobID  string `json:"jobId"`
				Status string `json:"status"`
			} `json:"detail"`
		}
		if json.Unmarshal(data, &m) == nil && m.Detail.JobID != "" {
			r.sight(m.Detail.JobID, m.Detail.Status, true)
		}
	}
}

// poll reads the status link of every unfinished job each PollInterval.
// With push connected it only polls jobs acknowledged at least one interval
// ago, as a safety net for missed events; a job seen by polling is late by
// at most one interval plus a GET round trip (two intervals with push).
func (r *runner) poll(ctx context.Context, push bool) {
	tick := time.NewTicker(r.p.PollInterval)
	defer tick.Stop()
	sem := make(chan struct{}, 8)
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		now := r.p.Now()
		var due []*job
		r.mu.Lock()
		for id, j := range r.byID {
			if _, ok := r.seen[id]; ok || j.statusURL == "" {
				continue
			}
			if push && now.Sub(j.acked) < r.p.PollInterval {
				continue
			}
			due = append(due, j)
		}
		r.mu.Unlock()
		var wg sync.WaitGroup
		for _, j := range due {
			sem <- struct{}{}
			wg.Go(func() {
				defer func() { <-sem }()
				if st := r.readStatus(ctx, j.statusURL); st != "" {
					r.sight(j.id, st, false)
				}
			})
		}
		wg.Wait()
	}
}

// readStatus GETs a status link and returns its "status" ("" on failure).
func (r *runner) readStatus(ctx context.Context, link string) string {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, link, nil)
	if err != nil {
		return ""
	}
	resp, err := r.p.HTTP.Do(req)
	if err != nil {
		return ""
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil || resp.StatusCode != http.StatusOK {
		return ""
	}
	var v struct {
		Status string `json:"status"`
	}
	if json.Unmarshal(data, &v) != nil {
		return ""
	}
	return v.Status
}

func (r *runner) snapshot(start time.Time) Snapshot {
	r.mu.Lock()
	failedJobs := 0
	for id, s := range r.seen {
		if _, ok := r.byID[id]; ok && s.status != "Succeeded" {
			failedJobs++
		}
	}
	r.mu.Unlock()
	return Snapshot{
		Elapsed: r.p.Now().Sub(start), Sent: r.sent.Load(), Accepted: r.accepted.Load(),
		Done: r.done.Load(), Failed: r.failed.Load() + int64(failedJobs),
		Total: r.p.Requests, Duration: r.p.Duration,
	}
}

func (r *runner) progress(ctx context.Context, start time.Time) {
	tick := time.NewTicker(r.p.ProgressEvery)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
			r.p.Progress(r.snapshot(start))
		}
	}
}

// report computes the figures. A job whose terminal status was seen later
// than WaitTimeout after its 202 is lost, like one never seen, so the
// definition does not depend on how long the run happened to wait.
func (r *runner) report(start, sendEnd time.Time, push bool) *Report {
	p := r.p
	rep := &Report{Method: p.Method, URL: p.URL, Mode: "closed", Concurrency: p.Concurrency, Status: map[string]int{},
		Push: push, PollIntervalMS: ms(p.PollInterval)}
	if p.Rate > 0 {
		rep.Mode, rep.Rate = "open", p.Rate
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	var acks, e2e []time.Duration
	lastDone := sendEnd
	for _, j := range r.jobs {
		rep.Requests++
		switch {
		case j.code == 0:
			rep.Errors++
			continue
		case j.id == "":
			rep.Status[strconv.Itoa(j.code)]++
			rep.Rejected++
			continue
		}
		rep.Status[strconv.Itoa(j.code)]++
		rep.Accepted++
		acks = append(acks, j.acked.Sub(j.start))
		s, ok := r.seen[j.id]
		if !ok || s.at.Sub(j.acked) > p.WaitTimeout {
			rep.Lost++
			continue
		}
		if s.status == "Succeeded" {
			rep.Succeeded++
		} else {
			rep.Failed++
		}
		if s.push {
			rep.ObservedByPush++
		} else {
			rep.ObservedByPoll++
		}
		// A push event can arrive before the 202 is read; the job cannot
		// have finished before its request was sent, so the latency is
		// still from the request's start.
		e2e = append(e2e, s.at.Sub(j.start))
		if s.at.After(lastDone) {
			lastDone = s.at
		}
	}
	if !r.lastAt.IsZero() {
		rep.SendSeconds = seconds(r.lastAt.Sub(start))
	}
	rep.TotalSeconds = seconds(lastDone.Sub(start))
	if rep.SendSeconds > 0 {
		rep.AckPerSecond = round2(float64(rep.Accepted) / rep.SendSeconds)
	}
	if rep.TotalSeconds > 0 {
		rep.JobsPerSecond = round2(float64(rep.Succeeded+rep.Failed) / rep.TotalSeconds)
	}
	rep.Ack, rep.EndToEnd = summarise(acks), summarise(e2e)
	return rep
}

func seconds(d time.Duration) float64 { return round2(d.Seconds()*1000) / 1000 }

func round2(f float64) float64 { return float64(int64(f*100+0.5)) / 100 }

// Problems returns why a run should exit non-zero: rejected or failed
// requests, failed or lost jobs (nil when all went well).
func (rep *Report) Problems() error {
	var parts []string
	add := func(n int, what string) {
		if n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, what))
		}
	}
	add(rep.Rejected, "rejected")
	add(rep.Errors, "errors")
	add(rep.Failed, "failed")
	add(rep.Lost, "lost")
	if len(parts) == 0 {
		return nil
	}
	return errors.New("bench: " + strings.Join(parts, ", ") + " (of " + strconv.Itoa(rep.Requests) + " requests)")
}
