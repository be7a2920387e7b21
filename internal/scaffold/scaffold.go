package scaffold

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"github.com/sfapi/sfapi/examples"
)

// DefaultTemplate is the template `sfapi init` uses without --template.
const DefaultTemplate = "gophers"

// templates maps a template name to its directory inside examples.Gophers
// (and, later, other embedded example trees).
var templates = map[string]struct {
	fsys fs.FS
	dir  string
}{
	"gophers": {examples.Gophers, "gophers"},
}

// Templates lists the template names in sorted order.
func Templates() []string {
	names := make([]string, 0, len(templates))
	for name := range templates {
		names = append(names, name)
	}
	slices.Sort(names)
	return names
}

// Template returns the files of the named template, rooted at the project
// directory (sfapi.yaml at the top).
func Template(name string) (fs.FS, error) {
	t, ok := templates[name]
	if !ok {
		return nil, fmt.Errorf("unknown template %q (available: %s)", name, strings.Join(Templates(), ", "))
	}
	sub, err := fs.Sub(t.fsys, t.dir)
	if err != nil {
		return nil, fmt.Errorf("open template %q: %w", name, err)
	}
	return sub, nil
}

// Options control Write.
type Options struct {
	// Name, when non-empty, renames the project: see Rename.
	Name string
	// Force allows writing into a non-empty directory; files with the same
	// names are overwritten, other files are left alone.
	Force bool
}

// ErrNotEmpty is returned (wrapped) when the target directory already has
// entries and Options.Force is false.
var ErrNotEmpty = errors.New("directory is not empty")

// ManifestFile and ReadmeFile are the files Rename edits.
const (
	ManifestFile = "sfapi.yaml"
	ReadmeFile   = "README.md"
)

// nameRE is the project-name rule: lower-case letters, digits and hyphens,
// starting with a letter. The name becomes part of CloudFormation stack
// and resource names, which is why it is this strict.
var nameRE = regexp.MustCompile(`^[a-z][a-z0-9-]*$`)

// MaxNameLen keeps stack names ("NAME-STAGE") and derived resource names
// well inside AWS limits.
const MaxNameLen = 40

// ValidateName reports whether name can be a project name.
func ValidateName(name string) error {
	switch {
	case name == "":
		return errors.New("project name is empty")
	case len(name) > MaxNameLen:
		return fmt.Errorf("project name %q is longer than %d characters", name, MaxNameLen)
	case !nameRE.MatchString(name):
		return fmt.Errorf("project name %q must start with a letter and contain only a-z, 0-9 and -", name)
	}
	return nil
}

// skip reports whether a template path stays out of a new project: .sfapi
// is the data directory `sfapi dev` creates when run inside the example,
// and Go files (such as examples/embed.go's siblings) are repository code,
// not project files.
func skip(d fs.DirEntry) bool {
	if d.IsDir() {
		return d.Name() == ".sfapi"
	}
	return d.Name() == ".sfapi" || strings.HasSuffix(d.Name(), ".go")
}

// Write copies the project in fsys into the directory root, creating root
// if missing, and returns the slash-separated paths it wrote, in walk
// order. It refuses a non-empty root unless opts.Force is set, and renames
// the project when opts.Name is set. It only reads fsys and only writes
// under root.
func Write(fsys fs.FS, root string, opts Options) ([]string, error) {
	if opts.Name != "" {
		if err := ValidateName(opts.Name); err != nil {
			return nil, err
		}
	}
	var oldName string
	if opts.Name != "" {
		manifest, err := fs.ReadFile(fsys, ManifestFile)
		if err != nil {
			return nil, fmt.Errorf("read template manifest: %w", err)
		}
		if oldName = TemplateName(manifest); oldName == "" {
			return nil, fmt.Errorf("template %s has no top-level name: line to rename", ManifestFile)
		}
	}
	if err := prepareRoot(root, opts.Force); err != nil {
		return nil, err
	}

	var written []string
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return fmt.Errorf("read template %s: %w", p, err)
		}
		if p == "." {
			return nil
		}
		if skip(d) {
			if d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		dst := filepath.Join(root, filepath.FromSlash(p))
		if d.IsDir() {
			if err := os.MkdirAll(dst, 0o755); err != nil {
				return fmt.Errorf("create directory: %w", err)
			}
			return nil
		}
		if !d.Type().IsRegular() {
			return nil
		}
		data, err := fs.ReadFile(fsys, p)
		if err != nil {
			return fmt.Errorf("read template %s: %w", p, err)
		}
		if opts.Name != "" {
			if data, err = Rename(p, data, oldName, opts.Name); err != nil {
				return err
			}
		}
		if err := os.WriteFile(dst, data, 0o644); err != nil {
			return fmt.Errorf("write file: %w", err)
		}
		written = append(written, p)
		return nil
	})
	return written, err
}

// prepareRoot creates root if needed and enforces the empty-directory rule.
func prepareRoot(root string, force bool) error {
	fi, err := os.Stat(root)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		if err := os.MkdirAll(root, 0o755); err != nil {
			return fmt.Errorf("create directory: %w", err)
		}
		return nil
	case err != nil:
		return fmt.Errorf("check target directory: %w", err)
	case !fi.IsDir():
		return fmt.Errorf("%s exists and is not a directory", root)
	}
	if force {
		return nil
	}
	entries, err := os.ReadDir(root)
	if err != nil {
		return fmt.Errorf("read target directory: %w", err)
	}
	if len(entries) > 0 {
		return fmt.Errorf("%s: %w", root, ErrNotEmpty)
	}
	return nil
}

// manifestNameRE matches the top-level `name:` line of sfapi.yaml (no
// indentation), keeping any trailing comment.
var manifestNameRE = regexp.MustCompile(`(?m)^name:[ \t]*([^\s#]+)([ \t]*(?:#.*)?)$`)

// TemplateName returns the project name in a manifest's top-level
// `name:` line, or "" when there is none.
func TemplateName(manifest []byte) string {
	m := manifestNameRE.FindSubmatch(manifest)
	if m == nil {
		return ""
	}
	return string(m[1])
}

// Rename applies a new project name to one template file whose project is
// called oldName, and returns the new content. Exactly two things change:
//
//   - sfapi.yaml: the value of the top-level `name:` key (it names the
//     CloudFormation stack and the resources derived from it). The file must
//     have that line.
//   - README.md: in the title (the first line starting with "# "), every
//     whole-word occurrence of oldName.
//
// Everything else, including variables such as ServiceName, table and
// state machine names and file names, is left as the template has it.
// Other files are returned unchanged.
func Rename(p string, data []byte, oldName, newName string) ([]byte, error) {
	switch path.Clean(p) {
	case ManifestFile:
		m := manifestNameRE.FindSubmatchIndex(data)
		if m == nil {
			return nil, fmt.Errorf("template %s has no top-level name: line to rename", p)
		}
		return slices.Concat(data[:m[2]], []byte(newName), data[m[3]:]), nil
	case ReadmeFile:
		if oldName == "" {
			return data, nil
		}
		word := regexp.MustCompile(`\b` + regexp.QuoteMeta(oldName) + `\b`)
		lines := strings.SplitAfter(string(data), "\n")
		for i, line := range lines {
			if strings.HasPrefix(line, "# ") {
				lines[i] = word.ReplaceAllLiteralString(line, newName)
				return []byte(strings.Join(lines, "")), nil
			}
		}
	}
	return data, nil
}
