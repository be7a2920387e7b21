package expr

import (
	"strings"
	"testing"

	"github.com/sfapi/sfapi/internal/emulator/ddb/attr"
)

// conditionCases maps a ConditionExpression to its canonical form, or to
// the exact error DynamoDB reports. They also seed FuzzParseCondition.
var conditionCases = []struct {
	in, want, err string
}{
	{in: "a = :v", want: "a = :v"},
	{in: "  a=:v  ", want: "a = :v"},
	{in: "#s <> :old", want: "#s <> :old"},
	{in: "a < :v AND b <= :w OR c > :x AND d >= :y", want: "a < :v AND b <= :w OR c > :x AND d >= :y"},
	{in: "a = :v and (b = :w or c = :x)", want: "a = :v AND (b = :w OR c = :x)"},
	{in: "(a = :v AND b = :w) OR c = :x", want: "a = :v AND b = :w OR c = :x"},
	{in: "a = :v OR (b = :w OR c = :x)", want: "a = :v OR (b = :w OR c = :x)"},
	{in: "not a = :v", want: "NOT a = :v"},
	{in: "NOT (a = :v OR b = :w)", want: "NOT (a = :v OR b = :w)"},
	{in: "NOT NOT a = :v", want: "NOT NOT a = :v"},
	{in: "NOT a = :v AND b = :w", want: "NOT a = :v AND b = :w"},
	{in: "a BETWEEN :lo AND :hi", want: "a BETWEEN :lo AND :hi"},
	{in: "a between :lo and :hi and b = :v", want: "a BETWEEN :lo AND :hi AND b = :v"},
	{in: "a IN (:x, :y,:z)", want: "a IN (:x, :y, :z)"},
	{in: "attribute_exists(a.b[2].#c)", want: "attribute_exists(a.b[2].#c)"},
	{in: "attribute_not_exists(pk) OR #v < :v", want: "attribute_not_exists(pk) OR #v < :v"},
	{in: "attribute_type(a, :t)", want: "attribute_type(a, :t)"},
	{in: "begins_with(a, :p) AND contains(tags, :t)", want: "begins_with(a, :p) AND contains(tags, :t)"},
	{in: "size(a) > :n", want: "size(a) > :n"},
	{in: ":n < size(a)", want: ":n < size(a)"},
	{in: "(a) = :v", want: "a = :v"},
	{in: "(a = :v)", want: "a = :v"},
	{in: "((a = :v) AND b = :w)", want: "a = :v AND b = :w"},
	{in: "a[0][1] = :v", want: "a[0][1] = :v"},
	{in: "_private = :v", want: "_private = :v"},
	{in: "a = b", want: "a = b"},

	{in: "", err: "Invalid ConditionExpression: The expression can not be empty;"},
	{in: "   ", err: "Invalid ConditionExpression: The expression can not be empty;"},
	{in: "a = = b", err: `Invalid ConditionExpression: Syntax error; token: "=", near: "= = b"`},
	{in: "foo", err: `Invalid ConditionExpression: Syntax error; token: "<EOF>", near: "foo"`},
	{in: "a-b", err: `Invalid ConditionExpression: Syntax error; token: "-", near: "a-b"`},
	{in: "()", err: `Invalid ConditionExpression: Syntax error; token: ")", near: "()"`},
	{in: "pk = !!", err: `Invalid ConditionExpression: Syntax error; token: "!", near: "= !!"`},
	{in: "a == :v", err: `Invalid ConditionExpression: Syntax error; token: "=", near: "== :v"`},
	{in: "attribute_exists(x) AND NOT #flag", err: `Invalid ConditionExpression: Syntax error; token: "<EOF>", near: "#flag"`},
	{in: "a = :v AND", err: `Invalid ConditionExpression: Syntax error; token: "<EOF>", near: "AND"`},
	{in: "a OR b", err: `Invalid ConditionExpression: Syntax error; token: "OR", near: "a OR b"`},
	{in: "a BETWEEN :x", err: `Invalid ConditionExpression: Syntax error; token: "<EOF>", near: ":x"`},
	{in: "a IN ()", err: `Invalid ConditionExpression: Syntax error; token: ")", near: "()"`},
	{in: "a = :v + :w", err: `Invalid ConditionExpression: Syntax error; token: "+", near: ":v + :w"`},
	{in: "a.1 = :v", err: `Invalid ConditionExpression: Syntax error; token: "1", near: ".1 ="`},
	{in: "a[x] = :v", err: `Invalid ConditionExpression: Syntax error; token: "x", near: "[x]"`},
	{in: "# = :v", err: `Invalid ConditionExpression: Syntax error; token: "#", near: "# ="`},
	{in: "a = :", err: `Invalid ConditionExpression: Syntax error; token: ":", near: "= :"`},
	{in: "a = :v é", err: `Invalid ConditionExpression: Syntax error; token: "é", near: ":v é"`},
	{in: "a[99999999999] = :v", err: `Invalid ConditionExpression: Syntax error; token: "99999999999", near: "[99999999999]"`},
	{in: "and = :v", err: `Invalid ConditionExpression: Syntax error; token: "and", near: "and ="`},
	{in: "status = :v", err: "Invalid ConditionExpression: Attribute name is a reserved keyword; reserved keyword: status"},
	{in: "a.Comment = :v", err: "Invalid ConditionExpression: Attribute name is a reserved keyword; reserved keyword: Comment"},
	{in: "((a = :v))", err: "Invalid ConditionExpression: The expression has redundant parentheses;"},
	{in: "((a)) = :v", err: "Invalid ConditionExpression: The expression has redundant parentheses;"},
	{in: "((attribute_not_exists(pk)))", err: "Invalid ConditionExpression: The expression has redundant parentheses;"},
	{in: "foo(a)", err: "Invalid ConditionExpression: Invalid function name; function: foo"},
	{in: "if_not_exists(a, :v)", err: "Invalid ConditionExpression: The function is not allowed in a condition expression; function: if_not_exists"},
	{in: "size(a)", err: "Invalid ConditionExpression: The function is not allowed to be used this way in an expression; function: size"},
	{in: "attribute_exists(a) = :v", err: "Invalid ConditionExpression: The function is not allowed to be used this way in an expression; function: attribute_exists"},
	{in: "attribute_exists(a, b)", err: "Invalid ConditionExpression: Incorrect number of operands for operator or function; operator or function: attribute_exists, number of operands: 2"},
	{in: "begins_with(a)", err: "Invalid ConditionExpression: Incorrect number of operands for operator or function; operator or function: begins_with, number of operands: 1"},
	{in: "attribute_exists(:v)", err: "Invalid ConditionExpression: Operator or function requires a document path; operator or function: attribute_exists"},
	// Priority: redundant parentheses outrank an unknown function, which
	// outranks a reserved word.
	{in: "((foo(status)))", err: "Invalid ConditionExpression: The expression has redundant parentheses;"},
	{in: "foo(status)", err: "Invalid ConditionExpression: Invalid function name; function: foo"},
	// A syntax error outranks everything.
	{in: "status = = :v", err: `Invalid ConditionExpression: Syntax error; token: "=", near: "= = :v"`},
}

func TestParseCondition(t *testing.T) {
	t.Parallel()
	for _, tc := range conditionCases {
		c, err := ParseCondition(tc.in)
		if got := errMsg(t, err); got != tc.err {
			t.Errorf("ParseCondition(%q) error = %q, want %q", tc.in, got, tc.err)
			continue
		}
		if err != nil {
			continue
		}
		if got := c.String(); got != tc.want {
			t.Errorf("ParseCondition(%q).String() = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestParseConditionLimits(t *testing.T) {
	t.Parallel()
	long := "a = :v AND " + strings.Repeat("b", 4096)
	if got := errMsg(t, second(ParseCondition(long))); got != "Invalid ConditionExpression: Expression size has exceeded the maximum allowed size; expression size: 4107" {
		t.Errorf("oversized: %q", got)
	}
	var in []string
	for i := 0; i < 101; i++ {
		in = append(in, ":v")
	}
	if got := errMsg(t, second(ParseCondition("a IN ("+strings.Join(in, ",")+")"))); got != "Invalid ConditionExpression: The IN operator is provided with too many operands; number of operands: 101" {
		t.Errorf("IN 101: %q", got)
	}
	if _, err := ParseCondition("a IN (" + strings.Join(in[:100], ",") + ")"); err != nil {
		t.Errorf("IN 100: %v", err)
	}
	terms := make([]string, 301)
	for i := range terms {
		terms[i] = "a = :v"
	}
	if got := errMsg(t, second(ParseCondition(strings.Join(terms[:151], " OR ")))); got != "Invalid ConditionExpression: The expression contains too many operators; operator count: 301" {
		t.Errorf("301 operators: %q", got)
	}
	if _, err := ParseCondition(strings.Join(terms[:150], " OR ")); err != nil {
		t.Errorf("299 operators: %v", err)
	}
}

func second[T any](_ T, err error) error { return err }

func TestParseFilterLabel(t *testing.T) {
	t.Parallel()
	_, err := ParseFilter("a = ")
	if got := errMsg(t, err); got != `Invalid FilterExpression: Syntax error; token: "<EOF>", near: "="` {
		t.Fatalf("ParseFilter error = %q", got)
	}
	c, err := ParseFilter("a = :v")
	if err != nil {
		t.Fatal(err)
	}
	if got := errMsg(t, c.Validate(ph(nil, nil))); got != "Invalid FilterExpression: An expression attribute value used in expression is not defined; attribute value: :v" {
		t.Fatalf("Validate = %q", got)
	}
	if r := c.Refs(); r.Expr != "FilterExpression" {
		t.Fatalf("Refs.Expr = %q", r.Expr)
	}
}

func TestConditionRefs(t *testing.T) {
	t.Parallel()
	c, err := ParseCondition("#a = :x AND (#b.#a = :y OR contains(#c, :x))")
	if err != nil {
		t.Fatal(err)
	}
	r := c.Refs()
	if strings.Join(r.Names, ",") != "#a,#b,#c" || strings.Join(r.Values, ",") != ":x,:y" || r.Expr != "ConditionExpression" {
		t.Fatalf("Refs = %+v", r)
	}
}

// conditionValidateCases need placeholders to detect.
func TestConditionValidate(t *testing.T) {
	t.Parallel()
	p := ph(map[string]string{"#a": "a", "#a2": "a", "#b": "b"}, map[string]attr.Value{
		":s": S("x"), ":n": N("1"), ":n10": N("10"), ":b": B(1), ":bool": attr.Bool(true),
		":t": S("SS"), ":badt": S("STRING"), ":l": L(), ":null": attr.Null(),
	})
	cases := []struct{ in, err string }{
		{"#a = :s", ""},
		{"#zz = :s", "Invalid ConditionExpression: An expression attribute name used in the document path is not defined; attribute name: #zz"},
		{"a = :zz", "Invalid ConditionExpression: An expression attribute value used in expression is not defined; attribute value: :zz"},
		{"a = :zz AND #zz = :s", "Invalid ConditionExpression: An expression attribute value used in expression is not defined; attribute value: :zz"},
		{"a = a", "Invalid ConditionExpression: The first operand must be distinct from the remaining operands for this operator or function; operator: =, first operand: [a]"},
		{"#a.b <> #a2.b", "Invalid ConditionExpression: The first operand must be distinct from the remaining operands for this operator or function; operator: <>, first operand: [a, b]"},
		{"contains(#a, #a)", "Invalid ConditionExpression: The first operand must be distinct from the remaining operands for this operator or function; operator: contains, first operand: [a]"},
		{"a[0] = a[1]", ""},
		{"begins_with(a, :n)", "Invalid ConditionExpression: Incorrect operand type for operator or function; operator or function: begins_with, operand type: N"},
		{"begins_with(a, :b)", ""},
		{"begins_with(a, size(b))", "Invalid ConditionExpression: Incorrect operand type for operator or function; operator or function: begins_with, operand type: N"},
		{"attribute_type(a, :t)", ""},
		{"attribute_type(a, :n)", "Invalid ConditionExpression: Incorrect operand type for operator or function; operator or function: attribute_type, operand type: N"},
		{"attribute_type(a, b)", "Invalid ConditionExpression: Incorrect operand type for operator or function; operator or function: attribute_type, operand type: {NS,SS,L,BS,N,M,B,BOOL,NULL,S}"},
		{"attribute_type(a, :badt)", "Invalid ConditionExpression: Invalid attribute type name found; type: STRING, valid types: {B,NULL,SS,BOOL,L,BS,N,NS,S,M}"},
		{"size(:n) > :n", "Invalid ConditionExpression: Incorrect operand type for operator or function; operator or function: size, operand type: N"},
		{"size(:bool) > :n", "Invalid ConditionExpression: Incorrect operand type for operator or function; operator or function: size, operand type: BOOL"},
		{"size(:null) > :n", "Invalid ConditionExpression: Incorrect operand type for operator or function; operator or function: size, operand type: NULL"},
		{"size(:s) > :n", ""},
		{"a BETWEEN :n AND :s", "Invalid ConditionExpression: The BETWEEN operator requires same data type for lower and upper bounds; lower bound operand: AttributeValue: {N:1}, upper bound operand: AttributeValue: {S:x}"},
		{"a BETWEEN :n10 AND :n", "Invalid ConditionExpression: The BETWEEN operator requires upper bound to be greater than or equal to lower bound; lower bound operand: AttributeValue: {N:10}, upper bound operand: AttributeValue: {N:1}"},
		{"a BETWEEN :n AND :n10", ""},
		{"a BETWEEN b AND :n", ""},
		// Problems are reported in source order.
		{"begins_with(a, :n) AND b = :zz", "Invalid ConditionExpression: Incorrect operand type for operator or function; operator or function: begins_with, operand type: N"},
		{"b = :zz AND begins_with(a, :n)", "Invalid ConditionExpression: An expression attribute value used in expression is not defined; attribute value: :zz"},
	}
	for _, tc := range cases {
		c, err := ParseCondition(tc.in)
		if err != nil {
			t.Errorf("ParseCondition(%q): %v", tc.in, err)
			continue
		}
		if got := errMsg(t, c.Validate(p)); got != tc.err {
			t.Errorf("Validate(%q) = %q, want %q", tc.in, got, tc.err)
		}
		// Eval reports the same problem.
		_, err = c.Eval(richItem(), p)
		if got := errMsg(t, err); got != tc.err {
			t.Errorf("Eval(%q) error = %q, want %q", tc.in, got, tc.err)
		}
	}
}

func TestConditionEval(t *testing.T) {
	t.Parallel()
	p := ph(
		map[string]string{"#s": "status", "#c": "count", "#n": "name", "#d": "doc", "#i": "items", "#nothing": "nothing"},
		map[string]attr.Value{
			":running": S("RUNNING"), ":done": S("DONE"), ":RUN": S("RUN"),
			":42": N("42"), ":42_0": N("42.0"), ":41": N("41"), ":100": N("100"), ":1e1": N("1E1"),
			":19_99": N("19.99"), ":19_990001": N("19.990001"), ":neg": N("-3"), ":2_5": N("2.5"),
			":true": attr.Bool(true), ":false": attr.Bool(false), ":null": attr.Null(),
			":b12": B(1, 2), ":b123": B(1, 2, 3), ":b2": B(2), ":b23": B(2, 3),
			":red": S("red"), ":green": S("green"), ":x": S("x"), ":7": N("7"), ":a1": S("a1"), ":2": N("2"),
			":tags": attr.StringSet("blue", "red"), ":list": L(S("x"), N("7"), M("deep", L(M("k", S("v"))))),
			":S": S("S"), ":N": S("N"), ":SS": S("SS"), ":NS": S("NS"), ":BS": S("BS"), ":L": S("L"), ":M": S("M"),
			":BOOL": S("BOOL"), ":NULL": S("NULL"), ":B": S("B"),
			":0": N("0"), ":3": N("3"), ":5": N("5"), ":6": N("6"), ":el": M("k", S("v")), ":v": S("v"),
		},
	)
	cases := []struct {
		in   string
		want bool
	}{
		{"#s = :running", true},
		{"#s = :done", false},
		{"#s <> :done", true},
		{"#s <> :running", false},
		{"#c = :42", true},
		{"#c = :42_0", true}, // numbers compare by value
		{"#c > :41 AND #c < :100", true},
		{"#c >= :42 AND #c <= :42", true},
		{"#c > :1e1", true},
		{"price < :19_990001", true},
		{"price > :19_99", false},
		{"#c = :running", false}, // mismatched types are unequal
		{"#c < :running", false}, // and unordered, not an error
		{"#c <> :running", true},
		{"#n > :running", true}, // S orders by UTF-8 bytes
		{"bin > :b12", true},    // B orders by unsigned bytes
		{"bin < :b2", true},
		{"flag = :true", true},
		{"flag < :true", false},
		{"#nothing = :null", true},
		{"tags = :tags", true}, // sets compare as sets
		{"lst = :list", true},  // documents compare deeply
		{"absent = :x", false},
		{"absent <> :x", true},
		{"absent < :x", false},
		{"#c BETWEEN :41 AND :100", true},
		{"#c BETWEEN :42 AND :42", true},
		{"#c BETWEEN :0 AND :41", false},
		{"#s BETWEEN :RUN AND :running", true},
		{"absent BETWEEN :0 AND :41", false},
		{"#s IN (:done, :running)", true},
		{"#s IN (:done)", false},
		{"#c IN (:x, :42_0)", true},
		{"NOT #s = :done", true},
		{"NOT (#s = :running OR #c = :41)", false},
		{"#s = :done OR #c = :42 AND flag = :true", true},
		{"(#s = :done OR #c = :42) AND flag = :false", false},
		{"attribute_exists(pk)", true},
		{"attribute_exists(absent)", false},
		{"attribute_not_exists(absent)", true},
		{"attribute_not_exists(pk)", false},
		{"attribute_exists(#d.#i[1].qty)", true},
		{"attribute_exists(#d.#i[2].qty)", false},
		{"attribute_exists(#d.#i.qty)", false}, // a list has no keys
		{"attribute_exists(#s.x)", false},      // a string has no keys
		{"attribute_exists(lst[2].deep[0].k)", true},
		{"lst[2].deep[0].k = :v", true},
		{"attribute_exists(#d.meta.vacant)", true},
		{"attribute_type(#s, :S)", true},
		{"attribute_type(#c, :N)", true},
		{"attribute_type(bin, :B)", true},
		{"attribute_type(flag, :BOOL)", true},
		{"attribute_type(#nothing, :NULL)", true},
		{"attribute_type(tags, :SS)", true},
		{"attribute_type(nums, :NS)", true},
		{"attribute_type(bins, :BS)", true},
		{"attribute_type(lst, :L)", true},
		{"attribute_type(#d, :M)", true},
		{"attribute_type(#d, :L)", false},
		{"attribute_type(absent, :S)", false},
		{"begins_with(#s, :RUN)", true},
		{"begins_with(#s, :running)", true},
		{"begins_with(#s, :done)", false},
		{"begins_with(bin, :b12)", true},
		{"begins_with(bin, :b23)", false},
		{"begins_with(#c, :RUN)", false},
		{"begins_with(absent, :RUN)", false},
		{"contains(#s, :RUN)", true},
		{"contains(#s, :x)", false},
		{"contains(tags, :red)", true},
		{"contains(tags, :green)", false},
		{"contains(nums, :2_5)", true},
		{"contains(nums, :neg)", true},
		{"contains(nums, :3)", false},
		{"contains(nums, :red)", false}, // member type must match the set
		{"contains(bins, :b23)", true},
		{"contains(bins, :b12)", false},
		{"contains(lst, :x)", true},
		{"contains(lst, :7)", true},
		{"contains(lst, :el)", false},
		{"contains(#d.#i[0].tags, :red)", false},
		{"contains(#d.meta.labels, :x)", true},
		{"contains(bin, :b23)", true},
		{"contains(absent, :x)", false},
		{"size(#s) = :7", true},
		{"size(#n) = :6", true}, // bytes, not characters: héllo is 6 bytes
		{"size(bin) = :3", true},
		{"size(tags) = :2", true},
		{"size(nums) = :3", true},
		{"size(bins) = :2", true},
		{"size(lst) = :3", true},
		{"size(#d) = :3", true},
		{"size(#d.meta.vacant) = :0", true},
		{"size(#c) = :2", false}, // numbers have no size
		{"size(#c) <> :2", true},
		{"size(absent) = :0", false},
		{"size(#d.#i) BETWEEN :2 AND :5", true},
		{"size(:running) = :7", true},
		{":42 = #c", true},
	}
	item := richItem()
	for _, tc := range cases {
		c, err := ParseCondition(tc.in)
		if err != nil {
			t.Errorf("ParseCondition(%q): %v", tc.in, err)
			continue
		}
		got, err := c.Eval(item, p)
		if err != nil {
			t.Errorf("Eval(%q): %v", tc.in, err)
			continue
		}
		if got != tc.want {
			t.Errorf("Eval(%q) = %v, want %v", tc.in, got, tc.want)
		}
	}
}

func TestConditionEvalNoItem(t *testing.T) {
	t.Parallel()
	p := ph(nil, map[string]attr.Value{":v": S("x")})
	for in, want := range map[string]bool{
		"attribute_not_exists(pk)": true,
		"attribute_exists(pk)":     false,
		"a = :v":                   false,
		"a <> :v":                  true,
		"NOT a = :v":               true,
	} {
		c, err := ParseCondition(in)
		if err != nil {
			t.Fatal(err)
		}
		if got, err := c.Eval(nil, p); err != nil || got != want {
			t.Errorf("Eval(%q, nil item) = %v, %v; want %v", in, got, err, want)
		}
	}
}

func TestConditionEvalDoesNotMutate(t *testing.T) {
	t.Parallel()
	item := richItem()
	c, err := ParseCondition("contains(tags, :t) AND size(lst) > :n")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Eval(item, ph(nil, map[string]attr.Value{":t": S("red"), ":n": N("1")})); err != nil {
		t.Fatal(err)
	}
	if !attr.ItemsEqual(item, richItem()) {
		t.Fatal("Eval mutated the item")
	}
}
