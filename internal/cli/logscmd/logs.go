package logscmd

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/sfapi/sfapi/internal/cli/cmdutil"
	"github.com/sfapi/sfapi/internal/cli/iostreams"
	"github.com/sfapi/sfapi/internal/emulator"
)

// LogsOptions are the inputs of logsRun.
type LogsOptions struct {
	IO         *iostreams.IOStreams
	ProjectDir string
	DataDir    string // default PROJECT/.sfapi
	// Job keeps only records that mention this job id anywhere (its
	// request id, execution name, stream keys, event detail).
	Job string
	// Level is the lowest level shown: debug, info, warn or error.
	Level  string
	Output string // text or json
}

var levels = map[string]int{"debug": -4, "info": 0, "warn": 4, "error": 8}

// NewCmdLogs builds `sfapi logs`. runF replaces logsRun in tests.
func NewCmdLogs(f *cmdutil.Factory, runF func(*LogsOptions) error) *cobra.Command {
	opts := &LogsOptions{IO: f.IOStreams}
	cmd := &cobra.Command{
		Use:   "logs",
		Short: "Follow the structured logs of a running sfapi dev",
		Long: `Follow what a running sfapi dev does, live: each API request with its
rendered integration request and response, stream batches delivered by the
pipes, execution state transitions, events put on the buses and pushes sent
to WebSocket clients. Debug records are produced only while someone follows,
so sfapi dev pays nothing for them otherwise.

sfapi logs finds sfapi dev from the project folder (--project, --data-dir)
and runs until sfapi dev stops or Ctrl-C.`,
		Example: `  # Everything, as text
  sfapi logs

  # One job's journey, as JSON lines for jq
  sfapi logs --job 6f1c0f1e-5d0b-4f7e-9a51-0a8c0b1f2e3d -o json | jq .msg

  # Only warnings and errors
  sfapi logs --level warn`,
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if opts.Output != "text" && opts.Output != "json" {
				return cmdutil.FlagErrorf("invalid output format %q: want text or json", opts.Output)
			}
			if _, ok := levels[opts.Level]; !ok {
				return cmdutil.FlagErrorf("invalid level %q: want debug, info, warn or error", opts.Level)
			}
			if opts.DataDir == "" {
				opts.DataDir = filepath.Join(opts.ProjectDir, ".sfapi")
			}
			if runF != nil {
				return runF(opts)
			}
			return logsRun(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.ProjectDir, "project", ".", "project folder (holding sfapi.yaml)")
	fl.StringVar(&opts.DataDir, "data-dir", "", "data dir of the running sfapi dev (default PROJECT/.sfapi)")
	fl.StringVar(&opts.Job, "job", "", "show only records about this job id")
	fl.StringVar(&opts.Level, "level", "debug", "lowest level shown: debug, info, warn or error")
	fl.StringVarP(&opts.Output, "output", "o", "text", "output format: text or json")
	return cmd
}

func logsRun(ctx context.Context, opts *LogsOptions) error {
	ep, err := emulator.ReadEndpoints(opts.DataDir)
	if errors.Is(err, fs.ErrNotExist) {
		return cmdutil.WithHint(fmt.Errorf("no running sfapi dev found in %s", opts.DataDir), "start one with `sfapi dev`, or pass --project / --data-dir")
	}
	if err != nil {
		return err
	}
	if ep.Logs == "" {
		return fmt.Errorf("the sfapi dev running in %s publishes no logs socket (an older sfapi?)", opts.DataDir)
	}
	client := &http.Client{Transport: &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "unix", ep.Logs)
		},
	}}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://sfapi"+emulator.LogsPath, nil)
	if err != nil {
		return err
	}
	resp, err := client.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return fmt.Errorf("connect to sfapi dev's logs (%s): %w", ep.Logs, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("sfapi dev's logs answered %s", resp.Status)
	}
	err = follow(resp.Body, opts)
	if ctx.Err() != nil {
		return ctx.Err()
	}
	// A process killed mid-stream cuts the response short: that, too,
	// means it stopped.
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) {
		return fmt.Errorf("read logs: %w", err)
	}
	fmt.Fprintln(opts.IO.ErrOut, "sfapi dev stopped")
	return nil
}

// follow copies the records that pass the filters from r until it ends.
func follow(r io.Reader, opts *LogsOptions) error {
	min := levels[opts.Level]
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 16<<20)
	w := bufio.NewWriter(opts.IO.Out)
	for sc.Scan() {
		line := sc.Bytes()
		if opts.Job != "" && !strings.Contains(string(line), opts.Job) {
			continue
		}
		var rec map[string]any
		if err := json.Unmarshal(line, &rec); err != nil {
			continue // not a record: the stream never sends one, skip it
		}
		if levelOf(rec) < min {
			continue
		}
		if opts.Output == "json" {
			w.Write(line)
			w.WriteByte('\n')
		} else {
			w.WriteString(textLine(rec))
			w.WriteByte('\n')
		}
		// Follow means live: flush whenever the stream pauses.
		if sc.Err() == nil {
			if err := w.Flush(); err != nil {
				return err
			}
		}
	}
	if err := w.Flush(); err != nil {
		return err
	}
	return sc.Err()
}

func levelOf(rec map[string]any) int {
	s, _ := rec["level"].(string)
	base, _, _ := strings.Cut(s, "+") // slog writes DEBUG+2 for in-between levels
	if l, ok := levels[strings.ToLower(base)]; ok {
		return l
	}
	return 0
}

// textLine renders a record as "15:04:05.000 LEVEL component message
// key=value ...", the remaining keys sorted, values as JSON unless plain
// strings without spaces.
func textLine(rec map[string]any) string {
	var b strings.Builder
	if s, ok := rec["time"].(string); ok {
		if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
			b.WriteString(t.Local().Format("15:04:05.000"))
			b.WriteByte(' ')
		}
	}
	level, _ := rec["level"].(string)
	fmt.Fprintf(&b, "%-5s ", level)
	if c, ok := rec["component"].(string); ok {
		fmt.Fprintf(&b, "%-6s ", c)
	}
	msg, _ := rec["msg"].(string)
	b.WriteString(msg)
	keys := make([]string, 0, len(rec))
	for k := range rec {
		switch k {
		case "time", "level", "msg", "component":
			continue
		}
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		b.WriteByte(' ')
		b.WriteString(k)
		b.WriteByte('=')
		if s, ok := rec[k].(string); ok && s != "" && !strings.ContainsAny(s, " \t\n\"=") {
			b.WriteString(s)
			continue
		}
		v, _ := json.Marshal(rec[k])
		b.Write(v)
	}
	return b.String()
}
