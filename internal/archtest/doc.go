// Package archtest enforces the dependency rules of STYLE.md §4.2 with a
// test: it reads the import graph from `go list -deps -json ./...` and checks
// it against the rules in rules.go. The rules are plain functions over that
// graph, so rules_test.go can feed them fake graphs and prove each one fires.
//
// It imports only the standard library and is imported by nothing.
package archtest
