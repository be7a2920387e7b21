package expr

import (
	"strings"
	"testing"

	"github.com/sfapi/sfapi/internal/emulator/ddb/attr"
)

// projectionCases map a ProjectionExpression to its canonical form or
// exact error. They also seed FuzzProjection.
var projectionCases = []struct {
	in, want, err string
}{
	{in: "a", want: "a"},
	{in: "a,b , c", want: "a, b, c"},
	{in: "#n, doc.who, lst[0], doc.#i[1].sku", want: "#n, doc.who, lst[0], doc.#i[1].sku"},
	{in: "a[0][2].b", want: "a[0][2].b"},
	{in: "", err: "Invalid ProjectionExpression: The expression can not be empty;"},
	{in: "a,", err: `Invalid ProjectionExpression: Syntax error; token: "<EOF>", near: ","`},
	{in: "a b", err: `Invalid ProjectionExpression: Syntax error; token: "b", near: "a b"`},
	{in: "a.", err: `Invalid ProjectionExpression: Syntax error; token: "<EOF>", near: "."`},
	{in: "a[]", err: `Invalid ProjectionExpression: Syntax error; token: "]", near: "[]"`},
	{in: "(a)", err: `Invalid ProjectionExpression: Syntax error; token: "(", near: "(a"`},
	{in: "a = :v", err: `Invalid ProjectionExpression: Syntax error; token: "=", near: "a = :v"`},
	{in: "Comment", err: "Invalid ProjectionExpression: Attribute name is a reserved keyword; reserved keyword: Comment"},
	{in: "a, and", err: "Invalid ProjectionExpression: Attribute name is a reserved keyword; reserved keyword: and"},
}

func TestParseProjection(t *testing.T) {
	t.Parallel()
	for _, tc := range projectionCases {
		pr, err := ParseProjection(tc.in)
		if got := errMsg(t, err); got != tc.err {
			t.Errorf("ParseProjection(%q) error = %q, want %q", tc.in, got, tc.err)
			continue
		}
		if err == nil && pr.String() != tc.want {
			t.Errorf("ParseProjection(%q).String() = %q, want %q", tc.in, pr.String(), tc.want)
		}
	}
}

func TestProjectionApply(t *testing.T) {
	t.Parallel()
	p := ph(map[string]string{"#n": "name", "#d": "doc", "#i": "items", "#p": "pk", "#pk2": "pk"}, nil)
	cases := []struct {
		in   string
		want attr.Item
		err  string
	}{
		{in: "#p, #n", want: attr.Item{"pk": S("job#1"), "name": S("héllo")}},
		{in: "#p, absent", want: attr.Item{"pk": S("job#1")}},
		{in: "absent", want: attr.Item{}},
		{in: "#d.who", want: attr.Item{"doc": M("who", S("gopher"))}},
		{in: "#d.#i[1].sku, #d.meta.labels", want: attr.Item{"doc": M(
			"items", L(M("sku", S("b2"))),
			"meta", M("labels", attr.StringSet("x", "y")),
		)}},
		{in: "#d.#i[1], #d.#i[0].qty", want: attr.Item{"doc": M("items", L(M("qty", N("2")), M("sku", S("b2"), "qty", N("5"))))}},
		{in: "lst[2].deep[0].k, lst[0]", want: attr.Item{"lst": L(S("x"), M("deep", L(M("k", S("v")))))}},
		{in: "lst[9], #d.nope, #p.x, #d.#i.x", want: attr.Item{}},
		{in: "#d.meta.vacant", want: attr.Item{"doc": M("meta", M("vacant", M()))}},
		{in: "tags, nums, bins, bin, flag, nothing", want: attr.Item{
			"tags": attr.StringSet("red", "blue"), "nums": attr.NumberSet("1", "2.5", "-3"),
			"bins": attr.BinarySet([]byte{1}, []byte{2, 3}), "bin": B(1, 2, 3), "flag": attr.Bool(true), "nothing": attr.Null(),
		}},
		{in: "#zz", err: "Invalid ProjectionExpression: An expression attribute name used in the document path is not defined; attribute name: #zz"},
		{in: "#d, #d.who", err: "Invalid ProjectionExpression: Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [doc], path two: [doc, who]"},
		{in: "#p, #pk2", err: "Invalid ProjectionExpression: Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [pk], path two: [pk]"},
		{in: "lst[0], lst.a", err: "Invalid ProjectionExpression: Two document paths conflict with each other; must remove or rewrite one of these paths; path one: [lst, [0]], path two: [lst, a]"},
	}
	for _, tc := range cases {
		pr, err := ParseProjection(tc.in)
		if err != nil {
			t.Errorf("ParseProjection(%q): %v", tc.in, err)
			continue
		}
		in := richItem()
		out, err := pr.Apply(in, p)
		if got := errMsg(t, err); got != tc.err {
			t.Errorf("Apply(%q) error = %q, want %q", tc.in, got, tc.err)
			continue
		}
		if err != nil {
			continue
		}
		if !attr.ItemsEqual(out, tc.want) {
			got, _ := out.MarshalJSON()
			want, _ := tc.want.MarshalJSON()
			t.Errorf("Apply(%q):\n got %s\nwant %s", tc.in, got, want)
		}
		if !attr.ItemsEqual(in, richItem()) {
			t.Errorf("Apply(%q) mutated its input", tc.in)
		}
	}
}

func TestProjectionApplyCopies(t *testing.T) {
	t.Parallel()
	pr, err := ParseProjection("doc, tags")
	if err != nil {
		t.Fatal(err)
	}
	in := richItem()
	out, err := pr.Apply(in, nil)
	if err != nil {
		t.Fatal(err)
	}
	out["doc"].M["who"] = S("changed")
	out["tags"].SS[0] = "changed"
	if !attr.ItemsEqual(in, richItem()) {
		t.Fatal("editing the projection changed the item")
	}
	if got := strings.Join(pr.Refs().Names, ","); got != "" || pr.Refs().Expr != "ProjectionExpression" {
		t.Fatalf("Refs = %+v", pr.Refs())
	}
}
