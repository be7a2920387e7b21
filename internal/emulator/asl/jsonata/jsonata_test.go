package jsonata

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/sfapi/sfapi/internal/emulator/asl/jsonpath"
)

func states(input any) map[string]any {
	return map[string]any{"states": map[string]any{"input": input, "context": map[string]any{"State": map[string]any{"Name": "S"}}}}
}

func TestEval(t *testing.T) {
	t.Parallel()
	input := map[string]any{"a": int64(2), "list": []any{int64(1), int64(2), int64(3)}, "s": "hello"}
	cases := []struct{ expr, want string }{
		{`$states.input.a + 1`, `3`},
		{`$sum($states.input.list)`, `6`},
		{`$uppercase($states.input.s)`, `"HELLO"`},
		{`{"x": $states.input.list[1], "y": null}`, `{"x":2,"y":null}`},
		{`$x & "!"`, `"var!"`},
		{`$partition([1,2,3,4,5], 2)`, `[[1,2],[3,4],[5]]`},
		{`$range(0, 10, 5)`, `[0,5,10]`},
		{`$hash("input data", "SHA-256")`, `"b4a697a057313163aee33cd8d40c66e9f0f177e00cac2de32475ffff6169c3e3"`},
		{`$parse('{"k":[1,true]}')`, `{"k":[1,true]}`},
		{`$random(7) = $random(7)`, `true`},
		{`$length($uuid())`, `36`},
		{`$states.context.State.Name`, `"S"`},
		{`$exists($states.input.missing)`, `false`},
		{`$base64encode("hi")`, `"aGk="`},
	}
	for _, c := range cases {
		x, err := Compile(c.expr)
		if err != nil {
			t.Fatalf("Compile(%q): %v", c.expr, err)
		}
		vars := states(input)
		vars["x"] = "var"
		got, err := x.Eval(input, vars)
		if err != nil {
			t.Fatalf("Eval(%q): %v", c.expr, err)
		}
		if s := jsonpath.MarshalString(got); s != c.want {
			t.Errorf("Eval(%q) = %s, want %s", c.expr, s, c.want)
		}
	}
}

func TestEvalErrors(t *testing.T) {
	t.Parallel()
	cases := []struct{ expr, wantCause string }{
		{`($f := function($n){ $f($n + 1) }; $f(0))`, "recursive"},
		{`$count([1..99999].([1..99999]))`, "Expression evaluation"},
		{`$hash("a", "CRC")`, "unsupported algorithm"},
		{`$parse("{")`, "not valid JSON"},
		{`$range(0, 1e9, 1)`, "more than"},
		{`$partition([1], 0)`, "greater than 0"},
		{`"a" + 1`, ""},
	}
	for _, c := range cases {
		x, err := Compile(c.expr)
		if err != nil {
			t.Fatalf("Compile(%q): %v", c.expr, err)
		}
		start := time.Now()
		_, err = x.Eval(nil, states(nil))
		var je *Error
		if !errors.As(err, &je) {
			t.Fatalf("Eval(%q) error = %v, want *Error", c.expr, err)
		}
		if !strings.Contains(je.Cause, c.wantCause) {
			t.Errorf("Eval(%q) cause = %q, want it to contain %q", c.expr, je.Cause, c.wantCause)
		}
		// Wall-clock slack: the machine running the tests may be shared
		// (the bound is what matters, not its precision).
		if d := time.Since(start); d > 3*Timeout {
			t.Errorf("Eval(%q) took %v", c.expr, d)
		}
	}
	x, _ := Compile(`$states.input.nothing`)
	if _, err := x.Eval(nil, states(map[string]any{})); !errors.Is(err, Undefined) {
		t.Errorf("undefined result: err = %v, want Undefined", err)
	}
}

func TestCompileErrors(t *testing.T) {
	t.Parallel()
	for _, src := range []string{"", "  ", "1 +", "$f(", strings.Repeat("(", 200) + "1" + strings.Repeat(")", 200), "[1,2"} {
		if _, err := Compile(src); err == nil {
			t.Errorf("Compile(%q) succeeded, want an error", src)
		}
	}
}

func TestTemplate(t *testing.T) {
	t.Parallel()
	tmpl := map[string]any{
		"static": "plain $x",
		"n":      "{% $states.input.n * 2 %}",
		"nested": map[string]any{"list": []any{"{% $x %}", int64(1), "{% $states.input.none %}"}},
		"gone":   "{% $states.input.none %}",
	}
	tp, err := CompileTemplate(tmpl)
	if err != nil {
		t.Fatal(err)
	}
	vars := states(map[string]any{"n": int64(21)})
	vars["x"] = "X"
	got, err := tp.Apply(vars, "Arguments")
	if err != nil {
		t.Fatal(err)
	}
	if s, want := jsonpath.MarshalString(got), `{"n":42,"nested":{"list":["X",1]},"static":"plain $x"}`; s != want {
		t.Errorf("Apply = %s, want %s", s, want)
	}
	root, _ := CompileTemplate("{% $states.input.none %}")
	if _, err := root.Apply(states(map[string]any{}), "Output"); err == nil || !strings.Contains(err.Error(), "'Output'") {
		t.Errorf("undefined root: err = %v", err)
	}
	bad := map[string]any{"a": []any{"{% 1 + %}"}}
	_, err = CompileTemplate(bad)
	var ce *CompileError
	if !errors.As(err, &ce) || ce.At != "/a/0" {
		t.Errorf("CompileTemplate(bad) = %v, want CompileError at /a/0", err)
	}
	failing, _ := CompileTemplate(map[string]any{"k": "{% $error('boom') %}"})
	_, err = failing.Apply(states(nil), "Output")
	var je *Error
	if !errors.As(err, &je) || !strings.Contains(je.Cause, "boom") || !strings.Contains(je.Cause, "'Output/k'") {
		t.Errorf("failing template: err = %v", err)
	}
}

func FuzzJSONata(f *testing.F) {
	for _, s := range []string{
		`$states.input.a + 1`, `$sum($states.input.list)`, `{"x": $states.input.list[1]}`,
		`($f := function($n){ $f($n + 1) }; $f(0))`, `$partition([1,2,3], 2)`, `$range(0, 10, 2)`,
		`$hash("a", "MD5")`, `$parse("[1]")`, `$random()`, `$uuid()`, `[1..100].($ * 2)`,
		`$states.input.list[$ > 1]`, `$string($states)`, `$sort($states.input.list, function($a,$b){$a<$b})`,
	} {
		f.Add(s)
	}
	input := map[string]any{"a": int64(1), "list": []any{int64(3), "x", nil, 2.5}, "o": map[string]any{"k": true}}
	f.Fuzz(func(t *testing.T, src string) {
		x, err := Compile(src)
		if err != nil {
			return
		}
		start := time.Now()
		_, _ = x.Eval(input, states(input))
		if d := time.Since(start); d > Timeout+2*time.Second {
			t.Fatalf("Eval(%q) took %v", src, d)
		}
	})
}

// TestConcurrentEval evaluates one compiled expression from many
// goroutines, as concurrent Map iterations do: built-in functions are
// shared, and a function taking its argument from the context ($string()
// inside a path step) must see its own evaluation's context (run with
// -race: the built-ins were once renamed and re-contexted in place).
func TestConcurrentEval(t *testing.T) {
	t.Parallel()
	x, err := Compile(`$states.input.items.($string()) & "/" & $uppercase($states.input.s)`)
	if err != nil {
		t.Fatal(err)
	}
	errs := make(chan string, 8)
	done := make(chan struct{})
	for g := range 8 {
		go func() {
			defer func() { done <- struct{}{} }()
			for i := range 200 {
				n := int64(g*1000 + i)
				s := strings.Repeat("g", g+1)
				out, err := x.Eval(nil, states(map[string]any{"items": []any{n}, "s": s}))
				want := jsonpath.MarshalString(n) + "/" + strings.ToUpper(s)
				if err != nil || out != want {
					errs <- jsonpath.MarshalString(out) + " want " + want
					return
				}
			}
		}()
	}
	for range 8 {
		<-done
	}
	close(errs)
	for e := range errs {
		t.Fatal(e)
	}
}
