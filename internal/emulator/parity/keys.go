package parity

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// sortKeys queries partition "p" of table in sort key order and renders
// the sort keys.
func sortKeys(t *testing.T, env *Env, table string, forward bool) string {
	t.Helper()
	out := must[*dynamodb.QueryOutput](t, "query")(env.DB.Query(context.Background(), &dynamodb.QueryInput{TableName: aws.String(table),
		KeyConditionExpression: aws.String("pk = :p"), ExpressionAttributeValues: item{":p": s("p")}, ScanIndexForward: aws.Bool(forward)}))
	var parts []string
	for _, it := range out.Items {
		parts = append(parts, show(it["sk"]))
	}
	return strings.Join(parts, ",")
}

var _ = register("query-scan/sort-key-order", func(t *testing.T, env *Env) {
	// Numbers sort by value (negatives, decimals, exponents), strings by
	// UTF-8 bytes, binary by unsigned bytes.
	num := createTable(t, env, "OrdN", true, nil)
	for _, v := range []string{"10", "-1.5", "0", "1E3", "-10", "0.001", "2", "-0.0001"} {
		put(t, env, num, item{"pk": s("p"), "sk": n(v)})
	}
	if got := sortKeys(t, env, num, true); got != "-10,-1.5,-0.0001,0,0.001,2,10,1000" {
		t.Fatalf("number order = %s", got)
	}
	if got := sortKeys(t, env, num, false); got != "1000,10,2,0.001,0,-0.0001,-1.5,-10" {
		t.Fatalf("number order backwards = %s", got)
	}
	str := createTable(t, env, "OrdS", false, func(in *dynamodb.CreateTableInput) {
		in.KeySchema, in.AttributeDefinitions = ks("pk", "sk"), defs("pk", "S", "sk", "S")
	})
	for _, v := range []string{"b", "B", "a", "é", "z", "aa", "~", "日本"} {
		put(t, env, str, item{"pk": s("p"), "sk": s(v)})
	}
	if got := sortKeys(t, env, str, true); got != `"B","a","aa","b","z","~","é","日本"` {
		t.Fatalf("string order = %s", got)
	}
	bin := createTable(t, env, "OrdB", false, func(in *dynamodb.CreateTableInput) {
		in.KeySchema, in.AttributeDefinitions = ks("pk", "sk"), defs("pk", "S", "sk", "B")
	})
	for _, v := range [][]byte{{0x80}, {0x00}, {0xff}, {0x7f}, {0x00, 0x01}} {
		put(t, env, bin, item{"pk": s("p"), "sk": b(v)})
	}
	if got := sortKeys(t, env, bin, true); got != `b"\x00",b"\x00\x01",b"\x7f",b"\x80",b"\xff"` {
		t.Fatalf("binary order = %s", got)
	}
})

var _ = register("query-scan/key-conditions", func(t *testing.T, env *Env) {
	ctx := context.Background()
	name := createTable(t, env, "KC", false, func(in *dynamodb.CreateTableInput) {
		in.KeySchema, in.AttributeDefinitions = ks("pk", "sk"), defs("pk", "S", "sk", "S")
	})
	for _, v := range []string{"a#1", "a#2", "b#1", "b#2", "c"} {
		put(t, env, name, item{"pk": s("p"), "sk": s(v), "v": n("1")})
	}
	q := func(cond string, vals item) (string, error) {
		if strings.Contains(cond, ":p") {
			vals[":p"] = s("p")
		}
		out, err := env.DB.Query(ctx, &dynamodb.QueryInput{TableName: aws.String(name), KeyConditionExpression: aws.String(cond), ExpressionAttributeValues: vals})
		if err != nil {
			return "", err
		}
		var parts []string
		for _, it := range out.Items {
			parts = append(parts, it["sk"].(*types.AttributeValueMemberS).Value)
		}
		return strings.Join(parts, ","), nil
	}
	for _, tt := range []struct {
		cond string
		vals item
		want string
	}{
		{"pk = :p AND sk = :v", item{":v": s("b#1")}, "b#1"},
		{"pk = :p AND sk < :v", item{":v": s("b")}, "a#1,a#2"},
		{"pk = :p AND sk <= :v", item{":v": s("b#1")}, "a#1,a#2,b#1"},
		{"pk = :p AND sk > :v", item{":v": s("b#1")}, "b#2,c"},
		{"pk = :p AND sk >= :v", item{":v": s("b#2")}, "b#2,c"},
		{"pk = :p AND sk BETWEEN :lo AND :hi", item{":lo": s("a#2"), ":hi": s("b#2")}, "a#2,b#1,b#2"},
		{"pk = :p AND begins_with(sk, :v)", item{":v": s("b#")}, "b#1,b#2"},
		{"(pk = :p) AND (begins_with(sk, :v))", item{":v": s("a")}, "a#1,a#2"},
		{"sk > :v AND pk = :p", item{":v": s("b#2")}, "c"},
	} {
		got, err := q(tt.cond, tt.vals)
		if err != nil || got != tt.want {
			t.Fatalf("%s = %q, %v; want %q", tt.cond, got, err, tt.want)
		}
	}
	for _, tt := range []struct {
		cond string
		vals item
		msg  string
	}{
		{"sk = :v", item{":v": s("a")}, "Query condition missed key schema element: pk"},
		{"pk = :p AND v = :v", item{":v": n("1")}, "Query condition missed key schema element: sk"},
		{"pk = :p OR sk = :v", item{":v": s("a")}, "Invalid operator used in KeyConditionExpression: OR"},
		{"pk = :p AND sk <> :v", item{":v": s("a")}, "Invalid KeyConditionExpression: Invalid operator used in KeyConditionExpression: <>"},
		{"pk = :p AND contains(sk, :v)", item{":v": s("a")}, "Invalid operator used in KeyConditionExpression: contains"},
		{"pk = :p AND sk BETWEEN :hi AND :lo", item{":lo": s("a"), ":hi": s("b")}, "Invalid KeyConditionExpression: The BETWEEN operator requires upper bound to be greater than or equal to lower bound"},
		{"pk = :p AND sk = :v", item{":v": n("1")}, "One or more parameter values were invalid: Condition parameter type does not match schema type"},
		{"pk = :p AND begins_with(sk, :v)", item{":v": n("1")}, ""},
	} {
		_, err := q(tt.cond, tt.vals)
		env.wantErr(t, tt.cond, err, "ValidationException", tt.msg)
	}
})
