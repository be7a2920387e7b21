package datacmd

import (
	"context"
	"fmt"
	"io"
	"slices"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
)

// ListTables returns every table name, sorted.
func ListTables(ctx context.Context, db DynamoDBAPI) ([]string, error) {
	var names []string
	in := &dynamodb.ListTablesInput{}
	for {
		out, err := db.ListTables(ctx, in)
		if err != nil {
			return nil, fmt.Errorf("list tables: %w", err)
		}
		names = append(names, out.TableNames...)
		if out.LastEvaluatedTableName == nil {
			break
		}
		in.ExclusiveStartTableName = out.LastEvaluatedTableName
	}
	slices.Sort(names)
	return names, nil
}

// Export writes every item of the tables (all tables when none are named)
// to w as records, table by table, and returns how many it wrote.
func Export(ctx context.Context, db DynamoDBAPI, tables []string, w io.Writer) (int, error) {
	if len(tables) == 0 {
		var err error
		if tables, err = ListTables(ctx, db); err != nil {
			return 0, err
		}
	}
	n := 0
	for _, t := range tables {
		in := &dynamodb.ScanInput{TableName: aws.String(t), ConsistentRead: aws.Bool(true)}
		for {
			out, err := db.Scan(ctx, in)
			if err != nil {
				return n, fmt.Errorf("scan table %s: %w", t, err)
			}
			for _, item := range out.Items {
				if err := WriteRecord(w, Record{Table: t, Item: ItemFromSDK(item)}); err != nil {
					return n, fmt.Errorf("write export: %w", err)
				}
				n++
			}
			if len(out.LastEvaluatedKey) == 0 {
				break
			}
			in.ExclusiveStartKey = out.LastEvaluatedKey
		}
	}
	return n, nil
}
