package archtest

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// moduleRoot is the repository root, relative to this package.
const moduleRoot = "../.."

// loadGraph runs `go list -e -deps -json ./...` at the module root. -e keeps
// going past packages other people are still editing; their imports are
// still listed as long as the files parse.
func loadGraph(t *testing.T) Graph {
	t.Helper()
	cmd := exec.Command("go", "list", "-e", "-deps", "-json=ImportPath,Imports,Standard", "./...")
	cmd.Dir = moduleRoot
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, stderr.String())
	}
	g := Graph{}
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		var p Package
		if err := dec.Decode(&p); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatalf("decode go list output: %v", err)
		}
		g[p.ImportPath] = &p
	}
	return g
}

// existingCore returns the core packages that exist yet: a directory with
// at least one non-test Go file. The others are reported, not checked.
func existingCore(t *testing.T) []string {
	t.Helper()
	var core []string
	for _, rel := range CorePackages {
		files, _ := filepath.Glob(filepath.Join(moduleRoot, rel, "*.go"))
		n := 0
		for _, f := range files {
			if !strings.HasSuffix(f, "_test.go") {
				n++
			}
		}
		if n == 0 {
			t.Logf("core package %s does not exist yet; not checked", rel)
			continue
		}
		core = append(core, Module+"/"+rel)
	}
	return core
}

func TestArchitecture(t *testing.T) {
	t.Parallel()
	g := loadGraph(t)
	core := existingCore(t)
	for _, c := range core {
		if g[c] == nil {
			t.Fatalf("core package %s missing from go list output", c)
		}
	}
	if _, err := os.Stat(filepath.Join(moduleRoot, "internal/scaffold")); err == nil && len(core) == 0 {
		t.Fatal("no core package found; is moduleRoot right?")
	}
	for _, v := range Check(g, core) {
		t.Errorf("%s", v)
	}
}

// fakeGraph builds a Graph from "pkg: import import ..." lines; paths
// starting with "internal/" or "cmd/" are taken as sfapi packages.
func fakeGraph(lines ...string) Graph {
	full := func(p string) string {
		if strings.HasPrefix(p, "internal/") || strings.HasPrefix(p, "cmd/") {
			return Module + "/" + p
		}
		return p
	}
	g := Graph{}
	for _, line := range lines {
		name, imports, _ := strings.Cut(line, ":")
		pkg := &Package{ImportPath: full(strings.TrimSpace(name))}
		for _, imp := range strings.Fields(imports) {
			pkg.Imports = append(pkg.Imports, full(imp))
			if g[full(imp)] == nil {
				g[full(imp)] = &Package{ImportPath: full(imp)}
			}
		}
		if old := g[pkg.ImportPath]; old != nil {
			old.Imports = append(old.Imports, pkg.Imports...)
		} else {
			g[pkg.ImportPath] = pkg
		}
	}
	return g
}

// TestRulesSelfCheck proves each rule fires on a graph that breaks it, and
// stays quiet on one that does not.
func TestRulesSelfCheck(t *testing.T) {
	t.Parallel()
	ddb := Module + "/internal/emulator/ddb"
	project := Module + "/internal/project"
	tests := []struct {
		name  string
		graph Graph
		core  []string
		want  []string // expected violations, as Violation.String()
	}{
		{
			name: "clean graph",
			graph: fakeGraph(
				"cmd/sfapi: internal/cli",
				"internal/cli: internal/cli/cmdutil github.com/spf13/cobra",
				"internal/cli/cmdutil: github.com/spf13/viper",
				"internal/cli/devcmd: internal/emulator internal/cli/cmdutil",
				"internal/emulator: internal/emulator/ddb net/http",
				"internal/emulator/ddb: internal/emulator/ddb/attr",
				"internal/project: github.com/getkin/kin-openapi/openapi3",
				"github.com/getkin/kin-openapi/openapi3: net/http",
			),
			core: []string{ddb, project},
		},
		{
			name:  "core imports net/http directly",
			graph: fakeGraph("internal/emulator/ddb: net/http"),
			core:  []string{ddb},
			want:  []string{"core package imports net/http: internal/emulator/ddb → net/http"},
		},
		{
			name:  "core reaches net/http/httptest through own code",
			graph: fakeGraph("internal/emulator/ddb: internal/emulator/awsjson", "internal/emulator/awsjson: net/http/httptest"),
			core:  []string{ddb},
			want:  []string{"core package imports net/http: internal/emulator/ddb → internal/emulator/awsjson → net/http/httptest"},
		},
		{
			name:  "core reaches the AWS SDK through a library",
			graph: fakeGraph("internal/project: example.com/lib", "example.com/lib: github.com/aws/aws-sdk-go-v2/service/sfn"),
			core:  []string{project},
			want:  []string{"core package imports github.com/aws/aws-sdk-go-v2: internal/project → example.com/lib → github.com/aws/aws-sdk-go-v2/service/sfn"},
		},
		{
			name:  "core imports testcontainers",
			graph: fakeGraph("internal/emulator/ddb: github.com/testcontainers/testcontainers-go"),
			core:  []string{ddb},
			want:  []string{"core package imports github.com/testcontainers: internal/emulator/ddb → github.com/testcontainers/testcontainers-go"},
		},
		{
			name:  "core imports viper",
			graph: fakeGraph("internal/project: github.com/spf13/viper"),
			core:  []string{project},
			want: []string{
				"core package imports github.com/spf13/viper: internal/project → github.com/spf13/viper",
				"cobra/viper only under internal/cli: internal/project → github.com/spf13/viper",
			},
		},
		{
			name:  "command package imports the cli root",
			graph: fakeGraph("cmd/sfapi: internal/cli", "internal/cli/devcmd: internal/cli"),
			want:  []string{"only cmd/sfapi imports internal/cli: internal/cli/devcmd → internal/cli"},
		},
		{
			name:  "emulator reaches deploy indirectly",
			graph: fakeGraph("internal/emulator/apigw: internal/shared", "internal/shared: internal/deploy/cfn"),
			want:  []string{"internal/emulator must not import internal/deploy: internal/emulator/apigw → internal/shared → internal/deploy/cfn"},
		},
		{
			name:  "tui imports emulator",
			graph: fakeGraph("internal/tui: internal/emulator/push"),
			want:  []string{"internal/tui must not import internal/emulator: internal/tui → internal/emulator/push"},
		},
		{
			name:  "emulator imports tui and deploy imports emulator",
			graph: fakeGraph("internal/emulator: internal/tui", "internal/deploy: internal/emulator/ddb"),
			want: []string{
				"internal/emulator must not import internal/tui: internal/emulator → internal/tui",
				"internal/deploy must not import internal/emulator: internal/deploy → internal/emulator/ddb",
			},
		},
		{
			name:  "cobra outside internal/cli",
			graph: fakeGraph("internal/emulator: github.com/spf13/cobra"),
			want:  []string{"cobra/viper only under internal/cli: internal/emulator → github.com/spf13/cobra"},
		},
		{
			name:  "prefix match is by path element",
			graph: fakeGraph("internal/emulator/ddb: net/httpish github.com/spf13/cobrax", "internal/clix: github.com/spf13/cobra"),
			core:  []string{ddb},
			want:  []string{"cobra/viper only under internal/cli: internal/clix → github.com/spf13/cobra"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var got []string
			for _, v := range Check(tt.graph, tt.core) {
				got = append(got, v.String())
			}
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Fatalf("violations:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
		})
	}
}
