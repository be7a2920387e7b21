package asl

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/sfapi/sfapi/internal/emulator/asl/jsonata"
	"github.com/sfapi/sfapi/internal/emulator/asl/jsonpath"
)

type choiceState struct {
	stateBase
	Choices []*rule
	Default string
}

// rule is a Choice rule: a comparison on Variable, or And/Or/Not.
type rule struct {
	variable    *jsonpath.Path
	op          string // comparison operator without "Path" suffix
	operand     any
	operandPath *jsonpath.Path
	and, or     []*rule
	not         *rule
	next        string
	condition   *jsonata.Template // JSONata: the rule's Condition
	assign      *assignSpec       // top-level rules: Assign when chosen
	output      *jsonata.Template // JSONata top-level rules: Output when chosen
}

var comparisonOps = map[string]string{ // operator → operand kind
	"StringEquals": "string", "StringLessThan": "string", "StringGreaterThan": "string",
	"StringLessThanEquals": "string", "StringGreaterThanEquals": "string", "StringMatches": "string",
	"NumericEquals": "number", "NumericLessThan": "number", "NumericGreaterThan": "number",
	"NumericLessThanEquals": "number", "NumericGreaterThanEquals": "number",
	"BooleanEquals":   "bool",
	"TimestampEquals": "timestamp", "TimestampLessThan": "timestamp", "TimestampGreaterThan": "timestamp",
	"TimestampLessThanEquals": "timestamp", "TimestampGreaterThanEquals": "timestamp",
	"IsNull": "bool", "IsPresent": "bool", "IsNumeric": "bool", "IsString": "bool",
	"IsBoolean": "bool", "IsTimestamp": "bool",
}

func parseChoice(b stateBase, o *obj) *choiceState {
	s := &choiceState{stateBase: b}
	s.Default = o.str("Default", false)
	o.seen["Choices"] = true
	list, ok := o.m["Choices"].([]any)
	if !ok || len(list) == 0 {
		o.errs.add(schemaFailed, "The field 'Choices' should be a non-empty array at %s/Choices", o.at)
		return s
	}
	for i, e := range list {
		ro, ok := newObj(e, fmt.Sprintf("%s/Choices/%d", o.at, i), o.errs)
		if !ok {
			continue
		}
		var r *rule
		if b.jsonata {
			r = &rule{}
			ro.forbid([]string{"Variable", "And", "Or", "Not"}, queryJSONata)
			if !ro.has("Condition") {
				ro.errs.add(schemaFailed, "These fields are required: [Condition] at %s", ro.at)
			} else {
				r.condition = ro.jsonataField("Condition")
			}
			r.output = ro.jsonataField("Output")
		} else {
			ro.forbid([]string{"Condition", "Output"}, queryJSONPath)
			r = parseRule(ro, 0)
		}
		r.assign = ro.assign(b.jsonata)
		r.next = ro.str("Next", true)
		ro.str("Comment", false)
		ro.unknown()
		s.Choices = append(s.Choices, r)
	}
	return s
}

func parseRule(o *obj, depth int) *rule {
	r := &rule{}
	if depth > maxNesting {
		o.errs.add(schemaFailed, "Choice rules are nested too deeply at %s", o.at)
		return r
	}
	var ops []string
	for k := range o.m {
		if k == "Variable" || k == "Next" || k == "Comment" || k == "Assign" && depth == 0 {
			continue
		}
		ops = append(ops, k)
	}
	sort.Strings(ops)
	if len(ops) != 1 {
		o.errs.add(schemaFailed, "A Choice Rule must have exactly one comparison operator or And/Or/Not at %s", o.at)
		return r
	}
	op := ops[0]
	o.seen[op] = true
	switch op {
	case "And", "Or":
		list, ok := o.m[op].([]any)
		if !ok || len(list) == 0 {
			o.errs.add(schemaFailed, "The field '%s' should be a non-empty array at %s/%s", op, o.at, op)
			return r
		}
		for i, e := range list {
			so, ok := newObj(e, fmt.Sprintf("%s/%s/%d", o.at, op, i), o.errs)
			if !ok {
				continue
			}
			sub := parseRule(so, depth+1)
			so.str("Comment", false)
			so.unknown()
			if op == "And" {
				r.and = append(r.and, sub)
			} else {
				r.or = append(r.or, sub)
			}
		}
		if o.has("Variable") {
			o.errs.add(schemaFailed, "Variable must not be set with %s at %s", op, o.at)
		}
		return r
	case "Not":
		so, ok := newObj(o.m[op], o.at+"/Not", o.errs)
		if ok {
			r.not = parseRule(so, depth+1)
			so.str("Comment", false)
			so.unknown()
		}
		return r
	}
	base, isPath := strings.CutSuffix(op, "Path")
	kind, known := comparisonOps[base]
	if !known || isPath && strings.HasPrefix(base, "Is") {
		o.errs.add(schemaFailed, "Field '%s' is not supported at %s", op, o.at)
		return r
	}
	r.op = base
	if v, isNull := o.path("Variable", true); v != nil {
		r.variable = v
	} else if !isNull {
		o.errs.add(schemaFailed, "These fields are required: [Variable] at %s", o.at)
	}
	if isPath {
		r.operandPath, _ = o.path(op, true)
		return r
	}
	v := o.m[op]
	valid := false
	switch kind {
	case "string":
		_, valid = v.(string)
	case "number":
		valid = jsonpath.IsNumber(v)
	case "bool":
		_, valid = v.(bool)
	case "timestamp":
		if s, ok := v.(string); ok {
			_, err := parseTimestamp(s)
			valid = err == nil
		}
	}
	if !valid {
		o.errs.add(schemaFailed, "The value for the field '%s' must be a %s at %s/%s", op, strings.ToUpper(kind), o.at, op)
	}
	r.operand = v
	return r
}

func parseTimestamp(s string) (time.Time, error) {
	return time.Parse(time.RFC3339Nano, s)
}

func (s *choiceState) run(_ context.Context, r *run, sc *scope, input any) outcome {
	ctxObj := r.ctxFunc(sc, s.Name, r.e.now(), nil)
	if s.jsonata {
		return s.runJSONata(sc, ctxObj, input)
	}
	eff, f := effectiveInput(&s.stateBase, input, ctxObj)
	if f != nil {
		return outcome{fail: f}
	}
	env := envOf(ctxObj)
	for _, c := range s.Choices {
		ok, f := c.eval(eff, ctxObj)
		if f != nil {
			return outcome{fail: f}
		}
		if ok {
			m, f := evalAssign(c.assign, eff, env, nil)
			if f != nil {
				return outcome{fail: f}
			}
			out, f := effectiveOutput(&s.stateBase, eff, ctxObj)
			return outcome{out: out, next: c.next, fail: f, assign: m}
		}
	}
	if s.Default == "" {
		return outcome{fail: &Failure{Error: StatesNoChoiceMatched, Cause: "No Matches!"}}
	}
	m, f := evalAssign(s.assign, eff, env, nil)
	if f != nil {
		return outcome{fail: f}
	}
	out, f := effectiveOutput(&s.stateBase, eff, ctxObj)
	return outcome{out: out, next: s.Default, fail: f, assign: m}
}

// runJSONata evaluates the Conditions in order; the chosen rule's Output
// and Assign (or, for Default, the state's) shape the output.
func (s *choiceState) runJSONata(sc *scope, ctxObj func() any, input any) outcome {
	vars := statesVars(sc, func() any { return plainContext(ctxObj) }, input, nil)
	for i, c := range s.Choices {
		if c.condition == nil {
			continue
		}
		v, f := applyJSONata(c.condition, vars, fmt.Sprintf("Choices/%d/Condition", i))
		if f != nil {
			return outcome{fail: f}
		}
		b, isBool := v.(bool)
		if !isBool {
			return outcome{fail: &Failure{Error: StatesQueryEvaluationError, Cause: fmt.Sprintf("The Condition of choice rule %d in state '%s' must evaluate to a boolean, but returned %s", i, s.Name, jsonpath.MarshalString(v))}}
		}
		if b {
			out, m, f := jsonataFinish(c.output, vars, input, c.assign)
			return outcome{out: out, next: c.next, fail: f, assign: m}
		}
	}
	if s.Default == "" {
		return outcome{fail: &Failure{Error: StatesNoChoiceMatched, Cause: "No Matches!"}}
	}
	out, m, f := jsonataFinish(s.output, vars, input, s.assign)
	return outcome{out: out, next: s.Default, fail: f, assign: m}
}

func getPath(p *jsonpath.Path, input any, ctxObj func() any) (any, bool) {
	var c any
	if p.NeedsEnv() {
		c = ctxObj()
	}
	return p.Get(input, c)
}

func (c *rule) eval(input any, ctxObj func() any) (bool, *Failure) {
	switch {
	case c.and != nil:
		for _, s := range c.and {
			ok, f := s.eval(input, ctxObj)
			if f != nil || !ok {
				return false, f
			}
		}
		return true, nil
	case c.or != nil:
		for _, s := range c.or {
			ok, f := s.eval(input, ctxObj)
			if f != nil || ok {
				return ok, f
			}
		}
		return false, nil
	case c.not != nil:
		ok, f := c.not.eval(input, ctxObj)
		return !ok && f == nil, f
	}
	if c.variable == nil {
		return false, nil
	}
	v, present := getPath(c.variable, input, ctxObj)
	if c.op == "IsPresent" {
		return present == c.operand.(bool), nil
	}
	if !present {
		return false, &Failure{Error: StatesRuntime, Cause: fmt.Sprintf("An error occurred while executing the state. Invalid path '%s': The choice state's condition path references an invalid value.", c.variable)}
	}
	operand := c.operand
	if c.operandPath != nil {
		o, ok := getPath(c.operandPath, input, ctxObj)
		if !ok {
			return false, &Failure{Error: StatesRuntime, Cause: fmt.Sprintf("An error occurred while executing the state. Invalid path '%s': The choice state's condition path references an invalid value.", c.operandPath)}
		}
		operand = o
	}
	switch c.op {
	case "IsNull":
		return (v == nil) == operand.(bool), nil
	case "IsNumeric":
		return jsonpath.IsNumber(v) == operand.(bool), nil
	case "IsString":
		_, ok := v.(string)
		return ok == operand.(bool), nil
	case "IsBoolean":
		_, ok := v.(bool)
		return ok == operand.(bool), nil
	case "IsTimestamp":
		s, ok := v.(string)
		if ok {
			_, err := parseTimestamp(s)
			ok = err == nil
		}
		return ok == operand.(bool), nil
	case "BooleanEquals":
		a, ok1 := v.(bool)
		b, ok2 := operand.(bool)
		return ok1 && ok2 && a == b, nil
	case "StringMatches":
		a, ok1 := v.(string)
		b, ok2 := operand.(string)
		return ok1 && ok2 && wildcardMatch(b, a), nil
	}
	switch {
	case strings.HasPrefix(c.op, "String"):
		a, ok1 := v.(string)
		b, ok2 := operand.(string)
		if !ok1 || !ok2 {
			return false, nil
		}
		return compareResult(c.op, "String", strings.Compare(a, b)), nil
	case strings.HasPrefix(c.op, "Numeric"):
		a, ok1 := jsonpath.ToFloat(v)
		b, ok2 := jsonpath.ToFloat(operand)
		if !ok1 || !ok2 {
			return false, nil
		}
		return compareResult(c.op, "Numeric", cmp3(a, b)), nil
	case strings.HasPrefix(c.op, "Timestamp"):
		as, ok1 := v.(string)
		bs, ok2 := operand.(string)
		if !ok1 || !ok2 {
			return false, nil
		}
		a, err1 := parseTimestamp(as)
		b, err2 := parseTimestamp(bs)
		if err1 != nil || err2 != nil {
			return false, nil
		}
		return compareResult(c.op, "Timestamp", a.Compare(b)), nil
	}
	return false, nil
}

func cmp3(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func compareResult(op, prefix string, c int) bool {
	switch strings.TrimPrefix(op, prefix) {
	case "Equals":
		return c == 0
	case "LessThan":
		return c < 0
	case "GreaterThan":
		return c > 0
	case "LessThanEquals":
		return c <= 0
	case "GreaterThanEquals":
		return c >= 0
	}
	return false
}

// wildcardMatch implements StringMatches: '*' matches any run of
// characters; "\*" is a literal star and "\\" a literal backslash.
func wildcardMatch(pattern, s string) bool {
	type tok struct {
		star bool
		ch   byte
	}
	var toks []tok
	for i := 0; i < len(pattern); i++ {
		c := pattern[i]
		if c == '\\' && i+1 < len(pattern) {
			toks = append(toks, tok{ch: pattern[i+1]})
			i++
			continue
		}
		toks = append(toks, tok{star: c == '*', ch: c})
	}
	// Iterative matching with backtracking to the last star: linear-ish,
	// no recursion on hostile patterns.
	p, i, starP, starI := 0, 0, -1, 0
	for i < len(s) {
		switch {
		case p < len(toks) && !toks[p].star && toks[p].ch == s[i]:
			p++
			i++
		case p < len(toks) && toks[p].star:
			starP, starI = p, i
			p++
		case starP >= 0:
			starI++
			p, i = starP+1, starI
		default:
			return false
		}
	}
	for p < len(toks) && toks[p].star {
		p++
	}
	return p == len(toks)
}
