package emulator

import (
	"testing"

	"github.com/sfapi/sfapi/internal/project"
)

func TestSamePartsIgnoresPositions(t *testing.T) {
	t.Parallel()
	a := []project.Rule{{LogicalID: "R", EventPattern: `{"source":["x"]}`, Pos: project.Pos{File: "sfapi.yaml", Line: 10}}}
	moved := []project.Rule{{LogicalID: "R", EventPattern: `{"source":["x"]}`, Pos: project.Pos{File: "sfapi.yaml", Line: 30}}}
	edited := []project.Rule{{LogicalID: "R", EventPattern: `{"source":["y"]}`, Pos: project.Pos{File: "sfapi.yaml", Line: 10}}}
	if !sameParts(a, moved) {
		t.Error("a rule that only moved down the file counts as changed")
	}
	if sameParts(a, edited) {
		t.Error("an edited pattern counts as unchanged")
	}
}

func TestReloadedString(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		r    Reloaded
		want string
	}{
		{Reloaded{}, "reload: no change"},
		{Reloaded{Swapped: []string{"state machine A (a.asl.json)"}}, "reloaded state machine A (a.asl.json)"},
		{Reloaded{Swapped: []string{"x"}, Restart: []string{"tables", "pipes"}}, "reloaded x; restart sfapi dev to apply tables, pipes"},
	} {
		if got := tt.r.String(); got != tt.want {
			t.Errorf("String() = %q, want %q", got, tt.want)
		}
	}
}
