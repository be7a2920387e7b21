package build

import (
	"fmt"
	"runtime/debug"
)

// Set by the linker (-ldflags -X) in release builds. Empty means "not set";
// Get then falls back to the build info the toolchain embedded.
var (
	// Version is the release version, e.g. "1.2.3" (goreleaser's {{.Version}}).
	Version = ""
	// Commit is the full git commit hash the binary was built from.
	Commit = ""
	// Date is the build time in RFC 3339 form.
	Date = ""
)

// Placeholders used when neither ldflags nor build info know a value.
const (
	DevVersion = "dev"
	Unknown    = "unknown"
)

// Info is the resolved release metadata.
type Info struct {
	Version string `json:"version"`
	Commit  string `json:"commit"`
	Date    string `json:"date"`
}

// String renders the one-line form printed by `sfapi version`.
func (i Info) String() string {
	return fmt.Sprintf("sfapi %s (commit %s, built %s)", i.Version, i.Commit, i.Date)
}

// Get resolves the metadata of the running binary: ldflags values win,
// then debug.ReadBuildInfo, then placeholders.
func Get() Info {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		bi = nil
	}
	return Resolve(Version, Commit, Date, bi)
}

// Resolve is Get with its inputs made explicit so tests can feed both the
// linker variables and a synthetic build info. bi may be nil.
func Resolve(version, commit, date string, bi *debug.BuildInfo) Info {
	info := Info{Version: version, Commit: commit, Date: date}
	if bi != nil {
		// "(devel)" is what the toolchain records for a build inside the
		// main module's own checkout; it says nothing useful, so keep "dev".
		if info.Version == "" && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
			info.Version = bi.Main.Version
		}
		var revision, vcsTime string
		modified := false
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				revision = s.Value
			case "vcs.time":
				vcsTime = s.Value
			case "vcs.modified":
				modified = s.Value == "true"
			}
		}
		if info.Commit == "" && revision != "" {
			info.Commit = revision
			if modified {
				info.Commit += "-dirty"
			}
		}
		if info.Date == "" {
			info.Date = vcsTime
		}
	}
	if info.Version == "" {
		info.Version = DevVersion
	}
	if info.Commit == "" {
		info.Commit = Unknown
	}
	if info.Date == "" {
		info.Date = Unknown
	}
	return info
}
