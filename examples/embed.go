// Package examples embeds the example projects so the sfapi binary carries
// them: `sfapi init` writes examples/gophers out of Gophers (through
// internal/scaffold), which keeps exactly one copy of the project in the
// repository — the one docs and tests use is the one users get.
//
// It imports only embed. The `all:` prefix includes dotfiles such as
// .gitignore; internal/scaffold skips .sfapi data directories and Go files
// that may sit in the tree.
package examples

import "embed"

// Gophers holds the gophers job API under the directory "gophers".
//
//go:embed all:gophers
var Gophers embed.FS
