package project

import (
	"strings"
	"testing"
)

var pointerDoc = `{
  "StartAt": "Claim",
  "States": {
    "Claim": {"Type": "Pass", "Next": "Nowhere"},
    "a/b": {"Type": "Succeed"},
    "List": {"Items": [1, {"x": true}, [null]]}
  }
}`

var pointerTests = []struct {
	ptr       string
	line, col int
	ok        bool
}{
	{"", 1, 1, true},
	{"/StartAt", 2, 3, true},
	{"/States/Claim/Next", 4, 31, true},
	{"/States/a~1b", 5, 5, true},
	{"/States/List/Items/1/x", 6, 28, true},
	{"/States/List/Items/2/0", 6, 41, true},
	{"/States/Missing", 0, 0, false},
	{"/States/List/Items/9", 0, 0, false},
	{"States", 0, 0, false},
}

func TestDefinitionPos(t *testing.T) {
	t.Parallel()
	sm := StateMachine{DefinitionFile: "m.asl.json", RawDefinition: pointerDoc, Definition: pointerDoc}
	for _, tt := range pointerTests {
		pos, ok := sm.DefinitionPos(tt.ptr)
		if ok != tt.ok || (ok && (pos.Line != tt.line || pos.Col != tt.col || pos.File != "m.asl.json")) {
			t.Errorf("DefinitionPos(%q) = %+v, %v; want line %d col %d, %v", tt.ptr, pos, ok, tt.line, tt.col, tt.ok)
		}
	}
}

// A raw definition that is not JSON by itself (a substitution outside a
// string) is searched after substitution: the line holds, the column is
// dropped.
func TestDefinitionPosAfterSubstitution(t *testing.T) {
	t.Parallel()
	raw := "{\n  \"States\": {\n    \"W\": {\"Type\": \"Wait\", \"Seconds\": ${Wait}}\n  }\n}"
	sm := StateMachine{DefinitionFile: "w.asl.json", RawDefinition: raw, Definition: strings.Replace(raw, "${Wait}", "10", 1)}
	pos, ok := sm.DefinitionPos("/States/W/Seconds")
	if !ok || pos.Line != 3 || pos.Col != 0 {
		t.Fatalf("pos = %+v, %v", pos, ok)
	}
}

func FuzzPointerOffset(f *testing.F) {
	for _, tt := range pointerTests {
		f.Add(pointerDoc, tt.ptr)
	}
	f.Add(`[1, [2, [3]]]`, "/1/1/0")
	f.Add(`{"a": `, "/a")
	f.Fuzz(func(t *testing.T, doc, ptr string) {
		off, ok := pointerOffset(doc, ptr)
		if ok && (off < 0 || off > len(doc)) {
			t.Fatalf("offset %d outside a %d-byte document", off, len(doc))
		}
	})
}
