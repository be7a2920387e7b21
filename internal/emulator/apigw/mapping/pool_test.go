package mapping

import (
	"sync"
	"testing"
)

// RenderBytes answers what Render does, as bytes.
func TestRenderBytesIsRender(t *testing.T) {
	t.Parallel()
	for _, tc := range renderCases {
		tpl, err := Parse("t", tc.src)
		if err != nil {
			t.Fatalf("parse %q: %v", tc.src, err)
		}
		in := testInput()
		if tc.body != nil {
			in.Body = []byte(*tc.body)
		}
		res, err := tpl.Render(in)
		if err != nil {
			t.Fatalf("render %q: %v", tc.src, err)
		}
		out, bres, err := tpl.RenderBytes(in)
		if err != nil {
			t.Fatalf("RenderBytes %q: %v", tc.src, err)
		}
		if string(out) != res.Output || bres.Output != "" || bres.StatusOverride != res.StatusOverride {
			t.Fatalf("RenderBytes %q = %q, %+v; Render = %+v", tc.src, out, bres, res)
		}
	}
}

// Render states are pooled: nothing a render sets — variables, overrides,
// the parsed body, $input.params() — may be seen by a later render, nor
// may a returned output change when the state is reused.
func TestPooledRenderStatesStartClean(t *testing.T) {
	t.Parallel()
	setter, err := Parse("setter", `#set($x = "leak")#set($context.responseOverride.status = 404)`+
		`#set($context.responseOverride.header.X-Leak = "1")#set($context.requestOverride.header.X-Leak = "1")`+
		`$input.params().size() $input.path('$.a')`)
	if err != nil {
		t.Fatal(err)
	}
	reader, err := Parse("reader", `[$!x][$context.responseOverride.status][$!context.responseOverride.header.X-Leak][$input.path('$.a')]`)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for range 200 {
				set, err := setter.Render(Input{Body: []byte(`{"a": "secret"}`)})
				if err != nil || set.StatusOverride != 404 || set.HeaderOverrides["X-Leak"] != "1" || set.RequestOverrides.Header["X-Leak"] != "1" {
					t.Errorf("setter: %+v, %v", set, err)
					return
				}
				out, res, err := reader.RenderBytes(Input{Body: []byte(`{"a": "b"}`)})
				if err != nil {
					t.Errorf("reader: %v", err)
					return
				}
				want := `[][][][b]`
				if string(out) != want || res.StatusOverride != 0 || res.HeaderOverrides != nil || res.RequestOverrides.Header != nil {
					t.Errorf("reader after setter = %q, %+v; want %q and no overrides", out, res, want)
					return
				}
				// Another render reusing the state leaves this output alone.
				if _, err := setter.Render(Input{Body: []byte(`{"a": "zzzzzzzzzzzzzzzz"}`)}); err != nil {
					t.Errorf("setter: %v", err)
					return
				}
				if string(out) != want {
					t.Errorf("output changed to %q after a later render", out)
					return
				}
			}
		})
	}
	wg.Wait()
}
