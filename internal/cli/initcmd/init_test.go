package initcmd

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sfapi/sfapi/internal/cli/cmdtest"

	"github.com/sfapi/sfapi/internal/cli/cmdutil"
	"github.com/sfapi/sfapi/internal/cli/iostreams"
	"github.com/sfapi/sfapi/internal/scaffold"
)

const exampleDir = "../../../examples/gophers"

func TestNewCmdInit(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		args    []string
		want    InitOptions
		wantErr string
	}{
		{name: "defaults", want: InitOptions{Dir: ".", TemplateName: "gophers"}},
		{name: "dir", args: []string{"shop"}, want: InitOptions{Dir: "shop", TemplateName: "gophers"}},
		{name: "all flags", args: []string{"x/y", "--name", "my-shop", "--force", "--template", "gophers"},
			want: InitOptions{Dir: "x/y", Name: "my-shop", Force: true, TemplateName: "gophers"}},
		{name: "bad name", args: []string{"--name", "My_Shop"},
			wantErr: `invalid --name: project name "My_Shop" must start with a letter and contain only a-z, 0-9 and -`},
		{name: "bad template", args: []string{"--template", "cats"},
			wantErr: `invalid --template: unknown template "cats" (available: gophers)`},
		{name: "two dirs", args: []string{"a", "b"},
			wantErr: `init accepts at most 1 argument(s), received 2: ["a" "b"]`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := cmdtest.Parse(NewCmdInit, tt.args)
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
			if got.Dir != tt.want.Dir || got.Name != tt.want.Name || got.Force != tt.want.Force || got.TemplateName != tt.want.TemplateName {
				t.Fatalf("opts = %+v, want %+v", *got, tt.want)
			}
		})
	}
}

func newOpts(dir string) (*InitOptions, *bytes.Buffer, *bytes.Buffer) {
	ios, _, out, errOut := iostreams.Test()
	return &InitOptions{IO: ios, Template: scaffold.Template, Dir: dir, TemplateName: "gophers"}, out, errOut
}

// files reads every regular file under root (the example tree may hold no
// .sfapi data dir or Go files that init would skip; those are excluded).
func files(t *testing.T, root string) map[string][]byte {
	t.Helper()
	m := map[string][]byte{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && d.Name() == ".sfapi" {
			return filepath.SkipDir
		}
		if d.IsDir() || strings.HasSuffix(p, ".go") {
			return nil
		}
		rel, _ := filepath.Rel(root, p)
		b, err := os.ReadFile(p)
		m[filepath.ToSlash(rel)] = b
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestInitRunWritesExample(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "shop")
	opts, out, errOut := newOpts(dir)
	if err := initRun(opts); err != nil {
		t.Fatal(err)
	}
	want, got := files(t, exampleDir), files(t, dir)
	if len(got) != len(want) {
		t.Fatalf("wrote %d files, example has %d", len(got), len(want))
	}
	for p, b := range want {
		if !bytes.Equal(got[p], b) {
			t.Fatalf("%s differs from examples/gophers", p)
		}
	}
	text := out.String()
	if !strings.HasPrefix(text, "Created gophers project in "+dir+":\n") ||
		!strings.Contains(text, "  + sfapi.yaml\n") ||
		!strings.HasSuffix(text, "\nNext:\n  cd "+dir+" && sfapi dev\n") {
		t.Fatalf("output:\n%s", text)
	}
	if strings.Count(text, "  + ") != len(want) {
		t.Fatalf("output lists %d files, want %d:\n%s", strings.Count(text, "  + "), len(want), text)
	}
	if errOut.Len() != 0 {
		t.Fatalf("stderr: %q", errOut)
	}
}

func TestInitRunNonEmpty(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "sfapi.yaml"), []byte("mine"), 0o644); err != nil {
		t.Fatal(err)
	}
	opts, out, _ := newOpts(dir)
	err := initRun(opts)
	if err == nil || err.Error() != dir+" is not empty" {
		t.Fatalf("err = %v", err)
	}
	if h := cmdutil.HintOf(err); h != "sfapi init --force, or choose an empty folder" {
		t.Fatalf("hint = %q", h)
	}
	if out.Len() != 0 {
		t.Fatalf("stdout on failure: %q", out)
	}

	opts, _, _ = newOpts(dir)
	opts.Force = true
	if err := initRun(opts); err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(filepath.Join(dir, "sfapi.yaml"))
	want, _ := os.ReadFile(filepath.Join(exampleDir, "sfapi.yaml"))
	if !bytes.Equal(got, want) {
		t.Fatal("--force did not overwrite sfapi.yaml")
	}
}

func TestInitRunName(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	opts, _, _ := newOpts(dir)
	opts.Name = "shop"
	if err := initRun(opts); err != nil {
		t.Fatal(err)
	}
	m, _ := os.ReadFile(filepath.Join(dir, "sfapi.yaml"))
	if scaffold.TemplateName(m) != "shop" {
		t.Fatalf("sfapi.yaml name = %q", scaffold.TemplateName(m))
	}
	r, _ := os.ReadFile(filepath.Join(dir, "README.md"))
	title, _, _ := strings.Cut(string(r), "\n")
	if !strings.HasPrefix(title, "# shop") || strings.Contains(title, "gophers") {
		t.Fatalf("README title = %q", title)
	}
}

func TestNextCommand(t *testing.T) {
	t.Parallel()
	for dir, want := range map[string]string{
		".":         "sfapi dev",
		"./":        "sfapi dev",
		"shop":      "cd shop && sfapi dev",
		"my dir":    "cd 'my dir' && sfapi dev",
		"it's":      `cd 'it'\''s' && sfapi dev`,
		"/tmp/a-b_": "cd /tmp/a-b_ && sfapi dev",
	} {
		if got := nextCommand(dir); got != want {
			t.Fatalf("nextCommand(%q) = %q, want %q", dir, got, want)
		}
	}
}
