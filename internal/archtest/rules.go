package archtest

import (
	"fmt"
	"slices"
	"strings"
)

// Module is the import path of the sfapi module.
const Module = "github.com/sfapi/sfapi"

// CorePackages are the pure packages (paths relative to Module): no wire
// protocols, no CLI frameworks, no cloud SDKs. Add new core packages here.
var CorePackages = []string{
	"internal/emulator/ddb",
	"internal/emulator/ddb/expr",
	"internal/emulator/ddb/attr",
	"internal/emulator/streams",
	"internal/emulator/asl",
	"internal/emulator/asl/jsonpath",
	"internal/emulator/asl/jsonata",
	"internal/emulator/push",
	"internal/emulator/pipes",
	"internal/emulator/apigw/mapping",
	"internal/emulator/kv",
	"internal/emulator/sqs",
	"internal/project",
	"internal/scaffold",
	"internal/deploy/cfn",
	"internal/tui",
}

// Forbidden is an import a core package must not depend on.
type Forbidden struct {
	// Prefix matches the import path itself or anything below it.
	Prefix string
	// OwnCodeOnly limits the check to imports written in sfapi packages.
	// net/http needs this: third-party libraries a core package may use
	// (kin-openapi's loader can fetch remote refs) import it without the
	// core package serving or calling HTTP.
	OwnCodeOnly bool
}

// CoreForbidden lists what core packages must not reach.
var CoreForbidden = []Forbidden{
	{Prefix: "net/http", OwnCodeOnly: true},
	{Prefix: "github.com/spf13/cobra"},
	{Prefix: "github.com/spf13/viper"},
	{Prefix: "github.com/aws/aws-sdk-go-v2"},
	{Prefix: "github.com/testcontainers"},
}

// Package is the part of `go list -json` output the rules need.
type Package struct {
	ImportPath string
	Imports    []string
	Standard   bool
}

// Graph maps import path to package, for every package of the module and
// every dependency.
type Graph map[string]*Package

// Violation is one broken rule.
type Violation struct {
	Rule   string
	Detail string
}

func (v Violation) String() string { return v.Rule + ": " + v.Detail }

// Check applies every rule to g; core lists the core packages (full import
// paths) that exist.
func Check(g Graph, core []string) []Violation {
	var out []Violation
	out = append(out, checkCore(g, core)...)
	out = append(out, checkCLIRoot(g)...)
	out = append(out, checkLayers(g)...)
	out = append(out, checkFrameworks(g)...)
	return out
}

func hasPrefix(path, prefix string) bool {
	return path == prefix || strings.HasPrefix(path, prefix+"/")
}

func own(path string) bool { return hasPrefix(path, Module) }

func sorted[K comparable](m map[string]K) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// reach walks the imports of from breadth-first and returns, for every
// package reached, the package it was first reached from.
func reach(g Graph, from string) map[string]string {
	parent := map[string]string{from: ""}
	queue := []string{from}
	for len(queue) > 0 {
		p := queue[0]
		queue = queue[1:]
		pkg := g[p]
		if pkg == nil {
			continue
		}
		for _, imp := range pkg.Imports {
			if _, seen := parent[imp]; !seen {
				parent[imp] = p
				queue = append(queue, imp)
			}
		}
	}
	return parent
}

// chain renders the import path from the root of a reach() walk to p.
func chain(parent map[string]string, p string) string {
	var links []string
	for ; p != ""; p = parent[p] {
		links = append(links, strings.TrimPrefix(p, Module+"/"))
	}
	slices.Reverse(links)
	return strings.Join(links, " → ")
}

// checkCore: core packages must not depend, directly or through other
// packages, on anything in CoreForbidden.
func checkCore(g Graph, core []string) []Violation {
	var out []Violation
	for _, c := range core {
		parent := reach(g, c)
		for _, dep := range sorted(parent) {
			for _, f := range CoreForbidden {
				if !hasPrefix(dep, f.Prefix) {
					continue
				}
				if f.OwnCodeOnly && !own(parent[dep]) {
					continue
				}
				out = append(out, Violation{"core package imports " + f.Prefix, chain(parent, dep)})
			}
		}
	}
	return out
}

// checkCLIRoot: only cmd/sfapi imports internal/cli itself.
func checkCLIRoot(g Graph) []Violation {
	root := Module + "/internal/cli"
	allowed := Module + "/cmd/sfapi"
	var out []Violation
	for _, p := range sorted(g) {
		if p == allowed || !own(p) {
			continue
		}
		if slices.Contains(g[p].Imports, root) {
			out = append(out, Violation{"only cmd/sfapi imports internal/cli", chain(map[string]string{root: p, p: ""}, root)})
		}
	}
	return out
}

// layerPairs: packages under the first prefix never reach the second.
var layerPairs = [][2]string{
	{"internal/emulator", "internal/deploy"},
	{"internal/emulator", "internal/tui"},
	{"internal/deploy", "internal/emulator"},
	{"internal/tui", "internal/emulator"},
}

// checkLayers: the emulator and deploy/tui stay apart, also indirectly.
func checkLayers(g Graph) []Violation {
	var out []Violation
	for _, pair := range layerPairs {
		from, to := Module+"/"+pair[0], Module+"/"+pair[1]
		for _, p := range sorted(g) {
			if !hasPrefix(p, from) {
				continue
			}
			parent := reach(g, p)
			for _, dep := range sorted(parent) {
				if hasPrefix(dep, to) {
					out = append(out, Violation{fmt.Sprintf("%s must not import %s", pair[0], pair[1]), chain(parent, dep)})
					break
				}
			}
		}
	}
	return out
}

// checkFrameworks: only internal/cli/... imports cobra or viper.
func checkFrameworks(g Graph) []Violation {
	cli := Module + "/internal/cli"
	var out []Violation
	for _, p := range sorted(g) {
		if !own(p) || hasPrefix(p, cli) {
			continue
		}
		for _, imp := range g[p].Imports {
			if hasPrefix(imp, "github.com/spf13/cobra") || hasPrefix(imp, "github.com/spf13/viper") {
				out = append(out, Violation{"cobra/viper only under internal/cli", strings.TrimPrefix(p, Module+"/") + " → " + imp})
			}
		}
	}
	return out
}
