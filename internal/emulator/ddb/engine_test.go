package ddb

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/sfapi/sfapi/internal/emulator/ddb/attr"
	"github.com/sfapi/sfapi/internal/emulator/kv"
	"github.com/sfapi/sfapi/internal/emulator/streams"
)

func TestCreateTableValidation(t *testing.T) {
	t.Parallel()
	e, _, _ := newEngine(t)
	ctx := context.Background()
	base := func() TableSpec { return pkSpec("Valid", "N") }
	tests := []struct {
		name string
		mod  func(*TableSpec)
		want string
	}{
		{"short name", func(s *TableSpec) { s.TableName = "ab" }, "tableName"},
		{"range first", func(s *TableSpec) { s.KeySchema[0], s.KeySchema[1] = s.KeySchema[1], s.KeySchema[0] }, "first KeySchemaElement is not a HASH"},
		{"undefined key", func(s *TableSpec) { s.AttributeDefinitions = s.AttributeDefinitions[:1] }, "not defined in AttributeDefinitions"},
		{"unused definition", func(s *TableSpec) {
			s.AttributeDefinitions = append(s.AttributeDefinitions, AttributeDefinition{"x", "S"})
		}, "does not exactly match"},
		{"bad type", func(s *TableSpec) { s.AttributeDefinitions[1].AttributeType = "BOOL" }, "enum value set: [B, N, S]"},
		{"provisioned without throughput", func(s *TableSpec) { s.BillingMode = "" }, "must both be specified"},
		{"stream without view", func(s *TableSpec) { s.StreamSpecification = &StreamSpec{StreamEnabled: true} }, "StreamViewType"},
		{"lsi other hash", func(s *TableSpec) {
			s.AttributeDefinitions = append(s.AttributeDefinitions, AttributeDefinition{"x", "S"})
			s.LocalSecondaryIndexes = []IndexSpec{{IndexName: "lsi", KeySchema: []KeySchemaElement{{"x", KeyTypeHash}, {"sk", KeyTypeRange}}, Projection: Projection{ProjectionType: ProjectAll}}}
		}, "same leading hash key"},
		{"include without attributes", func(s *TableSpec) {
			s.AttributeDefinitions = append(s.AttributeDefinitions, AttributeDefinition{"g", "S"})
			s.GlobalSecondaryIndexes = []IndexSpec{{IndexName: "gsi", KeySchema: []KeySchemaElement{{"g", KeyTypeHash}}, Projection: Projection{ProjectionType: ProjectInclude}}}
		}, "NonKeyAttributes is not specified"},
	}
	for _, tt := range tests {
		s := base()
		tt.mod(&s)
		_, err := e.CreateTable(ctx, s)
		de := wantCode(t, err, Validation)
		if !strings.Contains(de.Message, tt.want) {
			t.Errorf("%s: message %q does not contain %q", tt.name, de.Message, tt.want)
		}
	}
	mustCreate(t, e, base())
	_, err := e.CreateTable(ctx, base())
	wantCode(t, err, ResourceInUse)
	d, err := e.DescribeTable(ctx, "Valid")
	if err != nil || d.TableStatus != "ACTIVE" || d.TableArn != "arn:aws:dynamodb:us-east-1:000000000000:table/Valid" {
		t.Fatalf("describe = %+v, %v", d, err)
	}
	_, err = e.DescribeTable(ctx, "Missing")
	wantCode(t, err, ResourceNotFound)
}

func TestEnsureTable(t *testing.T) {
	t.Parallel()
	e, _, _ := newEngine(t)
	ctx := context.Background()
	s := pkSpec("Ensured", "S")
	if err := e.EnsureTable(ctx, s); err != nil {
		t.Fatalf("first ensure: %v", err)
	}
	if err := e.EnsureTable(ctx, s); err != nil {
		t.Fatalf("identical ensure: %v", err)
	}
	s2 := pkSpec("Ensured", "N")
	if err := e.EnsureTable(ctx, s2); err == nil || !strings.Contains(err.Error(), "attribute definitions") {
		t.Fatalf("different ensure: err = %v", err)
	}
}

func TestListAndDeleteTables(t *testing.T) {
	t.Parallel()
	e, _, _ := newEngine(t)
	ctx := context.Background()
	for i := range 5 {
		mustCreate(t, e, pkSpec(fmt.Sprintf("Table%d", i), ""))
	}
	names, last, err := e.ListTables(ctx, "", 2)
	if err != nil || strings.Join(names, ",") != "Table0,Table1" || last != "Table1" {
		t.Fatalf("page 1 = %v %q %v", names, last, err)
	}
	names, last, _ = e.ListTables(ctx, last, 3)
	if strings.Join(names, ",") != "Table2,Table3,Table4" || last != "" {
		t.Fatalf("page 2 = %v %q", names, last)
	}
	mustPut(t, e, "Table0", attr.Item{"pk": S("a")})
	if _, err := e.DeleteTable(ctx, "Table0"); err != nil {
		t.Fatal(err)
	}
	_, err = e.PutItem(ctx, PutItemInput{TableName: "Table0", Item: attr.Item{"pk": S("a")}})
	wantCode(t, err, ResourceNotFound)
	mustCreate(t, e, pkSpec("Table0", ""))
	d, _ := e.DescribeTable(ctx, "Table0")
	if d.ItemCount != 0 {
		t.Fatalf("recreated table has %d items", d.ItemCount)
	}
}

func TestItemValidation(t *testing.T) {
	t.Parallel()
	e, _, _ := newEngine(t)
	ctx := context.Background()
	mustCreate(t, e, pkSpec("Tab", "N"))
	tests := []struct {
		name string
		item attr.Item
		want string
	}{
		{"missing range", attr.Item{"pk": S("a")}, "Missing the key sk"},
		{"wrong type", attr.Item{"pk": S("a"), "sk": S("1")}, "Type mismatch for key sk expected: N actual: S"},
		{"empty key", attr.Item{"pk": S(""), "sk": N("1")}, "cannot contain an empty string value. Key: pk"},
		{"too big", attr.Item{"pk": S("a"), "sk": N("1"), "big": S(strings.Repeat("x", MaxItemSize))}, "Item size has exceeded"},
	}
	for _, tt := range tests {
		_, err := e.PutItem(ctx, PutItemInput{TableName: "Tab", Item: tt.item})
		if de := wantCode(t, err, Validation); !strings.Contains(de.Message, tt.want) {
			t.Errorf("%s: %q does not contain %q", tt.name, de.Message, tt.want)
		}
	}
	// Just under the limit is fine: name lengths count too.
	ok := attr.Item{"pk": S("a"), "sk": N("1"), "big": S(strings.Repeat("x", MaxItemSize-10))}
	if ItemSize(ok) != MaxItemSize {
		t.Fatalf("size %d", ItemSize(ok))
	}
	mustPut(t, e, "Tab", ok)
	_, err := e.GetItem(ctx, GetItemInput{TableName: "Tab", Key: attr.Item{"pk": S("a")}})
	wantCode(t, err, Validation)
	_, err = e.GetItem(ctx, GetItemInput{TableName: "Tab", Key: attr.Item{"pk": S("a"), "sk": N("1"), "x": S("y")}})
	wantCode(t, err, Validation)
	_, err = e.UpdateItem(ctx, UpdateItemInput{TableName: "Tab", Key: attr.Item{"pk": S("a"), "sk": N("1")}, UpdateExpression: "SET sk = :v",
		ExpressionAttributeValues: Values{":v": N("2")}})
	if de := wantCode(t, err, Validation); !strings.Contains(de.Message, "Cannot update attribute sk") {
		t.Fatalf("update key: %q", de.Message)
	}
	_, err = e.PutItem(ctx, PutItemInput{TableName: "Tab", Item: ok, ReturnValues: ReturnAllNew})
	wantCode(t, err, Validation)
}

func TestConditionalWrites(t *testing.T) {
	t.Parallel()
	e, _, _ := newEngine(t)
	ctx := context.Background()
	mustCreate(t, e, pkSpec("Tab", ""))
	item := attr.Item{"pk": S("a"), "v": N("1")}
	notExists := "attribute_not_exists(pk)"
	if _, err := e.PutItem(ctx, PutItemInput{TableName: "Tab", Item: item, ConditionExpression: notExists}); err != nil {
		t.Fatalf("first conditional put: %v", err)
	}
	_, err := e.PutItem(ctx, PutItemInput{TableName: "Tab", Item: item, ConditionExpression: notExists, ReturnOldOnConditionFailure: true})
	de := wantCode(t, err, ConditionalCheckFailed)
	if de.Message != "The conditional request failed" || !attr.ItemsEqual(de.Item, item) {
		t.Fatalf("ccf = %+v", de)
	}
	_, err = e.PutItem(ctx, PutItemInput{TableName: "Tab", Item: item, ConditionExpression: notExists})
	if de := wantCode(t, err, ConditionalCheckFailed); de.Item != nil {
		t.Fatalf("old item returned without being asked for")
	}
	// Update with condition and each ReturnValues mode.
	key := attr.Item{"pk": S("a")}
	upd := func(rv string) attr.Item {
		t.Helper()
		out, err := e.UpdateItem(ctx, UpdateItemInput{TableName: "Tab", Key: key, UpdateExpression: "SET v = v + :one, w = :w",
			ConditionExpression: "v >= :one", ExpressionAttributeValues: Values{":one": N("1"), ":w": S("x")}, ReturnValues: rv})
		if err != nil {
			t.Fatalf("update %s: %v", rv, err)
		}
		return out.Attributes
	}
	if got := upd(ReturnUpdatedOld); !attr.ItemsEqual(got, attr.Item{"v": N("1")}) {
		t.Errorf("UPDATED_OLD = %v", got)
	}
	if got := upd(ReturnUpdatedNew); !attr.ItemsEqual(got, attr.Item{"v": N("3"), "w": S("x")}) {
		t.Errorf("UPDATED_NEW = %v", got)
	}
	if got := upd(ReturnAllNew); !attr.ItemsEqual(got, attr.Item{"pk": S("a"), "v": N("4"), "w": S("x")}) {
		t.Errorf("ALL_NEW = %v", got)
	}
	if got := upd(ReturnAllOld); !attr.ItemsEqual(got, attr.Item{"pk": S("a"), "v": N("4"), "w": S("x")}) {
		t.Errorf("ALL_OLD = %v", got)
	}
	if got := upd(""); got != nil {
		t.Errorf("NONE = %v", got)
	}
	_, err = e.DeleteItem(ctx, DeleteItemInput{TableName: "Tab", Key: key, ConditionExpression: "v = :v", ExpressionAttributeValues: Values{":v": N("99")}})
	wantCode(t, err, ConditionalCheckFailed)
	out, err := e.DeleteItem(ctx, DeleteItemInput{TableName: "Tab", Key: key, ReturnValues: ReturnAllOld})
	if err != nil || out.Attributes["v"].S != "6" {
		t.Fatalf("delete = %+v, %v", out, err)
	}
	got, _ := e.GetItem(ctx, GetItemInput{TableName: "Tab", Key: key})
	if got.Item != nil {
		t.Fatalf("item survived delete: %v", got.Item)
	}
	// Unused placeholders are refused, as AWS does.
	_, err = e.PutItem(ctx, PutItemInput{TableName: "Tab", Item: item, ExpressionAttributeValues: Values{":x": N("1")}})
	wantCode(t, err, Validation)
}

func TestProjectionOnGet(t *testing.T) {
	t.Parallel()
	e, _, _ := newEngine(t)
	mustCreate(t, e, pkSpec("Tab", ""))
	mustPut(t, e, "Tab", attr.Item{"pk": S("a"), "x": N("1"), "y": attr.Map(map[string]attr.Value{"z": S("deep"), "q": S("no")})})
	out, err := e.GetItem(context.Background(), GetItemInput{TableName: "Tab", Key: attr.Item{"pk": S("a")}, ProjectionExpression: "#x, y.z",
		ExpressionAttributeNames: Names{"#x": "x"}, ConsistentRead: true})
	if err != nil {
		t.Fatal(err)
	}
	want := attr.Item{"x": N("1"), "y": attr.Map(map[string]attr.Value{"z": S("deep")})}
	if !attr.ItemsEqual(out.Item, want) || out.Consumed.Read != 1 {
		t.Fatalf("projected = %v (%v), want %v", out.Item, out.Consumed, want)
	}
}

// queryKeys runs a query and returns the sort keys it returned.
func queryKeys(t *testing.T, e *Engine, in QueryInput, field string) []string {
	t.Helper()
	out, err := e.Query(context.Background(), in)
	if err != nil {
		t.Fatalf("query %q: %v", in.KeyConditionExpression, err)
	}
	var got []string
	for _, it := range out.Items {
		v := it[field]
		if v.Type == attr.TypeB {
			got = append(got, fmt.Sprintf("%x", v.B))
		} else {
			got = append(got, v.S)
		}
	}
	return got
}

func TestSortKeyOrdering(t *testing.T) {
	t.Parallel()
	e, _, _ := newEngine(t)
	mustCreate(t, e, pkSpec("TNum", "N"))
	mustCreate(t, e, pkSpec("TStr", "S"))
	mustCreate(t, e, pkSpec("TBin", "B"))
	nums := []string{"10", "-3.5", "0", "2", "-10", "0.25", "1e3", "-0.001", "9.99"}
	for _, n := range nums {
		mustPut(t, e, "TNum", attr.Item{"pk": S("p"), "sk": N(n)})
		mustPut(t, e, "TNum", attr.Item{"pk": S("other"), "sk": N(n)})
	}
	strs := []string{"b", "a", "ab", "B", "aa", "é", "a\x00"}
	for _, s := range strs {
		mustPut(t, e, "TStr", attr.Item{"pk": S("p"), "sk": S(s)})
	}
	bins := [][]byte{{0xff}, {0}, {0, 0}, {1}, {0x7f, 1}}
	for _, b := range bins {
		mustPut(t, e, "TBin", attr.Item{"pk": S("p"), "sk": attr.Binary(b)})
	}
	p := Values{":p": S("p")}
	q := func(table, kc string, vals Values, back bool) string {
		v := Values{":p": S("p")}
		for k, x := range vals {
			v[k] = x
		}
		return strings.Join(queryKeys(t, e, QueryInput{TableName: table, KeyConditionExpression: kc, ExpressionAttributeValues: v, Backward: back}, "sk"), " ")
	}
	tests := []struct {
		table, kc string
		vals      Values
		back      bool
		want      string
	}{
		{"TNum", "pk = :p", nil, false, "-10 -3.5 -0.001 0 0.25 2 9.99 10 1000"},
		{"TNum", "pk = :p", nil, true, "1000 10 9.99 2 0.25 0 -0.001 -3.5 -10"},
		{"TNum", "pk = :p AND sk BETWEEN :a AND :b", Values{":a": N("-3.5"), ":b": N("2")}, false, "-3.5 -0.001 0 0.25 2"},
		{"TNum", "pk = :p AND sk BETWEEN :a AND :b", Values{":a": N("-3.5"), ":b": N("2")}, true, "2 0.25 0 -0.001 -3.5"},
		{"TNum", "pk = :p AND sk < :a", Values{":a": N("0")}, false, "-10 -3.5 -0.001"},
		{"TNum", "pk = :p AND sk <= :a", Values{":a": N("0")}, true, "0 -0.001 -3.5 -10"},
		{"TNum", "pk = :p AND sk > :a", Values{":a": N("2")}, false, "9.99 10 1000"},
		{"TNum", "pk = :p AND sk >= :a", Values{":a": N("2")}, true, "1000 10 9.99 2"},
		{"TNum", "pk = :p AND sk = :a", Values{":a": N("0.25")}, false, "0.25"},
		{"TNum", "sk = :a AND pk = :p", Values{":a": N("0.25")}, true, "0.25"},
		{"TStr", "pk = :p", nil, false, "B a a\x00 aa ab b é"},
		{"TStr", "pk = :p AND begins_with(sk, :a)", Values{":a": S("a")}, false, "a a\x00 aa ab"},
		{"TStr", "pk = :p AND begins_with(sk, :a)", Values{":a": S("a")}, true, "ab aa a\x00 a"},
		{"TBin", "pk = :p", nil, false, "00 0000 01 7f01 ff"},
	}
	_ = p
	for _, tt := range tests {
		if got := q(tt.table, tt.kc, tt.vals, tt.back); got != tt.want {
			t.Errorf("%s %q back=%v:\n got %q\nwant %q", tt.table, tt.kc, tt.back, got, tt.want)
		}
	}
	_, err := e.Query(context.Background(), QueryInput{TableName: "TNum", KeyConditionExpression: "sk = :a", ExpressionAttributeValues: Values{":a": N("1")}})
	wantCode(t, err, Validation)
	_, err = e.Query(context.Background(), QueryInput{TableName: "TNum", KeyConditionExpression: "pk = :p AND begins_with(sk, :a)", ExpressionAttributeValues: Values{":p": S("p"), ":a": N("1")}})
	wantCode(t, err, Validation)
}

func gsiSpec() TableSpec {
	s := pkSpec("Gsi", "S")
	s.AttributeDefinitions = append(s.AttributeDefinitions, AttributeDefinition{"gpk", "S"}, AttributeDefinition{"gsk", "N"})
	s.GlobalSecondaryIndexes = []IndexSpec{
		{IndexName: "byG", KeySchema: []KeySchemaElement{{"gpk", KeyTypeHash}, {"gsk", KeyTypeRange}}, Projection: Projection{ProjectionType: ProjectAll}},
		{IndexName: "keysOnly", KeySchema: []KeySchemaElement{{"gpk", KeyTypeHash}}, Projection: Projection{ProjectionType: ProjectKeysOnly}},
	}
	s.LocalSecondaryIndexes = []IndexSpec{
		{IndexName: "byGsk", KeySchema: []KeySchemaElement{{"pk", KeyTypeHash}, {"gsk", KeyTypeRange}}, Projection: Projection{ProjectionType: ProjectInclude, NonKeyAttributes: []string{"note"}}},
	}
	return s
}

func TestGSIMaintenance(t *testing.T) {
	t.Parallel()
	e, _, _ := newEngine(t)
	ctx := context.Background()
	mustCreate(t, e, gsiSpec())
	gq := func(index, g string) []string {
		return queryKeys(t, e, QueryInput{TableName: "Gsi", IndexName: index, KeyConditionExpression: "gpk = :g", ExpressionAttributeValues: Values{":g": S(g)}}, "sk")
	}
	mustPut(t, e, "Gsi", attr.Item{"pk": S("p"), "sk": S("1"), "gpk": S("red"), "gsk": N("2"), "note": S("n1"), "other": S("o")})
	mustPut(t, e, "Gsi", attr.Item{"pk": S("p"), "sk": S("2"), "gpk": S("red"), "gsk": N("1")})
	mustPut(t, e, "Gsi", attr.Item{"pk": S("p"), "sk": S("3")}) // sparse: not indexed
	if got := strings.Join(gq("byG", "red"), ","); got != "2,1" {
		t.Fatalf("byG red = %s", got)
	}
	// KEYS_ONLY projects table and index keys only.
	out, err := e.Query(ctx, QueryInput{TableName: "Gsi", IndexName: "keysOnly", KeyConditionExpression: "gpk = :g", ExpressionAttributeValues: Values{":g": S("red")}})
	if err != nil || len(out.Items) != 2 || len(out.Items[0]) != 3 {
		t.Fatalf("keysOnly = %v, %v", out, err)
	}
	// Update moves an item between index partitions.
	if _, err := e.UpdateItem(ctx, UpdateItemInput{TableName: "Gsi", Key: attr.Item{"pk": S("p"), "sk": S("1")}, UpdateExpression: "SET gpk = :b",
		ExpressionAttributeValues: Values{":b": S("blue")}}); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(gq("byG", "red"), ","); got != "2" {
		t.Fatalf("after update red = %s", got)
	}
	if got := strings.Join(gq("byG", "blue"), ","); got != "1" {
		t.Fatalf("after update blue = %s", got)
	}
	// Removing the index key drops the entry.
	if _, err := e.UpdateItem(ctx, UpdateItemInput{TableName: "Gsi", Key: attr.Item{"pk": S("p"), "sk": S("2")}, UpdateExpression: "REMOVE gpk"}); err != nil {
		t.Fatal(err)
	}
	if got := gq("byG", "red"); len(got) != 0 {
		t.Fatalf("after remove red = %v", got)
	}
	// LSI: ordered by gsk within the partition; INCLUDE projection.
	lq, err := e.Query(ctx, QueryInput{TableName: "Gsi", IndexName: "byGsk", KeyConditionExpression: "pk = :p", ExpressionAttributeValues: Values{":p": S("p")}})
	if err != nil || len(lq.Items) != 2 || lq.Items[0]["sk"].S != "2" || lq.Items[1]["note"].S != "n1" || lq.Items[1]["other"].Type != attr.TypeInvalid {
		t.Fatalf("lsi = %v, %v", lq, err)
	}
	// ALL_ATTRIBUTES on the LSI fetches from the table.
	lq, err = e.Query(ctx, QueryInput{TableName: "Gsi", IndexName: "byGsk", Select: SelectAllAttributes, KeyConditionExpression: "pk = :p", ExpressionAttributeValues: Values{":p": S("p")}})
	if err != nil || lq.Items[1]["other"].S != "o" {
		t.Fatalf("lsi all attributes = %v, %v", lq, err)
	}
	// A wrongly typed index key is refused and nothing is written.
	_, err = e.PutItem(ctx, PutItemInput{TableName: "Gsi", Item: attr.Item{"pk": S("p"), "sk": S("9"), "gpk": N("1")}})
	wantCode(t, err, Validation)
	// Delete removes index entries.
	if _, err := e.DeleteItem(ctx, DeleteItemInput{TableName: "Gsi", Key: attr.Item{"pk": S("p"), "sk": S("1")}}); err != nil {
		t.Fatal(err)
	}
	if got := gq("byG", "blue"); len(got) != 0 {
		t.Fatalf("after delete blue = %v", got)
	}
	d, _ := e.DescribeTable(ctx, "Gsi")
	if d.ItemCount != 2 || d.GlobalSecondaryIndexes[0].ItemCount != 0 || d.LocalSecondaryIndexes[0].ItemCount != 1 {
		t.Fatalf("counts: table %d gsi %d lsi %d", d.ItemCount, d.GlobalSecondaryIndexes[0].ItemCount, d.LocalSecondaryIndexes[0].ItemCount)
	}
	_, err = e.Query(ctx, QueryInput{TableName: "Gsi", IndexName: "keysOnly", Select: SelectAllAttributes, KeyConditionExpression: "gpk = :g", ExpressionAttributeValues: Values{":g": S("red")}})
	wantCode(t, err, Validation)
}

func TestPaging(t *testing.T) {
	t.Parallel()
	e, _, _ := newEngine(t)
	ctx := context.Background()
	mustCreate(t, e, gsiSpec())
	for i := range 25 {
		mustPut(t, e, "Gsi", attr.Item{"pk": S("p"), "sk": S(fmt.Sprintf("%02d", i)), "gpk": S("g"), "gsk": attr.Int(int64(100 - i)), "odd": attr.Bool(i%2 == 1)})
	}
	for _, tc := range []struct {
		name  string
		in    QueryInput
		field string
		want  int
	}{
		{"table forward", QueryInput{TableName: "Gsi", KeyConditionExpression: "pk = :p", ExpressionAttributeValues: Values{":p": S("p")}}, "sk", 25},
		{"table backward", QueryInput{TableName: "Gsi", KeyConditionExpression: "pk = :p", ExpressionAttributeValues: Values{":p": S("p")}, Backward: true}, "sk", 25},
		{"gsi", QueryInput{TableName: "Gsi", IndexName: "byG", KeyConditionExpression: "gpk = :g", ExpressionAttributeValues: Values{":g": S("g")}}, "gsk", 25},
		{"filtered", QueryInput{TableName: "Gsi", KeyConditionExpression: "pk = :p", FilterExpression: "odd = :t", ExpressionAttributeValues: Values{":p": S("p"), ":t": attr.Bool(true)}}, "sk", 12},
	} {
		in := tc.in
		in.Limit = 7
		var seen []string
		pages := 0
		for {
			out, err := e.Query(ctx, in)
			if err != nil {
				t.Fatalf("%s: %v", tc.name, err)
			}
			pages++
			if out.ScannedCount > 7 {
				t.Fatalf("%s: scanned %d > limit", tc.name, out.ScannedCount)
			}
			for _, it := range out.Items {
				seen = append(seen, it[tc.field].S)
			}
			if out.LastEvaluatedKey == nil {
				break
			}
			in.ExclusiveStartKey = out.LastEvaluatedKey
		}
		if len(seen) != tc.want || pages != 4 {
			t.Fatalf("%s: %d items over %d pages: %v", tc.name, len(seen), pages, seen)
		}
		for i := 1; i < len(seen); i++ {
			a, b := seen[i-1], seen[i]
			if tc.field == "gsk" {
				if c, _ := attr.CompareNumbers(a, b); c >= 0 {
					t.Fatalf("%s: out of order %s %s", tc.name, a, b)
				}
			} else if (a >= b) != tc.in.Backward {
				t.Fatalf("%s: out of order %s %s", tc.name, a, b)
			}
		}
	}
	// Scan pages through everything; COUNT returns no items.
	in := ScanInput{TableName: "Gsi", Limit: 10}
	total := 0
	for {
		out, err := e.Scan(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		total += len(out.Items)
		if out.LastEvaluatedKey == nil {
			break
		}
		in.ExclusiveStartKey = out.LastEvaluatedKey
	}
	if total != 25 {
		t.Fatalf("scan saw %d", total)
	}
	out, err := e.Scan(ctx, ScanInput{TableName: "Gsi", Select: SelectCount, FilterExpression: "odd = :f", ExpressionAttributeValues: Values{":f": attr.Bool(false)}})
	if err != nil || out.Count != 13 || out.ScannedCount != 25 || out.Items != nil {
		t.Fatalf("count scan = %+v, %v", out, err)
	}
	// Parallel scan segments partition the table.
	seg := 0
	for s := range 3 {
		out, err := e.Scan(ctx, ScanInput{TableName: "Gsi", Segment: s, TotalSegments: 3})
		if err != nil {
			t.Fatal(err)
		}
		seg += out.Count
	}
	if seg != 25 {
		t.Fatalf("segments saw %d", seg)
	}
}

func TestPageByteLimit(t *testing.T) {
	t.Parallel()
	e, _, _ := newEngine(t)
	mustCreate(t, e, pkSpec("Tab", "N"))
	big := strings.Repeat("x", 300*1024)
	for i := range 5 {
		mustPut(t, e, "Tab", attr.Item{"pk": S("p"), "sk": attr.Int(int64(i)), "big": S(big)})
	}
	out, err := e.Query(context.Background(), QueryInput{TableName: "Tab", KeyConditionExpression: "pk = :p", ExpressionAttributeValues: Values{":p": S("p")}})
	if err != nil || out.Count != 4 || out.LastEvaluatedKey == nil || out.LastEvaluatedKey["sk"].S != "3" {
		t.Fatalf("1 MB page: count %d lek %v err %v", out.Count, out.LastEvaluatedKey, err)
	}
}

func TestStreamRecords(t *testing.T) {
	t.Parallel()
	for _, vt := range []streams.ViewType{streams.KeysOnly, streams.NewImage, streams.OldImage, streams.NewAndOldImages} {
		t.Run(string(vt), func(t *testing.T) {
			t.Parallel()
			e, _, _ := newEngine(t)
			ctx := context.Background()
			mustCreateStreamed(t, e, "Strm", "", vt)
			arn, ok := e.StreamARN("Strm")
			if !ok || arn != "arn:aws:dynamodb:us-east-1:000000000000:table/Strm/stream/2026-01-02T03:04:05.000" {
				t.Fatalf("stream arn = %q", arn)
			}
			v1 := attr.Item{"pk": S("a"), "v": N("1")}
			v2 := attr.Item{"pk": S("a"), "v": N("2")}
			mustPut(t, e, "Strm", v1)
			mustPut(t, e, "Strm", v2)
			mustPut(t, e, "Strm", v2) // identical put: changes nothing, no record
			if _, err := e.DeleteItem(ctx, DeleteItemInput{TableName: "Strm", Key: attr.Item{"pk": S("a")}}); err != nil {
				t.Fatal(err)
			}
			if _, err := e.DeleteItem(ctx, DeleteItemInput{TableName: "Strm", Key: attr.Item{"pk": S("a")}}); err != nil { // no-op: no record
				t.Fatal(err)
			}
			recs := readAll(t, e, arn)
			names := []string{}
			for _, r := range recs {
				names = append(names, r.EventName)
			}
			if strings.Join(names, ",") != "INSERT,MODIFY,REMOVE" {
				t.Fatalf("events = %v", names)
			}
			type imgs struct{ old, new attr.Item }
			all := []imgs{{nil, v1}, {v1, v2}, {v2, nil}}
			for i, r := range recs {
				d := r.DynamoDB
				wantOld, wantNew := all[i].old, all[i].new
				switch vt {
				case streams.KeysOnly:
					wantOld, wantNew = nil, nil
				case streams.NewImage:
					wantOld = nil
				case streams.OldImage:
					wantNew = nil
				}
				if !attr.ItemsEqual(d.OldImage, wantOld) || !attr.ItemsEqual(d.NewImage, wantNew) || (d.OldImage == nil) != (wantOld == nil) {
					t.Errorf("record %d images old=%v new=%v", i, d.OldImage, d.NewImage)
				}
				if !attr.ItemsEqual(d.Keys, attr.Item{"pk": S("a")}) || d.StreamViewType != vt || d.SequenceNumber != streams.FormatSequence(uint64(i+1)) ||
					d.ApproximateCreationDateTime != testNow.Unix() || d.SizeBytes <= 0 || r.EventVersion != "1.1" || r.EventSource != "aws:dynamodb" || len(r.EventID) != 32 {
					t.Errorf("record %d = %+v", i, r)
				}
			}
			after, _ := e.ReadStream(ctx, arn, recs[1].DynamoDB.SequenceNumber, 1)
			if len(after) != 1 || after[0].DynamoDB.SequenceNumber != recs[2].DynamoDB.SequenceNumber {
				t.Fatalf("read after = %v", after)
			}
		})
	}
}

func TestWaitStream(t *testing.T) {
	t.Parallel()
	e, _, _ := newEngine(t)
	mustCreateStreamed(t, e, "Wait", "", streams.KeysOnly)
	arn, _ := e.StreamARN("Wait")
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- e.WaitStream(ctx, arn, "") }()
	mustPut(t, e, "Wait", attr.Item{"pk": S("a")})
	if err := <-done; err != nil {
		t.Fatalf("wait: %v", err)
	}
	recs := readAll(t, e, arn)
	go func() { done <- e.WaitStream(ctx, arn, recs[0].DynamoDB.SequenceNumber) }()
	cancel()
	if err := <-done; err != context.Canceled {
		t.Fatalf("wait after cancel: %v", err)
	}
	if _, ok := e.StreamARN("missing"); ok {
		t.Fatalf("stream for missing table")
	}
}

func TestReopenKeepsEverything(t *testing.T) {
	t.Parallel()
	path := t.TempDir() + "/re.db"
	db := openStore(t, path)
	e, err := Open(db, Options{Now: func() time.Time { return testNow }})
	if err != nil {
		t.Fatal(err)
	}
	s := gsiSpec()
	s.StreamSpecification = &StreamSpec{StreamEnabled: true, StreamViewType: streams.NewAndOldImages}
	mustCreate(t, e, s)
	mustPut(t, e, "Gsi", attr.Item{"pk": S("p"), "sk": S("1"), "gpk": S("g"), "gsk": N("5")})
	if _, err := e.UpdateTimeToLive(context.Background(), "Gsi", TTLSpec{Enabled: true, AttributeName: "exp"}); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	db = openStore(t, path)
	defer db.Close()
	e, err = Open(db, Options{Now: func() time.Time { return testNow }})
	if err != nil {
		t.Fatal(err)
	}
	got, err := e.GetItem(context.Background(), GetItemInput{TableName: "Gsi", Key: attr.Item{"pk": S("p"), "sk": S("1")}})
	if err != nil || got.Item["gsk"].S != "5" {
		t.Fatalf("item after reopen = %v, %v", got, err)
	}
	if k := queryKeys(t, e, QueryInput{TableName: "Gsi", IndexName: "byG", KeyConditionExpression: "gpk = :g", ExpressionAttributeValues: Values{":g": S("g")}}, "sk"); len(k) != 1 {
		t.Fatalf("gsi after reopen = %v", k)
	}
	arn, ok := e.StreamARN("Gsi")
	if !ok || len(readAll(t, e, arn)) != 1 {
		t.Fatalf("stream after reopen")
	}
	ttl, _ := e.DescribeTimeToLive(context.Background(), "Gsi")
	if !ttl.Enabled || ttl.AttributeName != "exp" {
		t.Fatalf("ttl after reopen = %+v", ttl)
	}
	// Sequence numbers continue after reopen.
	mustPut(t, e, "Gsi", attr.Item{"pk": S("p"), "sk": S("2")})
	if recs := readAll(t, e, arn); recs[1].DynamoDB.SequenceNumber != streams.FormatSequence(2) {
		t.Fatalf("sequence after reopen = %s", recs[1].DynamoDB.SequenceNumber)
	}
}

func TestStreamRetention(t *testing.T) {
	t.Parallel()
	path := t.TempDir() + "/ret.db"
	db := openStore(t, path)
	defer db.Close()
	now := testNow
	e, err := Open(db, Options{Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	mustCreateStreamed(t, e, "Ret", "", streams.KeysOnly)
	arn, _ := e.StreamARN("Ret")
	mustPut(t, e, "Ret", attr.Item{"pk": S("old")})
	now = now.Add(streams.Retention + time.Minute)
	if recs := readAll(t, e, arn); len(recs) != 0 {
		t.Fatalf("expired record still readable: %v", recs)
	}
	mustPut(t, e, "Ret", attr.Item{"pk": S("new")})
	recs := readAll(t, e, arn)
	if len(recs) != 1 || recs[0].DynamoDB.Keys["pk"].S != "new" || recs[0].DynamoDB.SequenceNumber != streams.FormatSequence(2) {
		t.Fatalf("records after retention = %v", recs)
	}
	d, err := e.DescribeStream(context.Background(), arn)
	if err != nil || d.First != streams.FormatSequence(2) || d.Last != d.First {
		t.Fatalf("describe = %+v, %v", d, err)
	}
	// The expired record was trimmed from disk by the second write.
	n := 0
	_ = db.View(func(tx *kv.Tx) error {
		n = tx.Bucket(tableBucket("Ret")).Bucket(streamBucket).Stats().KeyN
		return nil
	})
	if n != 1 {
		t.Fatalf("stream bucket holds %d records", n)
	}
}
