package asl_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite golden files")

type goldenCase struct {
	Name  string                    `json:"name"`
	Input json.RawMessage           `json:"input"`
	Tasks map[string][]taskResponse `json:"tasks"`
}

type goldenResult struct {
	Status   string            `json:"status"`
	Output   json.RawMessage   `json:"output,omitempty"`
	Error    string            `json:"error,omitempty"`
	Cause    string            `json:"cause,omitempty"`
	Events   []string          `json:"events"`
	Requests []recordedRequest `json:"requests"`
}

// TestGoldenMachines runs testdata/machines/NAME.asl.json with every case
// of NAME.cases.json as a STANDARD execution and compares status, output,
// history event types and task requests with NAME.golden.json.
func TestGoldenMachines(t *testing.T) {
	files, err := filepath.Glob("testdata/machines/*.asl.json")
	if err != nil || len(files) == 0 {
		t.Fatalf("no machines found: %v", err)
	}
	for _, file := range files {
		name := strings.TrimSuffix(filepath.Base(file), ".asl.json")
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			def, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			rawCases, err := os.ReadFile(filepath.Join("testdata/machines", name+".cases.json"))
			if err != nil {
				t.Fatal(err)
			}
			var cases []goldenCase
			if err := json.Unmarshal(rawCases, &cases); err != nil {
				t.Fatalf("decode cases: %v", err)
			}
			got := map[string]goldenResult{}
			for _, c := range cases {
				tasks := newScripted(c.Tasks)
				e := newEngine(t, engineOpts{tasks: tasks.invoker()})
				ex, events := runStandard(t, e, string(def), "case-"+c.Name, string(c.Input))
				res := goldenResult{Status: ex.Status, Error: ex.Error, Cause: ex.Cause, Events: eventTypes(events), Requests: tasks.requests}
				if ex.Output != "" {
					res.Output = json.RawMessage(ex.Output)
				}
				got[c.Name] = res
			}
			data, err := json.MarshalIndent(got, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			data = append(data, '\n')
			goldenPath := filepath.Join("testdata/machines", name+".golden.json")
			if *update {
				if err := os.WriteFile(goldenPath, data, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(goldenPath)
			if err != nil {
				t.Fatalf("read golden (run with -update to create): %v", err)
			}
			if !bytes.Equal(data, want) {
				t.Errorf("%s differs from golden; got:\n%s", goldenPath, data)
			}
		})
	}
}
