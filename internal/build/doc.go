// Package build owns the release metadata of the sfapi binary: version,
// commit and build date. Release builds set them with
// -ldflags "-X github.com/sfapi/sfapi/internal/build.Version=..." (see
// .goreleaser.yaml); `go install` and `go build` builds fall back to the
// module and VCS data the Go toolchain records (debug.ReadBuildInfo).
//
// It imports only the standard library, so any package may use it.
package build
