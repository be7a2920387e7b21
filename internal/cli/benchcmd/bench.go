package benchcmd

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
	"gopkg.in/yaml.v3"

	"github.com/sfapi/sfapi/internal/cli/cmdutil"
	"github.com/sfapi/sfapi/internal/cli/iostreams"
)

// BenchOptions are the inputs of benchRun.
type BenchOptions struct {
	IO *iostreams.IOStreams
	Locator

	Method       string
	Body         string
	BodyFile     string
	Requests     int
	Concurrency  int
	Rate         float64
	Duration     time.Duration
	WaitTimeout  time.Duration
	PollInterval time.Duration
	NoPush       bool
	Output       string // table, json, yaml

	// requestsSet and concurrencySet record whether -n / -c were given.
	requestsSet, concurrencySet bool
}

// NewCmdBench builds `sfapi bench`. runF replaces benchRun in tests.
func NewCmdBench(f *cmdutil.Factory, runF func(*BenchOptions) error) *cobra.Command {
	opts := &BenchOptions{IO: f.IOStreams}
	cmd := &cobra.Command{
		Use:   "bench",
		Short: "Load the project's job API and measure acknowledgement and job latency",
		Long: `Send job requests to the project's create route (the POST of the OpenAPI
document that answers 202, or --path) and follow every accepted job to
Succeeded or Failed.

Load: a closed loop of -c clients, each sending its next request when the
previous one is answered (the default), or an open loop with --rate: request i
is due at i/rate seconds whatever happened before, with at most -c outstanding
(default 1000). -n stops after that many requests, --duration after that long;
with neither, 100 requests. The body is --body or --body-file, where {{i}} is
the request's index and {{uuid}} a fresh UUID.

Figures:
  ack          request sent (open loop: due) → response read
  end-to-end   request sent (open loop: due) → terminal status first seen
Terminal statuses are seen through the push WebSocket (late by the event's
delivery delay) or, for jobs without an event, by GETting the status link
every --poll-interval (late by at most two intervals plus the time of one
round of status reads; one interval without push). The report says how many
jobs each way saw.

Failed counts non-2xx answers, transport errors and jobs that ended Failed;
lost counts accepted jobs with no terminal status within --wait-timeout of
their 202. jobs/s is finished jobs / time to the last one seen.

bench exits 1 when any request or job failed or was lost, after printing the
report. Progress goes to stderr: a live bar on a terminal, a line a second
otherwise.

Without --api the target is the sfapi dev running from the project folder
(PROJECT/.sfapi/endpoints.json); --stack reads ApiUrl and WebSocketUrl from a
deployed CloudFormation stack's outputs (--endpoint: CloudFormation endpoint).`,
		Example: `  # 200 gophers from 8 clients
  sfapi bench -n 200 -c 8 --body '{"name":"g-{{i}}","location":"field"}'

  # 50 requests a second for 30 s, report as JSON
  sfapi bench --rate 50 --duration 30s --body-file gopher.tmpl -o json

  # a deployed stack
  sfapi bench --stack gophers-dev -n 100 --body '{"name":"{{uuid}}","location":"x"}'`,
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.requestsSet = cmd.Flags().Changed("requests")
			opts.concurrencySet = cmd.Flags().Changed("concurrency")
			if err := opts.validate(); err != nil {
				return err
			}
			if runF != nil {
				return runF(opts)
			}
			return benchRun(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.ProjectDir, "project", ".", "project folder (holding sfapi.yaml)")
	fl.StringVar(&opts.DataDir, "data-dir", "", "data dir of the running sfapi dev (default PROJECT/.sfapi)")
	fl.StringVar(&opts.API, "api", "", "REST API base URL instead of the running sfapi dev's")
	fl.StringVar(&opts.WS, "ws", "", "WebSocket push URL (with --api; none: poll only)")
	fl.StringVar(&opts.Stack, "stack", "", "deployed CloudFormation stack to read ApiUrl and WebSocketUrl from")
	fl.StringVar(&opts.Endpoint, "endpoint", "", "CloudFormation endpoint URL for --stack")
	fl.StringVar(&opts.Path, "path", "", "create route (default: the OpenAPI POST route answering 202)")
	fl.StringVar(&opts.Method, "method", http.MethodPost, "HTTP method of the create route")
	fl.StringVar(&opts.Body, "body", "", "request body template ({{i}}, {{uuid}})")
	fl.StringVar(&opts.BodyFile, "body-file", "", "file holding the body template (\"-\": stdin)")
	fl.IntVarP(&opts.Requests, "requests", "n", 0, "number of requests (default 100 without --duration)")
	fl.IntVarP(&opts.Concurrency, "concurrency", "c", 0, "clients of the closed loop (default 4), or the open loop's cap on outstanding requests (default 1000)")
	fl.Float64Var(&opts.Rate, "rate", 0, "requests per second: an open loop (0: closed loop)")
	fl.DurationVar(&opts.Duration, "duration", 0, "stop sending after this long (0: -n bounds the run)")
	fl.DurationVar(&opts.WaitTimeout, "wait-timeout", DefaultWaitTimeout, "time an accepted job has to finish before it counts as lost")
	fl.DurationVar(&opts.PollInterval, "poll-interval", DefaultPollInterval, "how often unfinished jobs' status links are read")
	fl.BoolVar(&opts.NoPush, "no-push", false, "do not use the push WebSocket; follow jobs by polling only")
	fl.StringVarP(&opts.Output, "output", "o", "table", "report format: table, json or yaml")
	return cmd
}

func (o *BenchOptions) validate() error {
	switch o.Output {
	case "table", "json", "yaml":
	default:
		return cmdutil.FlagErrorf("invalid output format %q: want table, json or yaml", o.Output)
	}
	switch {
	case o.Body != "" && o.BodyFile != "":
		return cmdutil.FlagErrorf("--body and --body-file exclude each other")
	case o.Requests < 0 || (o.requestsSet && o.Requests == 0):
		return cmdutil.FlagErrorf("-n must be positive")
	case o.Concurrency < 0 || (o.concurrencySet && o.Concurrency == 0):
		return cmdutil.FlagErrorf("-c must be positive")
	case o.Rate < 0:
		return cmdutil.FlagErrorf("--rate must not be negative")
	case o.Duration < 0:
		return cmdutil.FlagErrorf("--duration must not be negative")
	case o.WaitTimeout <= 0:
		return cmdutil.FlagErrorf("--wait-timeout must be positive")
	case o.PollInterval <= 0:
		return cmdutil.FlagErrorf("--poll-interval must be positive")
	case o.Method == "":
		return cmdutil.FlagErrorf("--method must not be empty")
	}
	return nil
}

func (o *BenchOptions) template() (*Template, error) {
	src := o.Body
	if o.BodyFile != "" {
		var data []byte
		var err error
		if o.BodyFile == "-" {
			data, err = io.ReadAll(o.IO.In)
		} else {
			data, err = os.ReadFile(o.BodyFile)
		}
		if err != nil {
			return nil, fmt.Errorf("read body template: %w", err)
		}
		src = string(data)
	}
	t, err := ParseTemplate(src)
	if err != nil {
		return nil, cmdutil.FlagErrorWrap(err)
	}
	return t, nil
}

func benchRun(ctx context.Context, o *BenchOptions) error {
	tpl, err := o.template()
	if err != nil {
		return err
	}
	t, err := o.Locate(ctx)
	if err != nil {
		return err
	}
	target, err := joinURL(t.API, t.Path)
	if err != nil {
		return err
	}
	ws := t.WS
	if o.NoPush {
		ws = ""
	}
	plan := Plan{
		URL: target, Method: strings.ToUpper(o.Method), API: t.API, Body: tpl, WS: ws,
		Requests: o.Requests, Duration: o.Duration, Concurrency: o.Concurrency, Rate: o.Rate,
		WaitTimeout: o.WaitTimeout, PollInterval: o.PollInterval,
		Warn: func(msg string) { fmt.Fprintln(o.IO.ErrOut, "warning: "+msg) },
	}
	bar := &progressBar{w: o.IO.ErrOut, tty: o.IO.IsStderrTTY()}
	plan.Progress = bar.draw
	plan.ProgressEvery = time.Second
	if bar.tty {
		plan.ProgressEvery = 100 * time.Millisecond
	}
	rep, runErr := Run(ctx, plan)
	bar.end()
	if rep != nil {
		if err := writeReport(o.IO, o.Output, rep); err != nil {
			return err
		}
	}
	if runErr != nil {
		return runErr
	}
	return rep.Problems()
}

// joinURL appends route to the API base URL (keeping a stage path).
func joinURL(base, route string) (string, error) {
	if base == "" {
		return "", errors.New("no API URL: the target has no REST API")
	}
	return strings.TrimSuffix(base, "/") + "/" + strings.TrimPrefix(route, "/"), nil
}

// progressBar draws Snapshots: one redrawn line on a terminal, a plain line
// per call otherwise.
type progressBar struct {
	w     io.Writer
	tty   bool
	drawn bool
}

func (b *progressBar) draw(s Snapshot) {
	frac := -1.0
	switch {
	case s.Total > 0:
		frac = float64(s.Sent) / float64(s.Total)
	case s.Duration > 0:
		frac = min(float64(s.Elapsed)/float64(s.Duration), 1)
	}
	rate := 0.0
	if s.Elapsed > 0 {
		rate = float64(s.Done) / s.Elapsed.Seconds()
	}
	counts := fmt.Sprintf("%d sent  %d accepted  %d done  %d failed  %.1f jobs/s  %s",
		s.Sent, s.Accepted, s.Done, s.Failed, rate, s.Elapsed.Round(100*time.Millisecond))
	if !b.tty {
		fmt.Fprintln(b.w, "bench: "+counts)
		return
	}
	bar := strings.Repeat("░", 24)
	if frac >= 0 {
		n := int(frac * 24)
		bar = strings.Repeat("█", n) + strings.Repeat("░", 24-n)
	}
	fmt.Fprintf(b.w, "\r\x1b[K%s %s", bar, counts)
	b.drawn = true
}

func (b *progressBar) end() {
	if b.tty && b.drawn {
		fmt.Fprintln(b.w)
	}
}

func writeReport(ios *iostreams.IOStreams, format string, rep *Report) error {
	switch format {
	case "json":
		enc := json.NewEncoder(ios.Out)
		enc.SetIndent("", "  ")
		if err := enc.Encode(rep); err != nil {
			return fmt.Errorf("write report: %w", err)
		}
		return nil
	case "yaml":
		enc := yaml.NewEncoder(ios.Out)
		enc.SetIndent(2)
		if err := enc.Encode(rep); err != nil {
			return fmt.Errorf("write report: %w", err)
		}
		return enc.Close()
	}
	tw := tabwriter.NewWriter(ios.Out, 0, 4, 2, ' ', 0)
	mode := fmt.Sprintf("closed loop, %d clients", rep.Concurrency)
	if rep.Mode == "open" {
		mode = fmt.Sprintf("open loop, %g req/s, at most %d outstanding", rep.Rate, rep.Concurrency)
	}
	follow := "push events + polling every " + time.Duration(rep.PollIntervalMS*float64(time.Millisecond)).String()
	if !rep.Push {
		follow = "polling every " + time.Duration(rep.PollIntervalMS*float64(time.Millisecond)).String()
	}
	codes := slices.Sorted(func(yield func(string) bool) {
		for k := range rep.Status {
			if !yield(k) {
				return
			}
		}
	})
	var cs []string
	for _, c := range codes {
		cs = append(cs, fmt.Sprintf("%s×%d", c, rep.Status[c]))
	}
	bad := func(n int) string {
		s := fmt.Sprint(n)
		if n > 0 {
			return ios.Red(s)
		}
		return s
	}
	fmt.Fprintf(tw, "target\t%s %s\n", rep.Method, rep.URL)
	fmt.Fprintf(tw, "load\t%s\n", mode)
	fmt.Fprintf(tw, "jobs followed by\t%s\n", follow)
	fmt.Fprintf(tw, "requests\t%d (%s)\n", rep.Requests, strings.Join(cs, " "))
	fmt.Fprintf(tw, "accepted\t%d\n", rep.Accepted)
	fmt.Fprintf(tw, "rejected\t%s\n", bad(rep.Rejected))
	fmt.Fprintf(tw, "errors\t%s\n", bad(rep.Errors))
	fmt.Fprintf(tw, "succeeded\t%s\n", ios.Green(fmt.Sprint(rep.Succeeded)))
	fmt.Fprintf(tw, "failed\t%s\n", bad(rep.Failed))
	fmt.Fprintf(tw, "lost\t%s\n", bad(rep.Lost))
	fmt.Fprintf(tw, "seen by push/poll\t%d/%d\n", rep.ObservedByPush, rep.ObservedByPoll)
	fmt.Fprintf(tw, "acks/s\t%.2f (%.3fs sending)\n", rep.AckPerSecond, rep.SendSeconds)
	fmt.Fprintf(tw, "jobs/s\t%.2f (%.3fs to the last job)\n", rep.JobsPerSecond, rep.TotalSeconds)
	if err := tw.Flush(); err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	fmt.Fprintln(ios.Out)
	tw = tabwriter.NewWriter(ios.Out, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "latency (ms)\tcount\tp50\tp90\tp99\tmax\t")
	for _, row := range []struct {
		name string
		l    Latency
	}{{"ack", rep.Ack}, {"end-to-end", rep.EndToEnd}} {
		fmt.Fprintf(tw, "%s\t%d\t%.1f\t%.1f\t%.1f\t%.1f\t\n", row.name, row.l.Count, row.l.P50, row.l.P90, row.l.P99, row.l.Max)
	}
	if err := tw.Flush(); err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	return nil
}
