package datacmd

import (
	"context"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/sfapi/sfapi/internal/cli/cmdutil"
	"github.com/sfapi/sfapi/internal/cli/iostreams"
)

// DataOptions are the inputs of `sfapi data export` and `sfapi data import`.
type DataOptions struct {
	IO *iostreams.IOStreams
	Locator

	Command string // export or import
	// export
	Tables []string
	File   string // export: output file ("" or "-": stdout); import: input file ("-": stdin)
}

// NewCmdData builds `sfapi data` with export and import. runF replaces the
// run function in tests.
func NewCmdData(f *cmdutil.Factory, runF func(*DataOptions) error) *cobra.Command {
	opts := &DataOptions{IO: f.IOStreams}
	cmd := &cobra.Command{
		Use:   "data <command>",
		Short: "Export and import the items of a running sfapi dev's tables",
		Long: `Move table items in and out of a running sfapi dev as JSON lines, one item a
line: {"table": "Jobs", "item": {"pk": {"S": "..."}, ...}} with the item in
DynamoDB JSON, so nothing is lost (numbers, sets, binaries). Use it to seed a
fresh stack, to keep fixtures next to a project, or to attach the state that
shows a bug to its report.

The commands find the sfapi dev running from the project folder
(PROJECT/.sfapi/endpoints.json); --endpoint names any DynamoDB endpoint.`,
		Example: `  sfapi data export -o seed.jsonl
  sfapi data import seed.jsonl`,
	}
	opts.Locator.AddFlags(cmd.PersistentFlags())
	run := func(name string) func(*cobra.Command, []string) error {
		return func(c *cobra.Command, args []string) error {
			opts.Command = name
			if len(args) > 0 {
				opts.File = args[0]
			}
			if runF != nil {
				return runF(opts)
			}
			return dataRun(c.Context(), opts)
		}
	}
	export := &cobra.Command{
		Use:   "export",
		Short: "Write every item of every table (or --table) as JSON lines",
		Long: `Scan the tables (all of them, or those named with --table) and write one
line per item to stdout or -o FILE. Tables come in name order; items in scan
order.`,
		Example: `  sfapi data export > state.jsonl
  sfapi data export --table Jobs -o jobs.jsonl`,
		Args: cmdutil.NoArgs,
		RunE: run("export"),
	}
	export.Flags().StringSliceVar(&opts.Tables, "table", nil, "export only this table (repeatable)")
	export.Flags().StringVarP(&opts.File, "output-file", "o", "", "write to this file instead of stdout")
	imp := &cobra.Command{
		Use:   "import FILE",
		Short: "Write the items of an export into the tables",
		Long: `Read JSON lines as written by export (FILE, or stdin for "-") and put each item
into its table with BatchWriteItem, 25 items a call, retrying unprocessed
items with backoff. Items replace those with the same key; a key repeated in
the file ends with its last item. The tables must exist (sfapi dev creates
the project's tables at start).`,
		Example: `  sfapi data import state.jsonl
  sfapi data export --project a | sfapi data import --project b -`,
		Args: cobra.ExactArgs(1),
		RunE: run("import"),
	}
	cmd.AddCommand(export, imp)
	return cmd
}

func dataRun(ctx context.Context, o *DataOptions) error {
	db, err := o.Client(ctx)
	if err != nil {
		return err
	}
	if o.Command == "export" {
		return exportRun(ctx, o, db)
	}
	return importRun(ctx, o, db)
}

func exportRun(ctx context.Context, o *DataOptions, db DynamoDBAPI) error {
	w := o.IO.Out
	var file *os.File
	if o.File != "" && o.File != "-" {
		var err error
		if file, err = os.Create(o.File); err != nil {
			return fmt.Errorf("create export file: %w", err)
		}
		defer file.Close()
		w = file
	}
	n, err := Export(ctx, db, o.Tables, w)
	if err != nil {
		return err
	}
	if file != nil {
		if err := file.Close(); err != nil {
			return fmt.Errorf("write export file: %w", err)
		}
	}
	fmt.Fprintf(o.IO.ErrOut, "exported %d items\n", n)
	return nil
}

func importRun(ctx context.Context, o *DataOptions, db DynamoDBAPI) error {
	var r io.Reader = o.IO.In
	if o.File != "-" {
		f, err := os.Open(o.File)
		if err != nil {
			return fmt.Errorf("open import file: %w", err)
		}
		defer f.Close()
		r = f
	}
	im := &Importer{DB: db}
	written, err := im.Import(ctx, r)
	total := 0
	var parts []string
	for _, t := range slices.Sorted(maps.Keys(written)) {
		total += written[t]
		parts = append(parts, fmt.Sprintf("%s %d", t, written[t]))
	}
	if err != nil {
		if total > 0 {
			fmt.Fprintf(o.IO.ErrOut, "imported %d items before the error (%s)\n", total, strings.Join(parts, ", "))
		}
		return err
	}
	if total == 0 {
		fmt.Fprintln(o.IO.ErrOut, "imported 0 items")
		return nil
	}
	fmt.Fprintf(o.IO.ErrOut, "imported %d items (%s)\n", total, strings.Join(parts, ", "))
	return nil
}
