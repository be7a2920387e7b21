package cli

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/sfapi/sfapi/internal/cli/cmdutil"
	"github.com/sfapi/sfapi/internal/cli/iostreams"
)

const configDoc = "../../docs/config.md"

// Markers around the generated part of docs/config.md.
const (
	settingsBegin = "<!-- settings:begin (generated: go test ./internal/cli -run TestConfigDoc -update) -->\n"
	settingsEnd   = "<!-- settings:end -->\n"
)

// settingsTable renders every setting of every command: the flags, which
// are also SFAPI_* variables and config file keys (cmdutil.LoadSettings).
func settingsTable(root *cobra.Command) string {
	var b strings.Builder
	row := func(f *pflag.Flag) {
		env := cmdutil.EnvName(f.Name)
		if f.Name == cmdutil.FlagConfig {
			env = cmdutil.EnvConfig
		}
		def := f.DefValue
		if def == "" || def == "[]" {
			def = "—"
		} else {
			def = "`" + def + "`"
		}
		usage := strings.ReplaceAll(f.Usage, "|", `\|`)
		fmt.Fprintf(&b, "| `%s` | `%s` | %s | %s |\n", f.Name, env, def, usage)
	}
	head := "| key (flag) | environment | default | meaning |\n|---|---|---|---|\n"
	b.WriteString("### Every command\n\n" + head)
	root.PersistentFlags().VisitAll(func(f *pflag.Flag) {
		if f.Name != "help" {
			row(f)
		}
	})
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		if c != root && !c.Hidden {
			var flags []*pflag.Flag
			seen := map[string]bool{}
			add := func(f *pflag.Flag) {
				if f.Name != "help" && !seen[f.Name] {
					seen[f.Name] = true
					flags = append(flags, f)
				}
			}
			c.LocalNonPersistentFlags().VisitAll(add)
			c.PersistentFlags().VisitAll(add)
			if len(flags) > 0 {
				fmt.Fprintf(&b, "\n### `%s`\n\n%s", c.CommandPath(), head)
				slices.SortFunc(flags, func(a, b *pflag.Flag) int { return strings.Compare(a.Name, b.Name) })
				for _, f := range flags {
					row(f)
				}
			}
		}
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)
	return b.String()
}

// TestConfigDoc keeps docs/config.md complete: its generated section lists
// every setting of the command tree, and its manifest section names every
// sfapi.yaml key internal/project accepts.
func TestConfigDoc(t *testing.T) {
	ios, _, _, _ := iostreams.Test()
	root := NewCmdRoot(NewFactory(ios, func(string) string { return "" }))
	data, err := os.ReadFile(configDoc)
	if err != nil {
		t.Fatal(err)
	}
	doc := string(data)
	begin, end := strings.Index(doc, settingsBegin), strings.Index(doc, settingsEnd)
	if begin < 0 || end < begin {
		t.Fatalf("%s lacks the settings markers", configDoc)
	}
	want := settingsTable(root)
	got := doc[begin+len(settingsBegin) : end]
	if *update {
		doc = doc[:begin+len(settingsBegin)] + want + doc[end:]
		if err := os.WriteFile(configDoc, []byte(doc), 0o644); err != nil {
			t.Fatal(err)
		}
	} else if got != want {
		t.Errorf("%s is out of date with the flags; run go test ./internal/cli -run TestConfigDoc -update and review the diff", configDoc)
	}

	// Every key the manifest decoder accepts (its d.fields lists) appears
	// in the manifest section inside a code span: `key`, `source.key` or
	// `{key, other}`.
	documented := map[string]bool{}
	for _, span := range regexp.MustCompile("`([^`]*)`").FindAllStringSubmatch(doc[strings.Index(doc, "## sfapi.yaml"):], -1) {
		for _, w := range regexp.MustCompile(`[A-Za-z]+`).FindAllString(span[1], -1) {
			documented[w] = true
		}
	}
	files, err := filepath.Glob("../project/*.go")
	if err != nil {
		t.Fatal(err)
	}
	call := regexp.MustCompile(`(?s)\.fields\((.*?)\)\n`)
	word := regexp.MustCompile(`"([A-Za-z]+)"`)
	known := regexp.MustCompile(`known = \[\]string\{(.*?)\}|known := \[\]string\{(.*?)\}`)
	n := 0
	for _, path := range files {
		if strings.HasSuffix(path, "_test.go") {
			continue
		}
		src, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		var lists []string
		for _, m := range call.FindAllStringSubmatch(string(src), -1) {
			lists = append(lists, m[1])
		}
		for _, m := range known.FindAllStringSubmatch(string(src), -1) {
			lists = append(lists, m[1]+m[2])
		}
		for _, l := range lists {
			for _, w := range word.FindAllStringSubmatch(l, -1) {
				key := w[1]
				if key == "project" {
					continue // the "what" of the top-level call, not a key
				}
				n++
				if !documented[key] {
					t.Errorf("sfapi.yaml key %q (%s) is not documented in %s", key, filepath.Base(path), configDoc)
				}
			}
		}
	}
	if n < 60 {
		t.Fatalf("found only %d manifest keys in internal/project; the scan is broken", n)
	}
}
