package testcmd

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/sfapi/sfapi/internal/cli/cmdtest"
	"github.com/sfapi/sfapi/internal/cli/cmdutil"
	"github.com/sfapi/sfapi/internal/cli/iostreams"
)

func TestNewCmdTest(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		args    []string
		want    TestOptions
		wantErr string
	}{
		{name: "dash", args: []string{"--", "go", "test", "./..."}, want: TestOptions{ProjectDir: ".", Command: []string{"go", "test", "./..."}}},
		{name: "flags then command", args: []string{"--project", "p", "--seed", "s.jsonl", "--keep", "--data-dir", "d", "--", "npm", "test"},
			want: TestOptions{ProjectDir: "p", Seed: "s.jsonl", Keep: true, DataDir: "d", Command: []string{"npm", "test"}}},
		// CMD's flags are CMD's, with or without "--".
		{name: "command flags without dash", args: []string{"--keep", "aws", "dynamodb", "scan", "--table-name", "Jobs"},
			want: TestOptions{ProjectDir: ".", Keep: true, Command: []string{"aws", "dynamodb", "scan", "--table-name", "Jobs"}}},
		{name: "command flags named like ours", args: []string{"--", "tool", "--project", "x"}, want: TestOptions{ProjectDir: ".", Command: []string{"tool", "--project", "x"}}},
		{name: "no command", args: []string{"--project", "p"}, wantErr: "sfapi test needs a command to run"},
		{name: "unknown flag", args: []string{"--nope", "--", "true"}, wantErr: "unknown flag: --nope"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := cmdtest.Parse(NewCmdTest, tt.args)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.ProjectDir != tt.want.ProjectDir || got.Seed != tt.want.Seed || got.Keep != tt.want.Keep || got.DataDir != tt.want.DataDir ||
				!slices.Equal(got.Command, tt.want.Command) {
				t.Fatalf("options = %+v\nwant %+v", *got, tt.want)
			}
			if got.Signals == nil || got.Environ == nil {
				t.Fatal("Signals and Environ must be set")
			}
		})
	}
}

func TestRunPassesEnvironmentAndExitCode(t *testing.T) {
	t.Parallel()
	ios, _, out, errOut := iostreams.Test()
	o := &TestOptions{
		IO: ios, Logger: func() *slog.Logger { return slog.New(slog.DiscardHandler) },
		ProjectDir: "../../../examples/gophers",
		Command:    []string{"sh", "-c", `echo "$AWS_ENDPOINT_URL_DYNAMODB|$AWS_ACCESS_KEY_ID|$AWS_REGION|${AWS_PROFILE-unset}|$KEEP_ME|$SFAPI_API"; exit 7`},
		Environ:    func() []string { return []string{"PATH=" + os.Getenv("PATH"), "AWS_PROFILE=prod", "KEEP_ME=1"} },
		Signals:    func() (<-chan os.Signal, func()) { return make(chan os.Signal), func() {} },
	}
	err := testRun(context.Background(), o)
	var ee *cmdutil.ExitError
	if !errors.As(err, &ee) || ee.Code != 7 {
		t.Fatalf("err = %v, want exit code 7", err)
	}
	fields := strings.Split(strings.TrimSpace(out.String()), "|")
	if len(fields) != 6 || !strings.HasPrefix(fields[0], "http://127.0.0.1:") || fields[1] != "test" || fields[2] != "us-east-1" ||
		fields[3] != "unset" || fields[4] != "1" || !strings.HasPrefix(fields[5], "http://127.0.0.1:") {
		t.Fatalf("environment seen by CMD = %q", out.String())
	}
	if !strings.Contains(errOut.String(), "sfapi test: sh exited with code 7\nsfapi test: no jobs were submitted\n") {
		t.Fatalf("stderr = %q", errOut.String())
	}
}

func TestRunSeedsAndReportsFailedJobs(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	seed := filepath.Join(dir, "seed.jsonl")
	// A gopher Gordon of another job, then a job adding Gordon: its
	// SaveGopher fails on the uniqueness condition and the job ends Failed.
	lines := `{"table": "Jobs", "item": {"pk": {"S": "gopher#Gordon"}, "sk": {"S": "gopher"}, "jobId": {"S": "job-0"}}}
{"table": "Jobs", "item": {"pk": {"S": "job-1"}, "sk": {"S": "job#addGopher"}, "status": {"S": "Pending"}, "createdAt": {"S": "2026-01-01T00:00:00Z"}, "input": {"M": {"name": {"S": "Gordon"}, "location": {"S": "meadow"}}}}}
`
	if err := os.WriteFile(seed, []byte(lines), 0o644); err != nil {
		t.Fatal(err)
	}
	ios, _, _, errOut := iostreams.Test()
	o := &TestOptions{
		IO: ios, Logger: func() *slog.Logger { return slog.New(slog.DiscardHandler) },
		ProjectDir: "../../../examples/gophers", Seed: seed, DataDir: filepath.Join(dir, "state"),
		// This test binary, as a child that waits for job-1 to fail.
		Command: []string{os.Args[0]},
		Environ: func() []string { return append(os.Environ(), childEnv+"=waitfailed") },
		Signals: func() (<-chan os.Signal, func()) { return make(chan os.Signal), func() {} },
	}
	err := testRun(context.Background(), o)
	var ee *cmdutil.ExitError
	if !errors.As(err, &ee) || ee.Code != 1 {
		t.Fatalf("err = %v, want exit code 1; stderr:\n%s", err, errOut.String())
	}
	got := errOut.String()
	for _, want := range []string{
		"sfapi test: last 1 job(s), newest first:\n  job-1  Failed  failed in SaveGopher: DynamoDB.ConditionalCheckFailedException: The conditional request failed\n",
		"sfapi test: state kept in " + filepath.Join(dir, "state") + "\n",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("stderr lacks %q:\n%s", want, got)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "state", "dynamodb.db")); err != nil {
		t.Errorf("--data-dir state: %v", err)
	}
}

// childEnv makes the test binary a child command (see TestMain).
const childEnv = "SFAPI_TESTCMD_CHILD"

// TestMain runs the child modes: "waitfailed" polls the API (found through
// SFAPI_API_URL, as any CMD would) until job-1 is Failed, then exits 1.
func TestMain(m *testing.M) {
	if os.Getenv(childEnv) == "waitfailed" {
		deadline := time.Now().Add(30 * time.Second)
		for time.Now().Before(deadline) {
			resp, err := http.Get(os.Getenv("SFAPI_API_URL") + "/jobs/job-1")
			if err == nil {
				var v struct{ Status string }
				_ = json.NewDecoder(resp.Body).Decode(&v)
				resp.Body.Close()
				if v.Status == "Failed" {
					os.Exit(1)
				}
			}
			time.Sleep(20 * time.Millisecond)
		}
		os.Exit(3)
	}
	os.Exit(m.Run())
}

// The temporary data dir goes away; with --keep it stays. (Not parallel:
// it points TMPDIR at a folder of its own.)
func TestRunRemovesTemporaryState(t *testing.T) {
	for _, keep := range []bool{false, true} {
		tmp := t.TempDir()
		t.Setenv("TMPDIR", tmp)
		ios, _, _, errOut := iostreams.Test()
		o := &TestOptions{
			IO: ios, Logger: func() *slog.Logger { return slog.New(slog.DiscardHandler) },
			ProjectDir: "../../../examples/gophers", Keep: keep,
			Command: []string{"true"},
			Environ: os.Environ,
			Signals: func() (<-chan os.Signal, func()) { return make(chan os.Signal), func() {} },
		}
		if err := testRun(context.Background(), o); err != nil {
			t.Fatal(err)
		}
		left, _ := filepath.Glob(filepath.Join(tmp, "sfapi-test-*"))
		switch {
		case !keep && len(left) != 0:
			t.Errorf("without --keep, %v is left behind", left)
		case keep && (len(left) != 1 || !strings.Contains(errOut.String(), "sfapi test: state kept in "+left[0]+"\n")):
			t.Errorf("with --keep: dirs %v, stderr %q", left, errOut.String())
		case keep:
			if _, err := os.Stat(filepath.Join(left[0], "dynamodb.db")); err != nil {
				t.Errorf("kept state: %v", err)
			}
		}
	}
}

// A signal to sfapi test reaches CMD, whose exit code comes back.
func TestRunForwardsSignals(t *testing.T) {
	t.Parallel()
	ready := filepath.Join(t.TempDir(), "ready")
	sigs := make(chan os.Signal, 1)
	ios, _, _, _ := iostreams.Test()
	o := &TestOptions{
		IO: ios, Logger: func() *slog.Logger { return slog.New(slog.DiscardHandler) },
		ProjectDir: "../../../examples/gophers",
		Command:    []string{"sh", "-c", `trap 'exit 42' TERM; touch "$READY"; while :; do sleep 0.05; done`},
		Environ:    func() []string { return []string{"PATH=" + os.Getenv("PATH"), "READY=" + ready} },
		Signals:    func() (<-chan os.Signal, func()) { return sigs, func() {} },
	}
	go func() {
		for {
			if _, err := os.Stat(ready); err == nil {
				sigs <- syscall.SIGTERM
				return
			}
			time.Sleep(10 * time.Millisecond)
		}
	}()
	err := testRun(context.Background(), o)
	var ee *cmdutil.ExitError
	if !errors.As(err, &ee) || ee.Code != 42 {
		t.Fatalf("err = %v, want CMD's exit code 42 from its TERM trap", err)
	}
}
