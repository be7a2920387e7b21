package build

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

func TestResolve(t *testing.T) {
	t.Parallel()
	vcs := func(kv ...string) []debug.BuildSetting {
		var s []debug.BuildSetting
		for i := 0; i < len(kv); i += 2 {
			s = append(s, debug.BuildSetting{Key: kv[i], Value: kv[i+1]})
		}
		return s
	}
	tests := []struct {
		name                  string
		version, commit, date string
		bi                    *debug.BuildInfo
		want                  Info
	}{
		{name: "nothing known", want: Info{"dev", "unknown", "unknown"}},
		{name: "ldflags win", version: "1.2.3", commit: "abc", date: "2026-01-02T03:04:05Z",
			bi:   &debug.BuildInfo{Main: debug.Module{Version: "v9.9.9"}, Settings: vcs("vcs.revision", "zzz", "vcs.time", "2000-01-01T00:00:00Z")},
			want: Info{"1.2.3", "abc", "2026-01-02T03:04:05Z"}},
		{name: "go install of a tagged module", bi: &debug.BuildInfo{Main: debug.Module{Version: "v0.4.0"}},
			want: Info{"v0.4.0", "unknown", "unknown"}},
		{name: "checkout build with vcs info",
			bi:   &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}, Settings: vcs("vcs.revision", "deadbeef", "vcs.time", "2026-11-26T18:00:00Z", "vcs.modified", "false")},
			want: Info{"dev", "deadbeef", "2026-11-26T18:00:00Z"}},
		{name: "dirty tree",
			bi:   &debug.BuildInfo{Settings: vcs("vcs.revision", "deadbeef", "vcs.modified", "true")},
			want: Info{"dev", "deadbeef-dirty", "unknown"}},
		{name: "partial ldflags", version: "2.0.0",
			bi:   &debug.BuildInfo{Settings: vcs("vcs.revision", "cafe")},
			want: Info{"2.0.0", "cafe", "unknown"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Resolve(tt.version, tt.commit, tt.date, tt.bi); got != tt.want {
				t.Fatalf("Resolve = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestString(t *testing.T) {
	t.Parallel()
	got := Info{"1.0.0", "abc", "2026-11-26"}.String()
	if want := "sfapi 1.0.0 (commit abc, built 2026-11-26)"; got != want {
		t.Fatalf("String = %q, want %q", got, want)
	}
}

// TestGetUsesLinkerVariables sets the variables as -X would; not parallel
// because it changes package state.
func TestGetUsesLinkerVariables(t *testing.T) {
	old := [3]string{Version, Commit, Date}
	t.Cleanup(func() { Version, Commit, Date = old[0], old[1], old[2] })
	Version, Commit, Date = "3.1.4", "0123456789ab", "2026-11-26T12:00:00Z"
	if got, want := Get(), (Info{"3.1.4", "0123456789ab", "2026-11-26T12:00:00Z"}); got != want {
		t.Fatalf("Get = %+v, want %+v", got, want)
	}
	Version, Commit, Date = "", "", ""
	// The test binary has build info; its main module is this one, built
	// from a checkout, so the version falls back to "dev".
	if got := Get(); got.Version != DevVersion {
		t.Fatalf("fallback version = %q, want %q", got.Version, DevVersion)
	}
}

// TestGoreleaserLdflags builds a tiny program with the exact ldflags from
// .goreleaser.yaml (templates filled in) and checks the values arrive, so a
// renamed variable or package path breaks this test, not a release.
func TestGoreleaserLdflags(t *testing.T) {
	t.Parallel()
	raw, err := os.ReadFile("../../.goreleaser.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var cfg struct {
		Version int `yaml:"version"`
		Builds  []struct {
			Main    string   `yaml:"main"`
			Env     []string `yaml:"env"`
			Ldflags []string `yaml:"ldflags"`
		} `yaml:"builds"`
	}
	if err := yaml.Unmarshal(raw, &cfg); err != nil {
		t.Fatalf("parse .goreleaser.yaml: %v", err)
	}
	if cfg.Version != 2 || len(cfg.Builds) != 1 || cfg.Builds[0].Main != "./cmd/sfapi" {
		t.Fatalf("unexpected goreleaser config: %+v", cfg)
	}
	ldflags := strings.NewReplacer(
		"{{.Version}}", "9.8.7",
		"{{.Commit}}", "f00dfeed",
		"{{.Date}}", "2026-11-26T00:00:00Z",
	).Replace(strings.Join(cfg.Builds[0].Ldflags, " "))
	if strings.Contains(ldflags, "{{") {
		t.Fatalf("unhandled template in ldflags: %s", ldflags)
	}

	bin := filepath.Join(t.TempDir(), "printversion")
	build := exec.Command("go", "build", "-ldflags", ldflags, "-o", bin, "./testdata/printversion")
	build.Env = append(os.Environ(), cfg.Builds[0].Env...)
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	out, err := exec.Command(bin).Output()
	if err != nil {
		t.Fatal(err)
	}
	if got, want := strings.TrimSpace(string(out)), "sfapi 9.8.7 (commit f00dfeed, built 2026-11-26T00:00:00Z)"; got != want {
		t.Fatalf("binary printed %q, want %q", got, want)
	}
}
