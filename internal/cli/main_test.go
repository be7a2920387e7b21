package cli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/cobra"

	"github.com/sfapi/sfapi/internal/cli/cmdutil"
	"github.com/sfapi/sfapi/internal/cli/iostreams"
	"github.com/sfapi/sfapi/internal/project"
)

func TestExitCode(t *testing.T) {
	t.Parallel()
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	cmd := &cobra.Command{Use: "init"}
	root := &cobra.Command{Use: "sfapi"}
	root.AddCommand(cmd)

	tests := []struct {
		name       string
		ctx        context.Context
		err        error
		wantCode   int
		wantStderr string
	}{
		{"ok", context.Background(), nil, 0, ""},
		{"generic", context.Background(), errors.New("disk full"), 1, "Error: disk full\n"},
		{"generic with hint", context.Background(),
			fmt.Errorf("create: %w", cmdutil.WithHint(errors.New("dir is not empty"), "sfapi init --force")), 1,
			"Error: create: dir is not empty\nTry: sfapi init --force\n"},
		{"silent", context.Background(), fmt.Errorf("wrapped: %w", cmdutil.SilentError), 1, ""},
		{"flag error", context.Background(), cmdutil.FlagErrorf("unknown flag: --nope"), 2,
			"Error: unknown flag: --nope\nRun 'sfapi init --help' for usage.\n"},
		{"flag error with hint", context.Background(),
			cmdutil.WithHint(cmdutil.FlagErrorf("read config file x: bad"), "fix the file"), 2,
			"Error: read config file x: bad\nTry: fix the file\n"},
		{"unknown command", context.Background(), errors.New(`unknown command "bogus" for "sfapi"`), 2,
			"Error: unknown command \"bogus\" for \"sfapi\"\nRun 'sfapi init --help' for usage.\n"},
		{"project error list", context.Background(),
			fmt.Errorf("load: %w", project.ErrorList{
				{File: "sfapi.yaml", Line: 3, Col: 5, Msg: "unknown field \"bogus\""},
				{File: "openapi.yaml", Line: 10, Msg: "bad path"},
			}), 2,
			"sfapi.yaml:3:5: unknown field \"bogus\"\nopenapi.yaml:10: bad path\n"},
		{"single project error", context.Background(),
			&project.Error{File: "statemachines/a.asl.json", Line: 1, Col: 2, Msg: "no StartAt"}, 2,
			"statemachines/a.asl.json:1:2: no StartAt\n"},
		{"cancelled", cancelled, fmt.Errorf("serve: %w", context.Canceled), 130, ""},
		{"cancelled with other error", cancelled, errors.New("read: interrupted"), 130, ""},
		{"canceled error without signal is an error", context.Background(), context.Canceled, 1,
			"Error: context canceled\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var buf bytes.Buffer
			if got := ExitCode(tt.ctx, tt.err, cmd, &buf); got != tt.wantCode {
				t.Fatalf("code = %d, want %d", got, tt.wantCode)
			}
			if buf.String() != tt.wantStderr {
				t.Fatalf("stderr = %q, want %q", buf.String(), tt.wantStderr)
			}
		})
	}
}

// run calls MainArgs and returns code, stdout, stderr.
func run(t *testing.T, env []string, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	// HOME points at an empty dir so no developer config file leaks in.
	env = append([]string{"HOME=" + t.TempDir()}, env...)
	code := MainArgs(args, strings.NewReader(""), &out, &errOut, env)
	return code, out.String(), errOut.String()
}

func TestMainArgs(t *testing.T) {
	t.Parallel()
	nonEmpty := t.TempDir()
	if err := os.WriteFile(filepath.Join(nonEmpty, "x"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	badProject := t.TempDir()
	if err := os.WriteFile(filepath.Join(badProject, "sfapi.yaml"), []byte("name: x\nbogus: 1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name       string
		env        []string
		args       []string
		wantCode   int
		wantOut    string // substring
		wantStderr string // substring
	}{
		{name: "no args shows help", args: nil, wantCode: 0, wantOut: "Exit codes:"},
		{name: "version", args: []string{"version"}, wantCode: 0, wantOut: "sfapi "},
		{name: "--version", args: []string{"--version"}, wantCode: 0, wantOut: "(commit "},
		{name: "unknown command", args: []string{"bogus"}, wantCode: 2, wantStderr: "Error: unknown command \"bogus\" for \"sfapi\""},
		{name: "unknown flag", args: []string{"version", "--nope"}, wantCode: 2,
			wantStderr: "Error: unknown flag: --nope\nRun 'sfapi version --help' for usage.\n"},
		{name: "bad log level flag", args: []string{"version", "--log-level", "loud"}, wantCode: 2,
			wantStderr: `Error: invalid log level "loud"`},
		{name: "bad log level env", env: []string{"SFAPI_LOG_LEVEL=loud"}, args: []string{"version"}, wantCode: 2,
			wantStderr: `Error: invalid log level "loud"`},
		{name: "flag beats env", env: []string{"SFAPI_LOG_LEVEL=loud"}, args: []string{"version", "--log-level", "warn"}, wantCode: 0},
		{name: "debug log from env", env: []string{"SFAPI_LOG_LEVEL=debug"}, args: []string{"version"}, wantCode: 0,
			wantStderr: "msg=\"settings resolved\" command=\"sfapi version\""},
		{name: "json log format from env", env: []string{"SFAPI_LOG_LEVEL=debug", "SFAPI_LOG_FORMAT=json"}, args: []string{"version"},
			wantCode: 0, wantStderr: `"msg":"settings resolved"`},
		{name: "missing config file", args: []string{"version", "--config", "/nonexistent/c.yaml"}, wantCode: 2,
			wantStderr: "Try: check --config or SFAPI_CONFIG"},
		{name: "init refuses non-empty", args: []string{"init", nonEmpty}, wantCode: 1,
			wantStderr: "Error: " + nonEmpty + " is not empty\nTry: sfapi init --force, or choose an empty folder\n"},
		{name: "validate bad project", args: []string{"validate", "--project", badProject}, wantCode: 2,
			wantStderr: "sfapi.yaml:2:1: "},
		{name: "validate example", args: []string{"validate", "--project", "../../examples/gophers"}, wantCode: 0,
			wantOut: "ok: gophers: "},
		{name: "validate project from env", env: []string{"SFAPI_PROJECT=../../examples/gophers"}, args: []string{"validate"},
			wantCode: 0, wantOut: "ok: gophers: "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			code, out, errOut := run(t, tt.env, tt.args...)
			if code != tt.wantCode {
				t.Fatalf("code = %d, want %d\nstdout: %s\nstderr: %s", code, tt.wantCode, out, errOut)
			}
			if !strings.Contains(out, tt.wantOut) {
				t.Fatalf("stdout %q does not contain %q", out, tt.wantOut)
			}
			if !strings.Contains(errOut, tt.wantStderr) {
				t.Fatalf("stderr %q does not contain %q", errOut, tt.wantStderr)
			}
		})
	}
}

func TestConfigFilePrecedenceEndToEnd(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	cfg := filepath.Join(dir, "config.yaml")
	if err := os.WriteFile(cfg, []byte("log-level: debug\nproject: ../../examples/gophers\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	// Config file alone: debug logging and the project dir both apply.
	code, out, errOut := run(t, []string{"SFAPI_CONFIG=" + cfg}, "validate")
	if code != 0 || !strings.Contains(out, "ok: gophers") || !strings.Contains(errOut, "settings resolved") {
		t.Fatalf("config file not applied: code %d out %q err %q", code, out, errOut)
	}
	// Env beats the config file.
	code, _, errOut = run(t, []string{"SFAPI_CONFIG=" + cfg, "SFAPI_LOG_LEVEL=info"}, "validate")
	if code != 0 || strings.Contains(errOut, "settings resolved") {
		t.Fatalf("env did not beat config: code %d err %q", code, errOut)
	}
	// XDG default location is found without --config.
	xdg := filepath.Join(dir, "xdg")
	if err := os.MkdirAll(filepath.Join(xdg, "sfapi"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(xdg, "sfapi", "config.yaml"), []byte("log-level: nope\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, errOut = run(t, []string{"XDG_CONFIG_HOME=" + xdg}, "version")
	if code != 2 || !strings.Contains(errOut, `invalid log level "nope"`) {
		t.Fatalf("XDG config not read: code %d err %q", code, errOut)
	}
	// --help never reads settings, so a broken config cannot block it.
	code, out, _ = run(t, []string{"XDG_CONFIG_HOME=" + xdg}, "version", "--help")
	if code != 0 || !strings.Contains(out, "Examples:") {
		t.Fatalf("--help with broken config: code %d out %q", code, out)
	}
}

func TestEveryCommandHasExample(t *testing.T) {
	t.Parallel()
	ios, _, _, _ := iostreams.Test()
	root := NewCmdRoot(NewFactory(ios, func(string) string { return "" }))
	var walk func(c *cobra.Command)
	n := 0
	walk = func(c *cobra.Command) {
		n++
		if strings.TrimSpace(c.Example) == "" {
			t.Errorf("%q has no Example", c.CommandPath())
		}
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)
	if n < 9 { // root, init, validate, version, help, completion + 4 shells
		t.Fatalf("walked only %d commands", n)
	}
	// And the examples reach --help output.
	for _, args := range [][]string{{"--help"}, {"init", "--help"}, {"completion", "zsh", "--help"}} {
		code, out, _ := run(t, nil, args...)
		if code != 0 || !strings.Contains(out, "Examples:\n") {
			t.Fatalf("%v: code %d, no Examples section:\n%s", args, code, out)
		}
	}
}

func TestFactoryBeforePreRun(t *testing.T) {
	t.Parallel()
	ios, _, _, errOut := iostreams.Test()
	f := NewFactory(ios, func(string) string { return "" })
	if _, err := f.Config(); !errors.Is(err, errNoSettings) {
		t.Fatalf("Config before pre-run = %v", err)
	}
	// The logger still works, with defaults, on ErrOut.
	f.Logger().Info("hello")
	if !strings.Contains(errOut.String(), "msg=hello") {
		t.Fatalf("logger wrote %q", errOut)
	}
}

func TestEnvFunc(t *testing.T) {
	t.Parallel()
	get := EnvFunc([]string{"A=1", "B=x=y", "A=2", "NOEQUALS"})
	if get("A") != "2" || get("B") != "x=y" || get("NOEQUALS") != "" || get("C") != "" {
		t.Fatal("EnvFunc parsing")
	}
}
