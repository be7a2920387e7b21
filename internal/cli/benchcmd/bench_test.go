package benchcmd

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	cfntypes "github.com/aws/aws-sdk-go-v2/service/cloudformation/types"

	"github.com/sfapi/sfapi/internal/cli/cmdutil"
	"github.com/sfapi/sfapi/internal/cli/iostreams"
)

const gophers = "../../../examples/gophers"

type fakeCFN struct{ outputs map[string]string }

func (f fakeCFN) DescribeStacks(_ context.Context, in *cloudformation.DescribeStacksInput, _ ...func(*cloudformation.Options)) (*cloudformation.DescribeStacksOutput, error) {
	if aws.ToString(in.StackName) != "gophers-dev" {
		return nil, errors.New("stack not found")
	}
	var outs []cfntypes.Output
	for k, v := range f.outputs {
		outs = append(outs, cfntypes.Output{OutputKey: aws.String(k), OutputValue: aws.String(v)})
	}
	return &cloudformation.DescribeStacksOutput{Stacks: []cfntypes.Stack{{Outputs: outs}}}, nil
}

func TestLocate(t *testing.T) {
	t.Parallel()
	dataDir := t.TempDir()
	ep := `{"api":"http://127.0.0.1:1","aws":"http://127.0.0.1:2","ws":"ws://127.0.0.1:3/push","pid":1}`
	if err := os.WriteFile(filepath.Join(dataDir, "endpoints.json"), []byte(ep), 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := (&Locator{ProjectDir: gophers, DataDir: dataDir}).Locate(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if *got != (Target{API: "http://127.0.0.1:1", WS: "ws://127.0.0.1:3/push", Path: "/gophers"}) {
		t.Fatalf("dev target = %+v", got)
	}

	// No sfapi dev running: an error with a hint.
	_, err = (&Locator{ProjectDir: gophers, DataDir: t.TempDir()}).Locate(t.Context())
	if err == nil || !strings.Contains(err.Error(), "no running sfapi dev") || cmdutil.HintOf(err) == "" {
		t.Fatalf("no dev: %v", err)
	}

	// Explicit URLs need no project when --path is given.
	got, err = (&Locator{ProjectDir: t.TempDir(), API: "http://x", Path: "/jobs"}).Locate(t.Context())
	if err != nil || *got != (Target{API: "http://x", Path: "/jobs"}) {
		t.Fatalf("explicit target = %+v, %v", got, err)
	}
	_, err = (&Locator{ProjectDir: t.TempDir(), API: "http://x"}).Locate(t.Context())
	if err == nil || !strings.Contains(cmdutil.HintOf(err), "--path") {
		t.Fatalf("no project, no path: %v", err)
	}

	// A deployed stack's outputs.
	l := &Locator{ProjectDir: gophers, Stack: "gophers-dev",
		AWSConfig: func(context.Context) (aws.Config, error) { return aws.Config{Region: "us-east-1"}, nil },
		CloudFormation: func(aws.Config) CloudFormationAPI {
			return fakeCFN{outputs: map[string]string{OutputAPIURL: "https://a.example/dev", OutputWebSocketURL: "wss://w.example/dev"}}
		}}
	got, err = l.Locate(t.Context())
	if err != nil || *got != (Target{API: "https://a.example/dev", WS: "wss://w.example/dev", Path: "/gophers"}) {
		t.Fatalf("stack target = %+v, %v", got, err)
	}
	l.Stack = "other"
	if _, err := l.Locate(t.Context()); err == nil || !strings.Contains(err.Error(), "describe stack other") {
		t.Fatalf("missing stack: %v", err)
	}
}

func TestBenchFlags(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		args    []string
		wantErr string
	}{
		{args: []string{"-n", "5", "--body", "{}"}},
		{args: []string{"-o", "xml"}, wantErr: "invalid output format"},
		{args: []string{"-n", "0"}, wantErr: "-n must be positive"},
		{args: []string{"-c", "0"}, wantErr: "-c must be positive"},
		{args: []string{"--rate", "-1"}, wantErr: "--rate must not be negative"},
		{args: []string{"--body", "a", "--body-file", "b"}, wantErr: "exclude each other"},
		{args: []string{"--wait-timeout", "0s"}, wantErr: "--wait-timeout must be positive"},
		{args: []string{"extra"}, wantErr: "takes no arguments"},
	} {
		ios, _, _, _ := iostreams.Test()
		var got *BenchOptions
		cmd := NewCmdBench(&cmdutil.Factory{IOStreams: ios}, func(o *BenchOptions) error { got = o; return nil })
		cmd.SetArgs(tc.args)
		cmd.SilenceErrors, cmd.SilenceUsage = true, true
		err := cmd.Execute()
		if tc.wantErr == "" {
			if err != nil || got == nil || got.Requests != 5 || got.Method != "POST" || got.Output != "table" {
				t.Errorf("%v: %v, %+v", tc.args, err, got)
			}
			continue
		}
		var fe *cmdutil.FlagError
		if err == nil || !strings.Contains(err.Error(), tc.wantErr) || !errors.As(err, &fe) {
			t.Errorf("%v: error %v, want FlagError %q", tc.args, err, tc.wantErr)
		}
	}
}

func TestWriteReport(t *testing.T) {
	t.Parallel()
	rep := &Report{Method: "POST", URL: "http://h/gophers", Mode: "closed", Concurrency: 4, Requests: 3, Accepted: 2,
		Rejected: 1, Status: map[string]int{"202": 2, "500": 1}, Succeeded: 1, Failed: 1, ObservedByPush: 2, Push: true,
		PollIntervalMS: 1000, Ack: Latency{Count: 2, P50: 1.5, P90: 2, P99: 2, Max: 2}, EndToEnd: Latency{Count: 2, P50: 10, P90: 20, P99: 20, Max: 20}}
	ios, _, out, _ := iostreams.Test()
	if err := writeReport(ios, "table", rep); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"target             POST http://h/gophers\n",
		"jobs followed by   push events + polling every 1s\n",
		"requests           3 (202×2 500×1)\n",
		"failed             1\n",
		"latency (ms)  count   p50   p90   p99   max\n",
		"         ack      2   1.5   2.0   2.0   2.0\n",
		"  end-to-end      2  10.0  20.0  20.0  20.0\n",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out.String(), "\x1b[") {
		t.Errorf("colour without a terminal:\n%q", out)
	}
	// With colour on, bad counts are red.
	ios, _, out, _ = iostreams.Test()
	ios.SetColorEnabled(true)
	if err := writeReport(ios, "table", rep); err != nil || !strings.Contains(out.String(), "\x1b[31m1\x1b[0m") {
		t.Fatalf("coloured table: %v\n%q", err, out)
	}

	ios, _, out, _ = iostreams.Test()
	if err := writeReport(ios, "json", rep); err != nil {
		t.Fatal(err)
	}
	var back Report
	if err := json.Unmarshal(out.Bytes(), &back); err != nil || back.Failed != 1 || back.EndToEnd.P90 != 20 || back.Status["500"] != 1 {
		t.Fatalf("json report round trip: %v %+v", err, back)
	}
}

func TestProgressBar(t *testing.T) {
	t.Parallel()
	var sb strings.Builder
	b := &progressBar{w: &sb}
	b.draw(Snapshot{Sent: 5, Accepted: 5, Done: 2, Total: 10, Elapsed: 1e9})
	if got := sb.String(); got != "bench: 5 sent  5 accepted  2 done  0 failed  2.0 jobs/s  1s\n" {
		t.Fatalf("plain line %q", got)
	}
	sb.Reset()
	b = &progressBar{w: &sb, tty: true}
	b.draw(Snapshot{Sent: 5, Total: 10, Elapsed: 1e9})
	b.end()
	if got := sb.String(); !strings.HasPrefix(got, "\r\x1b[K"+strings.Repeat("█", 12)+strings.Repeat("░", 12)+" 5 sent") || !strings.HasSuffix(got, "\n") {
		t.Fatalf("tty bar %q", got)
	}
}
