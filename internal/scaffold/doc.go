// Package scaffold owns `sfapi init`'s templates: it looks them up by name
// (the files come from the examples package, so the template is the same
// project docs and tests use) and writes one into a directory, renaming the
// project on the way.
//
// It is a core package: it takes an fs.FS and a target directory and must
// not import net/http, cobra, viper, aws-sdk-go-v2, testcontainers or
// internal/cli.
package scaffold
