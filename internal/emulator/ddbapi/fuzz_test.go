package ddbapi

import (
	"context"
	"log/slog"
	"path/filepath"
	"sort"
	"testing"

	"github.com/sfapi/sfapi/internal/emulator/awsjson"
	"github.com/sfapi/sfapi/internal/emulator/ddb"
	"github.com/sfapi/sfapi/internal/emulator/ddb/expr"
	"github.com/sfapi/sfapi/internal/emulator/kv"
)

// FuzzDecodeRequest feeds arbitrary bodies to every operation of both
// services: the answer may be any AWS error, but never a 500 or a panic.
func FuzzDecodeRequest(f *testing.F) {
	store, err := kv.Open(filepath.Join(f.TempDir(), "fuzz.db"), kv.Options{InMemory: true})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { _ = store.Close() })
	e, err := ddb.Open(store, ddb.Options{})
	if err != nil {
		f.Fatal(err)
	}
	mux := awsjson.NewMux(slog.New(slog.DiscardHandler))
	Register(mux, e)
	setup := `{"TableName":"Fuzz","KeySchema":[{"AttributeName":"pk","KeyType":"HASH"},{"AttributeName":"sk","KeyType":"RANGE"}],
		"AttributeDefinitions":[{"AttributeName":"pk","AttributeType":"S"},{"AttributeName":"sk","AttributeType":"N"},{"AttributeName":"g","AttributeType":"S"}],
		"GlobalSecondaryIndexes":[{"IndexName":"byG","KeySchema":[{"AttributeName":"g","KeyType":"HASH"}],"Projection":{"ProjectionType":"KEYS_ONLY"}}],
		"BillingMode":"PAY_PER_REQUEST","StreamSpecification":{"StreamEnabled":true,"StreamViewType":"NEW_AND_OLD_IMAGES"}}`
	if r := mux.Invoke(context.Background(), DynamoDBPrefix+".CreateTable", []byte(setup)); r.Status != 200 {
		f.Fatalf("setup: %s", r.Body)
	}
	targets := []string{}
	for _, op := range []string{"CreateTable", "DescribeTable", "ListTables", "DeleteTable", "UpdateTimeToLive", "DescribeTimeToLive", "PutItem", "GetItem",
		"UpdateItem", "DeleteItem", "Query", "Scan", "BatchWriteItem", "BatchGetItem", "TransactWriteItems",
		"TransactGetItems", "UpdateTable", "TagResource", "UntagResource", "ListTagsOfResource"} {
		targets = append(targets, DynamoDBPrefix+"."+op)
	}
	for _, op := range []string{"ListStreams", "DescribeStream", "GetShardIterator", "GetRecords"} {
		targets = append(targets, StreamsPrefix+"."+op)
	}
	sort.Strings(targets)
	seeds := []string{
		`{}`, `{"TableName":`, `null`, `[]`, `{"TableName":5}`,
		`{"TableName":"Fuzz","Item":{"pk":{"S":"a"},"sk":{"N":"1"},"g":{"S":"x"}}}`,
		`{"TableName":"Fuzz","Item":{"pk":{"Q":"a"}}}`,
		`{"TableName":"Fuzz","Key":{"pk":{"S":"a"},"sk":{"N":"1"}},"UpdateExpression":"SET v = :v","ExpressionAttributeValues":{":v":{"L":[{"N":"1"}]}},"ReturnValues":"ALL_NEW"}`,
		`{"TableName":"Fuzz","KeyConditionExpression":"pk = :p AND sk BETWEEN :a AND :b","ExpressionAttributeValues":{":p":{"S":"a"},":a":{"N":"-1"},":b":{"N":"9"}},"ScanIndexForward":false,"Limit":1}`,
		`{"TableName":"Fuzz","IndexName":"byG","KeyConditionExpression":"g = :g","ExpressionAttributeValues":{":g":{"S":"x"}},"ExclusiveStartKey":{"pk":{"S":"a"}}}`,
		`{"TableName":"Fuzz","FilterExpression":"size(v) > :n","ExpressionAttributeValues":{":n":{"N":"0"}},"Segment":0,"TotalSegments":2}`,
		`{"RequestItems":{"Fuzz":[{"PutRequest":{"Item":{"pk":{"S":"b"},"sk":{"N":"2"}}}},{"DeleteRequest":{"Key":{"pk":{"S":"a"},"sk":{"N":"1"}}}}]}}`,
		`{"RequestItems":{"Fuzz":{"Keys":[{"pk":{"S":"b"},"sk":{"N":"2"}}]}}}`,
		`{"TransactItems":[{"ConditionCheck":{"TableName":"Fuzz","Key":{"pk":{"S":"b"},"sk":{"N":"2"}},"ConditionExpression":"attribute_exists(pk)"}}]}`,
		`{"StreamArn":"arn:aws:dynamodb:us-east-1:000000000000:table/Fuzz/stream/x","ShardId":"s","ShardIteratorType":"TRIM_HORIZON"}`,
		`{"ShardIterator":"eyJhIjoiYSIsInMiOiJzIn0","Limit":1000}`,
		`{"TableName":"Fuzz","TimeToLiveSpecification":{"Enabled":true,"AttributeName":"exp"}}`,
		`{"TableName":"Fuzz","Item":{"pk":{"S":"a"},"sk":{"N":"1"}},"Expected":{"v":{"ComparisonOperator":"IN","AttributeValueList":[{"N":"1"},{"N":"2"}]},"w":{"Exists":false}},"ConditionalOperator":"OR"}`,
		`{"TableName":"Fuzz","Key":{"pk":{"S":"a"},"sk":{"N":"1"}},"AttributeUpdates":{"v":{"Action":"ADD","Value":{"L":[{"S":"x"}]}},"w":{"Action":"DELETE"}}}`,
		`{"TableName":"Fuzz","KeyConditions":{"pk":{"ComparisonOperator":"EQ","AttributeValueList":[{"S":"a"}]}},"QueryFilter":{"v":{"ComparisonOperator":"NOT_NULL"}},"AttributesToGet":["v"]}`,
		`{"TableName":"Fuzz","GlobalSecondaryIndexUpdates":[{"Delete":{"IndexName":"byG"}}],"StreamSpecification":{"StreamEnabled":false}}`,
		`{"ResourceArn":"arn:aws:dynamodb:us-east-1:000000000000:table/Fuzz","Tags":[{"Key":"k","Value":"v"}]}`,
		`{"TransactItems":[{"Get":{"TableName":"Fuzz","Key":{"pk":{"S":"b"},"sk":{"N":"2"}}}}]}`,
		`{"TransactItems":[{"Put":{"TableName":"Fuzz","Item":{"pk":{"S":"c"},"sk":{"N":"3"}}}}],"ClientRequestToken":"t"}`,
	}
	for i, s := range seeds {
		f.Add(uint8(i), []byte(s))
		f.Add(uint8(i+7), []byte(s))
	}
	f.Fuzz(func(t *testing.T, op uint8, body []byte) {
		target := targets[int(op)%len(targets)]
		if target == DynamoDBPrefix+".DeleteTable" {
			return // keep the fixture table for the other inputs
		}
		r := mux.Invoke(context.Background(), target, body)
		if r.Status >= 500 {
			t.Fatalf("%s %q: status %d %s", target, body, r.Status, r.Body)
		}
	})
}

// FuzzLegacyTranslation feeds arbitrary legacy members to the translator:
// it either refuses them or produces expressions that parse.
func FuzzLegacyTranslation(f *testing.F) {
	for _, s := range []string{
		`{"v":{"ComparisonOperator":"BETWEEN","AttributeValueList":[{"N":"1"},{"N":"2"}]}}`,
		`{"v":{"Exists":false},"w":{"Value":{"S":"x"}}}`,
		`{"v":{"ComparisonOperator":"IN","AttributeValueList":[{"S":"a"},{"S":"b"}]},"#x":{"ComparisonOperator":"NULL"}}`,
		`{"v":{"Action":"ADD","Value":{"L":[]}},"w":{"Action":"DELETE","Value":{"SS":["a"]}},"x":{"Value":{"N":"1"}}}`,
		`["a","b"]`, `{}`, `null`, `{"v":{"ComparisonOperator":"EQ"}}`,
	} {
		f.Add([]byte(s), []byte(`"OR"`))
	}
	f.Fuzz(func(t *testing.T, raw, op []byte) {
		var b builder
		if c, err := b.conditions(raw, op, "expected", true); err == nil && c != "" {
			if _, err := expr.ParseCondition(c); err != nil {
				t.Fatalf("Expected %s -> %q: %v", raw, c, err)
			}
		}
		if c, err := b.conditions(raw, nil, "queryFilter", false); err == nil && c != "" {
			if _, err := expr.ParseFilter(c); err != nil {
				t.Fatalf("filter %s -> %q: %v", raw, c, err)
			}
		}
		if c, err := b.keyConditions(raw); err == nil && c != "" {
			if _, err := expr.ParseCondition(c); err != nil {
				t.Fatalf("KeyConditions %s -> %q: %v", raw, c, err)
			}
		}
		if u, err := b.attributeUpdates(raw); err == nil && u != "" {
			if _, err := expr.ParseUpdate(u); err != nil {
				t.Fatalf("AttributeUpdates %s -> %q: %v", raw, u, err)
			}
		}
		if p, err := b.attributesToGet(raw); err == nil {
			if _, err := expr.ParseProjection(p); err != nil {
				t.Fatalf("AttributesToGet %s -> %q: %v", raw, p, err)
			}
		}
	})
}
