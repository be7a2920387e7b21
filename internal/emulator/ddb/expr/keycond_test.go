package expr

import (
	"testing"

	"github.com/sfapi/sfapi/internal/emulator/ddb/attr"
)

// keyPlaceholders is shared by the key condition tests and fuzz target.
func keyPlaceholders() *Placeholders {
	return ph(
		map[string]string{"#p": "pk", "#s": "sk", "#x": "other"},
		map[string]attr.Value{
			":p": S("job#1"), ":s": S("2024-"), ":s2": S("2025-"), ":n": N("10"), ":n1": N("1"),
			":bool": attr.Bool(true), ":b": B(1), ":l": L(), ":ss": attr.StringSet("a"),
		},
	)
}

// keyConditionCases seed FuzzKeyCondition too.
var keyConditionCases = []struct {
	in   string
	want KeyCondition // Refs and cond are not compared
	err  string
}{
	{in: "pk = :p", want: KeyCondition{PartitionAttr: "pk", PartitionValue: S("job#1")}},
	{in: "#p = :p", want: KeyCondition{PartitionAttr: "pk", PartitionValue: S("job#1")}},
	{in: ":p = #p", want: KeyCondition{PartitionAttr: "pk", PartitionValue: S("job#1")}},
	{in: "(pk = :p)", want: KeyCondition{PartitionAttr: "pk", PartitionValue: S("job#1")}},
	{in: "pk = :p AND sk = :s", want: KeyCondition{PartitionAttr: "pk", PartitionValue: S("job#1"),
		Sort: &SortCondition{Attr: "sk", Op: SortEQ, Values: []attr.Value{S("2024-")}}}},
	{in: "#s < :s AND #p = :p", want: KeyCondition{PartitionAttr: "pk", PartitionValue: S("job#1"),
		Sort: &SortCondition{Attr: "sk", Op: SortLT, Values: []attr.Value{S("2024-")}}}},
	{in: "pk = :p AND sk <= :s", want: KeyCondition{PartitionAttr: "pk", PartitionValue: S("job#1"),
		Sort: &SortCondition{Attr: "sk", Op: SortLE, Values: []attr.Value{S("2024-")}}}},
	{in: "pk = :p AND sk > :n", want: KeyCondition{PartitionAttr: "pk", PartitionValue: S("job#1"),
		Sort: &SortCondition{Attr: "sk", Op: SortGT, Values: []attr.Value{N("10")}}}},
	{in: "pk = :p AND :n <= sk", want: KeyCondition{PartitionAttr: "pk", PartitionValue: S("job#1"),
		Sort: &SortCondition{Attr: "sk", Op: SortGE, Values: []attr.Value{N("10")}}}},
	{in: "pk = :p AND sk BETWEEN :s AND :s2", want: KeyCondition{PartitionAttr: "pk", PartitionValue: S("job#1"),
		Sort: &SortCondition{Attr: "sk", Op: SortBetween, Values: []attr.Value{S("2024-"), S("2025-")}}}},
	{in: "pk = :p AND begins_with(#s, :s)", want: KeyCondition{PartitionAttr: "pk", PartitionValue: S("job#1"),
		Sort: &SortCondition{Attr: "sk", Op: SortBeginsWith, Values: []attr.Value{S("2024-")}}}},
	{in: "begins_with(sk, :b) and pk = :p", want: KeyCondition{PartitionAttr: "pk", PartitionValue: S("job#1"),
		Sort: &SortCondition{Attr: "sk", Op: SortBeginsWith, Values: []attr.Value{B(1)}}}},

	{in: "", err: "Invalid KeyConditionExpression: The expression can not be empty;"},
	{in: "pk = ", err: `Invalid KeyConditionExpression: Syntax error; token: "<EOF>", near: "="`},
	{in: ":hashId a", err: `Invalid KeyConditionExpression: Syntax error; token: "a", near: ":hashId a"`},
	{in: "status = :p", err: "Invalid KeyConditionExpression: Attribute name is a reserved keyword; reserved keyword: status"},
	{in: "pk = :zz", err: "Invalid KeyConditionExpression: An expression attribute value used in expression is not defined; attribute value: :zz"},
	{in: "#zz = :p", err: "Invalid KeyConditionExpression: An expression attribute name used in the document path is not defined; attribute name: #zz"},
	{in: "pk = :p OR sk = :s", err: "Invalid KeyConditionExpression: Invalid operator used in KeyConditionExpression: OR"},
	{in: "NOT pk = :p", err: "Invalid KeyConditionExpression: Invalid operator used in KeyConditionExpression: NOT"},
	{in: "pk IN (:p)", err: "Invalid KeyConditionExpression: Invalid operator used in KeyConditionExpression: IN"},
	{in: "pk <> :p", err: "Invalid KeyConditionExpression: Invalid operator used in KeyConditionExpression: <>"},
	{in: "attribute_exists(pk)", err: "Invalid KeyConditionExpression: Invalid operator used in KeyConditionExpression: attribute_exists"},
	{in: "pk = :p AND contains(sk, :s)", err: "Invalid KeyConditionExpression: Invalid operator used in KeyConditionExpression: contains"},
	{in: "size(pk) = :n", err: "Invalid KeyConditionExpression: KeyConditionExpressions cannot contain nested operations"},
	{in: ":s BETWEEN sk AND :s2", err: "Invalid KeyConditionExpression: Invalid condition in KeyConditionExpression: BETWEEN operator must have the key attribute as its first operand"},
	{in: "begins_with(:s, sk)", err: "Invalid KeyConditionExpression: Invalid condition in KeyConditionExpression: begins_with operator must have the key attribute as its first operand"},
	{in: "pk = sk", err: "Invalid KeyConditionExpression: Invalid condition in KeyConditionExpression: Multiple attribute names used in one condition"},
	{in: ":p = :s", err: "Invalid KeyConditionExpression: Invalid condition in KeyConditionExpression: No key attribute specified"},
	{in: "pk.a = :p", err: "Invalid KeyConditionExpression: KeyConditionExpressions cannot have conditions on nested attributes"},
	{in: "pk = :p AND sk[0] = :s", err: "Invalid KeyConditionExpression: KeyConditionExpressions cannot have conditions on nested attributes"},
	{in: "pk = :p AND sk > :n AND sk < :n1", err: "Invalid KeyConditionExpression: KeyConditionExpressions must only contain one condition per key"},
	{in: "pk = :p AND sk > :n AND #x = :n1", err: "The number of query conditions (3) exceeds the number of key attributes defined in the schema (2)"},
	{in: "sk > :n", err: "Query key condition not supported"},
	{in: "pk = :p AND begins_with(sk, :n)", err: "Invalid KeyConditionExpression: Incorrect operand type for operator or function; operator or function: begins_with, operand type: N"},
	{in: "pk = :p AND sk < :bool", err: "Invalid KeyConditionExpression: Incorrect operand type for operator or function; operator or function: <, operand type: BOOL"},
	{in: "pk = :p AND :bool >= sk", err: "Invalid KeyConditionExpression: Incorrect operand type for operator or function; operator or function: >=, operand type: BOOL"},
	{in: "pk = :p AND sk BETWEEN :l AND :l", err: "Invalid KeyConditionExpression: Incorrect operand type for operator or function; operator or function: BETWEEN, operand type: L"},
	{in: "pk = :p AND sk BETWEEN :n AND :n1", err: "Invalid KeyConditionExpression: The BETWEEN operator requires upper bound to be greater than or equal to lower bound; lower bound operand: AttributeValue: {N:10}, upper bound operand: AttributeValue: {N:1}"},
	// Problems are reported in source order.
	{in: "pk = :zz AND begins_with(sk, :n)", err: "Invalid KeyConditionExpression: An expression attribute value used in expression is not defined; attribute value: :zz"},
	{in: "begins_with(sk, :n) AND pk = :zz", err: "Invalid KeyConditionExpression: Incorrect operand type for operator or function; operator or function: begins_with, operand type: N"},
}

func TestParseKeyCondition(t *testing.T) {
	t.Parallel()
	p := keyPlaceholders()
	for _, tc := range keyConditionCases {
		kc, err := ParseKeyCondition(tc.in, p)
		if got := errMsg(t, err); got != tc.err {
			t.Errorf("ParseKeyCondition(%q) error = %q, want %q", tc.in, got, tc.err)
			continue
		}
		if err != nil {
			continue
		}
		if kc.PartitionAttr != tc.want.PartitionAttr || !attr.Equal(kc.PartitionValue, tc.want.PartitionValue) {
			t.Errorf("ParseKeyCondition(%q) partition = %s %v, want %s %v", tc.in, kc.PartitionAttr, kc.PartitionValue, tc.want.PartitionAttr, tc.want.PartitionValue)
		}
		if !sameSort(kc.Sort, tc.want.Sort) {
			t.Errorf("ParseKeyCondition(%q) sort = %+v, want %+v", tc.in, kc.Sort, tc.want.Sort)
		}
		if kc.Refs.Expr != "KeyConditionExpression" {
			t.Errorf("ParseKeyCondition(%q) Refs.Expr = %q", tc.in, kc.Refs.Expr)
		}
	}
}

func sameSort(a, b *SortCondition) bool {
	if a == nil || b == nil {
		return a == b
	}
	if a.Attr != b.Attr || a.Op != b.Op || len(a.Values) != len(b.Values) {
		return false
	}
	for i := range a.Values {
		if !attr.Equal(a.Values[i], b.Values[i]) {
			return false
		}
	}
	return true
}

func TestKeyConditionForSchema(t *testing.T) {
	t.Parallel()
	p := keyPlaceholders()
	cases := []struct {
		in, hash, rng, err string
		wantPart, wantSort string
	}{
		{in: "pk = :p AND sk = :s", hash: "pk", rng: "sk", wantPart: "pk", wantSort: "sk"},
		{in: "sk = :s AND pk = :p", hash: "pk", rng: "sk", wantPart: "pk", wantSort: "sk"}, // two equalities, swapped
		{in: "pk = :p", hash: "pk", rng: "sk", wantPart: "pk"},
		{in: "sk = :s", hash: "pk", rng: "sk", err: "Query condition missed key schema element: pk"},
		{in: "pk > :p AND sk = :s", hash: "pk", rng: "sk", err: "Query key condition not supported"},
		{in: "pk = :p AND #x = :s", hash: "pk", rng: "sk", err: "Query condition missed key schema element: sk"},
		{in: "pk = :p AND sk = :s", hash: "pk", err: "The number of query conditions (2) exceeds the number of key attributes defined in the schema (1)"},
	}
	for _, tc := range cases {
		kc, err := ParseKeyCondition(tc.in, p)
		if err != nil {
			t.Errorf("ParseKeyCondition(%q): %v", tc.in, err)
			continue
		}
		err = kc.ForSchema(tc.hash, tc.rng)
		if got := errMsg(t, err); got != tc.err {
			t.Errorf("ForSchema(%q) = %q, want %q", tc.in, got, tc.err)
			continue
		}
		if err != nil {
			continue
		}
		gotSort := ""
		if kc.Sort != nil {
			gotSort = kc.Sort.Attr
		}
		if kc.PartitionAttr != tc.wantPart || gotSort != tc.wantSort {
			t.Errorf("ForSchema(%q) = %s/%s, want %s/%s", tc.in, kc.PartitionAttr, gotSort, tc.wantPart, tc.wantSort)
		}
		if tc.in == "sk = :s AND pk = :p" && (!attr.Equal(kc.PartitionValue, S("job#1")) || !attr.Equal(kc.Sort.Values[0], S("2024-"))) {
			t.Errorf("swap lost values: %+v", kc)
		}
	}
}

func TestKeyConditionString(t *testing.T) {
	t.Parallel()
	kc, err := ParseKeyCondition("#p=:p and begins_with(#s,:s)", keyPlaceholders())
	if err != nil {
		t.Fatal(err)
	}
	if got := kc.String(); got != "#p = :p AND begins_with(#s, :s)" {
		t.Fatalf("String() = %q", got)
	}
}
