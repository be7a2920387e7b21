package ddbapi

import (
	"reflect"
	"testing"

	"github.com/sfapi/sfapi/internal/emulator/awsjson"
)

// fastCase is one body for one operation, and whether the fast path must
// take it (true) or hand it to encoding/json (false).
type fastCase struct {
	op   string
	body string
	fast bool
}

var fastCases = []fastCase{
	{"PutItem", `{"TableName":"T","Item":{"pk":{"S":"k1"},"n":{"N":"1.50"},"l":{"L":[{"BOOL":true},{"NULL":true}]},"m":{"M":{"b":{"B":"AQI="}}}}}`, true},
	{"PutItem", ` { "TableName" : "T" , "Item" : { "pk" : { "S" : "k" } } , "ReturnValues":"ALL_OLD", "ReturnConsumedCapacity":"TOTAL" } `, true},
	{"PutItem", `{"TableName":"T","Item":{"pk":{"S":"k"}},"ConditionExpression":"attribute_not_exists(#p) AND #n < :v","ExpressionAttributeNames":{"#p":"pk","#n":"n"},"ExpressionAttributeValues":{":v":{"N":"3"}},"ReturnValuesOnConditionCheckFailure":"ALL_OLD","ReturnItemCollectionMetrics":"NONE"}`, true},
	{"PutItem", `{"TableName":"T\u00e9","Item":{"pk":{"S":"a\"b\\c\u2028"}}}`, true},
	{"PutItem", `{}`, true},
	{"PutItem", `{"TableName":"T","Item":{},"ExpressionAttributeNames":{},"ExpressionAttributeValues":{}}`, true},
	{"PutItem", `{"TableName":"T","Item":null}`, false},
	{"PutItem", `{"tablename":"T","Item":{"pk":{"S":"k"}}}`, false},
	{"PutItem", `{"TableName":"T","TableName":"U"}`, false},
	{"PutItem", `{"TableName":1}`, false},
	{"PutItem", `{"TableName":"T","Item":{"pk":{"S":"k","N":"1"}}}`, false},
	{"PutItem", `{"TableName":"T","Item":{"pk":{"N":"abc"}}}`, false},
	{"PutItem", `{"TableName":"T","Item":{"pk":{"SS":[]}}}`, false},
	{"PutItem", `{"TableName":"T","Expected":{"a":{"Exists":false}}}`, false},
	{"PutItem", `{"TableName":"T","Unknown":[1,2,{"x":"}"}]}`, false},
	{"PutItem", `{"Table\u004eame":"T"}`, false},
	{"PutItem", `{"TableName":"T"`, false},
	{"PutItem", `[]`, false},
	{"PutItem", `{"TableName":"T","ExpressionAttributeValues":{":v":null}}`, false},
	{"PutItem", "{\"TableName\":\"\xff\"}", true},
	{"GetItem", `{"TableName":"T","Key":{"pk":{"S":"k"},"sk":{"N":"7"}},"ConsistentRead":true,"ProjectionExpression":"#a, b.c[1]","ExpressionAttributeNames":{"#a":"a"},"ReturnConsumedCapacity":"INDEXES"}`, true},
	{"GetItem", `{"TableName":"T","Key":{"pk":{"S":"k"}},"ConsistentRead":"yes"}`, false},
	{"GetItem", `{"TableName":"T","Key":{"pk":{"S":"k"}},"AttributesToGet":["a"]}`, false},
	{"GetItem", `{"TableName":"T","Key":{"pk":{"S":"k"}},"ExpressionAttributeValues":{}}`, false},
	{"DeleteItem", `{"TableName":"T","Key":{"pk":{"S":"k"}},"ConditionExpression":"a = :a","ExpressionAttributeValues":{":a":{"SS":["x","y"]}},"ReturnValues":"ALL_OLD"}`, true},
	{"DeleteItem", `{"TableName":"T","Item":{"pk":{"S":"k"}}}`, false},
	{"UpdateItem", `{"TableName":"T","Key":{"pk":{"S":"k"}},"UpdateExpression":"SET #c = #c + :one REMOVE x[0]","ExpressionAttributeNames":{"#c":"count"},"ExpressionAttributeValues":{":one":{"N":"1"}},"ReturnValues":"UPDATED_NEW"}`, true},
	{"UpdateItem", `{"TableName":"T","Key":{"pk":{"S":"k"}},"AttributeUpdates":{"a":{"Action":"DELETE"}}}`, false},
	{"Query", `{"TableName":"T","IndexName":"gsi","KeyConditionExpression":"pk = :p AND begins_with(sk, :s)","FilterExpression":"x > :x","ProjectionExpression":"a","Select":"SPECIFIC_ATTRIBUTES","Limit":25,"ScanIndexForward":false,"ExclusiveStartKey":{"pk":{"S":"a"},"sk":{"N":"2"}},"ConsistentRead":false,"ReturnConsumedCapacity":"NONE","ExpressionAttributeValues":{":p":{"S":"a"},":s":{"S":"b"},":x":{"N":"-1e3"}}}`, true},
	{"Query", `{"TableName":"T","Segment":0,"TotalSegments":-2}`, true},
	{"Query", `{"TableName":"T","Limit":2.5}`, false},
	{"Query", `{"TableName":"T","Limit":1e2}`, false},
	{"Query", `{"TableName":"T","Limit":99999999999999999999}`, false},
	{"Query", `{"TableName":"T","KeyConditions":{}}`, false},
	{"BatchWriteItem", `{"RequestItems":{"T":[{"PutRequest":{"Item":{"pk":{"S":"a"},"n":{"N":"1"}}}},{"DeleteRequest":{"Key":{"pk":{"S":"b"}}}}],"U":[]},"ReturnConsumedCapacity":"TOTAL","ReturnItemCollectionMetrics":"SIZE"}`, true},
	{"BatchWriteItem", `{"RequestItems":{"T":[{"PutRequest":{}},{"DeleteRequest":{}},{}]}}`, true},
	{"BatchWriteItem", `{"RequestItems":{"T":[{"PutRequest":{"Item":{"pk":{"S":"a"}}},"DeleteRequest":{"Key":{"pk":{"S":"a"}}}}]}}`, true},
	{"BatchWriteItem", `{"RequestItems":{"T":[],"T":[]}}`, false},
	{"BatchWriteItem", `{"RequestItems":{"T":null}}`, false},
	{"BatchWriteItem", `{"RequestItems":{"T":[null]}}`, false},
	{"BatchWriteItem", `{"RequestItems":{"T":[{"PutRequest":{"Key":{}}}]}}`, false},
	{"BatchWriteItem", `{"RequestItems":{"T":[{"PutRequest":{"Item":{"pk":{"S":"a"}}}},]}}`, false},
	{"BatchWriteItem", `{"RequestItems":{"T":[{"PutRequest":{"Item":{"pk":{"S":"a"}}}} {}]}}`, false},
	{"PutItem", `{"TableName":"T"} x`, false},
	{"PutItem", `{"TableName":"T" "Item":{}}`, false},
	{"PutItem", `{"TableName":"T",}`, false},
	{"PutItem", `{"TableName":"T":"U"}`, false},
	{"PutItem", "{\"TableName\":\"a\tb\"}", false},
	{"PutItem", `{"TableName":"\x"}`, false},
	{"PutItem", `{"TableName":"T","Item":{"pk":{"S":"k"},}}`, false},
	{"Query", `{"TableName":"T","Limit":+1}`, false},
	{"Query", `{"TableName":"T","Limit":007}`, false},
	{"Query", `{"TableName":"T","ConsistentRead":tru}`, false},
}

// decodeBoth decodes body for op with the fast path and, when the fast path
// accepts it, with encoding/json; it fails the test if the two differ.
func decodeBoth(t *testing.T, op string, body []byte) (fast bool) {
	t.Helper()
	switch op {
	case "PutItem":
		return sameDecode[putItemInput](t, body)
	case "GetItem":
		return sameDecode[getItemInput](t, body)
	case "DeleteItem":
		return sameDecode[deleteItemInput](t, body)
	case "UpdateItem":
		return sameDecode[updateItemInput](t, body)
	case "Query":
		return sameDecode[queryInput](t, body)
	case "BatchWriteItem":
		return sameDecode[batchWriteInput](t, body)
	}
	t.Fatalf("no fast decoder for %s", op)
	return false
}

func sameDecode[I any, P interface {
	*I
	fastDecoder
}](t *testing.T, body []byte) bool {
	t.Helper()
	var fast, slow I
	if !P(&fast).decodeFast(body) {
		return false
	}
	if err := awsjson.Decode(body, &slow); err != nil {
		t.Fatalf("fast path accepted %q, encoding/json refuses it: %v", body, err)
	}
	if !reflect.DeepEqual(fast, slow) {
		t.Fatalf("decode of %q:\nfast %#v\njson %#v", body, fast, slow)
	}
	return true
}

func TestFastDecode(t *testing.T) {
	t.Parallel()
	for _, tc := range fastCases {
		if got := decodeBoth(t, tc.op, []byte(tc.body)); got != tc.fast {
			t.Errorf("%s %s: fast path taken = %v, want %v", tc.op, tc.body, got, tc.fast)
		}
	}
}

// FuzzFastDecode: whenever the fast path accepts a body, encoding/json
// accepts it too and decodes exactly the same request.
func FuzzFastDecode(f *testing.F) {
	ops := []string{"PutItem", "GetItem", "DeleteItem", "UpdateItem", "Query", "BatchWriteItem"}
	for _, tc := range fastCases {
		for i, op := range ops {
			if op == tc.op {
				f.Add(uint8(i), []byte(tc.body))
			}
		}
	}
	f.Fuzz(func(t *testing.T, op uint8, body []byte) {
		decodeBoth(t, ops[int(op)%len(ops)], body)
	})
}

func BenchmarkDecodePutItem(b *testing.B) {
	body := []byte(`{"TableName":"Bench","Item":{"pk":{"S":"k000000000001"},"data":{"S":"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"}}}`)
	b.Run("fast", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var in putItemInput
			if !in.decodeFast(body) {
				b.Fatal("fast path refused the benchmark body")
			}
		}
	})
	b.Run("encoding-json", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var in putItemInput
			if err := awsjson.Decode(body, &in); err != nil {
				b.Fatal(err)
			}
		}
	})
}
