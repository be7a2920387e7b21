package asl

import (
	"fmt"
	"sort"
	"strings"

	"github.com/sfapi/sfapi/internal/emulator/asl/jsonata"
	"github.com/sfapi/sfapi/internal/emulator/asl/jsonpath"
)

// machine is a parsed state machine or branch/item processor.
type machine struct {
	StartAt        string
	States         map[string]State
	order          []string // state names in definition order
	TimeoutSeconds int64
}

// State is one parsed state.
type State interface {
	base() *stateBase
}

// stateBase holds what every state type shares.
type stateBase struct {
	Name       string
	Type       string
	Next       string
	End        bool
	InputPath  *jsonpath.Path
	inputNull  bool // "InputPath": null → the state sees {}
	OutputPath *jsonpath.Path
	outputNull bool // "OutputPath": null → the state outputs {}
	jsonata    bool // QueryLanguage JSONata (the state's or the machine's)
	output     *jsonata.Template
	assign     *assignSpec
}

func (b *stateBase) base() *stateBase { return b }

// resultSpec is ResultPath: nil path with discard=false means "$".
type resultSpec struct {
	path    *jsonpath.Path
	discard bool // "ResultPath": null
}

// definitionError accumulates AWS-style validation messages.
type definitionError struct {
	msgs  []string
	topQL string // the machine's QueryLanguage, inherited by every state
}

func (d *definitionError) add(code, format string, args ...any) {
	d.msgs = append(d.msgs, code+": "+fmt.Sprintf(format, args...))
}

func (d *definitionError) err() error {
	if len(d.msgs) == 0 {
		return nil
	}
	n := len(d.msgs)
	return apiErr(ErrInvalidDefinition, "Invalid State Machine Definition: '%s'", strings.Join(d.msgs[:min(n, 10)], ", "))
}

const schemaFailed = "SCHEMA_VALIDATION_FAILED"

// obj wraps one JSON object of the definition for typed field access with
// error collection; at is its JSON pointer ("/States/X").
type obj struct {
	m    map[string]any
	at   string
	errs *definitionError
	seen map[string]bool
}

func newObj(v any, at string, errs *definitionError) (*obj, bool) {
	m, ok := v.(map[string]any)
	if !ok {
		errs.add(schemaFailed, "Expected value of type: Object at %s", orRoot(at))
		return nil, false
	}
	return &obj{m: m, at: at, errs: errs, seen: map[string]bool{}}, true
}

func orRoot(at string) string {
	if at == "" {
		return "/"
	}
	return at
}

func (o *obj) has(k string) bool { o.seen[k] = true; _, ok := o.m[k]; return ok }

func (o *obj) isNull(k string) bool {
	v, ok := o.m[k]
	return ok && v == nil
}

func (o *obj) str(k string, required bool) string {
	o.seen[k] = true
	v, ok := o.m[k]
	if !ok {
		if required {
			o.errs.add(schemaFailed, "These fields are required: [%s] at %s", k, orRoot(o.at))
		}
		return ""
	}
	s, ok := v.(string)
	if !ok {
		o.errs.add(schemaFailed, "The value for the field '%s' must be a STRING at %s/%s", k, o.at, k)
	}
	return s
}

func (o *obj) boolean(k string) bool {
	o.seen[k] = true
	v, ok := o.m[k]
	if !ok {
		return false
	}
	b, ok := v.(bool)
	if !ok {
		o.errs.add(schemaFailed, "The value for the field '%s' must be a BOOLEAN at %s/%s", k, o.at, k)
	}
	return b
}

func (o *obj) number(k string) (float64, bool) {
	o.seen[k] = true
	v, ok := o.m[k]
	if !ok {
		return 0, false
	}
	f, ok := jsonpath.ToFloat(v)
	if !ok {
		o.errs.add(schemaFailed, "The value for the field '%s' must be a NUMBER at %s/%s", k, o.at, k)
		return 0, false
	}
	return f, true
}

func (o *obj) integer(k string, minV int64) (int64, bool) {
	f, ok := o.number(k)
	if !ok {
		return 0, false
	}
	if f != float64(int64(f)) || int64(f) < minV {
		o.errs.add(schemaFailed, "The value for the field '%s' must be an INTEGER >= %d at %s/%s", k, minV, o.at, k)
		return 0, false
	}
	return int64(f), true
}

// path reads an optional JSONPath field; null sets isNull.
func (o *obj) path(k string, allowContext bool) (p *jsonpath.Path, isNull bool) {
	o.seen[k] = true
	v, ok := o.m[k]
	if !ok {
		return nil, false
	}
	if v == nil {
		return nil, true
	}
	s, ok := v.(string)
	if !ok {
		o.errs.add(schemaFailed, "The value for the field '%s' must be a STRING at %s/%s", k, o.at, k)
		return nil, false
	}
	p, err := jsonpath.ParsePath(s)
	if err != nil || (!allowContext && p.IsContext()) {
		o.errs.add(schemaFailed, "The value for the field '%s' must be a valid JSONPath at %s/%s", k, o.at, k)
		return nil, false
	}
	return p, false
}

func (o *obj) template(k string) *jsonpath.Template {
	o.seen[k] = true
	v, ok := o.m[k]
	if !ok {
		return nil
	}
	if _, isObj := v.(map[string]any); !isObj && k != "Parameters" && k != "ItemSelector" {
		o.errs.add(schemaFailed, "The value for the field '%s' must be an OBJECT at %s/%s", k, o.at, k)
		return nil
	}
	t, err := jsonpath.CompileTemplate(v)
	if err != nil {
		o.errs.add(schemaFailed, "%v", strings.Replace(err.Error(), " at /", " at "+o.at+"/"+k+"/", 1))
		return nil
	}
	return t
}

func (o *obj) resultPath() resultSpec {
	p, isNull := o.path("ResultPath", false)
	if p != nil && (!p.IsReference() || p.Variable() != "") {
		o.errs.add(schemaFailed, "The value for the field 'ResultPath' must be a valid Reference Path at %s/ResultPath", o.at)
	}
	return resultSpec{path: p, discard: isNull}
}

// unknown reports fields that were never read.
func (o *obj) unknown() {
	var extra []string
	for k := range o.m {
		if !o.seen[k] {
			extra = append(extra, k)
		}
	}
	sort.Strings(extra)
	for _, k := range extra {
		o.errs.add(schemaFailed, "Field '%s' is not supported at %s", k, orRoot(o.at))
	}
}

// parseDefinition parses and validates a state machine definition.
func parseDefinition(def string) (*machine, error) {
	errs := &definitionError{}
	if len(def) > 1<<20 {
		return nil, apiErr(ErrInvalidDefinition, "Invalid State Machine Definition: definition exceeds 1048576 characters")
	}
	v, err := jsonpath.ParseJSON([]byte(def))
	if err != nil {
		return nil, apiErr(ErrInvalidDefinition, "Invalid State Machine Definition: 'INVALID_JSON_DESCRIPTION: %v'", err)
	}
	o, ok := newObj(v, "", errs)
	if !ok {
		return nil, errs.err()
	}
	o.str("Comment", false)
	o.str("Version", false)
	errs.topQL = queryJSONPath
	switch ql := o.str("QueryLanguage", false); ql {
	case "", queryJSONPath:
	case queryJSONata:
		errs.topQL = ql
	default:
		errs.add(schemaFailed, "The value for the field 'QueryLanguage' must be one of [JSONPath, JSONata] at /QueryLanguage")
	}
	m := parseMachine(o, errs, 0)
	if m != nil {
		checkAssignScopes(m, map[string]string{}, "", errs)
	}
	if ts, ok := o.integer("TimeoutSeconds", 1); ok && m != nil {
		m.TimeoutSeconds = ts
	}
	o.unknown()
	if err := errs.err(); err != nil {
		return nil, err
	}
	return m, nil
}

const maxNesting = 16

// parseMachine reads StartAt/States of a top-level machine, a Parallel
// branch or a Map processor, then checks transitions and reachability.
func parseMachine(o *obj, errs *definitionError, depth int) *machine {
	if depth > maxNesting {
		errs.add(schemaFailed, "States are nested too deeply at %s", orRoot(o.at))
		return nil
	}
	m := &machine{States: map[string]State{}}
	m.StartAt = o.str("StartAt", true)
	o.seen["States"] = true
	rawStates, ok := o.m["States"]
	if !ok {
		errs.add(schemaFailed, "These fields are required: [States] at %s", orRoot(o.at))
		return m
	}
	sm, ok := rawStates.(map[string]any)
	if !ok {
		errs.add(schemaFailed, "The value for the field 'States' must be an OBJECT at %s/States", o.at)
		return m
	}
	names := make([]string, 0, len(sm))
	for k := range sm {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, name := range names {
		at := o.at + "/States/" + name
		if len(name) > 80 || name == "" {
			errs.add(schemaFailed, "State names must be 1-80 characters at %s", at)
		}
		so, ok := newObj(sm[name], at, errs)
		if !ok {
			continue
		}
		st := parseState(name, so, errs, depth)
		if st != nil {
			m.States[name] = st
			m.order = append(m.order, name)
		}
	}
	if m.StartAt != "" {
		if _, ok := sm[m.StartAt]; !ok {
			errs.add("MISSING_TRANSITION_TARGET", "State \"%s\" is not found at %s/StartAt", m.StartAt, o.at)
		}
	}
	checkTransitions(m, o.at, errs)
	return m
}

// checkTransitions validates Next/Default/Catch targets and reachability.
func checkTransitions(m *machine, at string, errs *definitionError) {
	target := func(name, field, from string) {
		if _, ok := m.States[name]; !ok {
			errs.add("MISSING_TRANSITION_TARGET", "Missing 'Next' target: %s at %s/States/%s/%s", name, at, from, field)
		}
	}
	for _, name := range m.order {
		for _, tr := range transitions(m.States[name]) {
			target(tr.to, tr.field, name)
		}
	}
	if _, ok := m.States[m.StartAt]; !ok {
		return
	}
	reach := map[string]bool{m.StartAt: true}
	queue := []string{m.StartAt}
	for len(queue) > 0 {
		n := queue[0]
		queue = queue[1:]
		for _, tr := range transitions(m.States[n]) {
			if _, ok := m.States[tr.to]; ok && !reach[tr.to] {
				reach[tr.to] = true
				queue = append(queue, tr.to)
			}
		}
	}
	for _, name := range m.order {
		if !reach[name] {
			errs.add("UNREACHABLE_STATE", "State \"%s\" is not reachable. at %s/States/%s", name, at, name)
		}
	}
}

type transition struct{ to, field string }

func transitions(s State) []transition {
	var out []transition
	b := s.base()
	if b.Next != "" {
		out = append(out, transition{b.Next, "Next"})
	}
	switch x := s.(type) {
	case *choiceState:
		for i, r := range x.Choices {
			out = append(out, transition{r.next, fmt.Sprintf("Choices/%d/Next", i)})
		}
		if x.Default != "" {
			out = append(out, transition{x.Default, "Default"})
		}
	case *taskState:
		out = appendCatch(out, x.Catch)
	case *parallelState:
		out = appendCatch(out, x.Catch)
	case *mapState:
		out = appendCatch(out, x.Catch)
	}
	return out
}

func appendCatch(out []transition, cs []catcher) []transition {
	for i, c := range cs {
		out = append(out, transition{c.next, fmt.Sprintf("Catch/%d/Next", i)})
	}
	return out
}

func parseState(name string, o *obj, errs *definitionError, depth int) State {
	typ := o.str("Type", true)
	o.str("Comment", false)
	b := stateBase{Name: name, Type: typ}
	ql := errs.topQL
	if v := o.str("QueryLanguage", false); v != "" {
		switch {
		case v != queryJSONPath && v != queryJSONata:
			errs.add(schemaFailed, "The value for the field 'QueryLanguage' must be one of [JSONPath, JSONata] at %s/QueryLanguage", o.at)
		case v == queryJSONPath && errs.topQL == queryJSONata:
			errs.add(schemaFailed, "The QueryLanguage of a state cannot be JSONPath when the state machine's QueryLanguage is JSONata at %s/QueryLanguage", o.at)
		default:
			ql = v
		}
	}
	b.jsonata = ql == queryJSONata
	if b.jsonata {
		o.forbid(jsonPathOnlyFields, ql)
	} else {
		o.forbid(jsonataOnlyFields, ql)
	}
	if typ != "Fail" && typ != "Succeed" {
		b.assign = o.assign(b.jsonata)
	}
	if b.jsonata && typ != "Fail" {
		b.output = o.jsonataField("Output")
	}
	terminalType := typ == "Succeed" || typ == "Fail" || typ == "Choice"
	if !terminalType {
		b.Next = o.str("Next", false)
		b.End = o.boolean("End")
		switch {
		case b.Next != "" && b.End:
			errs.add(schemaFailed, "Only one of Next or End may be set at %s", o.at)
		case b.Next == "" && !b.End && typ != "":
			errs.add(schemaFailed, "Every state except Choice, Succeed and Fail must have either Next or 'End': true at %s", o.at)
		}
	}
	if typ != "Fail" {
		b.InputPath, b.inputNull = o.path("InputPath", true)
		b.OutputPath, b.outputNull = o.path("OutputPath", true)
	}
	var st State
	switch typ {
	case "Pass":
		st = parsePass(b, o)
	case "Task":
		st = parseTask(b, o)
	case "Choice":
		st = parseChoice(b, o)
	case "Wait":
		st = parseWait(b, o)
	case "Succeed":
		st = &succeedState{stateBase: b}
	case "Fail":
		st = parseFail(b, o)
	case "Parallel":
		st = parseParallel(b, o, errs, depth)
	case "Map":
		st = parseMap(b, o, errs, depth)
	case "":
		return nil
	default:
		errs.add(schemaFailed, "Value is not a valid state type: %s at %s/Type", typ, o.at)
		return nil
	}
	o.unknown()
	return st
}

// retrier is one Retry entry.
type retrier struct {
	errorEquals []string
	interval    float64
	maxAttempts int64
	backoff     float64
	maxDelay    float64
	jitter      bool
}

// catcher is one Catch entry.
type catcher struct {
	errorEquals []string
	next        string
	result      resultSpec
	assign      *assignSpec
	output      *jsonata.Template // JSONata: the catcher's Output
}

func (o *obj) errorEquals(at string) []string {
	o.seen["ErrorEquals"] = true
	raw, ok := o.m["ErrorEquals"].([]any)
	if !ok || len(raw) == 0 {
		o.errs.add(schemaFailed, "The field 'ErrorEquals' should be a non-empty array of strings at %s/ErrorEquals", at)
		return nil
	}
	out := make([]string, 0, len(raw))
	for i, e := range raw {
		s, ok := e.(string)
		if !ok {
			o.errs.add(schemaFailed, "The value for the field 'ErrorEquals' must be an array of STRING at %s/ErrorEquals/%d", at, i)
			continue
		}
		out = append(out, s)
	}
	for i, s := range out {
		if s == StatesALL && (len(out) != 1 || i != 0) {
			o.errs.add(schemaFailed, "States.ALL must appear alone in ErrorEquals at %s/ErrorEquals", at)
		}
	}
	return out
}

func parseRetryCatch(o *obj, jsonataQL bool) ([]retrier, []catcher) {
	var rs []retrier
	var cs []catcher
	o.seen["Retry"], o.seen["Catch"] = true, true
	if raw, ok := o.m["Retry"]; ok {
		list, ok := raw.([]any)
		if !ok {
			o.errs.add(schemaFailed, "The value for the field 'Retry' must be an ARRAY at %s/Retry", o.at)
		}
		for i, e := range list {
			ro, ok := newObj(e, fmt.Sprintf("%s/Retry/%d", o.at, i), o.errs)
			if !ok {
				continue
			}
			r := retrier{interval: 1, maxAttempts: 3, backoff: 2}
			r.errorEquals = ro.errorEquals(ro.at)
			if v, ok := ro.integer("IntervalSeconds", 1); ok {
				r.interval = float64(v)
			}
			if v, ok := ro.integer("MaxAttempts", 0); ok {
				r.maxAttempts = v
			}
			if v, ok := ro.number("BackoffRate"); ok {
				if v < 1 {
					o.errs.add(schemaFailed, "The value for the field 'BackoffRate' must be >= 1.0 at %s/BackoffRate", ro.at)
				}
				r.backoff = v
			}
			if v, ok := ro.integer("MaxDelaySeconds", 1); ok {
				r.maxDelay = float64(v)
			}
			switch j := ro.str("JitterStrategy", false); j {
			case "", "NONE":
			case "FULL":
				r.jitter = true
			default:
				o.errs.add(schemaFailed, "The value for the field 'JitterStrategy' must be FULL or NONE at %s/JitterStrategy", ro.at)
			}
			ro.str("Comment", false)
			ro.unknown()
			rs = append(rs, r)
		}
	}
	if raw, ok := o.m["Catch"]; ok {
		list, ok := raw.([]any)
		if !ok {
			o.errs.add(schemaFailed, "The value for the field 'Catch' must be an ARRAY at %s/Catch", o.at)
		}
		for i, e := range list {
			co, ok := newObj(e, fmt.Sprintf("%s/Catch/%d", o.at, i), o.errs)
			if !ok {
				continue
			}
			c := catcher{errorEquals: co.errorEquals(co.at), next: co.str("Next", true)}
			if jsonataQL {
				co.forbid([]string{"ResultPath"}, queryJSONata)
				c.output = co.jsonataField("Output")
			} else {
				co.forbid([]string{"Output"}, queryJSONPath)
				c.result = co.resultPath()
			}
			c.assign = co.assign(jsonataQL)
			co.str("Comment", false)
			co.unknown()
			cs = append(cs, c)
		}
	}
	return rs, cs
}
