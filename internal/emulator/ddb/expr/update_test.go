package expr

import (
	"strings"
	"testing"

	"github.com/sfapi/sfapi/internal/emulator/ddb/attr"
)

// updateCases maps an UpdateExpression to its canonical form or exact
// error. They also seed FuzzParseUpdate.
var updateCases = []struct {
	in, want, err string
}{
	{in: "SET a = :v", want: "SET a = :v"},
	{in: "set a=:v,b=:w", want: "SET a = :v, b = :w"},
	{in: "SET #s = :new, updatedAt = :now", want: "SET #s = :new, updatedAt = :now"},
	{in: "SET a = b + :x", want: "SET a = b + :x"},
	{in: "SET a = b - :x", want: "SET a = b - :x"},
	{in: "SET a = (b + :x)", want: "SET a = b + :x"},
	{in: "SET a = (b) + (:x)", want: "SET a = b + :x"},
	{in: "SET a = if_not_exists(a, :zero) + :one", want: "SET a = if_not_exists(a, :zero) + :one"},
	{in: "SET l = list_append(if_not_exists(l, :empty), :new)", want: "SET l = list_append(if_not_exists(l, :empty), :new)"},
	{in: "SET a.b[1].c = :v", want: "SET a.b[1].c = :v"},
	{in: "REMOVE a, b.c, d[3]", want: "REMOVE a, b.c, d[3]"},
	{in: "ADD n :one, s :set", want: "ADD n :one, s :set"},
	{in: "DELETE s :set", want: "DELETE s :set"},
	{in: "remove x set y = :v add z :n delete w :s", want: "REMOVE x SET y = :v ADD z :n DELETE w :s"},
	{in: "SET a = b", want: "SET a = b"},

	{in: "", err: "Invalid UpdateExpression: The expression can not be empty;"},
	{in: "INVALID SYNTAX HERE", err: `Invalid UpdateExpression: Syntax error; token: "INVALID", near: "INVALID SYNTAX"`},
	{in: "SET path = VALUE 1", err: `Invalid UpdateExpression: Syntax error; token: "1", near: "VALUE 1"`},
	{in: "SET a", err: `Invalid UpdateExpression: Syntax error; token: "<EOF>", near: "a"`},
	{in: "SET a = b + c + d", err: `Invalid UpdateExpression: Syntax error; token: "+", near: "c + d"`},
	{in: "SET a = :v,", err: `Invalid UpdateExpression: Syntax error; token: "<EOF>", near: ","`},
	{in: "SET a = :v, REMOVE b", err: `Invalid UpdateExpression: Syntax error; token: "REMOVE", near: ", REMOVE b"`},
	{in: "ADD a b", err: `Invalid UpdateExpression: Syntax error; token: "b", near: "a b"`},
	{in: "DELETE a", err: `Invalid UpdateExpression: Syntax error; token: "<EOF>", near: "a"`},
	{in: "SET add = :v", err: `Invalid UpdateExpression: Syntax error; token: "add", near: "SET add ="`},
	{in: "SET a = :v SET b = :w", err: `Invalid UpdateExpression: The "SET" section can only be used once in an update expression;`},
	{in: "remove a remove b", err: `Invalid UpdateExpression: The "REMOVE" section can only be used once in an update expression;`},
	{in: "SET a = size(b)", err: "Invalid UpdateExpression: The function is not allowed in an update expression; function: size"},
	{in: "SET a = foo(b)", err: "Invalid UpdateExpression: Invalid function name; function: foo"},
	{in: "SET a = list_append(b)", err: "Invalid UpdateExpression: Incorrect number of operands for operator or function; operator or function: list_append, number of operands: 1"},
	{in: "SET a = if_not_exists(:v, b)", err: "Invalid UpdateExpression: Operator or function requires a document path; operator or function: if_not_exists"},
	{in: "SET #s = :v, data = :w", err: "Invalid UpdateExpression: Attribute name is a reserved keyword; reserved keyword: data"},
	{in: "REMOVE a.b.c, a.b", want: "REMOVE a.b.c, a.b"}, // overlap needs resolved names: caught by Validate
}

func TestParseUpdate(t *testing.T) {
	t.Parallel()
	for _, tc := range updateCases {
		u, err := ParseUpdate(tc.in)
		if got := errMsg(t, err); got != tc.err {
			t.Errorf("ParseUpdate(%q) error = %q, want %q", tc.in, got, tc.err)
			continue
		}
		if err == nil && u.String() != tc.want {
			t.Errorf("ParseUpdate(%q).String() = %q, want %q", tc.in, u.String(), tc.want)
		}
	}
}

func TestUpdateValidate(t *testing.T) {
	t.Parallel()
	p := ph(map[string]string{"#a": "a", "#b": "b"}, map[string]attr.Value{
		":s": S("x"), ":n": N("1"), ":ss": attr.StringSet("a"), ":ns": attr.NumberSet("1"), ":bs": attr.BinarySet([]byte{1}),
		":l": L(), ":m": M(), ":bool": attr.Bool(false), ":null": attr.Null(), ":b": B(1),
	})
	cases := []struct{ in, err string }{
		{"SET a = :s", ""},
		{"SET #zz = :s", "Invalid UpdateExpression: An expression attribute name used in the document path is not defined; attribute name: #zz"},
		{"SET a = :zz", "Invalid UpdateExpression: An expression attribute value used in expression is not defined; attribute value: :zz"},
		{"SET a = :s REMOVE a.b", "Invalid UpdateExpression: Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [a], path two: [a, b]"},
		{"SET #a = :s, a = :n", "Invalid UpdateExpression: Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [a], path two: [a]"},
		{"SET a[0] = :s, a.b = :n", "Invalid UpdateExpression: Two document paths conflict with each other; must remove or rewrite one of these paths; path one: [a, [0]], path two: [a, b]"},
		{"REMOVE a.b.c, #a.#b", "Invalid UpdateExpression: Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [a, b, c], path two: [a, b]"},
		{"SET a[0] = :s, a[1] = :n", ""},
		{"ADD a :n, b :ss, c :ns, d :bs", ""},
		{"ADD a :s", "Invalid UpdateExpression: Incorrect operand type for operator or function; operator: ADD, operand type: STRING"},
		{"ADD a :l", "Invalid UpdateExpression: Incorrect operand type for operator or function; operator: ADD, operand type: LIST"},
		{"ADD a :m", "Invalid UpdateExpression: Incorrect operand type for operator or function; operator: ADD, operand type: MAP"},
		{"ADD a :bool", "Invalid UpdateExpression: Incorrect operand type for operator or function; operator: ADD, operand type: BOOLEAN"},
		{"ADD a :null", "Invalid UpdateExpression: Incorrect operand type for operator or function; operator: ADD, operand type: NULL"},
		{"ADD a :b", "Invalid UpdateExpression: Incorrect operand type for operator or function; operator: ADD, operand type: BINARY"},
		{"DELETE a :ss, b :ns, c :bs", ""},
		{"DELETE a :n", "Invalid UpdateExpression: Incorrect operand type for operator or function; operator: DELETE, operand type: NUMBER"},
		{"SET a = :s + :n", "Invalid UpdateExpression: Incorrect operand type for operator or function; operator or function: +, operand type: S"},
		{"SET a = b - :ss", "Invalid UpdateExpression: Incorrect operand type for operator or function; operator or function: -, operand type: SS"},
		{"SET a = list_append(b, :m)", "Invalid UpdateExpression: Incorrect operand type for operator or function; operator or function: list_append, operand type: M"},
		{"SET a = list_append(:l, b)", ""},
		// Undefined placeholders outrank overlaps, which outrank operand types.
		{"ADD a :s SET a = :zz", "Invalid UpdateExpression: An expression attribute value used in expression is not defined; attribute value: :zz"},
		{"ADD a :s SET a = :n", "Invalid UpdateExpression: Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [a], path two: [a]"},
	}
	for _, tc := range cases {
		u, err := ParseUpdate(tc.in)
		if err != nil {
			t.Errorf("ParseUpdate(%q): %v", tc.in, err)
			continue
		}
		if got := errMsg(t, u.Validate(p)); got != tc.err {
			t.Errorf("Validate(%q) = %q, want %q", tc.in, got, tc.err)
		}
		_, _, err = u.Apply(richItem(), p)
		if tc.err != "" {
			if got := errMsg(t, err); got != tc.err {
				t.Errorf("Apply(%q) error = %q, want %q", tc.in, got, tc.err)
			}
		}
	}
}

func TestUpdateApply(t *testing.T) {
	t.Parallel()
	names := map[string]string{"#s": "status", "#c": "count", "#d": "doc", "#i": "items", "#n": "name"}
	values := map[string]attr.Value{
		":new": S("DONE"), ":now": N("1700000000"), ":one": N("1"), ":zero": N("0"), ":tenth": N("0.1"),
		":two": N("0.2"), ":big": N("9.9999999999999999999999999999999999999E+125"), ":x": S("x"), ":y": S("y"),
		":l": L(S("p"), S("q")), ":empty": L(), ":el": M("sku", S("c3")), ":ss": attr.StringSet("blue", "green"),
		":ns": attr.NumberSet("2.5", "4"), ":bs": attr.BinarySet([]byte{9}, []byte{1}), ":red": attr.StringSet("red"),
		":redblue": attr.StringSet("red", "blue"), ":nope": attr.StringSet("nope"), ":nsdel": attr.NumberSet("2.50"),
		":n5": N("5"),
	}
	p := ph(names, values)
	type tc struct {
		in      string
		item    attr.Item // nil means richItem()
		noItem  bool
		want    func(attr.Item) // edits richItem() (or an empty item) into the expected result
		changed string
		err     string
	}
	cases := []tc{
		{in: "SET #s = :new, updatedAt = :now", changed: "status,updatedAt", want: func(it attr.Item) {
			it["status"] = S("DONE")
			it["updatedAt"] = N("1700000000")
		}},
		{in: "SET #s = :new", noItem: true, changed: "status", want: func(it attr.Item) { it["status"] = S("DONE") }},
		{in: "SET #c = #c + :one", changed: "count", want: func(it attr.Item) { it["count"] = N("43") }},
		{in: "SET #c = #c - :tenth", changed: "count", want: func(it attr.Item) { it["count"] = N("41.9") }},
		{in: "SET f = :tenth + :two", changed: "f", want: func(it attr.Item) { it["f"] = N("0.3") }}, // exact, not 0.30000000000000004
		{in: "SET f = price - price", changed: "f", want: func(it attr.Item) { it["f"] = N("0") }},
		{in: "SET a = absent + :one", changed: "a", err: "The provided expression refers to an attribute that does not exist in the item"},
		{in: "SET a = absent", changed: "a", err: "The provided expression refers to an attribute that does not exist in the item"},
		{in: "SET a = #s + :one", err: "Invalid UpdateExpression: Incorrect operand type for operator or function; operator or function: +, operand type: S"},
		{in: "SET a = :big + :big", err: "Number overflow. Attempting to store a number with magnitude larger than supported range"},
		{in: "SET #c = if_not_exists(#c, :zero) + :one", changed: "count", want: func(it attr.Item) { it["count"] = N("43") }},
		{in: "SET hits = if_not_exists(hits, :zero) + :one", changed: "hits", want: func(it attr.Item) { it["hits"] = N("1") }},
		{in: "SET hits = if_not_exists(hits, absent)", err: "The provided expression refers to an attribute that does not exist in the item"},
		{in: "SET lst = list_append(lst, :l)", want: func(it attr.Item) {
			it["lst"] = L(S("x"), N("7"), M("deep", L(M("k", S("v")))), S("p"), S("q"))
		}},
		{in: "SET lst = list_append(:l, lst)", want: func(it attr.Item) {
			it["lst"] = L(S("p"), S("q"), S("x"), N("7"), M("deep", L(M("k", S("v")))))
		}},
		{in: "SET fresh = list_append(if_not_exists(fresh, :empty), :l)", want: func(it attr.Item) { it["fresh"] = L(S("p"), S("q")) }},
		{in: "SET a = list_append(#d, :l)", err: "Invalid UpdateExpression: Incorrect operand type for operator or function; operator or function: list_append, operand type: M"},
		{in: "SET a = list_append(absent, :l)", err: "The provided expression refers to an attribute that does not exist in the item"},
		{in: "SET #d.who = :x", changed: "doc", want: func(it attr.Item) { it["doc"].M["who"] = S("x") }},
		{in: "SET #d.#i[1].qty = :n5", want: func(it attr.Item) { it["doc"].M["items"].L[1].M["qty"] = N("5") }},
		{in: "SET #d.#i[1].color = :x", want: func(it attr.Item) { it["doc"].M["items"].L[1].M["color"] = S("x") }},
		{in: "SET #d.#i[7] = :el", want: func(it attr.Item) { // past the end appends
			d := it["doc"]
			items := d.M["items"]
			items.L = append(items.L, M("sku", S("c3")))
			d.M["items"] = items
		}},
		{in: "SET lst[2].deep[0].k = :y", want: func(it attr.Item) { it["lst"].L[2].M["deep"].L[0].M["k"] = S("y") }},
		{in: "SET #d.nomap.x = :x", err: "The document path provided in the update expression is invalid for update"},
		{in: "SET absent.x = :x", err: "The document path provided in the update expression is invalid for update"},
		{in: "SET absent[0] = :x", err: "The document path provided in the update expression is invalid for update"},
		{in: "SET pk[0] = :x", err: "The document path provided in the update expression is invalid for update"},
		{in: "SET #d.#i.x = :x", err: "The document path provided in the update expression is invalid for update"},
		{in: "SET #d.#i[9].qty = :x", err: "The document path provided in the update expression is invalid for update"},
		{in: "SET a = b, b = a", item: attr.Item{"a": S("1"), "b": S("2")}, changed: "a,b", want: func(it attr.Item) {
			it["a"], it["b"] = S("2"), S("1") // right-hand sides read the original item
		}},
		{in: "SET dup = #d REMOVE #d.who", changed: "dup,doc", want: func(it attr.Item) {
			it["dup"] = richItem()["doc"]
			delete(it["doc"].M, "who")
		}},
		{in: "REMOVE #s, absent", changed: "status,absent", want: func(it attr.Item) { delete(it, "status") }},
		{in: "REMOVE #d.meta.labels", want: func(it attr.Item) { delete(it["doc"].M["meta"].M, "labels") }},
		{in: "REMOVE #d.meta.nothere", want: func(attr.Item) {}},
		{in: "REMOVE lst[0]", want: func(it attr.Item) { it["lst"] = L(N("7"), M("deep", L(M("k", S("v"))))) }},
		{in: "REMOVE lst[0], lst[2]", want: func(it attr.Item) { it["lst"] = L(N("7")) }},
		{in: "REMOVE lst[2], lst[0]", want: func(it attr.Item) { it["lst"] = L(N("7")) }},
		{in: "REMOVE lst[9]", want: func(attr.Item) {}},
		{in: "REMOVE lst[2].deep[0].k, lst[0]", want: func(it attr.Item) {
			it["lst"] = L(N("7"), M("deep", L(M())))
		}},
		{in: "SET lst[1] = :x REMOVE lst[0]", want: func(it attr.Item) {
			it["lst"] = L(S("x"), M("deep", L(M("k", S("v")))))
		}},
		{in: "REMOVE absent.x", err: "The document path provided in the update expression is invalid for update"},
		{in: "REMOVE pk.x", err: "The document path provided in the update expression is invalid for update"},
		{in: "ADD #c :one", want: func(it attr.Item) { it["count"] = N("43") }},
		{in: "ADD hits :one", want: func(it attr.Item) { it["hits"] = N("1") }},
		{in: "ADD #d.#i[0].qty :n5", want: func(it attr.Item) { it["doc"].M["items"].L[0].M["qty"] = N("7") }},
		{in: "ADD #s :one", err: "Invalid UpdateExpression: An operand in the update expression has an incorrect data type"},
		{in: "ADD tags :ss", want: func(it attr.Item) { it["tags"] = attr.StringSet("red", "blue", "green") }},
		{in: "ADD nums :ns", want: func(it attr.Item) { it["nums"] = attr.NumberSet("1", "2.5", "-3", "4") }},
		{in: "ADD bins :bs", want: func(it attr.Item) { it["bins"] = attr.BinarySet([]byte{1}, []byte{2, 3}, []byte{9}) }},
		{in: "ADD newset :ss", want: func(it attr.Item) { it["newset"] = attr.StringSet("blue", "green") }},
		{in: "ADD #d.meta.labels :ss", want: func(it attr.Item) { it["doc"].M["meta"].M["labels"] = attr.StringSet("x", "y", "blue", "green") }},
		{in: "ADD nums :ss", err: "Invalid UpdateExpression: An operand in the update expression has an incorrect data type"},
		{in: "ADD tags :one", err: "Invalid UpdateExpression: An operand in the update expression has an incorrect data type"},
		{in: "ADD absent.x :one", err: "The document path provided in the update expression is invalid for update"},
		{in: "DELETE tags :red", want: func(it attr.Item) { it["tags"] = attr.StringSet("blue") }},
		{in: "DELETE tags :redblue", changed: "tags", want: func(it attr.Item) { delete(it, "tags") }}, // emptied sets disappear
		{in: "DELETE tags :nope", want: func(attr.Item) {}},
		{in: "DELETE nums :nsdel", want: func(it attr.Item) { it["nums"] = attr.NumberSet("1", "-3") }},
		{in: "DELETE absent :red", want: func(attr.Item) {}},
		{in: "DELETE #d.#i[0].tags :ss", want: func(attr.Item) {}},
		{in: "DELETE nums :red", err: "Invalid UpdateExpression: An operand in the update expression has an incorrect data type"},
		{in: "DELETE #s :red", err: "Invalid UpdateExpression: An operand in the update expression has an incorrect data type"},
		{in: "REMOVE a SET #s = :new ADD #c :one DELETE tags :red", changed: "a,status,count,tags", want: func(it attr.Item) {
			it["status"] = S("DONE")
			it["count"] = N("43")
			it["tags"] = attr.StringSet("blue")
		}},
	}
	for _, c := range cases {
		u, err := ParseUpdate(c.in)
		if err != nil {
			t.Errorf("ParseUpdate(%q): %v", c.in, err)
			continue
		}
		var in attr.Item
		switch {
		case c.noItem:
		case c.item != nil:
			in = c.item
		default:
			in = richItem()
		}
		before := in.Clone()
		out, changed, err := u.Apply(in, p)
		if got := errMsg(t, err); got != c.err {
			t.Errorf("Apply(%q) error = %q, want %q", c.in, got, c.err)
			continue
		}
		if !attr.ItemsEqual(in, before) {
			t.Errorf("Apply(%q) mutated its input", c.in)
		}
		if err != nil {
			continue
		}
		want := before.Clone()
		if want == nil {
			want = attr.Item{}
		}
		c.want(want)
		if !attr.ItemsEqual(out, want) {
			got, _ := out.MarshalJSON()
			exp, _ := want.MarshalJSON()
			t.Errorf("Apply(%q):\n got %s\nwant %s", c.in, got, exp)
		}
		if c.changed != "" && strings.Join(changed, ",") != c.changed {
			t.Errorf("Apply(%q) changed = %v, want %s", c.in, changed, c.changed)
		}
	}
}

// Values Apply writes are copies: editing them in the result must not show
// through the input. (Attributes the update does not touch are shared, and
// both items are to be treated as immutable.)
func TestUpdateApplyNoAliasing(t *testing.T) {
	t.Parallel()
	u, err := ParseUpdate("SET dup = doc, lst[0] = :v ADD tags :t")
	if err != nil {
		t.Fatal(err)
	}
	in := richItem()
	out, _, err := u.Apply(in, ph(nil, map[string]attr.Value{":v": S("new"), ":t": attr.StringSet("z")}))
	if err != nil {
		t.Fatal(err)
	}
	out["dup"].M["who"] = S("changed")
	out["dup"].M["items"].L[0].M["sku"] = S("changed")
	out["lst"].L[1] = S("changed")
	out["tags"].SS[0] = "changed"
	if !attr.ItemsEqual(in, richItem()) {
		t.Fatal("editing Apply's result changed its input")
	}
}

func TestUpdatePaths(t *testing.T) {
	t.Parallel()
	u, err := ParseUpdate("SET #s = :v, a.b = :w REMOVE c[1], #s2 ADD a.c :n")
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(u.Paths(), ","); got != "#s,a,c,#s2" {
		t.Errorf("Paths() = %s", got)
	}
	p := ph(map[string]string{"#s": "status", "#s2": "a"}, nil)
	if got := strings.Join(u.PathsWith(p), ","); got != "status,a,c" {
		t.Errorf("PathsWith() = %s", got)
	}
	r := u.Refs()
	if strings.Join(r.Names, ",") != "#s,#s2" || strings.Join(r.Values, ",") != ":v,:w,:n" || r.Expr != "UpdateExpression" {
		t.Errorf("Refs() = %+v", r)
	}
}
