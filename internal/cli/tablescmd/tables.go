package tablescmd

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/spf13/cobra"
	"gopkg.in/yaml.v3"

	"github.com/sfapi/sfapi/internal/cli/cmdutil"
	"github.com/sfapi/sfapi/internal/cli/datacmd"
	"github.com/sfapi/sfapi/internal/cli/iostreams"
	"github.com/sfapi/sfapi/internal/emulator/ddb/attr"
)

// TablesOptions are the inputs of `sfapi tables list|scan`.
type TablesOptions struct {
	IO *iostreams.IOStreams
	datacmd.Locator

	Command string // list or scan
	Table   string
	Limit   int
	Output  string // table, json, yaml
	// Width truncates table cells to this many characters (0: no limit).
	Width int
}

// DefaultWidth is the widest cell of a scan table.
const DefaultWidth = 48

// NewCmdTables builds `sfapi tables`. runF replaces the run function in tests.
func NewCmdTables(f *cmdutil.Factory, runF func(*TablesOptions) error) *cobra.Command {
	opts := &TablesOptions{IO: f.IOStreams}
	cmd := &cobra.Command{
		Use:   "tables <command>",
		Short: "List the tables of a running sfapi dev and look at their items",
		Long: `Look at the tables of the sfapi dev running from the project folder
(PROJECT/.sfapi/endpoints.json), or of any DynamoDB endpoint with --endpoint.`,
		Example: `  sfapi tables list
  sfapi tables scan Jobs --limit 10`,
	}
	opts.Locator.AddFlags(cmd.PersistentFlags())
	output := map[string]*string{"list": new(string), "scan": new(string)}
	run := func(name string) func(*cobra.Command, []string) error {
		return func(c *cobra.Command, args []string) error {
			opts.Command, opts.Output = name, *output[name]
			if len(args) > 0 {
				opts.Table = args[0]
			}
			switch opts.Output {
			case "table", "json", "yaml":
			default:
				return cmdutil.FlagErrorf("invalid output format %q: want table, json or yaml", opts.Output)
			}
			if opts.Limit < 0 || opts.Width < 0 {
				return cmdutil.FlagErrorf("--limit and --width must not be negative")
			}
			if runF != nil {
				return runF(opts)
			}
			return tablesRun(c.Context(), opts)
		}
	}
	list := &cobra.Command{
		Use:     "list",
		Short:   "List tables with their keys and item counts",
		Example: `  sfapi tables list -o json`,
		Args:    cmdutil.NoArgs,
		RunE:    run("list"),
	}
	list.Flags().StringVarP(output["list"], "output", "o", "table", "output format: table, json or yaml")
	scan := &cobra.Command{
		Use:   "scan NAME",
		Short: "Print a table's items: one column per attribute, keys first",
		Long: `Scan a table and print its items. In the table format every attribute is a
column, the table's key attributes first and the others in name order;
strings and numbers print as they are, maps, lists and sets as compact JSON,
binaries as base64, and long cells are cut at --width. -o json and -o yaml
print the items in DynamoDB JSON (as export does), losing nothing.`,
		Example: `  sfapi tables scan Jobs
  sfapi tables scan Jobs --limit 5 -o json`,
		Args: cobra.ExactArgs(1),
		RunE: run("scan"),
	}
	scan.Flags().IntVar(&opts.Limit, "limit", 100, "at most this many items (0: all)")
	scan.Flags().IntVar(&opts.Width, "width", DefaultWidth, "cut table cells to this many characters (0: never)")
	scan.Flags().StringVarP(output["scan"], "output", "o", "table", "output format: table, json or yaml")
	cmd.AddCommand(list, scan)
	return cmd
}

func tablesRun(ctx context.Context, o *TablesOptions) error {
	db, err := o.Client(ctx)
	if err != nil {
		return err
	}
	if o.Command == "list" {
		return listRun(ctx, o, db)
	}
	return scanRun(ctx, o, db)
}

// TableInfo is one row of `tables list`.
type TableInfo struct {
	Name      string    `json:"name" yaml:"name"`
	Keys      []KeyInfo `json:"keys" yaml:"keys"`
	ItemCount int64     `json:"itemCount" yaml:"itemCount"`
}

// KeyInfo is one key attribute of a table.
type KeyInfo struct {
	Name string `json:"name" yaml:"name"`
	Type string `json:"type" yaml:"type"` // HASH or RANGE
}

func describe(ctx context.Context, db datacmd.DynamoDBAPI, name string) (TableInfo, error) {
	out, err := db.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(name)})
	if err != nil {
		return TableInfo{}, fmt.Errorf("describe table %s: %w", name, err)
	}
	info := TableInfo{Name: name, Keys: []KeyInfo{}, ItemCount: aws.ToInt64(out.Table.ItemCount)}
	for _, k := range out.Table.KeySchema {
		info.Keys = append(info.Keys, KeyInfo{Name: aws.ToString(k.AttributeName), Type: string(k.KeyType)})
	}
	// HASH before RANGE whatever order the schema lists them in.
	slices.SortStableFunc(info.Keys, func(a, b KeyInfo) int { return strings.Compare(a.Type, b.Type) })
	return info, nil
}

func listRun(ctx context.Context, o *TablesOptions, db datacmd.DynamoDBAPI) error {
	names, err := datacmd.ListTables(ctx, db)
	if err != nil {
		return err
	}
	infos := make([]TableInfo, 0, len(names))
	for _, n := range names {
		info, err := describe(ctx, db, n)
		if err != nil {
			return err
		}
		infos = append(infos, info)
	}
	if o.Output != "table" {
		return encode(o.IO.Out, o.Output, infos)
	}
	tw := tabwriter.NewWriter(o.IO.Out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, o.IO.Bold("NAME")+"\t"+o.IO.Bold("KEYS")+"\t"+o.IO.Bold("ITEMS"))
	for _, info := range infos {
		var keys []string
		for _, k := range info.Keys {
			keys = append(keys, k.Name+" ("+k.Type+")")
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\n", info.Name, strings.Join(keys, ", "), info.ItemCount)
	}
	return tw.Flush()
}

func scanRun(ctx context.Context, o *TablesOptions, db datacmd.DynamoDBAPI) error {
	info, err := describe(ctx, db, o.Table)
	if err != nil {
		return err
	}
	var items []attr.Item
	more := false // the limit stopped the scan before the table's end
	in := &dynamodb.ScanInput{TableName: aws.String(o.Table)}
	for {
		if o.Limit > 0 {
			in.Limit = aws.Int32(int32(min(o.Limit-len(items), 1000)))
		}
		out, err := db.Scan(ctx, in)
		if err != nil {
			return fmt.Errorf("scan table %s: %w", o.Table, err)
		}
		for _, it := range out.Items {
			items = append(items, datacmd.ItemFromSDK(it))
		}
		if len(out.LastEvaluatedKey) == 0 {
			break
		}
		if o.Limit > 0 && len(items) >= o.Limit {
			more = true
			break
		}
		in.ExclusiveStartKey = out.LastEvaluatedKey
	}
	if o.Limit > 0 && len(items) > o.Limit {
		items, more = items[:o.Limit], true
	}
	if o.Output != "table" {
		if items == nil {
			items = []attr.Item{}
		}
		return encode(o.IO.Out, o.Output, items)
	}
	if err := writeTable(o.IO, info, items, o.Width); err != nil {
		return err
	}
	if more {
		fmt.Fprintf(o.IO.ErrOut, "more items not shown: raise --limit (0 for all)\n")
	}
	return nil
}

// Columns orders the attribute names of items: the key attributes first
// (partition, then sort), then the rest by name.
func Columns(keys []KeyInfo, items []attr.Item) []string {
	var cols []string
	isKey := map[string]bool{}
	for _, k := range keys {
		cols = append(cols, k.Name)
		isKey[k.Name] = true
	}
	seen := map[string]bool{}
	var rest []string
	for _, it := range items {
		for name := range it {
			if !isKey[name] && !seen[name] {
				seen[name] = true
				rest = append(rest, name)
			}
		}
	}
	slices.Sort(rest)
	return append(cols, rest...)
}

func writeTable(ios *iostreams.IOStreams, info TableInfo, items []attr.Item, width int) error {
	cols := Columns(info.Keys, items)
	tw := tabwriter.NewWriter(ios.Out, 0, 4, 2, ' ', 0)
	head := make([]string, len(cols))
	for i, c := range cols {
		head[i] = ios.Bold(c)
	}
	fmt.Fprintln(tw, strings.Join(head, "\t"))
	for _, it := range items {
		row := make([]string, len(cols))
		for i, c := range cols {
			v, ok := it[c]
			if !ok {
				row[i] = "-"
				continue
			}
			row[i] = cut(Cell(v), width)
		}
		fmt.Fprintln(tw, strings.Join(row, "\t"))
	}
	if err := tw.Flush(); err != nil {
		return fmt.Errorf("write table: %w", err)
	}
	if len(items) == 1 {
		fmt.Fprintln(ios.ErrOut, "1 item")
	} else {
		fmt.Fprintf(ios.ErrOut, "%d items\n", len(items))
	}
	return nil
}

// Cell renders a value for a table cell on one line.
func Cell(v attr.Value) string {
	var s string
	switch v.Type {
	case attr.TypeS, attr.TypeN:
		s = v.S
	case attr.TypeBOOL:
		s = fmt.Sprint(v.Bool)
	case attr.TypeNULL:
		s = "null"
	case attr.TypeB:
		s = base64.StdEncoding.EncodeToString(v.B)
	default:
		data, err := json.Marshal(plain(v))
		if err != nil {
			return "?"
		}
		s = string(data)
	}
	// Control characters would break the row; show them escaped.
	return strings.NewReplacer("\n", `\n`, "\r", `\r`, "\t", `\t`).Replace(s)
}

// plain is the JSON value a DynamoDB value stands for.
func plain(v attr.Value) any {
	switch v.Type {
	case attr.TypeS:
		return v.S
	case attr.TypeN:
		return json.Number(v.S)
	case attr.TypeBOOL:
		return v.Bool
	case attr.TypeB:
		return base64.StdEncoding.EncodeToString(v.B)
	case attr.TypeM:
		m := make(map[string]any, len(v.M))
		for k, e := range v.M {
			m[k] = plain(e)
		}
		return m
	case attr.TypeL:
		l := make([]any, len(v.L))
		for i, e := range v.L {
			l[i] = plain(e)
		}
		return l
	case attr.TypeSS:
		return v.SS
	case attr.TypeNS:
		l := make([]any, len(v.SS))
		for i, n := range v.SS {
			l[i] = json.Number(n)
		}
		return l
	case attr.TypeBS:
		l := make([]string, len(v.BS))
		for i, b := range v.BS {
			l[i] = base64.StdEncoding.EncodeToString(b)
		}
		return l
	}
	return nil
}

// cut shortens s to width characters, marking the cut with "…".
func cut(s string, width int) string {
	if width <= 0 || utf8.RuneCountInString(s) <= width {
		return s
	}
	r := []rune(s)
	return string(r[:max(width-1, 0)]) + "…"
}

func encode(w io.Writer, format string, v any) error {
	if format == "yaml" {
		// Round-trip through JSON so attribute values keep their DynamoDB
		// JSON shape ({"S": ...}) in YAML too.
		data, err := json.Marshal(v)
		if err != nil {
			return fmt.Errorf("encode: %w", err)
		}
		var doc any
		if err := json.Unmarshal(data, &doc); err != nil {
			return fmt.Errorf("encode: %w", err)
		}
		enc := yaml.NewEncoder(w)
		enc.SetIndent(2)
		if err := enc.Encode(doc); err != nil {
			return fmt.Errorf("write yaml: %w", err)
		}
		return enc.Close()
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
