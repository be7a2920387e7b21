package ddbapi

import (
	"context"

	"github.com/sfapi/sfapi/internal/emulator/awsjson"
	"github.com/sfapi/sfapi/internal/emulator/ddb"
	"github.com/sfapi/sfapi/internal/emulator/ddb/attr"
)

// Service identities on the wire.
const (
	DynamoDBPrefix  = "DynamoDB_20120810"
	StreamsPrefix   = "DynamoDBStreams_20120810"
	ContentType     = "application/x-amz-json-1.0"
	ErrorTypePrefix = "com.amazonaws.dynamodb.v20120810#"
)

// Register adds the DynamoDB and DynamoDB Streams services backed by e to
// mux.
func Register(mux *awsjson.Mux, e *ddb.Engine) {
	h := &handler{e: e}
	// DynamoDB checksums its responses (x-amz-crc32), uses its own request
	// id format, and answers GET / with a health line; so do we.
	mux.Register(&awsjson.Service{
		TargetPrefix: DynamoDBPrefix, ContentType: ContentType, ErrorTypePrefix: ErrorTypePrefix,
		ResponseCRC32: true, RequestID: awsjson.DynamoDBRequestID,
		HealthCheck: "healthy: dynamodb." + e.Region() + ".amazonaws.com ",
		Operations: map[string]awsjson.Operation{
			"CreateTable":        op(h.createTable),
			"DescribeTable":      op(h.describeTable),
			"ListTables":         op(h.listTables),
			"DeleteTable":        op(h.deleteTable),
			"UpdateTimeToLive":   op(h.updateTTL),
			"DescribeTimeToLive": op(h.describeTTL),
			"PutItem":            op(h.putItem),
			"GetItem":            op(h.getItem),
			"UpdateItem":         op(h.updateItem),
			"DeleteItem":         op(h.deleteItem),
			"Query":              op(h.query),
			"Scan":               op(h.scan),
			"BatchWriteItem":     op(h.batchWrite),
			"BatchGetItem":       op(h.batchGet),
			"TransactWriteItems": op(h.transactWrite),
			"TransactGetItems":   op(h.transactGet),
			"UpdateTable":        op(h.updateTable),
			"TagResource":        op(h.tagResource),
			"UntagResource":      op(h.untagResource),
			"ListTagsOfResource": op(h.listTags),
		},
	})
	mux.Register(&awsjson.Service{
		TargetPrefix: StreamsPrefix, ContentType: ContentType, ErrorTypePrefix: ErrorTypePrefix,
		ResponseCRC32: true, RequestID: awsjson.DynamoDBRequestID,
		Operations: map[string]awsjson.Operation{
			"ListStreams":      op(h.listStreams),
			"DescribeStream":   op(h.describeStream),
			"GetShardIterator": op(h.getShardIterator),
			"GetRecords":       op(h.getRecords),
		},
	})
}

type handler struct{ e *ddb.Engine }

// op adapts a typed handler to an awsjson.Operation: decode, call, map
// errors.
func op[I, O any](f func(context.Context, *I) (O, error)) awsjson.Operation {
	return func(ctx context.Context, body []byte) (any, error) {
		in := new(I)
		// The hot operations decode without reflection when they can
		// (fastdecode.go); any other body takes encoding/json's path.
		if fd, ok := any(in).(fastDecoder); !ok || !fd.decodeFast(body) {
			*in = *new(I)
			if err := awsjson.Decode(body, in); err != nil {
				return nil, err
			}
		}
		out, err := f(ctx, in)
		if err != nil {
			return nil, mapErr(err)
		}
		return out, nil
	}
}

func (h *handler) createTable(ctx context.Context, in *createTableInput) (*tableOutput, error) {
	d, err := h.e.CreateTable(ctx, in.spec())
	if err != nil {
		return nil, err
	}
	return &tableOutput{TableDescription: toTableDescription(d)}, nil
}

func (h *handler) describeTable(ctx context.Context, in *tableNameInput) (*describeTableOutput, error) {
	if err := requireTable(in.TableName); err != nil {
		return nil, err
	}
	d, err := h.e.DescribeTable(ctx, in.TableName)
	if err != nil {
		return nil, err
	}
	return &describeTableOutput{Table: toTableDescription(d)}, nil
}

func (h *handler) deleteTable(ctx context.Context, in *tableNameInput) (*tableOutput, error) {
	if err := requireTable(in.TableName); err != nil {
		return nil, err
	}
	d, err := h.e.DeleteTable(ctx, in.TableName)
	if err != nil {
		return nil, err
	}
	return &tableOutput{TableDescription: toTableDescription(d)}, nil
}

func (h *handler) listTables(ctx context.Context, in *listTablesInput) (*listTablesOutput, error) {
	limit, err := limitOf(in.Limit, "limit", 100)
	if err != nil {
		return nil, err
	}
	names, last, err := h.e.ListTables(ctx, in.ExclusiveStartTableName, limit)
	if err != nil {
		return nil, err
	}
	if names == nil {
		names = []string{}
	}
	return &listTablesOutput{TableNames: names, LastEvaluatedTableName: last}, nil
}

func (h *handler) updateTTL(ctx context.Context, in *updateTTLInput) (*updateTTLOutput, error) {
	if err := requireTable(in.TableName); err != nil {
		return nil, err
	}
	s, err := h.e.UpdateTimeToLive(ctx, in.TableName, ddb.TTLSpec(in.TimeToLiveSpecification))
	if err != nil {
		return nil, err
	}
	return &updateTTLOutput{TimeToLiveSpecification: ttlSpecification(s)}, nil
}

func (h *handler) describeTTL(ctx context.Context, in *tableNameInput) (*describeTTLOutput, error) {
	if err := requireTable(in.TableName); err != nil {
		return nil, err
	}
	s, err := h.e.DescribeTimeToLive(ctx, in.TableName)
	if err != nil {
		return nil, err
	}
	d := ttlDescription{TimeToLiveStatus: "DISABLED"}
	if s.Enabled {
		d = ttlDescription{TimeToLiveStatus: "ENABLED", AttributeName: s.AttributeName}
	}
	return &describeTTLOutput{TimeToLiveDescription: d}, nil
}

func (in *putItemInput) engine() (ddb.PutItemInput, error) {
	if err := in.fromLegacy(); err != nil {
		return ddb.PutItemInput{}, err
	}
	if err := requireTable(in.TableName); err != nil {
		return ddb.PutItemInput{}, err
	}
	if in.Item == nil {
		return ddb.PutItemInput{}, validation("1 validation error detected: Value null at 'item' failed to satisfy constraint: Member must not be null")
	}
	old, err := returnOld(in.ReturnValuesOnConditionCheckFailure)
	if err != nil {
		return ddb.PutItemInput{}, err
	}
	return ddb.PutItemInput{TableName: in.TableName, Item: in.Item, ConditionExpression: in.ConditionExpression,
		ExpressionAttributeNames: in.ExpressionAttributeNames, ExpressionAttributeValues: in.ExpressionAttributeValues,
		ReturnValues: in.ReturnValues, ReturnOldOnConditionFailure: old}, nil
}

// itemWrite is what PutItem, UpdateItem and DeleteItem share on the wire:
// check the capacity mode, build the engine request, run it, and answer
// with the returned attributes and the consumed capacity.
func itemWrite[R any](ctx context.Context, capacityMode string, build func() (R, error), run func(context.Context, R) (*ddb.WriteOutput, error)) (*writeOutput, error) {
	if err := checkReturnCapacity(capacityMode); err != nil {
		return nil, err
	}
	req, err := build()
	if err != nil {
		return nil, err
	}
	out, err := run(ctx, req)
	if err != nil {
		return nil, err
	}
	return &writeOutput{Attributes: out.Attributes, ConsumedCapacity: capacity(capacityMode, out.Consumed)}, nil
}

func (h *handler) putItem(ctx context.Context, in *putItemInput) (*writeOutput, error) {
	return itemWrite(ctx, in.ReturnConsumedCapacity, in.engine, h.e.PutItem)
}

func (in *updateItemInput) engine() (ddb.UpdateItemInput, error) {
	if err := in.fromLegacy(); err != nil {
		return ddb.UpdateItemInput{}, err
	}
	if err := requireTable(in.TableName); err != nil {
		return ddb.UpdateItemInput{}, err
	}
	old, err := returnOld(in.ReturnValuesOnConditionCheckFailure)
	if err != nil {
		return ddb.UpdateItemInput{}, err
	}
	return ddb.UpdateItemInput{TableName: in.TableName, Key: in.Key, UpdateExpression: in.UpdateExpression,
		ConditionExpression: in.ConditionExpression, ExpressionAttributeNames: in.ExpressionAttributeNames,
		ExpressionAttributeValues: in.ExpressionAttributeValues, ReturnValues: in.ReturnValues, ReturnOldOnConditionFailure: old}, nil
}

func (h *handler) updateItem(ctx context.Context, in *updateItemInput) (*writeOutput, error) {
	return itemWrite(ctx, in.ReturnConsumedCapacity, in.engine, h.e.UpdateItem)
}

func (in *deleteItemInput) engine() (ddb.DeleteItemInput, error) {
	if err := in.fromLegacy(); err != nil {
		return ddb.DeleteItemInput{}, err
	}
	if err := requireTable(in.TableName); err != nil {
		return ddb.DeleteItemInput{}, err
	}
	old, err := returnOld(in.ReturnValuesOnConditionCheckFailure)
	if err != nil {
		return ddb.DeleteItemInput{}, err
	}
	return ddb.DeleteItemInput{TableName: in.TableName, Key: in.Key, ConditionExpression: in.ConditionExpression,
		ExpressionAttributeNames: in.ExpressionAttributeNames, ExpressionAttributeValues: in.ExpressionAttributeValues,
		ReturnValues: in.ReturnValues, ReturnOldOnConditionFailure: old}, nil
}

func (h *handler) deleteItem(ctx context.Context, in *deleteItemInput) (*writeOutput, error) {
	return itemWrite(ctx, in.ReturnConsumedCapacity, in.engine, h.e.DeleteItem)
}

func (h *handler) getItem(ctx context.Context, in *getItemInput) (*getItemOutput, error) {
	if err := in.fromLegacy(); err != nil {
		return nil, err
	}
	if err := checkReturnCapacity(in.ReturnConsumedCapacity); err != nil {
		return nil, err
	}
	if err := requireTable(in.TableName); err != nil {
		return nil, err
	}
	out, err := h.e.GetItem(ctx, ddb.GetItemInput{TableName: in.TableName, Key: in.Key, ProjectionExpression: in.ProjectionExpression,
		ExpressionAttributeNames: in.ExpressionAttributeNames, ConsistentRead: in.ConsistentRead})
	if err != nil {
		return nil, err
	}
	return &getItemOutput{Item: out.Item, ConsumedCapacity: capacity(in.ReturnConsumedCapacity, out.Consumed)}, nil
}

func pageResult(mode string, p *ddb.PageOutput, count bool) *pageOutput {
	out := &pageOutput{Count: p.Count, ScannedCount: p.ScannedCount, LastEvaluatedKey: p.LastEvaluatedKey, ConsumedCapacity: capacity(mode, p.Consumed)}
	if !count {
		items := p.Items
		if items == nil {
			items = []attr.Item{}
		}
		out.Items = &items
	}
	return out
}

func (h *handler) query(ctx context.Context, in *queryInput) (*pageOutput, error) {
	if err := in.fromLegacy(true); err != nil {
		return nil, err
	}
	if err := checkReturnCapacity(in.ReturnConsumedCapacity); err != nil {
		return nil, err
	}
	if err := requireTable(in.TableName); err != nil {
		return nil, err
	}
	limit, err := limitOf(in.Limit, "limit", 0)
	if err != nil {
		return nil, err
	}
	p, err := h.e.Query(ctx, ddb.QueryInput{TableName: in.TableName, IndexName: in.IndexName, KeyConditionExpression: in.KeyConditionExpression,
		FilterExpression: in.FilterExpression, ProjectionExpression: in.ProjectionExpression,
		ExpressionAttributeNames: in.ExpressionAttributeNames, ExpressionAttributeValues: in.ExpressionAttributeValues,
		Select: in.Select, Limit: limit, Backward: in.ScanIndexForward != nil && !*in.ScanIndexForward,
		ExclusiveStartKey: in.ExclusiveStartKey, ConsistentRead: in.ConsistentRead})
	if err != nil {
		return nil, err
	}
	return pageResult(in.ReturnConsumedCapacity, p, in.Select == ddb.SelectCount), nil
}

func (h *handler) scan(ctx context.Context, in *queryInput) (*pageOutput, error) {
	if err := in.fromLegacy(false); err != nil {
		return nil, err
	}
	if err := checkReturnCapacity(in.ReturnConsumedCapacity); err != nil {
		return nil, err
	}
	if err := requireTable(in.TableName); err != nil {
		return nil, err
	}
	limit, err := limitOf(in.Limit, "limit", 0)
	if err != nil {
		return nil, err
	}
	req := ddb.ScanInput{TableName: in.TableName, IndexName: in.IndexName, FilterExpression: in.FilterExpression,
		ProjectionExpression: in.ProjectionExpression, ExpressionAttributeNames: in.ExpressionAttributeNames,
		ExpressionAttributeValues: in.ExpressionAttributeValues, Select: in.Select, Limit: limit,
		ExclusiveStartKey: in.ExclusiveStartKey, ConsistentRead: in.ConsistentRead}
	if (in.Segment == nil) != (in.TotalSegments == nil) {
		return nil, validation("The TotalSegments parameter is required but was not present in the request when Segment parameter is present")
	}
	if in.Segment != nil {
		req.Segment, req.TotalSegments = *in.Segment, *in.TotalSegments
		if req.TotalSegments < 1 {
			return nil, validation("1 validation error detected: Value '%d' at 'totalSegments' failed to satisfy constraint: Member must have value greater than or equal to 1", req.TotalSegments)
		}
	}
	p, err := h.e.Scan(ctx, req)
	if err != nil {
		return nil, err
	}
	return pageResult(in.ReturnConsumedCapacity, p, in.Select == ddb.SelectCount), nil
}

func (h *handler) batchWrite(ctx context.Context, in *batchWriteInput) (*batchWriteOutput, error) {
	if err := checkReturnCapacity(in.ReturnConsumedCapacity); err != nil {
		return nil, err
	}
	reqs := map[string][]ddb.WriteRequest{}
	for table, rs := range in.RequestItems {
		for _, r := range rs {
			var w ddb.WriteRequest
			if r.PutRequest != nil {
				if r.PutRequest.Item == nil {
					return nil, validation("1 validation error detected: Value null at 'requestItems.%s.member.putRequest.item' failed to satisfy constraint: Member must not be null", table)
				}
				w.Put = r.PutRequest.Item
			}
			if r.DeleteRequest != nil {
				if r.DeleteRequest.Key == nil {
					return nil, validation("1 validation error detected: Value null at 'requestItems.%s.member.deleteRequest.key' failed to satisfy constraint: Member must not be null", table)
				}
				w.Delete = r.DeleteRequest.Key
			}
			reqs[table] = append(reqs[table], w)
		}
	}
	out, err := h.e.BatchWriteItem(ctx, reqs)
	if err != nil {
		return nil, err
	}
	return &batchWriteOutput{UnprocessedItems: map[string][]writeRequest{}, ConsumedCapacity: capacities(in.ReturnConsumedCapacity, out.Consumed)}, nil
}

func (h *handler) batchGet(ctx context.Context, in *batchGetInput) (*batchGetOutput, error) {
	if err := checkReturnCapacity(in.ReturnConsumedCapacity); err != nil {
		return nil, err
	}
	reqs := map[string]ddb.KeysAndAttributes{}
	for table, r := range in.RequestItems {
		if err := r.fromLegacy(); err != nil {
			return nil, err
		}
		reqs[table] = ddb.KeysAndAttributes{Keys: r.Keys, ProjectionExpression: r.ProjectionExpression,
			ExpressionAttributeNames: r.ExpressionAttributeNames, ConsistentRead: r.ConsistentRead}
	}
	out, err := h.e.BatchGetItem(ctx, reqs)
	if err != nil {
		return nil, err
	}
	return &batchGetOutput{Responses: out.Responses, UnprocessedKeys: out.Unprocessed, ConsumedCapacity: capacities(in.ReturnConsumedCapacity, out.Consumed)}, nil
}

func (h *handler) transactWrite(ctx context.Context, in *transactWriteInput) (*transactWriteOutput, error) {
	if err := checkReturnCapacity(in.ReturnConsumedCapacity); err != nil {
		return nil, err
	}
	items := make([]ddb.TransactItem, 0, len(in.TransactItems))
	for _, ti := range in.TransactItems {
		var (
			t   ddb.TransactItem
			err error
		)
		switch {
		case ti.Put != nil:
			var p ddb.PutItemInput
			p, err = ti.Put.engine()
			t.Put = &p
		case ti.Update != nil:
			var u ddb.UpdateItemInput
			u, err = ti.Update.engine()
			t.Update = &u
		case ti.Delete != nil:
			var d ddb.DeleteItemInput
			d, err = ti.Delete.engine()
			t.Delete = &d
		case ti.ConditionCheck != nil:
			var d ddb.DeleteItemInput
			d, err = ti.ConditionCheck.engine()
			t.ConditionCheck = &d
		}
		if err != nil {
			return nil, err
		}
		n := 0
		for _, set := range []bool{ti.Put != nil, ti.Update != nil, ti.Delete != nil, ti.ConditionCheck != nil} {
			if set {
				n++
			}
		}
		if n != 1 {
			return nil, validation("TransactItems can only contain one of Check, Put, Update or Delete")
		}
		items = append(items, t)
	}
	fp, err := fingerprint(in.TransactItems)
	if err != nil {
		return nil, err
	}
	caps, err := h.e.TransactWriteItemsIdempotent(ctx, in.ClientRequestToken, fp, items)
	if err != nil {
		return nil, err
	}
	return &transactWriteOutput{ConsumedCapacity: capacities(in.ReturnConsumedCapacity, caps)}, nil
}
