package asl

import (
	"fmt"
	"math"

	"github.com/sfapi/sfapi/internal/emulator/asl/jsonata"
	"github.com/sfapi/sfapi/internal/emulator/asl/jsonpath"
)

// dynNum is a numeric state field that is known only at run time in some
// definitions: Task TimeoutSeconds/HeartbeatSeconds, Map MaxConcurrency and
// ToleratedFailureCount/Percentage. It is a constant, a JSONata expression
// (JSONata states: "{% ... %}" in the field itself) or a reference path
// (JSONPath states: the field's "…Path" form, read from the effective
// input or, with "$$", the context object).
type dynNum struct {
	field   string
	set     bool // a constant was given
	val     float64
	expr    *jsonata.Template
	path    *jsonpath.Path
	integer bool    // the value must be an integer
	minV    float64 // inclusive lower bound
	maxV    float64 // inclusive upper bound (math.Inf(1): none)
}

// present reports whether the field was given in any form.
func (d *dynNum) present() bool { return d.set || d.expr != nil || d.path != nil }

// dynamic reports whether the value is only known at run time.
func (d *dynNum) dynamic() bool { return d.expr != nil || d.path != nil }

// dynNumber reads field k (and, in JSONPath states, k+"Path").
func (o *obj) dynNumber(k string, integer bool, minV, maxV float64, jsonataQL bool) dynNum {
	d := dynNum{field: k, integer: integer, minV: minV, maxV: maxV}
	o.seen[k] = true
	v, ok := o.m[k]
	if ok {
		if s, isStr := v.(string); isStr && jsonataQL {
			if _, isExpr := jsonata.IsExpression(s); isExpr {
				d.expr = o.jsonataField(k)
				return d
			}
		}
		f, isNum := jsonpath.ToFloat(v)
		switch {
		case !isNum && jsonataQL:
			o.errs.add(schemaFailed, "The value for the field '%s' must be a NUMBER or a JSONata expression at %s/%s", k, o.at, k)
		case !isNum:
			o.errs.add(schemaFailed, "The value for the field '%s' must be a NUMBER at %s/%s", k, o.at, k)
		case !d.valid(f):
			o.errs.add(schemaFailed, "%s at %s/%s", d.rangeMessage(), o.at, k)
		default:
			d.set, d.val = true, f
		}
	}
	if jsonataQL {
		return d // the *Path form is a JSONPath-only field (forbid reports it)
	}
	pk := k + "Path"
	if p, _ := o.path(pk, true); p != nil {
		if !p.IsReference() {
			o.errs.add(schemaFailed, "The value for the field '%s' must be a valid Reference Path at %s/%s", pk, o.at, pk)
		}
		if ok {
			o.errs.add(schemaFailed, "Only one of %s or %s may be set at %s", k, pk, o.at)
		}
		d.path = p
	}
	return d
}

func (d *dynNum) valid(f float64) bool {
	if math.IsNaN(f) || f < d.minV || f > d.maxV {
		return false
	}
	return !d.integer || f == math.Trunc(f)
}

func (d *dynNum) rangeMessage() string {
	kind := "a NUMBER"
	if d.integer {
		kind = "an INTEGER"
	}
	if math.IsInf(d.maxV, 1) {
		return fmt.Sprintf("The value for the field '%s' must be %s >= %g", d.field, kind, d.minV)
	}
	return fmt.Sprintf("The value for the field '%s' must be %s between %g and %g", d.field, kind, d.minV, d.maxV)
}

// resolve returns the field's value for one state run: def when the field
// is absent. vars builds the JSONata variables ($states, workflow
// variables); eff and ctxObj serve the reference path.
func (d *dynNum) resolve(state string, def float64, eff any, ctxObj func() any, vars func() map[string]any) (float64, *Failure) {
	switch {
	case d.set:
		return d.val, nil
	case d.expr != nil:
		v, f := applyJSONata(d.expr, vars(), d.field)
		if f != nil {
			return 0, f
		}
		n, isNum := jsonpath.ToFloat(v)
		if !isNum || !d.valid(n) {
			return 0, &Failure{Error: StatesQueryEvaluationError, location: d.field, Cause: fmt.Sprintf("The JSONata expression for the field '%s' in state '%s' returned %s: %s", d.field, state, jsonpath.MarshalString(v), d.rangeMessage())}
		}
		return n, nil
	case d.path != nil:
		var c any
		if d.path.NeedsEnv() {
			c = ctxObj()
		}
		v, found := d.path.Get(eff, c)
		if !found {
			return 0, &Failure{Error: StatesRuntime, Cause: fmt.Sprintf("An error occurred while executing the state '%s'. Invalid path '%s' : No results for path: %s", state, d.path, d.path)}
		}
		n, isNum := jsonpath.ToFloat(v)
		if !isNum || !d.valid(n) {
			return 0, &Failure{Error: StatesRuntime, Cause: fmt.Sprintf("An error occurred while executing the state '%s'. The %sPath field references %s: %s", state, d.field, jsonpath.MarshalString(v), d.rangeMessage())}
		}
		return n, nil
	}
	return def, nil
}
