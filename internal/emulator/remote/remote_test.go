package remote

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sfapi/sfapi/internal/emulator/asl"
	"github.com/sfapi/sfapi/internal/emulator/awsjson"
	"github.com/sfapi/sfapi/internal/emulator/ddb"
	"github.com/sfapi/sfapi/internal/emulator/ddbapi"
	"github.com/sfapi/sfapi/internal/emulator/kv"
	"github.com/sfapi/sfapi/internal/emulator/pipes"
	"github.com/sfapi/sfapi/internal/emulator/sfnapi"
	"github.com/sfapi/sfapi/internal/project"
)

// The adapters are tested against sfapi's own DynamoDB and Step Functions
// wire services over HTTP: the same protocol (and the same code) the
// stand-in images serve. internal/emulator/containers and the
// containers_*.txtar scripts run them against the containers.

func store(t *testing.T) *kv.DB {
	t.Helper()
	db, err := kv.Open(filepath.Join(t.TempDir(), "s.db"), kv.Options{InMemory: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// dynamoServer serves DynamoDB and Streams over HTTP.
func dynamoServer(t *testing.T) string {
	t.Helper()
	e, err := ddb.Open(store(t), ddb.Options{Region: "ddblocal", AccountID: "000000000000"})
	if err != nil {
		t.Fatal(err)
	}
	mux := awsjson.NewMux(nil)
	ddbapi.Register(mux, e)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv.URL
}

// sfnServer serves Step Functions over HTTP, its tasks calling nothing.
func sfnServer(t *testing.T) (string, *asl.Engine) {
	t.Helper()
	e, err := asl.NewEngine(asl.Options{Store: store(t), Region: "us-east-1", AccountID: "000000000000"})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = e.Shutdown(context.Background()) })
	mux := awsjson.NewMux(nil)
	sfnapi.Register(mux, e)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv.URL, e
}

func TestForwarderErrors(t *testing.T) {
	t.Parallel()
	ep := dynamoServer(t)
	f := &Forwarder{Endpoint: ep, SigningName: "dynamodb"}
	_, err := f.Invoke(context.Background(), "DynamoDB_20120810.GetItem", []byte(`{"TableName":"Nope","Key":{"pk":{"S":"a"}}}`))
	var ae *awsjson.Error
	if !errors.As(err, &ae) || ae.Status != 400 || ae.Code != "ResourceNotFoundException" || ae.Message == "" {
		t.Fatalf("err = %#v, want a 400 ResourceNotFoundException with its message", err)
	}
	dead := &Forwarder{Endpoint: "http://127.0.0.1:1", SigningName: "dynamodb"}
	_, err = dead.Invoke(context.Background(), "DynamoDB_20120810.ListTables", []byte(`{}`))
	if !errors.As(err, &ae) || ae.Status != http.StatusServiceUnavailable || !strings.Contains(ae.Message, "127.0.0.1:1") {
		t.Fatalf("err = %#v, want a 503 naming the endpoint", err)
	}
}

func TestDecodeError(t *testing.T) {
	t.Parallel()
	tests := []struct {
		body                string
		code, msg, extraKey string
	}{
		{`{"__type":"com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException","message":"failed","Item":{"a":{"S":"b"}}}`, "ConditionalCheckFailedException", "failed", "Item"},
		{`{"__type":"ExecutionDoesNotExist","Message":"no"}`, "ExecutionDoesNotExist", "no", ""},
		{`not json`, "InternalFailure", "not json", ""},
		{`{}`, "InternalFailure", "", ""},
	}
	for _, tt := range tests {
		e := DecodeError(400, []byte(tt.body))
		if e.Code != tt.code || e.Message != tt.msg || (tt.extraKey != "") != (e.Fields[tt.extraKey] != nil) {
			t.Errorf("DecodeError(%s) = %+v", tt.body, e)
		}
	}
}

// The forwarding services on a mux answer as the remote does, with the
// service's error prefix and checksum.
func TestRegisterDynamoDB(t *testing.T) {
	t.Parallel()
	ep := dynamoServer(t)
	mux := awsjson.NewMux(nil)
	RegisterDynamoDB(mux, ep, "us-east-1", nil)
	r := mux.Invoke(context.Background(), "DynamoDB_20120810.CreateTable", []byte(`{"TableName":"Tab","KeySchema":[{"AttributeName":"pk","KeyType":"HASH"}],"AttributeDefinitions":[{"AttributeName":"pk","AttributeType":"S"}],"BillingMode":"PAY_PER_REQUEST"}`))
	if r.Status != 200 || !strings.Contains(string(r.Body), `"TableName":"Tab"`) {
		t.Fatalf("CreateTable: %d %s", r.Status, r.Body)
	}
	r = mux.Invoke(context.Background(), "DynamoDB_20120810.CreateTable", []byte(`{"TableName":"Tab","KeySchema":[{"AttributeName":"pk","KeyType":"HASH"}],"AttributeDefinitions":[{"AttributeName":"pk","AttributeType":"S"}],"BillingMode":"PAY_PER_REQUEST"}`))
	if r.Status != 400 || !strings.Contains(string(r.Body), `"__type":"com.amazonaws.dynamodb.v20120810#ResourceInUseException"`) {
		t.Fatalf("second CreateTable: %d %s", r.Status, r.Body)
	}
	srv := httptest.NewServer(mux)
	defer srv.Close()
	req, _ := http.NewRequest(http.MethodPost, srv.URL, strings.NewReader(`{}`))
	req.Header.Set("X-Amz-Target", "DynamoDB_20120810.ListTables")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.Header.Get("X-Amz-Crc32") == "" {
		t.Fatal("forwarded DynamoDB answers carry no x-amz-crc32")
	}
}

func createStreamTable(t *testing.T, f *Forwarder, name string) string {
	t.Helper()
	out, err := f.Invoke(context.Background(), "DynamoDB_20120810.CreateTable", fmt.Appendf(nil,
		`{"TableName":%q,"KeySchema":[{"AttributeName":"pk","KeyType":"HASH"}],"AttributeDefinitions":[{"AttributeName":"pk","AttributeType":"S"}],"BillingMode":"PAY_PER_REQUEST","StreamSpecification":{"StreamEnabled":true,"StreamViewType":"NEW_AND_OLD_IMAGES"}}`, name))
	if err != nil {
		t.Fatal(err)
	}
	var d struct {
		TableDescription struct{ LatestStreamArn string }
	}
	_ = json.Unmarshal(out, &d)
	if d.TableDescription.LatestStreamArn == "" {
		t.Fatalf("no stream: %s", out)
	}
	return d.TableDescription.LatestStreamArn
}

func putItem(t *testing.T, f *Forwarder, table, pk string) {
	t.Helper()
	if _, err := f.Invoke(context.Background(), "DynamoDB_20120810.PutItem", fmt.Appendf(nil, `{"TableName":%q,"Item":{"pk":{"S":%q}}}`, table, pk)); err != nil {
		t.Fatal(err)
	}
}

func keysOf(t *testing.T, recs []pipes.Record) []string {
	t.Helper()
	var out []string
	for _, r := range recs {
		var doc struct {
			EventName string `json:"eventName"`
			DynamoDB  struct {
				Keys struct{ Pk struct{ S string } } `json:"Keys"`
			} `json:"dynamodb"`
		}
		if err := json.Unmarshal(r.Body, &doc); err != nil {
			t.Fatal(err)
		}
		out = append(out, doc.EventName+":"+doc.DynamoDB.Keys.Pk.S)
	}
	return out
}

// TestStreamSourceContract: the pipes.Source contract (ordered reads
// after a sequence number, re-reads of the same position, Wait, Latest,
// resuming from a checkpoint in a new source) over the Streams API.
func TestStreamSourceContract(t *testing.T) {
	t.Parallel()
	f := &Forwarder{Endpoint: dynamoServer(t), SigningName: "dynamodb"}
	arn := createStreamTable(t, f, "Jobs")
	src := NewStreamSource(f, arn, 10*time.Millisecond)
	ctx := context.Background()

	if latest, err := src.Latest(ctx); err != nil || latest != "" {
		t.Fatalf("Latest of an empty stream = %q, %v", latest, err)
	}
	wctx, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	if err := src.Wait(wctx, ""); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Wait on an empty stream = %v, want the deadline", err)
	}
	cancel()
	for i := range 5 {
		putItem(t, f, "Jobs", fmt.Sprintf("j%d", i))
	}
	recs, err := src.Read(ctx, "", 3)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(keysOf(t, recs), ","); got != "INSERT:j0,INSERT:j1,INSERT:j2" {
		t.Fatalf("first read = %s", got)
	}
	// A retried batch reads the same records again.
	again, err := src.Read(ctx, "", 3)
	if err != nil || strings.Join(keysOf(t, again), ",") != "INSERT:j0,INSERT:j1,INSERT:j2" {
		t.Fatalf("re-read = %v, %v", keysOf(t, again), err)
	}
	// A partial acceptance (bisection) continues after the accepted record.
	mid, err := src.Read(ctx, recs[0].SequenceNumber, 10)
	if err != nil || strings.Join(keysOf(t, mid), ",") != "INSERT:j1,INSERT:j2,INSERT:j3,INSERT:j4" {
		t.Fatalf("read after j0 = %v, %v", keysOf(t, mid), err)
	}
	last := mid[len(mid)-1].SequenceNumber
	if latest, err := src.Latest(ctx); err != nil || latest != last {
		t.Fatalf("Latest = %q, %v; want %q", latest, err, last)
	}
	if rest, err := src.Read(ctx, last, 10); err != nil || len(rest) != 0 {
		t.Fatalf("read at the end = %v, %v", keysOf(t, rest), err)
	}

	// Wait returns once a record after the position exists.
	done := make(chan error, 1)
	go func() {
		wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		done <- src.Wait(wctx, last)
	}()
	time.Sleep(30 * time.Millisecond)
	if _, err := f.Invoke(ctx, "DynamoDB_20120810.DeleteItem", []byte(`{"TableName":"Jobs","Key":{"pk":{"S":"j0"}}}`)); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatalf("Wait: %v", err)
	}
	next, err := src.Read(ctx, last, 10)
	if err != nil || strings.Join(keysOf(t, next), ",") != "REMOVE:j0" {
		t.Fatalf("read after Wait = %v, %v", keysOf(t, next), err)
	}

	// A new source (a restarted sfapi) resumes from the checkpoint.
	fresh := NewStreamSource(f, arn, 0)
	resumed, err := fresh.Read(ctx, recs[2].SequenceNumber, 10)
	if err != nil || strings.Join(keysOf(t, resumed), ",") != "INSERT:j3,INSERT:j4,REMOVE:j0" {
		t.Fatalf("resumed read = %v, %v", keysOf(t, resumed), err)
	}
}

// fakeStreams serves a stream of two shards: a closed parent holding
// records 1-2 and its child holding 3 (listed child first, to check the
// ordering).
func fakeStreams(t *testing.T) string {
	t.Helper()
	rec := func(seq string) json.RawMessage {
		return json.RawMessage(fmt.Sprintf(`{"eventName":"INSERT","dynamodb":{"Keys":{"pk":{"S":"k%s"}},"SequenceNumber":%q}}`, seq, seq))
	}
	data := map[string][]string{"parent": {"100", "200"}, "child": {"300"}}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req map[string]any
		_ = json.NewDecoder(r.Body).Decode(&req)
		var out any
		switch r.Header.Get("X-Amz-Target") {
		case "DynamoDBStreams_20120810.DescribeStream":
			out = map[string]any{"StreamDescription": map[string]any{"Shards": []any{
				map[string]any{"ShardId": "child", "ParentShardId": "parent", "SequenceNumberRange": map[string]any{"StartingSequenceNumber": "300"}},
				map[string]any{"ShardId": "parent", "SequenceNumberRange": map[string]any{"StartingSequenceNumber": "100", "EndingSequenceNumber": "200"}},
			}}}
		case "DynamoDBStreams_20120810.GetShardIterator":
			shard, _ := req["ShardId"].(string)
			pos := 0
			if req["ShardIteratorType"] == "AFTER_SEQUENCE_NUMBER" {
				for i, s := range data[shard] {
					if s == req["SequenceNumber"] {
						pos = i + 1
					}
				}
			}
			out = map[string]any{"ShardIterator": fmt.Sprintf("%s/%d", shard, pos)}
		case "DynamoDBStreams_20120810.GetRecords":
			it, _ := req["ShardIterator"].(string)
			shard, p, _ := strings.Cut(it, "/")
			pos := 0
			fmt.Sscan(p, &pos)
			var recs []json.RawMessage
			for _, s := range data[shard][pos:] {
				recs = append(recs, rec(s))
			}
			res := map[string]any{"Records": recs}
			if shard == "child" {
				// Open: an iterator always follows.
				res["NextShardIterator"] = fmt.Sprintf("%s/%d", shard, len(data[shard]))
			} else if len(recs) > 0 {
				res["NextShardIterator"] = fmt.Sprintf("%s/%d", shard, len(data[shard]))
			}
			out = res
		default:
			w.WriteHeader(400)
			return
		}
		_ = json.NewEncoder(w).Encode(out)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// TestStreamSourceShards: reading moves from a closed shard to its child,
// and a checkpoint in the parent or at its end finds the right shard.
func TestStreamSourceShards(t *testing.T) {
	t.Parallel()
	f := &Forwarder{Endpoint: fakeStreams(t), SigningName: "dynamodb"}
	ctx := context.Background()
	tests := []struct{ after, want string }{
		{"", "INSERT:k100,INSERT:k200"},
		{"100", "INSERT:k200"},
		{"200", "INSERT:k300"},
		{"300", ""},
	}
	for _, tt := range tests {
		src := NewStreamSource(f, "arn", time.Millisecond)
		got, err := src.Read(ctx, tt.after, 10)
		if err != nil {
			t.Fatal(err)
		}
		if s := strings.Join(keysOf(t, got), ","); s != tt.want {
			t.Errorf("Read after %q = %s, want %s", tt.after, s, tt.want)
		}
	}
	// Reading on through the parent's end continues in the child.
	src := NewStreamSource(f, "arn", time.Millisecond)
	var all []string
	after := ""
	for range 5 {
		recs, err := src.Read(ctx, after, 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(recs) == 0 {
			continue
		}
		all = append(all, keysOf(t, recs)...)
		after = recs[len(recs)-1].SequenceNumber
	}
	if s := strings.Join(all, ","); s != "INSERT:k100,INSERT:k200,INSERT:k300" {
		t.Fatalf("read through = %s", s)
	}
	if latest, err := src.Latest(ctx); err != nil || latest != "300" {
		t.Fatalf("Latest = %q, %v", latest, err)
	}
}

func TestCompareSeq(t *testing.T) {
	t.Parallel()
	tests := []struct {
		a, b string
		want int
	}{
		{"1", "2", -1}, {"10", "9", 1}, {"000123", "123", 0}, {"100000000000000000001", "99999999999999999999", 1}, {"", "0", 0},
	}
	for _, tt := range tests {
		if got := compareSeq(tt.a, tt.b); got != tt.want {
			t.Errorf("compareSeq(%q, %q) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
	}
}

// TestBackend: provisioning the gophers project (twice: idempotent), its
// stream source, and executions started by the targets.
func TestBackend(t *testing.T) {
	t.Parallel()
	ddbURL := dynamoServer(t)
	sfnURL, eng := sfnServer(t)
	p, err := project.Load(filepath.Join("..", "..", "..", "examples", "gophers"))
	if err != nil {
		t.Fatal(err)
	}
	b, err := New(Options{DynamoDBEndpoint: ddbURL, StepFunctionsEndpoint: sfnURL, Region: p.Region(), PollInterval: 10 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for range 2 {
		if err := b.Provision(ctx, p); err != nil {
			t.Fatalf("Provision: %v", err)
		}
	}
	arn := p.StateMachineARN("AddGopher")
	sm, err := eng.DescribeStateMachine(ctx, arn)
	if err != nil {
		t.Fatalf("state machine not created: %v", err)
	}
	if sm.Definition != p.StateMachines()[0].Definition {
		t.Fatal("created definition differs from the manifest's")
	}
	src, streamARN, err := b.StreamSource(ctx, "Jobs")
	if err != nil || !strings.Contains(streamARN, "table/Jobs/stream/") {
		t.Fatalf("StreamSource = %q, %v", streamARN, err)
	}
	if _, err := src.Read(ctx, "", 1); err != nil {
		t.Fatal(err)
	}

	// A Pass machine for the targets.
	passARN := "arn:aws:states:us-east-1:000000000000:stateMachine:P"
	if _, err := eng.CreateStateMachine(ctx, "P", `{"StartAt":"A","States":{"A":{"Type":"Pass","End":true}}}`, "STANDARD", "arn:aws:iam::000000000000:role/r"); err != nil {
		t.Fatal(err)
	}
	tgt := b.StateMachineTarget(passARN, false)
	batch := pipes.Batch{Name: "job-1", Input: json.RawMessage(`[{"a":1}]`)}
	if err := tgt.Invoke(ctx, batch); err != nil {
		t.Fatalf("Invoke: %v", err)
	}
	// A redelivered batch is the same execution: accepted, not an error.
	if err := tgt.Invoke(ctx, batch); err != nil {
		t.Fatalf("redelivered Invoke: %v", err)
	}
	if _, err := eng.DescribeExecution(ctx, "arn:aws:states:us-east-1:000000000000:execution:P:job-1"); err != nil {
		t.Fatalf("execution job-1: %v", err)
	}
	if err := b.ExecutionStarter(passARN).Deliver(ctx, []byte(`{"detail":{}}`)); err != nil {
		t.Fatalf("Deliver: %v", err)
	}
	if err := b.StateMachineTarget(arn+"-missing", false).Invoke(ctx, batch); err == nil {
		t.Fatal("Invoke on a missing state machine succeeded")
	}
}
