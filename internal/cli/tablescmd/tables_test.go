package tablescmd

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/sfapi/sfapi/internal/cli/cmdutil"
	"github.com/sfapi/sfapi/internal/cli/datacmd"
	"github.com/sfapi/sfapi/internal/cli/iostreams"
	"github.com/sfapi/sfapi/internal/emulator/ddb/attr"
)

// fakeDB holds one table "Jobs" (pk HASH, sk RANGE; the schema lists RANGE
// first on purpose) and answers scans one item a page.
type fakeDB struct {
	items []map[string]types.AttributeValue
	scans int
}

var _ datacmd.DynamoDBAPI = (*fakeDB)(nil)

func (f *fakeDB) ListTables(context.Context, *dynamodb.ListTablesInput, ...func(*dynamodb.Options)) (*dynamodb.ListTablesOutput, error) {
	return &dynamodb.ListTablesOutput{TableNames: []string{"Jobs"}}, nil
}

func (f *fakeDB) DescribeTable(_ context.Context, in *dynamodb.DescribeTableInput, _ ...func(*dynamodb.Options)) (*dynamodb.DescribeTableOutput, error) {
	if aws.ToString(in.TableName) != "Jobs" {
		return nil, errors.New("ResourceNotFoundException: Requested resource not found")
	}
	return &dynamodb.DescribeTableOutput{Table: &types.TableDescription{TableName: in.TableName, ItemCount: aws.Int64(int64(len(f.items))),
		KeySchema: []types.KeySchemaElement{
			{AttributeName: aws.String("sk"), KeyType: types.KeyTypeRange},
			{AttributeName: aws.String("pk"), KeyType: types.KeyTypeHash},
		}}}, nil
}

func (f *fakeDB) Scan(_ context.Context, in *dynamodb.ScanInput, _ ...func(*dynamodb.Options)) (*dynamodb.ScanOutput, error) {
	f.scans++
	start := 0
	if in.ExclusiveStartKey != nil {
		start = int(in.ExclusiveStartKey["i"].(*types.AttributeValueMemberN).Value[0] - '0')
	}
	out := &dynamodb.ScanOutput{}
	if start < len(f.items) {
		out.Items = f.items[start : start+1]
		if start+1 < len(f.items) {
			out.LastEvaluatedKey = map[string]types.AttributeValue{"i": &types.AttributeValueMemberN{Value: string(rune('0' + start + 1))}}
		}
	}
	return out, nil
}

func (f *fakeDB) BatchWriteItem(context.Context, *dynamodb.BatchWriteItemInput, ...func(*dynamodb.Options)) (*dynamodb.BatchWriteItemOutput, error) {
	return nil, errors.New("not used")
}

func newFake() *fakeDB {
	items := []attr.Item{
		{"pk": attr.String("a"), "sk": attr.String("job#add"), "status": attr.String("Succeeded"),
			"input": attr.Map(map[string]attr.Value{"name": attr.String("Gordon")}), "n": attr.Int(3)},
		{"pk": attr.String("b"), "sk": attr.String("job#add"), "note": attr.String("line1\nline2 " + strings.Repeat("x", 60)),
			"tags": attr.StringSet("x", "y"), "ok": attr.Bool(false)},
	}
	f := &fakeDB{}
	for _, it := range items {
		f.items = append(f.items, datacmd.ItemToSDK(it))
	}
	return f
}

func TestScanTable(t *testing.T) {
	t.Parallel()
	ios, _, out, errOut := iostreams.Test()
	f := newFake()
	if err := scanRun(t.Context(), &TablesOptions{IO: ios, Table: "Jobs", Output: "table", Width: 20}, f); err != nil {
		t.Fatal(err)
	}
	want := `pk  sk       input              n  note                  ok     status     tags
a   job#add  {"name":"Gordon"}  3  -                     -      Succeeded  -
b   job#add  -                  -  line1\nline2 xxxxxx…  false  -          ["x","y"]
`
	if out.String() != want {
		t.Fatalf("scan table:\n%s\nwant:\n%s", out, want)
	}
	if errOut.String() != "2 items\n" {
		t.Fatalf("stderr %q", errOut)
	}

	// --limit stops paging early.
	ios, _, out, _ = iostreams.Test()
	f = newFake()
	if err := scanRun(t.Context(), &TablesOptions{IO: ios, Table: "Jobs", Output: "json", Limit: 1}, f); err != nil {
		t.Fatal(err)
	}
	var items []map[string]map[string]any
	if err := json.Unmarshal(out.Bytes(), &items); err != nil || len(items) != 1 || f.scans != 1 || items[0]["pk"]["S"] != "a" {
		t.Fatalf("scan --limit 1 -o json: %v, %d scans\n%s", err, f.scans, out)
	}
	ios, _, out, errOut = iostreams.Test()
	if err := scanRun(t.Context(), &TablesOptions{IO: ios, Table: "Jobs", Output: "table", Limit: 1}, newFake()); err != nil {
		t.Fatal(err)
	}
	if errOut.String() != "1 item\nmore items not shown: raise --limit (0 for all)\n" || strings.Count(out.String(), "\n") != 2 {
		t.Fatalf("scan --limit 1: stdout %q stderr %q", out, errOut)
	}

	ios, _, out, _ = iostreams.Test()
	if err := scanRun(t.Context(), &TablesOptions{IO: ios, Table: "Jobs", Output: "yaml"}, newFake()); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "- input:\n    M:\n      name:\n        S: Gordon\n") {
		t.Fatalf("yaml:\n%s", out)
	}

	if err := scanRun(t.Context(), &TablesOptions{IO: ios, Table: "Nope", Output: "table"}, newFake()); err == nil || !strings.Contains(err.Error(), "describe table Nope") {
		t.Fatalf("missing table: %v", err)
	}
}

func TestListTables(t *testing.T) {
	t.Parallel()
	ios, _, out, _ := iostreams.Test()
	if err := listRun(t.Context(), &TablesOptions{IO: ios, Output: "table"}, newFake()); err != nil {
		t.Fatal(err)
	}
	if want := "NAME  KEYS                   ITEMS\nJobs  pk (HASH), sk (RANGE)  2\n"; out.String() != want {
		t.Fatalf("list:\n%s\nwant:\n%s", out, want)
	}
	// Headers are bold only when colour is on.
	ios, _, out, _ = iostreams.Test()
	ios.SetColorEnabled(true)
	if err := listRun(t.Context(), &TablesOptions{IO: ios, Output: "table"}, newFake()); err != nil || !strings.HasPrefix(out.String(), "\x1b[1mNAME\x1b[0m") {
		t.Fatalf("coloured list %q, %v", out, err)
	}
}

func TestCell(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		v    attr.Value
		want string
	}{
		{attr.String("a\tb"), `a\tb`},
		{attr.Number("1.50"), "1.5"},
		{attr.Null(), "null"},
		{attr.Binary([]byte("hi")), "aGk="},
		{attr.NumberSet("2", "1"), "[2,1]"},
		{attr.List(attr.Bool(true), attr.Null()), "[true,null]"},
		{attr.BinarySet([]byte("hi")), `["aGk="]`},
	} {
		if got := Cell(tc.v); got != tc.want {
			t.Errorf("Cell(%v) = %q, want %q", tc.v, got, tc.want)
		}
	}
	if cut("héllo", 3) != "hé…" || cut("abc", 3) != "abc" || cut("abc", 0) != "abc" {
		t.Fatal("cut")
	}
}

func TestTablesFlags(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		args    []string
		wantErr string
	}{
		{args: []string{"scan", "Jobs", "-o", "json", "--limit", "3"}},
		{args: []string{"scan"}, wantErr: "accepts 1 arg"},
		{args: []string{"scan", "Jobs", "-o", "csv"}, wantErr: "invalid output format"},
		{args: []string{"scan", "Jobs", "--limit", "-1"}, wantErr: "must not be negative"},
		{args: []string{"list", "x"}, wantErr: "takes no arguments"},
	} {
		ios, _, _, _ := iostreams.Test()
		var got *TablesOptions
		cmd := NewCmdTables(&cmdutil.Factory{IOStreams: ios}, func(o *TablesOptions) error { got = o; return nil })
		cmd.SetArgs(tc.args)
		cmd.SilenceErrors, cmd.SilenceUsage = true, true
		err := cmd.Execute()
		if tc.wantErr == "" {
			if err != nil || got.Table != "Jobs" || got.Limit != 3 || got.Output != "json" || got.ProjectDir != "." {
				t.Errorf("%v: %v %+v", tc.args, err, got)
			}
		} else if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
			t.Errorf("%v: error %v, want %q", tc.args, err, tc.wantErr)
		}
	}
}
