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

// Context maps of the same size but different keys share a slot of the
// sorted-keys cache: each still renders its own keys, sorted.
func TestContextKeysCache(t *testing.T) {
	t.Parallel()
	show, err := Parse("s", `$context.keySet() $context.b`)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		ctx  map[string]any
		want string
	}{
		{map[string]any{"c": 1, "a": 2, "b": 3}, "[a, b, c, requestOverride, responseOverride] 3"},
		{map[string]any{"d": 1, "a": 2, "b": 4}, "[a, b, d, requestOverride, responseOverride] 4"},
		{map[string]any{"d": 1, "a": 2, "b": 5}, "[a, b, d, requestOverride, responseOverride] 5"},
		{map[string]any{"c": 1, "a": 2, "b": 6}, "[a, b, c, requestOverride, responseOverride] 6"},
		{map[string]any{"a": 2, "b": 7, "c": 1, "d": 0, "e": 9, "f": 8, "g": 7, "h": 6, "i": 5, "j": 4, "k": 3},
			"[a, b, c, d, e, f, g, h, i, j, k, requestOverride, responseOverride] 7"},
	} {
		for _, in := range []Input{{Context: tc.ctx}, {Prepared: NewContext(tc.ctx)}} {
			res, err := show.Render(in)
			if err != nil {
				t.Fatal(err)
			}
			if res.Output != tc.want {
				t.Fatalf("render = %q, want %q", res.Output, tc.want)
			}
		}
	}
}

// NewContextSorted prepares what NewContext prepares for the same pairs,
// sorted or not, repeated or not.
func TestNewContextSorted(t *testing.T) {
	t.Parallel()
	show, err := Parse("s", `#foreach($k in $context.keySet())$k=$context.get($k);#end $context.identity.keySet() $context.identity.sourceIp`)
	if err != nil {
		t.Fatal(err)
	}
	identity := map[string]any{"userAgent": "ua", "sourceIp": "1.2.3.4", "caller": ""}
	for _, tc := range []struct {
		name string
		keys []string
		vals []any
	}{
		{"sorted", []string{"apiId", "identity", "requestId", "requestTimeEpoch", "stage"}, []any{"abc", identity, "r1", int64(1700000000000), "dev"}},
		{"unsorted", []string{"stage", "apiId", "identity", "requestTimeEpoch", "requestId"}, []any{"dev", "abc", identity, 1700000000000, "r1"}},
		{"repeated", []string{"apiId", "identity", "requestId", "requestId", "stage"}, []any{"abc", identity, "r0", "r1", "dev"}},
		{"short vals", []string{"apiId", "identity", "requestId", "stage"}, []any{"abc", identity, "r1"}},
		{"empty", nil, nil},
	} {
		res, err := show.Render(Input{Prepared: NewContextSorted(tc.keys, tc.vals)})
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		want, err := show.Render(Input{Prepared: NewContext(pairsMap(tc.keys, tc.vals))})
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if res.Output != want.Output {
			t.Fatalf("%s: NewContextSorted renders %q, NewContext %q", tc.name, res.Output, want.Output)
		}
	}
	// The sorted case, spelled out.
	res, err := show.Render(Input{Prepared: NewContextSorted([]string{"apiId", "identity", "requestId"}, []any{"abc", identity, "r1"})})
	if err != nil {
		t.Fatal(err)
	}
	const want = "apiId=abc;identity={caller=, sourceIp=1.2.3.4, userAgent=ua};requestId=r1;requestOverride={header={}, querystring={}, path={}};responseOverride={header={}}; [caller, sourceIp, userAgent] 1.2.3.4"
	if res.Output != want {
		t.Fatalf("render = %q, want %q", res.Output, want)
	}
}
