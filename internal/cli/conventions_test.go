package cli

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/help/*.golden from the current help output")

// TestHelpGolden pins the --help output of the inner-loop commands (bench,
// data, tables, completion): flags, defaults, examples. Run with -update
// after an intended change and review the diff.
func TestHelpGolden(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{
		{"bench"}, {"data"}, {"data", "export"}, {"data", "import"},
		{"tables"}, {"tables", "list"}, {"tables", "scan"}, {"completion"},
	} {
		name := strings.Join(args, "_")
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			code, out, errOut := run(t, nil, append(args, "--help")...)
			if code != 0 || errOut != "" {
				t.Fatalf("%v --help: code %d stderr %q", args, code, errOut)
			}
			path := filepath.Join("testdata", "help", name+".golden")
			if *update {
				if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, []byte(out), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if out != string(want) {
				t.Fatalf("%v --help differs from %s (go test -update rewrites it):\n%s", args, path, out)
			}
		})
	}
}

// TestUnknownSubcommand: a mistyped subcommand of a group is a usage error
// (exit 2) like one of the root, and a bare group prints its help (exit 0).
func TestUnknownSubcommand(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		args    []string
		code    int
		wantErr string
		wantOut string
	}{
		{args: []string{"jobs", "nope"}, code: 2, wantErr: "Error: unknown command \"nope\" for \"sfapi jobs\"\nRun 'sfapi jobs --help' for usage.\n"},
		{args: []string{"completion", "tcsh"}, code: 2, wantErr: "Error: unknown command \"tcsh\" for \"sfapi completion\"\n"},
		{args: []string{"tables", "nope"}, code: 2, wantErr: "Error: unknown command \"nope\" for \"sfapi tables\"\n"},
		{args: []string{"nope"}, code: 2, wantErr: "Error: unknown command \"nope\" for \"sfapi\"\n"},
		{args: []string{"data"}, code: 0, wantOut: "Available Commands:\n  export"},
		{args: []string{"tables"}, code: 0, wantOut: "sfapi tables scan Jobs --limit 10"},
	} {
		code, out, errOut := run(t, nil, tc.args...)
		if code != tc.code || !strings.HasPrefix(errOut, tc.wantErr) || !strings.Contains(out, tc.wantOut) {
			t.Errorf("%v: code %d (want %d)\nstdout %q\nstderr %q (want prefix %q)", tc.args, code, tc.code, out, errOut, tc.wantErr)
		}
	}
}
