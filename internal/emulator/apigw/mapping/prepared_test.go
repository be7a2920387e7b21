package mapping

import "testing"

// A prepared $context renders as the plain one, and a render that changes
// it leaves the next render's copy alone.
func TestPreparedContext(t *testing.T) {
	t.Parallel()
	ctx := map[string]any{"requestId": "r1", "stage": "dev", "identity": map[string]any{"sourceIp": "1.2.3.4"},
		"list": []any{"a", map[string]any{"k": "v"}}}
	prep := NewContext(ctx)
	mutate, err := Parse("m", `#set($context.stage = "changed")$context.identity.put("sourceIp", "x")$context.list[1].put("k", "w")$context.responseOverride.put("status", 201)`)
	if err != nil {
		t.Fatal(err)
	}
	show, err := Parse("s", `$context.requestId $context.stage $context.identity.sourceIp $context.list[1].k $context.keySet() [$!context.responseOverride.status]`)
	if err != nil {
		t.Fatal(err)
	}
	res, err := mutate.Render(Input{Prepared: prep})
	if err != nil || res.StatusOverride != 201 {
		t.Fatalf("mutating render: %+v, %v", res, err)
	}
	for _, in := range []Input{{Prepared: prep}, {Context: ctx}} {
		res, err := show.Render(in)
		if err != nil {
			t.Fatal(err)
		}
		const want = "r1 dev 1.2.3.4 v [identity, list, requestId, stage, requestOverride, responseOverride] []"
		if res.Output != want {
			t.Fatalf("render = %q, want %q", res.Output, want)
		}
	}
}
