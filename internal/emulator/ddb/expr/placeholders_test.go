package expr

import (
	"testing"

	"github.com/sfapi/sfapi/internal/emulator/ddb/attr"
)

func TestValidatePlaceholders(t *testing.T) {
	t.Parallel()
	mustRefs := func(r Refs, err error) Refs {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	cond := func(s string) Refs { c, err := ParseCondition(s); return mustRefs(refsOf(c, err)) }
	upd := func(s string) Refs { u, err := ParseUpdate(s); return mustRefs(refsOf(u, err)) }
	proj := func(s string) Refs { p, err := ParseProjection(s); return mustRefs(refsOf(p, err)) }
	v := S("x")
	cases := []struct {
		name string
		p    *Placeholders
		refs []Refs
		err  string
	}{
		{name: "all used", p: ph(map[string]string{"#s": "status"}, map[string]attr.Value{":new": v, ":old": v}),
			refs: []Refs{upd("SET #s = :new"), cond("#s = :old")}},
		{name: "no placeholders, no expressions", p: nil},
		{name: "empty maps, no expressions", p: ph(map[string]string{}, map[string]attr.Value{})},
		{name: "undefined name", p: ph(nil, map[string]attr.Value{":v": v}), refs: []Refs{upd("SET #n = :v")},
			err: "Invalid UpdateExpression: An expression attribute name used in the document path is not defined; attribute name: #n"},
		{name: "undefined value in second expression", p: ph(nil, map[string]attr.Value{":w": v}),
			refs: []Refs{upd("SET b = :w"), cond("a = :v")},
			err:  "Invalid ConditionExpression: An expression attribute value used in expression is not defined; attribute value: :v"},
		{name: "source order within an expression", p: nil, refs: []Refs{cond(":v = #n")},
			err: "Invalid ConditionExpression: An expression attribute value used in expression is not defined; attribute value: :v"},
		{name: "unused names", p: ph(map[string]string{"#b": "b", "#a": "a", "#used": "u"}, nil), refs: []Refs{proj("#used")},
			err: "Value provided in ExpressionAttributeNames unused in expressions: keys: {#a, #b}"},
		{name: "unused values", p: ph(nil, map[string]attr.Value{":v": v, ":unused": v}), refs: []Refs{upd("SET attr1 = :v")},
			err: "Value provided in ExpressionAttributeValues unused in expressions: keys: {:unused}"},
		{name: "unused names reported before unused values", p: ph(map[string]string{"#x": "x"}, map[string]attr.Value{":x": v}),
			refs: []Refs{proj("a")}, err: "Value provided in ExpressionAttributeNames unused in expressions: keys: {#x}"},
		{name: "names without expressions", p: ph(map[string]string{"#a": "a"}, nil),
			err: "ExpressionAttributeNames can only be specified when using expressions"},
		{name: "values without expressions", p: ph(nil, map[string]attr.Value{":v": v}),
			err: "ExpressionAttributeValues can only be specified when using expressions"},
		{name: "bad name key", p: ph(map[string]string{"a": "a"}, nil), refs: []Refs{proj("a")},
			err: `ExpressionAttributeNames contains invalid key: Syntax error; key: "a"`},
		{name: "bad value key", p: ph(nil, map[string]attr.Value{":a-b": v}), refs: []Refs{proj("a")},
			err: `ExpressionAttributeValues contains invalid key: Syntax error; key: ":a-b"`},
		{name: "hand-built refs", p: ph(map[string]string{"#a": "a"}, nil), refs: []Refs{{Names: []string{"#a"}, Values: []string{":v"}}},
			err: "An expression attribute value used in expression is not defined; attribute value: :v"},
		{name: "key condition refs", p: ph(map[string]string{"#p": "pk"}, map[string]attr.Value{":p": v, ":f": v}),
			refs: []Refs{mustKeyRefs(t, "#p = :p", ph(map[string]string{"#p": "pk"}, map[string]attr.Value{":p": v})), cond("a = :f")}},
	}
	for _, tc := range cases {
		if got := errMsg(t, ValidatePlaceholders(tc.p, tc.refs...)); got != tc.err {
			t.Errorf("%s: ValidatePlaceholders = %q, want %q", tc.name, got, tc.err)
		}
	}
}

type refser interface{ Refs() Refs }

func refsOf[T refser](x T, err error) (Refs, error) {
	if err != nil {
		return Refs{}, err
	}
	return x.Refs(), nil
}

func mustKeyRefs(t *testing.T, src string, p *Placeholders) Refs {
	t.Helper()
	kc, err := ParseKeyCondition(src, p)
	if err != nil {
		t.Fatal(err)
	}
	return kc.Refs
}
