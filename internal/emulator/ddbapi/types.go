package ddbapi

import (
	"encoding/json"

	"github.com/sfapi/sfapi/internal/emulator/ddb"
	"github.com/sfapi/sfapi/internal/emulator/ddb/attr"
)

// Wire shapes of the DynamoDB API. Field names are AWS's; key schema,
// attribute definition, projection and throughput reuse the engine's
// structs because their field names already are the wire names.

type provisionedThroughput = ddb.Throughput

type indexSpec struct {
	IndexName             string
	KeySchema             []ddb.KeySchemaElement
	Projection            ddb.Projection
	ProvisionedThroughput *provisionedThroughput
}

type streamSpecification struct {
	StreamEnabled  bool
	StreamViewType string `json:",omitempty"`
}

type createTableInput struct {
	TableName                 string
	KeySchema                 []ddb.KeySchemaElement
	AttributeDefinitions      []ddb.AttributeDefinition
	GlobalSecondaryIndexes    []indexSpec
	LocalSecondaryIndexes     []indexSpec
	BillingMode               string
	ProvisionedThroughput     *provisionedThroughput
	StreamSpecification       *streamSpecification
	Tags                      []tag
	SSESpecification          json.RawMessage
	TableClass                string
	DeletionProtectionEnabled bool
}

type throughputDescription struct {
	NumberOfDecreasesToday int64
	ReadCapacityUnits      int64
	WriteCapacityUnits     int64
}

type billingModeSummary struct {
	BillingMode string
}

type indexDescription struct {
	IndexName             string
	IndexArn              string
	IndexStatus           string `json:",omitempty"`
	KeySchema             []ddb.KeySchemaElement
	Projection            ddb.Projection
	ItemCount             int64
	IndexSizeBytes        int64
	ProvisionedThroughput *throughputDescription `json:",omitempty"`
}

type tableDescription struct {
	TableName              string
	TableArn               string
	TableId                string
	TableStatus            string
	CreationDateTime       float64
	KeySchema              []ddb.KeySchemaElement
	AttributeDefinitions   []ddb.AttributeDefinition
	ProvisionedThroughput  throughputDescription
	BillingModeSummary     *billingModeSummary `json:",omitempty"`
	ItemCount              int64
	TableSizeBytes         int64
	GlobalSecondaryIndexes []indexDescription   `json:",omitempty"`
	LocalSecondaryIndexes  []indexDescription   `json:",omitempty"`
	StreamSpecification    *streamSpecification `json:",omitempty"`
	LatestStreamArn        string               `json:",omitempty"`
	LatestStreamLabel      string               `json:",omitempty"`
}

type tableNameInput struct {
	TableName string
}

type tableOutput struct {
	TableDescription *tableDescription
}

type describeTableOutput struct {
	Table *tableDescription
}

type listTablesInput struct {
	ExclusiveStartTableName string
	Limit                   *int
}

type listTablesOutput struct {
	TableNames             []string
	LastEvaluatedTableName string `json:",omitempty"`
}

type ttlSpecification struct {
	Enabled       bool
	AttributeName string
}

type updateTTLInput struct {
	TableName               string
	TimeToLiveSpecification ttlSpecification
}

type updateTTLOutput struct {
	TimeToLiveSpecification ttlSpecification
}

type ttlDescription struct {
	TimeToLiveStatus string
	AttributeName    string `json:",omitempty"`
}

type describeTTLOutput struct {
	TimeToLiveDescription ttlDescription
}

// legacy holds the pre-expression parameters; legacy.go translates them
// into expressions.
type legacy struct {
	Expected            json.RawMessage
	ConditionalOperator json.RawMessage
	AttributesToGet     json.RawMessage
	AttributeUpdates    json.RawMessage
	KeyConditions       json.RawMessage
	QueryFilter         json.RawMessage
	ScanFilter          json.RawMessage
}

type exprParams struct {
	ExpressionAttributeNames  map[string]string
	ExpressionAttributeValues map[string]attr.Value
}

type putItemInput struct {
	legacy
	exprParams
	TableName                           string
	Item                                attr.Item
	ConditionExpression                 string
	ReturnValues                        string
	ReturnConsumedCapacity              string
	ReturnItemCollectionMetrics         string
	ReturnValuesOnConditionCheckFailure string
}

type updateItemInput struct {
	legacy
	exprParams
	TableName                           string
	Key                                 attr.Item
	UpdateExpression                    string
	ConditionExpression                 string
	ReturnValues                        string
	ReturnConsumedCapacity              string
	ReturnItemCollectionMetrics         string
	ReturnValuesOnConditionCheckFailure string
}

type deleteItemInput struct {
	legacy
	exprParams
	TableName                           string
	Key                                 attr.Item
	ConditionExpression                 string
	ReturnValues                        string
	ReturnConsumedCapacity              string
	ReturnItemCollectionMetrics         string
	ReturnValuesOnConditionCheckFailure string
}

type capacityUnits struct {
	CapacityUnits      float64
	ReadCapacityUnits  float64 `json:",omitempty"`
	WriteCapacityUnits float64 `json:",omitempty"`
}

type consumedCapacity struct {
	TableName              string
	CapacityUnits          float64
	ReadCapacityUnits      float64                  `json:",omitempty"`
	WriteCapacityUnits     float64                  `json:",omitempty"`
	Table                  *capacityUnits           `json:",omitempty"`
	GlobalSecondaryIndexes map[string]capacityUnits `json:",omitempty"`
	LocalSecondaryIndexes  map[string]capacityUnits `json:",omitempty"`
}

type writeOutput struct {
	Attributes       attr.Item         `json:",omitempty"`
	ConsumedCapacity *consumedCapacity `json:",omitempty"`
}

type getItemInput struct {
	legacy
	TableName                string
	Key                      attr.Item
	ProjectionExpression     string
	ExpressionAttributeNames map[string]string
	ConsistentRead           bool
	ReturnConsumedCapacity   string
}

type getItemOutput struct {
	Item             attr.Item         `json:",omitempty"`
	ConsumedCapacity *consumedCapacity `json:",omitempty"`
}

type queryInput struct {
	legacy
	exprParams
	TableName              string
	IndexName              string
	KeyConditionExpression string
	FilterExpression       string
	ProjectionExpression   string
	Select                 string
	Limit                  *int
	ScanIndexForward       *bool
	ExclusiveStartKey      attr.Item
	ConsistentRead         bool
	ReturnConsumedCapacity string
	Segment                *int
	TotalSegments          *int
}

type pageOutput struct {
	Items            *[]attr.Item `json:",omitempty"`
	Count            int
	ScannedCount     int
	LastEvaluatedKey attr.Item         `json:",omitempty"`
	ConsumedCapacity *consumedCapacity `json:",omitempty"`
}

type writeRequest struct {
	PutRequest    *struct{ Item attr.Item }
	DeleteRequest *struct{ Key attr.Item }
}

type batchWriteInput struct {
	RequestItems                map[string][]writeRequest
	ReturnConsumedCapacity      string
	ReturnItemCollectionMetrics string
}

type batchWriteOutput struct {
	UnprocessedItems map[string][]writeRequest
	ConsumedCapacity []consumedCapacity `json:",omitempty"`
}

type keysAndAttributes struct {
	legacy
	Keys                     []attr.Item
	ProjectionExpression     string
	ExpressionAttributeNames map[string]string
	ConsistentRead           bool
}

type batchGetInput struct {
	RequestItems           map[string]keysAndAttributes
	ReturnConsumedCapacity string
}

type batchGetOutput struct {
	Responses        map[string][]attr.Item
	UnprocessedKeys  map[string]ddb.KeysAndAttributes
	ConsumedCapacity []consumedCapacity `json:",omitempty"`
}

type transactWriteItem struct {
	ConditionCheck *deleteItemInput
	Put            *putItemInput
	Delete         *deleteItemInput
	Update         *updateItemInput
}

type transactWriteInput struct {
	TransactItems               []transactWriteItem
	ClientRequestToken          string
	ReturnConsumedCapacity      string
	ReturnItemCollectionMetrics string
}

type transactWriteOutput struct {
	ConsumedCapacity []consumedCapacity `json:",omitempty"`
}

// Streams API shapes.

type listStreamsInput struct {
	TableName               string
	Limit                   *int
	ExclusiveStartStreamArn string
}

type streamSummary struct {
	StreamArn   string
	StreamLabel string
	TableName   string
}

type listStreamsOutput struct {
	Streams                []streamSummary
	LastEvaluatedStreamArn string `json:",omitempty"`
}

type describeStreamInput struct {
	StreamArn             string
	Limit                 *int
	ExclusiveStartShardId string
}

type sequenceNumberRange struct {
	StartingSequenceNumber string
	EndingSequenceNumber   string `json:",omitempty"`
}

type shard struct {
	ShardId             string
	SequenceNumberRange sequenceNumberRange
}

type streamDescription struct {
	StreamArn               string
	StreamLabel             string
	StreamStatus            string
	StreamViewType          string
	CreationRequestDateTime float64
	TableName               string
	KeySchema               []ddb.KeySchemaElement
	Shards                  []shard
}

type describeStreamOutput struct {
	StreamDescription streamDescription
}

type getShardIteratorInput struct {
	StreamArn         string
	ShardId           string
	ShardIteratorType string
	SequenceNumber    string
}

type getShardIteratorOutput struct {
	ShardIterator string
}

type getRecordsInput struct {
	ShardIterator string
	Limit         *int
}

type getRecordsOutput struct {
	Records           []json.RawMessage // streams.Record in GetRecords' shape
	NextShardIterator string            `json:",omitempty"`
}
