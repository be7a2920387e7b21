package datacmd

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// fakeDB is an in-memory DynamoDBAPI: tables keyed by their key attributes'
// JSON, scans in key order two items a page, and BatchWriteItem calls that
// leave the last item unprocessed on every call while throttle > 0.
type fakeDB struct {
	mu       sync.Mutex
	keys     map[string][]string
	items    map[string]map[string]map[string]types.AttributeValue
	throttle int
	batches  []int // size of each BatchWriteItem call
}

var _ DynamoDBAPI = (*fakeDB)(nil)

func newFakeDB(tables map[string][]string) *fakeDB {
	f := &fakeDB{keys: tables, items: map[string]map[string]map[string]types.AttributeValue{}}
	for t := range tables {
		f.items[t] = map[string]map[string]types.AttributeValue{}
	}
	return f
}

func (f *fakeDB) key(table string, item map[string]types.AttributeValue) string {
	var k string
	for _, a := range f.keys[table] {
		data, _ := FromSDK(item[a]).MarshalJSON()
		k += string(data) + "\x00"
	}
	return k
}

func (f *fakeDB) ListTables(_ context.Context, in *dynamodb.ListTablesInput, _ ...func(*dynamodb.Options)) (*dynamodb.ListTablesOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var names []string
	for t := range f.keys {
		names = append(names, t)
	}
	slices.Sort(names)
	// One name a page, to exercise paging.
	start := 0
	if in.ExclusiveStartTableName != nil {
		start = slices.Index(names, *in.ExclusiveStartTableName) + 1
	}
	out := &dynamodb.ListTablesOutput{}
	if start < len(names) {
		out.TableNames = names[start : start+1]
		if start+1 < len(names) {
			out.LastEvaluatedTableName = aws.String(names[start])
		}
	}
	return out, nil
}

func (f *fakeDB) DescribeTable(_ context.Context, in *dynamodb.DescribeTableInput, _ ...func(*dynamodb.Options)) (*dynamodb.DescribeTableOutput, error) {
	keys, ok := f.keys[aws.ToString(in.TableName)]
	if !ok {
		return nil, &types.ResourceNotFoundException{Message: aws.String("Requested resource not found")}
	}
	td := &types.TableDescription{TableName: in.TableName}
	for i, k := range keys {
		kt := types.KeyTypeHash
		if i == 1 {
			kt = types.KeyTypeRange
		}
		td.KeySchema = append(td.KeySchema, types.KeySchemaElement{AttributeName: aws.String(k), KeyType: kt})
	}
	f.mu.Lock()
	td.ItemCount = aws.Int64(int64(len(f.items[*in.TableName])))
	f.mu.Unlock()
	return &dynamodb.DescribeTableOutput{Table: td}, nil
}

func (f *fakeDB) Scan(_ context.Context, in *dynamodb.ScanInput, _ ...func(*dynamodb.Options)) (*dynamodb.ScanOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	t := aws.ToString(in.TableName)
	items, ok := f.items[t]
	if !ok {
		return nil, &types.ResourceNotFoundException{Message: aws.String("Requested resource not found")}
	}
	var ks []string
	for k := range items {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	start := 0
	if in.ExclusiveStartKey != nil {
		start = slices.Index(ks, f.key(t, in.ExclusiveStartKey)) + 1
	}
	limit := 2
	if in.Limit != nil {
		limit = int(*in.Limit)
	}
	out := &dynamodb.ScanOutput{}
	for i := start; i < len(ks) && len(out.Items) < limit; i++ {
		out.Items = append(out.Items, items[ks[i]])
		if len(out.Items) == limit && i+1 < len(ks) {
			last := map[string]types.AttributeValue{}
			for _, a := range f.keys[t] {
				last[a] = items[ks[i]][a]
			}
			out.LastEvaluatedKey = last
		}
	}
	out.Count = int32(len(out.Items))
	return out, nil
}

func (f *fakeDB) BatchWriteItem(_ context.Context, in *dynamodb.BatchWriteItemInput, _ ...func(*dynamodb.Options)) (*dynamodb.BatchWriteItemOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	out := &dynamodb.BatchWriteItemOutput{UnprocessedItems: map[string][]types.WriteRequest{}}
	for t, reqs := range in.RequestItems {
		if _, ok := f.items[t]; !ok {
			return nil, &types.ResourceNotFoundException{Message: aws.String("Requested resource not found")}
		}
		seen := map[string]bool{}
		for _, r := range reqs {
			k := f.key(t, r.PutRequest.Item)
			if seen[k] {
				return nil, errors.New("ValidationException: Provided list of item keys contains duplicates")
			}
			seen[k] = true
		}
		n += len(reqs)
		if f.throttle > 0 {
			f.throttle--
			out.UnprocessedItems[t] = reqs[len(reqs)-1:]
			reqs = reqs[:len(reqs)-1]
		}
		for _, r := range reqs {
			f.items[t][f.key(t, r.PutRequest.Item)] = r.PutRequest.Item
		}
	}
	if n > BatchSize {
		return nil, fmt.Errorf("ValidationException: %d items in one batch", n)
	}
	f.batches = append(f.batches, n)
	return out, nil
}
