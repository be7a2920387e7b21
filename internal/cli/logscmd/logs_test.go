package logscmd

import (
	"strings"
	"testing"

	"github.com/sfapi/sfapi/internal/cli/cmdtest"
	"github.com/sfapi/sfapi/internal/cli/iostreams"
)

func TestNewCmdLogs(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		args    []string
		wantErr string
		check   func(*LogsOptions) bool
	}{
		{nil, "", func(o *LogsOptions) bool {
			return o.ProjectDir == "." && o.DataDir == ".sfapi" && o.Level == "debug" && o.Output == "text"
		}},
		{[]string{"--project", "p", "--job", "j1", "-o", "json", "--level", "warn"}, "", func(o *LogsOptions) bool {
			return o.DataDir == "p/.sfapi" && o.Job == "j1" && o.Output == "json" && o.Level == "warn"
		}},
		{[]string{"-o", "yaml"}, `invalid output format "yaml"`, nil},
		{[]string{"--level", "trace"}, `invalid level "trace"`, nil},
		{[]string{"extra"}, "takes no arguments", nil},
	} {
		o, err := cmdtest.Parse(NewCmdLogs, tt.args)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("%v: err = %v, want %q", tt.args, err, tt.wantErr)
			}
			continue
		}
		if err != nil || !tt.check(o) {
			t.Errorf("%v: opts = %+v, err = %v", tt.args, o, err)
		}
	}
}

var stream = strings.Join([]string{
	`{"time":"2026-11-26T20:00:00.123Z","level":"DEBUG","msg":"integration request","component":"apigw","requestId":"job-1","body":"{\"a\": 1}"}`,
	`{"time":"2026-11-26T20:00:00.200Z","level":"INFO","msg":"execution started","component":"sfn","execution":"arn:aws:states:us-east-1:0:execution:M:job-2"}`,
	`not json`,
	`{"time":"2026-11-26T20:00:00.300Z","level":"WARN","msg":"batch failed","component":"pipes","keys":["job-1"],"attempt":2}`,
}, "\n") + "\n"

func TestFollowFiltersByJobAndLevel(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		opts LogsOptions
		want []string
		not  []string
	}{
		{LogsOptions{Level: "debug", Output: "text"}, []string{"integration request", "execution started", "batch failed"}, []string{"not json"}},
		{LogsOptions{Level: "debug", Output: "text", Job: "job-1"}, []string{"integration request", "batch failed"}, []string{"execution started"}},
		{LogsOptions{Level: "warn", Output: "text"}, []string{"batch failed"}, []string{"integration request", "execution started"}},
		{LogsOptions{Level: "debug", Output: "json", Job: "job-2"}, []string{`"msg":"execution started"`}, []string{"job-1"}},
	} {
		io, _, out, _ := iostreams.Test()
		tt.opts.IO = io
		if err := follow(strings.NewReader(stream), &tt.opts); err != nil {
			t.Fatal(err)
		}
		for _, w := range tt.want {
			if !strings.Contains(out.String(), w) {
				t.Errorf("%+v: output lacks %q:\n%s", tt.opts, w, out)
			}
		}
		for _, n := range tt.not {
			if strings.Contains(out.String(), n) {
				t.Errorf("%+v: output has %q:\n%s", tt.opts, n, out)
			}
		}
	}
}

func TestTextLine(t *testing.T) {
	t.Parallel()
	got := textLine(map[string]any{"time": "2026-11-26T20:00:00.123Z", "level": "WARN", "msg": "batch failed", "component": "pipes",
		"keys": []any{"job-1"}, "attempt": float64(2), "note": "two words", "arn": "arn:x"})
	for _, want := range []string{"WARN  pipes  batch failed", `arn=arn:x attempt=2 keys=["job-1"] note="two words"`} {
		if !strings.Contains(got, want) {
			t.Errorf("textLine = %q, lacks %q", got, want)
		}
	}
}

func FuzzFollow(f *testing.F) {
	f.Add(stream, "job-1")
	f.Add(`{"level":7}`+"\n", "")
	f.Fuzz(func(t *testing.T, in, job string) {
		io, _, _, _ := iostreams.Test()
		_ = follow(strings.NewReader(in), &LogsOptions{IO: io, Level: "debug", Output: "text", Job: job})
	})
}
