package ddbapi

import (
	"reflect"
	"testing"

	"github.com/sfapi/sfapi/internal/emulator/asl/jsonpath"
	"github.com/sfapi/sfapi/internal/emulator/awsjson"
)

// directCases are requests as Step Functions holds task parameters, and
// whether the direct path takes them.
var directCases = []fastCase{
	{"PutItem", `{"TableName":"Jobs","Item":{"pk":{"S":"gopher#a"},"sk":{"S":"gopher"},"n":{"N":"1.50"},"l":{"L":[{"BOOL":true},{"NULL":true},{"M":{}}]},"m":{"M":{"x":{"S":"<&>é\u2028"}}}},"ConditionExpression":"attribute_not_exists(pk) OR jobId = :job","ExpressionAttributeValues":{":job":{"S":"job#1"}}}`, true},
	{"UpdateItem", `{"TableName":"Jobs","Key":{"pk":{"S":"job#1"},"sk":{"S":"job#1"}},"UpdateExpression":"SET #status = :s, #result = :r","ExpressionAttributeNames":{"#status":"status","#result":"result"},"ExpressionAttributeValues":{":s":{"S":"Succeeded"},":r":{"M":{"gopherId":{"S":"a"},"holesLinked":{"N":"3"}}}},"ReturnValues":"ALL_NEW"}`, true},
	{"DeleteItem", `{"TableName":"T","Key":{"pk":{"S":"k"}},"ReturnValues":"ALL_OLD","ReturnConsumedCapacity":"TOTAL","ReturnItemCollectionMetrics":"SIZE","ReturnValuesOnConditionCheckFailure":"ALL_OLD","ConditionExpression":"attribute_exists(pk)"}`, true},
	{"GetItem", `{"TableName":"T","Key":{"pk":{"S":"k"}},"ConsistentRead":true,"ProjectionExpression":"#a","ExpressionAttributeNames":{"#a":"a"},"ReturnConsumedCapacity":"NONE"}`, true},
	{"Query", `{"TableName":"T","IndexName":"byLocation","KeyConditionExpression":"gsi1pk = :l AND begins_with(gsi1sk, :h)","ExpressionAttributeValues":{":l":{"S":"location#x"},":h":{"S":"hole#"}},"Limit":25,"ScanIndexForward":false,"ExclusiveStartKey":{"pk":{"S":"a"}},"ConsistentRead":false,"Select":"ALL_ATTRIBUTES","FilterExpression":"a = :l","ProjectionExpression":"a","Segment":0,"TotalSegments":-2}`, true},
	{"PutItem", `{}`, true},
	// The wire path decides these.
	{"PutItem", `{"TableName":"T","Item":{"pk":{"B":"AQI="}}}`, false},
	{"PutItem", `{"TableName":"T","Item":{"pk":{"SS":["a"]}}}`, false},
	{"PutItem", `{"TableName":"T","Item":{"pk":{"N":"abc"}}}`, false},
	{"PutItem", `{"TableName":"T","Item":{"pk":{"S":"k","N":"1"}}}`, false},
	{"PutItem", `{"TableName":"T","Item":{"pk":{"NULL":false}}}`, false},
	{"PutItem", `{"TableName":"T","Item":{"pk":{"S":1}}}`, false},
	{"PutItem", `{"TableName":"T","Item":{"pk":{}}}`, false},
	{"PutItem", `{"TableName":"T","Item":null}`, false},
	{"PutItem", `{"tablename":"T"}`, false},
	{"PutItem", `{"TableName":"T","Expected":{}}`, false},
	{"PutItem", `{"TableName":"T","Item":{"pk":{"S":"k"}},"Key":{}}`, false},
	{"GetItem", `{"TableName":"T","Key":{"pk":{"S":"k"}},"ExpressionAttributeValues":{}}`, false},
	{"GetItem", `{"TableName":"T","ConsistentRead":"yes"}`, false},
	{"UpdateItem", `{"TableName":"T","AttributeUpdates":{}}`, false},
	{"Query", `{"TableName":"T","Limit":2.5}`, false},
	{"Query", `{"TableName":"T","Limit":1e2}`, false},
	{"Query", `{"TableName":"T","ExpressionAttributeValues":{":v":null}}`, false},
	{"Scan", `{"TableName":"T"}`, false},
}

// directBoth fills op's input from the value v by the direct path and, when
// it takes v, from the JSON the engine would send (jsonpath.Marshal of v)
// by the wire decoder; it fails the test if the two differ.
func directBoth(t *testing.T, op string, v any) bool {
	t.Helper()
	m, ok := v.(map[string]any)
	if !ok {
		return false
	}
	body, err := jsonpath.Marshal(v)
	if err != nil {
		return false
	}
	switch op {
	case "PutItem":
		return sameFill(t, (*putItemInput).fromValue, m, body)
	case "GetItem":
		return sameFill(t, (*getItemInput).fromValue, m, body)
	case "DeleteItem":
		return sameFill(t, (*deleteItemInput).fromValue, m, body)
	case "UpdateItem":
		return sameFill(t, (*updateItemInput).fromValue, m, body)
	case "Query":
		return sameFill(t, (*queryInput).fromValue, m, body)
	}
	return false
}

func sameFill[I any](t *testing.T, fill func(*I, map[string]any) bool, m map[string]any, body []byte) bool {
	t.Helper()
	var direct, wire I
	if !fill(&direct, m) {
		return false
	}
	if fd, ok := any(&wire).(fastDecoder); !ok || !fd.decodeFast(body) {
		wire = *new(I)
		if err := awsjson.Decode(body, &wire); err != nil {
			t.Fatalf("direct path took %s, the wire refuses it: %v", body, err)
		}
	}
	if !reflect.DeepEqual(direct, wire) {
		t.Fatalf("request %s:\ndirect %#v\nwire   %#v", body, direct, wire)
	}
	return true
}

func TestDirectMatchesWire(t *testing.T) {
	t.Parallel()
	for _, tc := range append(directCases, fastCases...) {
		v, err := jsonpath.ParseJSON([]byte(tc.body))
		if err != nil {
			continue
		}
		got := directBoth(t, tc.op, v)
		for _, dc := range directCases {
			if dc == tc && got != tc.fast {
				t.Errorf("%s %s: direct path taken = %v, want %v", tc.op, tc.body, got, tc.fast)
			}
		}
	}
	// Strings encoding/json would change (invalid UTF-8) take the wire.
	bad := map[string]any{"TableName": "T", "Item": map[string]any{"pk": map[string]any{"S": "a\xffb"}}}
	if directBoth(t, "PutItem", bad) {
		t.Error("invalid UTF-8 took the direct path")
	}
}

// FuzzDirectMatchesWire: whenever the direct path takes a request, the
// wire decoder fills exactly the same input from its JSON.
func FuzzDirectMatchesWire(f *testing.F) {
	ops := []string{"PutItem", "GetItem", "DeleteItem", "UpdateItem", "Query"}
	for _, tc := range append(directCases, fastCases...) {
		for i, op := range ops {
			if op == tc.op {
				f.Add(uint8(i), tc.body)
			}
		}
	}
	f.Fuzz(func(t *testing.T, op uint8, body string) {
		v, err := jsonpath.ParseJSON([]byte(body))
		if err != nil {
			return
		}
		directBoth(t, ops[int(op)%len(ops)], v)
	})
}
