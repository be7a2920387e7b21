package scaffold

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
)

// exampleDir is the on-disk source of the embedded template.
const exampleDir = "../../examples/gophers"

// readTree returns every file under dir (slash paths → content), applying
// the same exclusions Write documents.
func readTree(t *testing.T, fsys fs.FS) map[string][]byte {
	t.Helper()
	files := map[string][]byte{}
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && d.Name() == ".sfapi" {
			return fs.SkipDir
		}
		if d.IsDir() || strings.HasSuffix(p, ".go") || d.Name() == ".sfapi" {
			return nil
		}
		data, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		files[p] = data
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

func TestWriteMatchesExampleByteForByte(t *testing.T) {
	t.Parallel()
	tmpl, err := Template(DefaultTemplate)
	if err != nil {
		t.Fatal(err)
	}
	root := filepath.Join(t.TempDir(), "new", "project") // missing dirs are created
	written, err := Write(tmpl, root, Options{})
	if err != nil {
		t.Fatalf("Write: %v", err)
	}
	want := readTree(t, os.DirFS(exampleDir))
	got := readTree(t, os.DirFS(root))
	if len(want) == 0 || want[ManifestFile] == nil {
		t.Fatalf("example tree at %s has no %s", exampleDir, ManifestFile)
	}
	for p, data := range want {
		if g, ok := got[p]; !ok {
			t.Errorf("missing %s", p)
		} else if !bytes.Equal(g, data) {
			t.Errorf("%s differs from the example", p)
		}
	}
	for p := range got {
		if _, ok := want[p]; !ok {
			t.Errorf("unexpected file %s", p)
		}
	}
	wantList := make([]string, 0, len(want))
	for p := range want {
		wantList = append(wantList, p)
	}
	slices.Sort(wantList)
	gotList := slices.Sorted(slices.Values(written))
	if !slices.Equal(gotList, wantList) {
		t.Fatalf("Write returned %q, want %q", gotList, wantList)
	}
}

func TestWriteSkipsDataDirAndGoFiles(t *testing.T) {
	t.Parallel()
	fsys := fstest.MapFS{
		"sfapi.yaml":              {Data: []byte("name: demo\n")},
		".gitignore":              {Data: []byte(".sfapi/\n")},
		".sfapi/state.db":         {Data: []byte("db")},
		"sub/.sfapi/x":            {Data: []byte("db")},
		"embed.go":                {Data: []byte("package x")},
		"statemachines/a.json":    {Data: []byte("{}")},
		"statemachines/a_test.go": {Data: []byte("package x")},
	}
	root := t.TempDir()
	written, err := Write(fsys, root, Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{".gitignore", "sfapi.yaml", "statemachines/a.json"}
	if !slices.Equal(slices.Sorted(slices.Values(written)), want) {
		t.Fatalf("written = %q, want %q", written, want)
	}
	for _, p := range []string{".sfapi", "sub/.sfapi", "embed.go", "statemachines/a_test.go"} {
		if _, err := os.Stat(filepath.Join(root, p)); !errors.Is(err, fs.ErrNotExist) {
			t.Fatalf("%s was written (stat err %v)", p, err)
		}
	}
}

func TestWriteNonEmptyAndForce(t *testing.T) {
	t.Parallel()
	fsys := fstest.MapFS{"sfapi.yaml": {Data: []byte("name: demo\n")}, "README.md": {Data: []byte("# demo\n")}}
	root := t.TempDir()
	if err := os.WriteFile(filepath.Join(root, "sfapi.yaml"), []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "keep.txt"), []byte("mine"), 0o644); err != nil {
		t.Fatal(err)
	}

	if _, err := Write(fsys, root, Options{}); !errors.Is(err, ErrNotEmpty) {
		t.Fatalf("Write into non-empty dir = %v, want ErrNotEmpty", err)
	}
	if b, _ := os.ReadFile(filepath.Join(root, "sfapi.yaml")); string(b) != "old" {
		t.Fatal("refused Write still changed a file")
	}

	if _, err := Write(fsys, root, Options{Force: true}); err != nil {
		t.Fatalf("Write --force: %v", err)
	}
	if b, _ := os.ReadFile(filepath.Join(root, "sfapi.yaml")); string(b) != "name: demo\n" {
		t.Fatalf("sfapi.yaml = %q after force", b)
	}
	if b, _ := os.ReadFile(filepath.Join(root, "keep.txt")); string(b) != "mine" {
		t.Fatal("force removed or changed an unrelated file")
	}
}

func TestWriteRootIsFile(t *testing.T) {
	t.Parallel()
	root := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(root, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	fsys := fstest.MapFS{"sfapi.yaml": {Data: []byte("name: demo\n")}}
	if _, err := Write(fsys, root, Options{Force: true}); err == nil || !strings.Contains(err.Error(), "not a directory") {
		t.Fatalf("Write onto a file = %v", err)
	}
}

func TestWriteName(t *testing.T) {
	t.Parallel()
	tmpl, err := Template(DefaultTemplate)
	if err != nil {
		t.Fatal(err)
	}
	root := t.TempDir()
	if _, err := Write(tmpl, root, Options{Name: "my-api2"}); err != nil {
		t.Fatal(err)
	}
	orig := readTree(t, os.DirFS(exampleDir))
	got := readTree(t, os.DirFS(root))
	for p, data := range orig {
		switch p {
		case ManifestFile, ReadmeFile:
			continue
		}
		if !bytes.Equal(got[p], data) {
			t.Errorf("%s changed by --name", p)
		}
	}
	if n := TemplateName(got[ManifestFile]); n != "my-api2" {
		t.Fatalf("manifest name = %q", n)
	}
	assertOnlyLineChanged(t, orig[ManifestFile], got[ManifestFile], "name: gophers", "name: my-api2")
	title := strings.SplitN(string(orig[ReadmeFile]), "\n", 2)[0]
	assertOnlyLineChanged(t, orig[ReadmeFile], got[ReadmeFile], title, strings.ReplaceAll(title, "gophers", "my-api2"))
}

// assertOnlyLineChanged checks that after differs from before only in the
// one line from → to.
func assertOnlyLineChanged(t *testing.T, before, after []byte, from, to string) {
	t.Helper()
	b := strings.Split(string(before), "\n")
	a := strings.Split(string(after), "\n")
	if len(a) != len(b) {
		t.Fatalf("line count %d → %d", len(b), len(a))
	}
	changed := 0
	for i := range b {
		if a[i] == b[i] {
			continue
		}
		changed++
		if b[i] != from || a[i] != to {
			t.Fatalf("line %d: %q → %q, want %q → %q", i+1, b[i], a[i], from, to)
		}
	}
	if changed != 1 {
		t.Fatalf("%d lines changed, want 1", changed)
	}
}

func TestRename(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, path, in, want, wantErr string
	}{
		{"manifest keeps comment", "sfapi.yaml", "# top\nname: gophers   # stack name\nvariables:\n  name: gophers\n", "# top\nname: shop   # stack name\nvariables:\n  name: gophers\n", ""},
		{"manifest without name", "sfapi.yaml", "tables: {}\n", "", "no top-level name"},
		{"indented name is not the project name", "sfapi.yaml", "x:\n  name: gophers\n", "", "no top-level name"},
		{"readme title only", "README.md", "intro\n# gophers — gophers API (not gophersx)\ngophers body\n", "intro\n# shop — shop API (not gophersx)\ngophers body\n", ""},
		{"readme without title", "README.md", "no title\n", "no title\n", ""},
		{"nested readme untouched", "docs/README.md", "# gophers\n", "# gophers\n", ""},
		{"other file untouched", "openapi.yaml", "title: gophers\n", "title: gophers\n", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Rename(tt.path, []byte(tt.in), "gophers", "shop")
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tt.want {
				t.Fatalf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestValidateName(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		ok   bool
	}{
		{"gophers", true},
		{"my-api-2", true},
		{"a", true},
		{strings.Repeat("a", MaxNameLen), true},
		{strings.Repeat("a", MaxNameLen+1), false},
		{"", false},
		{"2fast", false},
		{"-x", false},
		{"My-API", false},
		{"snake_case", false},
		{"dots.no", false},
		{"név", false},
	}
	for _, tt := range tests {
		if err := ValidateName(tt.name); (err == nil) != tt.ok {
			t.Fatalf("ValidateName(%q) = %v, want ok=%v", tt.name, err, tt.ok)
		}
	}
	if _, err := Write(fstest.MapFS{}, t.TempDir(), Options{Name: "Bad"}); err == nil {
		t.Fatal("Write accepted an invalid name")
	}
}

func TestTemplateLookup(t *testing.T) {
	t.Parallel()
	if got := Templates(); !slices.Equal(got, []string{"gophers"}) {
		t.Fatalf("Templates() = %q", got)
	}
	if _, err := Template("nope"); err == nil || !strings.Contains(err.Error(), "available: gophers") {
		t.Fatalf("Template(nope) = %v", err)
	}
}

func FuzzRename(f *testing.F) {
	f.Add("sfapi.yaml", "name: gophers\n", "shop")
	f.Add("sfapi.yaml", "# top\nname: gophers   # stack name\n", "a-b")
	f.Add("README.md", "# gophers — gophers API\n", "x")
	f.Add("sfapi.yaml", "name:\n", "x")
	f.Fuzz(func(t *testing.T, p, in, name string) {
		out, err := Rename(p, []byte(in), "gophers", name)
		if err != nil {
			return
		}
		if p == ManifestFile && ValidateName(name) == nil && TemplateName(out) != name {
			t.Fatalf("renamed manifest %q has name %q, want %q", out, TemplateName(out), name)
		}
	})
}
