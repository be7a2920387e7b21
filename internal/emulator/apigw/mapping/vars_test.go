package mapping

import (
	"fmt"
	"testing"
)

// The built-ins ($context, $input, $util, $stageVariables) behave as
// variables: a template can shadow them, a #foreach or macro over a null
// hides them, and leaving the loop or macro brings them back.
func TestBuiltinVariables(t *testing.T) {
	t.Parallel()
	in := Input{
		Body:           []byte(`{"a":1}`),
		Context:        map[string]any{"stage": "dev"},
		StageVariables: map[string]string{"v": "sv"},
	}
	for _, tc := range []struct{ src, want string }{
		{`$context.stage $input.path('$.a') $util.urlEncode("a b") $stageVariables.v`, `dev 1 a+b sv`},
		{`#set($input = "x")$input #set($context = 5)$context`, `x 5`},
		{`#foreach($context in [$null, 2])[$!context]#end $context.stage`, `[][2] dev`},
		{`#foreach($util in [$null])[$!util.urlEncode("a b")]#end $util.urlEncode("a b")`, `[] a+b`},
		{`#foreach($stageVariables in [1])$stageVariables#end $stageVariables.v`, `1 sv`},
		{`#macro(m $input)[$!input]#end#m($null)#m(3) $input.path('$.a')`, `[][3] 1`},
		{`#foreach($x in [1])#foreach($context in [$null])[$!context.stage]#end#end $context.stage`, `[] dev`},
		{`$stageVariables.put("w", "y")$stageVariables.w $stageVariables.size()`, `y 2`},
		{`#define($context)D#end$context`, `D`},
		{`[$nope][$!nope]`, `[][]`},
	} {
		tpl, err := Parse("t", tc.src)
		if err != nil {
			t.Fatalf("%s: %v", tc.src, err)
		}
		res, err := tpl.Render(in)
		if err != nil {
			t.Fatalf("%s: %v", tc.src, err)
		}
		if res.Output != tc.want {
			t.Fatalf("%s: render = %q, want %q", tc.src, res.Output, tc.want)
		}
	}
}

// A render shares the prepared $context's nested containers and starts
// over on a copy when it is about to change one: every way of changing
// them renders as it does on a plain $context, and the next render sees
// the context unchanged.
func TestSharedContextThaw(t *testing.T) {
	t.Parallel()
	ctx := func() map[string]any {
		return map[string]any{"stage": "dev", "identity": map[string]any{"sourceIp": "1.2.3.4"},
			"list": []any{"a", map[string]any{"k": "v"}}}
	}
	prep := NewContext(ctx())
	show, err := Parse("s", `$context.stage $context.identity $context.list`)
	if err != nil {
		t.Fatal(err)
	}
	const unchanged = "dev {sourceIp=1.2.3.4} [a, {k=v}]"
	for _, src := range []string{
		`$context.identity $context.list #set($x = $context.identity)$x.sourceIp`,
		`#set($context.stage = "x")$context.stage`,
		`#set($context.responseOverride.header.Location = "/x")$context.responseOverride`,
		`#set($context.identity.sourceIp = "x")$context.identity`,
		`#set($context.identity["sourceIp"] = "x")$context.identity`,
		`#set($context.list[0] = "x")$context.list`,
		`#set($context.list[1].k = "w")$context.list`,
		`[$context.identity.put("a", 1)] $context.identity`,
		`#set($m = {"b": 2})$context.identity.putAll($m) $context.identity`,
		`$context.identity.remove("sourceIp") $context.identity`,
		`$context.identity.clear() $context.identity`,
		`$context.list.add("z") $context.list.set(0, "y") $context.list.remove(1) $context.list`,
		`$context.list.addAll($context.list) $context.list.clear() $context.list`,
		`#set($x = $context.list[1])$x.put("k", "w") $context.list`,
		`#foreach($v in $context.list)$v#if($velocityHasNext)$context.list.add(1)#end#end $context.list`,
		`#macro(m $a)$a.put("k", 3)#end#m($context.identity)$context.identity`,
		`#set($s = "${context.identity.put('a', 1)}")$s $context.identity`,
		`#set($context.responseOverride.header = $context.identity)#set($context.responseOverride.header.x = "1")$context.identity`,
		`$context.identity.put() $context.identity`,
		`#foreach($i in [1..3])$i#end$context.identity.put("a", 1)#foreach($i in [1..3])$i#end`,
	} {
		tpl, err := Parse("t", src)
		if err != nil {
			t.Fatalf("%s: %v", src, err)
		}
		want, err := tpl.Render(Input{Context: ctx()})
		if err != nil {
			t.Fatalf("%s: %v", src, err)
		}
		got, err := tpl.Render(Input{Prepared: prep})
		if err != nil {
			t.Fatalf("%s: %v", src, err)
		}
		if got.Output != want.Output || got.StatusOverride != want.StatusOverride || len(got.HeaderOverrides) != len(want.HeaderOverrides) {
			t.Fatalf("%s: prepared renders %+v, plain %+v", src, got, want)
		}
		res, err := show.Render(Input{Prepared: prep})
		if err != nil || res.Output != unchanged {
			t.Fatalf("after %s: context renders %q, %v; want %q", src, res.Output, err, unchanged)
		}
	}
	// A top level too large for renderState.ctxEnts, and one that grows
	// past it, render as a plain one.
	big := map[string]any{}
	for i := range 30 {
		big[fmt.Sprintf("k%02d", i)] = i
	}
	keys, err := Parse("k", `#foreach($i in [1..25])#set($context["n$i"] = $i)#end$context.keySet() $context.k29 $context.n25`)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []map[string]any{big, {"a": 1}} {
		want, err := keys.Render(Input{Context: c})
		if err != nil {
			t.Fatal(err)
		}
		prepBig := NewContext(c)
		for range 2 {
			got, err := keys.Render(Input{Prepared: prepBig})
			if err != nil || got.Output != want.Output {
				t.Fatalf("prepared renders %q, %v; plain %q", got.Output, err, want.Output)
			}
		}
	}
	// A render that changes nothing shares the nested containers.
	r := newRenderer(show, Input{Prepared: prep}, false)
	a, _ := r.ctx.get("identity")
	b, _ := prep.m.get("identity")
	if a != b {
		t.Fatal("a render copied the prepared identity map")
	}
	if r = newRenderer(show, Input{Prepared: prep}, true); func() bool { a, _ := r.ctx.get("identity"); return a == b }() {
		t.Fatal("a deep render shares the prepared identity map")
	}
}
