package project

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
)

// loadDefinition reads a state machine's ASL file, applies its definition
// substitutions and checks that the result is a JSON object. Errors in the
// file point into the file as written, before substitution.
func (p *Project) loadDefinition(sm *StateMachine, d *manifestDecoder, errs *collector) {
	if sm.DefinitionFile == "" {
		return
	}
	what := "stateMachines." + sm.LogicalID
	data, ok := p.readProjectFile(sm.DefinitionFile, what+".definition", d.pos(d.defNodes[sm.LogicalID]), errs)
	if !ok {
		return
	}
	sm.RawDefinition = string(data)
	values := map[string]string{}
	good := true
	for _, k := range sortedKeys(sm.Substitutions) {
		v, err := p.Sub(sm.Substitutions[k])
		if err != nil {
			errs.at(ManifestFile, d.subNodes[sm.LogicalID][k], "%s.substitutions.%s: %v", what, k, err)
			good = false
		}
		values[k] = v // "" on error, so the name still counts as declared
	}
	out, spans, serrs := substituteDefinition(sm.RawDefinition, values)
	for _, e := range serrs {
		line, col := lineCol(sm.RawDefinition, e.offset)
		errs.add(&Error{File: sm.DefinitionFile, Line: line, Col: col, Msg: e.msg})
	}
	if !good || len(serrs) > 0 {
		return
	}
	var v any
	if err := json.Unmarshal([]byte(out), &v); err != nil {
		off := len(out)
		if se, ok := err.(*json.SyntaxError); ok {
			off = int(se.Offset) - 1
		}
		line, col := lineCol(sm.RawDefinition, spans.toInput(off))
		errs.add(&Error{File: sm.DefinitionFile, Line: line, Col: col, Msg: "invalid JSON" + afterSubstitution(spans) + ": " + err.Error()})
		return
	}
	if _, ok := v.(map[string]any); !ok {
		line, col := lineCol(sm.RawDefinition, len(sm.RawDefinition)-len(strings.TrimLeft(sm.RawDefinition, " \t\r\n")))
		errs.add(&Error{File: sm.DefinitionFile, Line: line, Col: col, Msg: "a state machine definition must be a JSON object"})
		return
	}
	sm.Definition = out
}

func afterSubstitution(s spans) string {
	if len(s) > 1 {
		return " after substitutions"
	}
	return ""
}

// span maps a run of output text back to the input: output offsets from
// out map to input offsets from in; a substituted value (subst) maps to
// the "${" that produced it.
type span struct {
	out, in int
	subst   bool
}

type spans []span

func (s spans) toInput(off int) int {
	i := sort.Search(len(s), func(i int) bool { return s[i].out > off }) - 1
	if i < 0 {
		return off
	}
	if s[i].subst {
		return s[i].in
	}
	return s[i].in + off - s[i].out
}

type offsetError struct {
	offset int
	msg    string
}

// substituteDefinition replaces ${Name} in an ASL definition with values.
// Only ${...} whose inside looks like a substitution name (no spaces,
// quotes or braces) is a reference; anything else is left alone, as Step
// Functions would.
func substituteDefinition(def string, values map[string]string) (string, spans, []offsetError) {
	var b strings.Builder
	sp := spans{{out: 0, in: 0}}
	var errs []offsetError
	i := 0
	for {
		j := strings.Index(def[i:], "${")
		if j < 0 {
			b.WriteString(def[i:])
			return b.String(), sp, errs
		}
		start := i + j
		end := strings.IndexByte(def[start+2:], '}')
		name := ""
		if end >= 0 {
			name = def[start+2 : start+2+end]
		}
		if end < 0 || !isSubstitutionName(name) {
			b.WriteString(def[i : start+2])
			i = start + 2
			continue
		}
		b.WriteString(def[i:start])
		v, ok := values[name]
		if !ok {
			errs = append(errs, offsetError{start, fmt.Sprintf("no substitution for ${%s}%s", name, knownSubs(values))})
		}
		sp = append(sp, span{out: b.Len(), in: start, subst: true})
		b.WriteString(v)
		i = start + 2 + end + 1
		sp = append(sp, span{out: b.Len(), in: i})
	}
}

func knownSubs(values map[string]string) string {
	if len(values) == 0 {
		return "; the state machine has no substitutions"
	}
	return " (substitutions: " + strings.Join(sortedKeys(values), ", ") + ")"
}

func isSubstitutionName(s string) bool {
	if s == "" || len(s) > 256 {
		return false
	}
	return !strings.ContainsAny(s, " \t\r\n\"'{}$")
}

// lineCol turns a byte offset into a 1-based line and column.
func lineCol(text string, off int) (int, int) {
	if off < 0 {
		off = 0
	}
	if off > len(text) {
		off = len(text)
	}
	before := text[:off]
	line := strings.Count(before, "\n") + 1
	col := off - strings.LastIndexByte(before, '\n')
	return line, col
}
