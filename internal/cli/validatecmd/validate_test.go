package validatecmd

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/sfapi/sfapi/internal/cli/cmdtest"

	"github.com/sfapi/sfapi/internal/cli/cmdutil"
	"github.com/sfapi/sfapi/internal/cli/iostreams"
	"github.com/sfapi/sfapi/internal/project"
)

func TestNewCmdValidate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		args    []string
		wantDir string
		wantErr string
	}{
		{name: "default", wantDir: "."},
		{name: "project", args: []string{"--project", "shop"}, wantDir: "shop"},
		{name: "empty project", args: []string{"--project", ""}, wantErr: "--project must not be empty"},
		{name: "positional", args: []string{"shop"}, wantErr: `validate takes no arguments, received ["shop"]`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := cmdtest.Parse(NewCmdValidate, tt.args)
			if tt.wantErr != "" {
				var fe *cmdutil.FlagError
				if err == nil || err.Error() != tt.wantErr || !errors.As(err, &fe) {
					t.Fatalf("err = %v, want FlagError %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.ProjectDir != tt.wantDir {
				t.Fatalf("ProjectDir = %q, want %q", got.ProjectDir, tt.wantDir)
			}
		})
	}
}

func TestValidateRunExample(t *testing.T) {
	t.Parallel()
	ios, _, out, _ := iostreams.Test()
	err := validateRun(&ValidateOptions{IO: ios, Load: project.Load, ProjectDir: "../../../examples/gophers"})
	if err != nil {
		t.Fatalf("examples/gophers does not validate: %v", err)
	}
	want := "ok: gophers: 1 table, 1 state machine, 1 pipe, 1 rule\n"
	if out.String() != want {
		t.Fatalf("out = %q, want %q", out, want)
	}
}

func TestValidateRunErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "sfapi.yaml"), []byte("name: x\nbogus: 1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	ios, _, out, _ := iostreams.Test()
	err := validateRun(&ValidateOptions{IO: ios, Load: project.Load, ProjectDir: dir})
	var list project.ErrorList
	if !errors.As(err, &list) || len(list) == 0 {
		t.Fatalf("err = %v, want a project.ErrorList", err)
	}
	if list[0].File != "sfapi.yaml" || list[0].Line == 0 {
		t.Fatalf("first error has no position: %+v", list[0])
	}
	if out.Len() != 0 {
		t.Fatalf("stdout on failure: %q", out)
	}

	err = validateRun(&ValidateOptions{IO: ios, Load: project.Load, ProjectDir: filepath.Join(dir, "missing")})
	if err == nil || cmdutil.HintOf(err) != "sfapi init, or pass --project DIR" {
		t.Fatalf("missing project: err = %v, hint = %q", err, cmdutil.HintOf(err))
	}
}

func TestCount(t *testing.T) {
	t.Parallel()
	if count(0, "rule") != "0 rules" || count(1, "rule") != "1 rule" || count(2, "state machine") != "2 state machines" {
		t.Fatal("pluralisation")
	}
}
