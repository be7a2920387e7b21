package emulator

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sfapi/sfapi/internal/emulator/asl"
	"github.com/sfapi/sfapi/internal/emulator/asl/jsonpath"
	"github.com/sfapi/sfapi/internal/emulator/awsjson"
	"github.com/sfapi/sfapi/internal/emulator/ddb"
	"github.com/sfapi/sfapi/internal/emulator/ddbapi"
	"github.com/sfapi/sfapi/internal/emulator/eventsapi"
	"github.com/sfapi/sfapi/internal/emulator/kv"
	"github.com/sfapi/sfapi/internal/emulator/push"
)

// putEventsSide is one tasks binding with its own router, deterministic
// event ids and clock, and the events its catch-all rule received.
type putEventsSide struct {
	tasks  *tasks
	events []string
}

func newPutEventsSide(t testing.TB, direct bool) *putEventsSide {
	t.Helper()
	side := &putEventsSide{}
	var ids atomic.Int64
	r := push.NewRouter(push.RouterOptions{Region: "us-east-1", AccountID: "000000000000", Synchronous: true,
		Now:   func() time.Time { return time.Date(2026, 11, 26, 22, 0, 0, 0, time.UTC) },
		NewID: func() string { return fmt.Sprintf("id-%d", ids.Add(1)) }})
	t.Cleanup(func() { _ = r.Close(context.Background()) })
	if _, err := r.PutRule(push.RuleSpec{Name: "all", EventPattern: `{"version": ["0"]}`}); err != nil {
		t.Fatal(err)
	}
	capture := push.TargetFunc(func(_ context.Context, ev []byte) error {
		side.events = append(side.events, string(ev))
		return nil
	})
	if _, err := r.PutTargets("", "all", []push.TargetSpec{{ID: "c", ARN: "arn:sfapi:test:::c", Bound: capture}}); err != nil {
		t.Fatal(err)
	}
	mux := awsjson.NewMux(nil)
	eventsapi.Register(mux, r)
	side.tasks = &tasks{mux: mux}
	if direct {
		side.tasks.router = r
	}
	return side
}

// putEventsCases are task parameters as the engine holds them (parsed from
// JSON, so integers are int64), direct says whether the direct path takes
// them.
var putEventsCases = []struct {
	params string
	direct bool
}{
	{`{"Entries":[{"EventBusName":"default","Source":"gophers.jobs","DetailType":"JobProgress","Detail":{"jobId":"job#1","progress":10,"status":"In Progress","message":"Adding <gopher> & co é \u2028"}}]}`, true},
	{`{"Entries":[{"Source":"s","DetailType":"d","Detail":"{\"already\":\"a string\"}"}]}`, true},
	{`{"Entries":[{"Source":"s","DetailType":"d","Detail":{"f":0.1,"big":1e300,"neg":-0.0,"n":-42,"t":true,"z":null,"l":[1,"x",{"b":2,"a":1}]}}]}`, true},
	{`{"Entries":[{"Source":"s","DetailType":"d","Detail":null,"Resources":["arn:a","arn:b"],"TraceHeader":"h"}]}`, true},
	{`{"Entries":[{"Source":"s","DetailType":"d","Detail":[1,2]}]}`, true},
	{`{"Entries":[{"Source":"s","DetailType":"d","Detail":7}]}`, true},
	{`{"Entries":[{"Source":"s","DetailType":"d","Detail":{"exact":9007199254740992}}]}`, true},
	{`{"Entries":[{"Source":"s","DetailType":"d","Detail":{"a":1}},{"DetailType":"no source","Detail":{}}]}`, true},
	{`{"Entries":[{"Source":"s","DetailType":"d","Detail":{"a":1},"EventBusName":"nope"}]}`, true},
	{`{"Entries":[{"Source":"s","DetailType":"d","Detail":"not json"}]}`, true},
	// The wire path decides these.
	{`{"Entries":[{"Source":"s","DetailType":"d","Detail":{"big":9007199254740993}}]}`, false},
	{`{"Entries":[{"source":"s","DetailType":"d","Detail":{}}]}`, false},
	{`{"Entries":[{"Source":"s","DetailType":"d","Detail":{},"Time":1764194400}]}`, false},
	{`{"Entries":[{"Source":"s","DetailType":"d","Detail":{},"Unknown":1}]}`, false},
	{`{"Entries":[{"Source":5,"DetailType":"d"}]}`, false},
	{`{"Entries":[{"Source":null,"DetailType":"d"}]}`, false},
	{`{"Entries":[{"Source":"s","DetailType":"d","Resources":[1]}]}`, false},
	{`{"Entries":[]}`, false},
	{`{"Entries":[1]}`, false},
	{`{"Entries":{}}`, false},
	{`{"Entries":[{"Source":"s","DetailType":"d"}],"Other":1}`, false},
	{`[1]`, false},
	{`"x"`, false},
	{`{"Entries":[{"Source":"s","DetailType":"d"},{"Source":"s","DetailType":"d"},{"Source":"s","DetailType":"d"},{"Source":"s","DetailType":"d"},{"Source":"s","DetailType":"d"},{"Source":"s","DetailType":"d"},{"Source":"s","DetailType":"d"},{"Source":"s","DetailType":"d"},{"Source":"s","DetailType":"d"},{"Source":"s","DetailType":"d"},{"Source":"s","DetailType":"d"}]}`, false},
}

// checkPutEvents runs one parameter document through the direct binding and
// the wire binding and fails on any difference in output, error or the
// events delivered.
func checkPutEvents(t *testing.T, v any) (handled bool) {
	t.Helper()
	raw, err := jsonpath.Marshal(v)
	if err != nil {
		return false
	}
	ctx := context.Background()
	const res = "arn:aws:states:::events:putEvents"
	d, w := newPutEventsSide(t, true), newPutEventsSide(t, false)
	gotOut, gotErr := d.tasks.Invoke(ctx, asl.TaskRequest{Resource: res, Parameters: raw, Value: v})
	wantOut, wantErr := w.tasks.Invoke(ctx, asl.TaskRequest{Resource: res, Parameters: raw})
	if fmt.Sprint(gotErr) != fmt.Sprint(wantErr) {
		t.Fatalf("params %s: direct error %v, wire error %v", raw, gotErr, wantErr)
	}
	if string(gotOut) != string(wantOut) {
		t.Fatalf("params %s: direct output %s, wire output %s", raw, gotOut, wantOut)
	}
	if strings.Join(d.events, "\n") != strings.Join(w.events, "\n") {
		t.Fatalf("params %s: direct events\n%s\nwire events\n%s", raw, d.events, w.events)
	}
	// Was the direct path taken? Run it alone on a fresh router.
	_, handled, _ = newPutEventsSide(t, true).tasks.putEventsDirect(ctx, v)
	return handled
}

func TestPutEventsDirectMatchesWire(t *testing.T) {
	t.Parallel()
	for _, tc := range putEventsCases {
		v, err := jsonpath.ParseJSON([]byte(tc.params))
		if err != nil {
			t.Fatal(err)
		}
		if handled := checkPutEvents(t, v); handled != tc.direct {
			t.Errorf("params %s: direct path taken = %v, want %v", tc.params, handled, tc.direct)
		}
	}
	// Strings the JSON round trip changes (invalid UTF-8) stay on the wire.
	bad := map[string]any{"Entries": []any{map[string]any{"Source": "s", "DetailType": "d", "Detail": map[string]any{"s": "a\xffb"}}}}
	if checkPutEvents(t, bad) {
		t.Error("a Detail with invalid UTF-8 took the direct path")
	}
}

func FuzzPutEventsDirect(f *testing.F) {
	for _, tc := range putEventsCases {
		f.Add(tc.params)
	}
	f.Fuzz(func(t *testing.T, params string) {
		v, err := jsonpath.ParseJSON([]byte(params))
		if err != nil {
			return
		}
		checkPutEvents(t, v)
	})
}

// ddbSide is one tasks binding over its own DynamoDB engine (with the
// direct path or without), holding one table.
func newDDBSide(t *testing.T, direct bool) *tasks {
	t.Helper()
	store, err := kv.Open(filepath.Join(t.TempDir(), "ddb.db"), kv.Options{InMemory: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = store.Close() })
	now := func() time.Time { return time.Date(2026, 11, 26, 22, 0, 0, 0, time.UTC) }
	e, err := ddb.Open(store, ddb.Options{Now: now})
	if err != nil {
		t.Fatal(err)
	}
	mux := awsjson.NewMux(nil)
	ddbapi.Register(mux, e)
	resp := mux.Invoke(context.Background(), "DynamoDB_20120810.CreateTable", []byte(`{"TableName":"Jobs",
"AttributeDefinitions":[{"AttributeName":"pk","AttributeType":"S"},{"AttributeName":"sk","AttributeType":"S"}],
"KeySchema":[{"AttributeName":"pk","KeyType":"HASH"},{"AttributeName":"sk","KeyType":"RANGE"}],"BillingMode":"PAY_PER_REQUEST"}`))
	if resp.Status != 200 {
		t.Fatalf("create table: %s", resp.Body)
	}
	tk := &tasks{mux: mux}
	if direct {
		tk.ddb = ddbapi.NewDirect(e)
	}
	return tk
}

// ddbTaskSteps run in order on two engines; every step must answer the same
// through the direct path and the wire path.
var ddbTaskSteps = []struct{ resource, params string }{
	{"dynamodb:putItem", `{"TableName":"Jobs","Item":{"pk":{"S":"a"},"sk":{"S":"1"},"n":{"N":"1.50"},"m":{"M":{"x":{"S":"<&>é"},"l":{"L":[{"BOOL":true},{"NULL":true}]}}}}}`},
	{"dynamodb:putItem", `{"TableName":"Jobs","Item":{"pk":{"S":"a"},"sk":{"S":"1"}},"ConditionExpression":"attribute_not_exists(pk)"}`},
	{"aws-sdk:dynamodb:putItem", `{"TableName":"Jobs","Item":{"pk":{"S":"a"},"sk":{"S":"1"}},"ConditionExpression":"attribute_not_exists(pk)","ReturnValuesOnConditionCheckFailure":"ALL_OLD"}`},
	{"dynamodb:putItem", `{"TableName":"Jobs","Item":{"pk":{"S":"a"},"sk":{"S":"2"},"v":{"N":"7"}},"ReturnValues":"ALL_OLD","ReturnConsumedCapacity":"TOTAL"}`},
	{"dynamodb:getItem", `{"TableName":"Jobs","Key":{"pk":{"S":"a"},"sk":{"S":"1"}},"ConsistentRead":true}`},
	{"dynamodb:getItem", `{"TableName":"Jobs","Key":{"pk":{"S":"nope"},"sk":{"S":"1"}}}`},
	{"dynamodb:updateItem", `{"TableName":"Jobs","Key":{"pk":{"S":"a"},"sk":{"S":"2"}},"UpdateExpression":"SET #v = #v + :one, #s = :s","ExpressionAttributeNames":{"#v":"v","#s":"status"},"ExpressionAttributeValues":{":one":{"N":"1"},":s":{"S":"Succeeded"}},"ReturnValues":"ALL_NEW"}`},
	{"dynamodb:updateItem", `{"TableName":"Jobs","Key":{"pk":{"S":"a"},"sk":{"S":"2"}},"UpdateExpression":"SET #s = :s","ConditionExpression":"#s = :p","ExpressionAttributeNames":{"#s":"status"},"ExpressionAttributeValues":{":s":{"S":"x"},":p":{"S":"Pending"}}}`},
	{"dynamodb:updateItem", `{"TableName":"Jobs","Key":{"pk":{"S":"a"},"sk":{"S":"2"}},"UpdateExpression":"SET = broken"}`},
	{"aws-sdk:dynamodb:query", `{"TableName":"Jobs","KeyConditionExpression":"pk = :p","ExpressionAttributeValues":{":p":{"S":"a"}},"Limit":1}`},
	{"aws-sdk:dynamodb:query", `{"TableName":"Jobs","KeyConditionExpression":"pk = :p AND begins_with(sk, :s)","ExpressionAttributeValues":{":p":{"S":"a"},":s":{"S":"1"}},"Select":"COUNT","ScanIndexForward":false}`},
	{"aws-sdk:dynamodb:query", `{"TableName":"Jobs","IndexName":"nope","KeyConditionExpression":"pk = :p","ExpressionAttributeValues":{":p":{"S":"a"}}}`},
	{"dynamodb:deleteItem", `{"TableName":"Jobs","Key":{"pk":{"S":"a"},"sk":{"S":"1"}},"ReturnValues":"ALL_OLD"}`},
	{"dynamodb:putItem", `{"TableName":"Missing","Item":{"pk":{"S":"a"},"sk":{"S":"1"}}}`},
	{"dynamodb:putItem", `{"TableName":"Jobs","Item":{"pk":{"S":"a"}}}`},
	{"dynamodb:putItem", `{"TableName":"Jobs","Item":{"pk":{"S":"b"},"sk":{"S":"1"},"bin":{"B":"AQI="}}}`},
	{"dynamodb:putItem", `{"TableName":"Jobs","Item":{"pk":{"S":"b"},"sk":{"S":"1"},"n":{"N":"1e500"}}}`},
	{"dynamodb:putItem", `{"TableName":"Jobs","Item":{"pk":{"S":"b"},"sk":{"S":"1"}},"Bogus":1}`},
	{"aws-sdk:dynamodb:scan", `{"TableName":"Jobs"}`},
}

func TestDynamoDBDirectMatchesWire(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d, w := newDDBSide(t, true), newDDBSide(t, false)
	for _, step := range ddbTaskSteps {
		v, err := jsonpath.ParseJSON([]byte(step.params))
		if err != nil {
			t.Fatal(err)
		}
		raw, err := jsonpath.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		res := "arn:aws:states:::" + step.resource
		gotOut, gotErr := d.Invoke(ctx, asl.TaskRequest{Resource: res, Parameters: raw, Value: v})
		wantOut, wantErr := w.Invoke(ctx, asl.TaskRequest{Resource: res, Parameters: raw})
		if fmt.Sprint(gotErr) != fmt.Sprint(wantErr) || string(gotOut) != string(wantOut) {
			t.Fatalf("%s %s:\ndirect %s, %v\nwire   %s, %v", step.resource, step.params, gotOut, gotErr, wantOut, wantErr)
		}
	}
	// The gophers machine's requests take the direct path.
	v, _ := jsonpath.ParseJSON([]byte(ddbTaskSteps[0].params))
	if _, handled, err := newDDBSide(t, true).dynamoDBDirect(ctx, "PutItem", "DynamoDB.", v); !handled || err != nil {
		t.Fatalf("direct PutItem: handled %v, %v", handled, err)
	}
}
