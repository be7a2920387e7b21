package asl

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/sfapi/sfapi/internal/emulator/asl/jsonata"
	"github.com/sfapi/sfapi/internal/emulator/asl/jsonpath"
)

// Workflow variables (Assign, "$name"), in both query languages.
//
// The top-level states of an execution share one varScope; every Parallel
// branch and Map iteration runs in a child scope that reads its parents.
// A nested scope never writes a parent's variable: the definition check
// rejects assigning, inside a branch or item processor, a name that an
// enclosing scope assigns. Every expression of a state reads the values
// from before the state; the state's assignments take effect when it ends.

// Variable limits, as Step Functions documents them.
const (
	maxVarBytes       = 256 << 10 // one variable's serialized value
	maxAssignBytes    = 256 << 10 // all values of one Assign together
	maxExecutionVars  = 10 << 20  // all variables of one execution
	maxVarNameLength  = 80
	errVarSizeMessage = "The variable '%s' has a size of %d bytes, which exceeds the maximum of %d bytes."
)

// varScope is one level of variables. A scope is only written by its own
// thread of control while its children (which only read it) are not
// running, so it needs no lock.
type varScope struct {
	parent *varScope
	vals   map[string]any
}

func newVarScope(parent *varScope) *varScope {
	return &varScope{parent: parent, vals: map[string]any{}}
}

func (v *varScope) lookup(name string) (any, bool) {
	for s := v; s != nil; s = s.parent {
		if x, ok := s.vals[name]; ok {
			return x, true
		}
	}
	return nil, false
}

// all flattens the visible variables (inner scopes win) into m.
func (v *varScope) all(m map[string]any) {
	if v == nil {
		return
	}
	v.parent.all(m)
	for k, x := range v.vals {
		m[k] = x
	}
}

// vars returns the scope's variables, creating the root scope for a scope
// made without one (EXPRESS runs, TestState).
func (sc *scope) varScope() *varScope {
	if sc.vars == nil {
		sc.vars = newVarScope(nil)
	}
	return sc.vars
}

// child is the scope of a Parallel branch or Map iteration.
func (sc *scope) child(item *mapItem) *scope {
	return &scope{prev: sc.prev, item: item, vars: newVarScope(sc.varScope())}
}

// encodeVars serializes the top-level variables for a checkpoint.
func encodeVars(v *varScope) (json.RawMessage, error) {
	if v == nil || len(v.vals) == 0 {
		return nil, nil
	}
	return jsonpath.Marshal(v.vals)
}

// decodeVars restores checkpointed variables; old checkpoints have none.
func decodeVars(raw json.RawMessage) (*varScope, error) {
	v := newVarScope(nil)
	if len(raw) == 0 {
		return v, nil
	}
	x, err := jsonpath.ParseJSON(raw)
	if err != nil {
		return nil, fmt.Errorf("decode checkpoint variables: %w", err)
	}
	m, ok := x.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("decode checkpoint variables: not an object")
	}
	v.vals = m
	return v, nil
}

// env is what JSONPath fields read besides the input: $$ and $name.
func (r *run) env(sc *scope, state string, entered func() any) *jsonpath.Env {
	vs := sc.vars
	return &jsonpath.Env{
		Context: entered,
		Var: func(name string) (any, bool) {
			if vs == nil {
				return nil, false
			}
			return vs.lookup(name)
		},
	}
}

// assignSpec is a state's (or catcher's) Assign field.
type assignSpec struct {
	names   []string
	path    *jsonpath.Template // JSONPath states: ".$" keys read the state result
	jsonata *jsonata.Template  // JSONata states
}

func validVarName(n string) bool {
	if n == "" || len(n) > maxVarNameLength || n == "states" {
		return false
	}
	for i, c := range n {
		letter := c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
		if !letter && (i == 0 || c < '0' || c > '9') {
			return false
		}
	}
	return true
}

// parseAssign reads an Assign field; ql is the state's query language.
func (o *obj) assign(jsonataQL bool) *assignSpec {
	o.seen["Assign"] = true
	raw, ok := o.m["Assign"]
	if !ok {
		return nil
	}
	m, ok := raw.(map[string]any)
	if !ok {
		o.errs.add(schemaFailed, "The value for the field 'Assign' must be an OBJECT at %s/Assign", o.at)
		return nil
	}
	a := &assignSpec{}
	for k := range m {
		name := strings.TrimSuffix(k, ".$")
		if jsonataQL && name != k {
			o.errs.add(schemaFailed, "The field '%s' is not supported for the JSONata query language: JSONata states do not use '.$' keys at %s/Assign/%s", k, o.at, k)
			continue
		}
		if !validVarName(name) {
			o.errs.add(schemaFailed, "The variable name '%s' is invalid: it must start with a letter or '_', contain only letters, digits and '_', be at most %d characters and not be 'states' at %s/Assign/%s", name, maxVarNameLength, o.at, k)
			continue
		}
		a.names = append(a.names, name)
	}
	sort.Strings(a.names)
	if jsonataQL {
		t, err := jsonata.CompileTemplate(m)
		if err != nil {
			o.errs.add(schemaFailed, "%s", jsonataCompileMessage(err, o.at+"/Assign"))
			return nil
		}
		a.jsonata = t
		return a
	}
	t, err := jsonpath.CompileTemplate(m)
	if err != nil {
		o.errs.add(schemaFailed, "%v", strings.Replace(err.Error(), " at /", " at "+o.at+"/Assign/", 1))
		return nil
	}
	a.path = t
	return a
}

// evalAssign computes the new variable values. For JSONPath, "$" is the
// state's result (or the error output in a Catch); for JSONata, vars
// holds $states and the variables.
func evalAssign(a *assignSpec, result any, env *jsonpath.Env, vars map[string]any) (map[string]any, *Failure) {
	if a == nil {
		return nil, nil
	}
	var v any
	var f *Failure
	if a.jsonata != nil {
		v, f = applyJSONata(a.jsonata, vars, "Assign")
	} else {
		v, f = applyTemplate(a.path, result, func() any {
			if env == nil {
				return nil
			}
			return env
		})
	}
	if f != nil {
		return nil, f
	}
	m, _ := v.(map[string]any)
	total := 0
	for _, k := range a.names {
		b, err := jsonpath.Marshal(m[k])
		if err != nil {
			return nil, &Failure{Error: StatesRuntime, Cause: err.Error()}
		}
		if len(b) > maxVarBytes {
			return nil, &Failure{Error: StatesDataLimitExceeded, Cause: fmt.Sprintf(errVarSizeMessage, k, len(b), maxVarBytes)}
		}
		total += len(b)
	}
	if total > maxAssignBytes {
		return nil, &Failure{Error: StatesDataLimitExceeded, Cause: fmt.Sprintf("The assigned variables have a combined size of %d bytes, which exceeds the maximum of %d bytes for one Assign.", total, maxAssignBytes)}
	}
	return m, nil
}

// commitAssign stores assigned values in the scope, enforcing the
// execution-wide limit.
func commitAssign(sc *scope, m map[string]any) *Failure {
	if len(m) == 0 {
		return nil
	}
	vs := sc.varScope()
	for k, v := range m {
		vs.vals[k] = v
	}
	total := 0
	for s := vs; s != nil; s = s.parent {
		for _, v := range s.vals {
			total += len(jsonpath.MarshalString(v))
		}
	}
	if total > maxExecutionVars {
		return &Failure{Error: StatesDataLimitExceeded, Cause: fmt.Sprintf("The variables of the execution have a combined size of %d bytes, which exceeds the maximum of %d bytes.", total, maxExecutionVars)}
	}
	return nil
}

// checkAssignScopes rejects a nested machine assigning a variable that an
// enclosing scope assigns: inner scopes may read outer variables, never
// write them.
func checkAssignScopes(m *machine, outer map[string]string, at string, errs *definitionError) {
	if m == nil {
		return
	}
	mine := map[string]string{}
	for k, v := range outer {
		mine[k] = v
	}
	for _, name := range m.order {
		for _, a := range assignsOf(m.States[name]) {
			for _, v := range a.spec.names {
				if where, ok := outer[v]; ok {
					errs.add(schemaFailed, "The variable '%s' is assigned in an enclosing scope (%s) and cannot be assigned inside a Parallel branch or Map item processor at %s/States/%s/%s", v, where, at, name, a.field)
				}
				if _, ok := mine[v]; !ok {
					mine[v] = at + "/States/" + name
				}
			}
		}
	}
	for _, name := range m.order {
		switch s := m.States[name].(type) {
		case *parallelState:
			for i, b := range s.branches {
				checkAssignScopes(b, mine, fmt.Sprintf("%s/States/%s/Branches/%d", at, name, i), errs)
			}
		case *mapState:
			checkAssignScopes(s.processor, mine, at+"/States/"+name+"/ItemProcessor", errs)
		}
	}
}

type fieldAssign struct {
	field string
	spec  *assignSpec
}

func assignsOf(s State) []fieldAssign {
	var out []fieldAssign
	if a := s.base().assign; a != nil {
		out = append(out, fieldAssign{"Assign", a})
	}
	var cs []catcher
	switch x := s.(type) {
	case *taskState:
		cs = x.Catch
	case *parallelState:
		cs = x.Catch
	case *mapState:
		cs = x.Catch
	case *choiceState:
		for i, r := range x.Choices {
			if r.assign != nil {
				out = append(out, fieldAssign{fmt.Sprintf("Choices/%d/Assign", i), r.assign})
			}
		}
	}
	for i, c := range cs {
		if c.assign != nil {
			out = append(out, fieldAssign{fmt.Sprintf("Catch/%d/Assign", i), c.assign})
		}
	}
	return out
}
