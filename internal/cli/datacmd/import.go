package datacmd

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/sfapi/sfapi/internal/emulator/ddb/attr"
)

// BatchSize is BatchWriteItem's limit of items per call.
const BatchSize = 25

// Importer writes records with BatchWriteItem.
type Importer struct {
	DB DynamoDBAPI
	// Attempts bounds the calls for one batch while DynamoDB keeps
	// returning UnprocessedItems (default 8); Backoff is the first pause
	// between them, doubled each time (default 50 ms).
	Attempts int
	Backoff  time.Duration

	keys    map[string][]string // table → key attribute names
	pending map[string][]attr.Item
	inBatch map[string]map[string]bool // table → keys of pending items
	order   []string                   // tables in first-seen order
	written map[string]int
}

// Import reads records from r and writes them; it returns the items written
// per table.
func (im *Importer) Import(ctx context.Context, r io.Reader) (map[string]int, error) {
	if im.Attempts <= 0 {
		im.Attempts = 8
	}
	if im.Backoff <= 0 {
		im.Backoff = 50 * time.Millisecond
	}
	im.keys, im.pending, im.inBatch, im.written = map[string][]string{}, map[string][]attr.Item{}, map[string]map[string]bool{}, map[string]int{}
	err := ReadRecords(r, func(line int, rec Record) error {
		if err := im.add(ctx, rec); err != nil {
			return fmt.Errorf("line %d: %w", line, err)
		}
		return nil
	})
	if err != nil {
		return im.written, err
	}
	for _, t := range im.order {
		if err := im.flush(ctx, t); err != nil {
			return im.written, err
		}
	}
	return im.written, nil
}

func (im *Importer) add(ctx context.Context, rec Record) error {
	keys, ok := im.keys[rec.Table]
	if !ok {
		out, err := im.DB.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(rec.Table)})
		if err != nil {
			return fmt.Errorf("describe table %s: %w", rec.Table, err)
		}
		for _, k := range out.Table.KeySchema {
			keys = append(keys, aws.ToString(k.AttributeName))
		}
		im.keys[rec.Table] = keys
		im.inBatch[rec.Table] = map[string]bool{}
		im.order = append(im.order, rec.Table)
	}
	id, err := keyOf(rec.Item, keys)
	if err != nil {
		return fmt.Errorf("item of %s: %w", rec.Table, err)
	}
	// One BatchWriteItem may not hold two writes of the same key
	// (ValidationException); a repeated key starts a new batch, so the
	// later item wins as it would with PutItem in file order.
	if im.inBatch[rec.Table][id] {
		if err := im.flush(ctx, rec.Table); err != nil {
			return err
		}
	}
	im.pending[rec.Table] = append(im.pending[rec.Table], rec.Item)
	im.inBatch[rec.Table][id] = true
	if len(im.pending[rec.Table]) == BatchSize {
		return im.flush(ctx, rec.Table)
	}
	return nil
}

// keyOf renders the item's key attributes as a comparable string.
func keyOf(item attr.Item, keys []string) (string, error) {
	var id []byte
	for _, k := range keys {
		v, ok := item[k]
		if !ok {
			return "", fmt.Errorf("missing key attribute %q", k)
		}
		data, err := v.MarshalJSON()
		if err != nil {
			return "", err
		}
		id = append(append(id, data...), 0)
	}
	return string(id), nil
}

// flush writes the table's pending items, retrying UnprocessedItems with
// exponential backoff.
func (im *Importer) flush(ctx context.Context, table string) error {
	items := im.pending[table]
	if len(items) == 0 {
		return nil
	}
	reqs := make([]types.WriteRequest, len(items))
	for i, it := range items {
		reqs[i] = types.WriteRequest{PutRequest: &types.PutRequest{Item: ItemToSDK(it)}}
	}
	batch := map[string][]types.WriteRequest{table: reqs}
	pause := im.Backoff
	for attempt := 1; ; attempt++ {
		out, err := im.DB.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{RequestItems: batch})
		if err != nil {
			return fmt.Errorf("write %d items into %s: %w", len(items), table, err)
		}
		left := len(out.UnprocessedItems[table])
		im.written[table] += len(batch[table]) - left
		if left == 0 {
			break
		}
		if attempt == im.Attempts {
			return fmt.Errorf("write into %s: %d items still unprocessed after %d attempts", table, left, attempt)
		}
		batch = map[string][]types.WriteRequest{table: out.UnprocessedItems[table]}
		select {
		case <-ctx.Done():
			return errors.Join(fmt.Errorf("write into %s", table), ctx.Err())
		case <-time.After(pause):
		}
		pause *= 2
	}
	im.pending[table] = items[:0:0]
	clear(im.inBatch[table])
	return nil
}
