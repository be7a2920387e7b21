package emulator_test

import (
	"context"
	"encoding/json"
	"hash/crc32"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"
	streamtypes "github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	sfntypes "github.com/aws/aws-sdk-go-v2/service/sfn/types"

	"github.com/sfapi/sfapi/internal/emulator"
	"github.com/sfapi/sfapi/internal/emulator/kv"
	"github.com/sfapi/sfapi/internal/emulator/pipes"
	"github.com/sfapi/sfapi/internal/project"
)

// startGophers runs the example project in memory on free ports.
func startGophers(t *testing.T, dataDir string, inMemory bool) (emulator.Endpoints, *emulator.Emulator) {
	t.Helper()
	p, err := project.Load("../../examples/gophers")
	if err != nil {
		t.Fatal(err)
	}
	em, err := emulator.New(emulator.Options{Project: p, DataDir: dataDir, InMemory: inMemory, APIAddr: "127.0.0.1:0", AWSAddr: "127.0.0.1:0", WSAddr: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	ep, err := em.Start(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := em.Shutdown(ctx); err != nil {
			t.Errorf("shutdown: %v", err)
		}
	})
	return ep, em
}

func sdkConfig(endpoint string) aws.Config {
	return aws.Config{
		Region:       "us-east-1",
		Credentials:  credentials.NewStaticCredentialsProvider("test", "test", ""),
		BaseEndpoint: aws.String(endpoint),
	}
}

func postGopher(t *testing.T, api, body string) string {
	t.Helper()
	resp, err := http.Post(api+"/gophers", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusAccepted {
		t.Fatalf("POST /gophers = %d %s", resp.StatusCode, data)
	}
	var out struct{ ID string }
	if err := json.Unmarshal(data, &out); err != nil || out.ID == "" {
		t.Fatalf("202 body %s: %v", data, err)
	}
	return out.ID
}

const smARN = "arn:aws:states:us-east-1:000000000000:stateMachine:AddGopher"

func waitExecution(t *testing.T, client *sfn.Client, arn string) *sfn.DescribeExecutionOutput {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		out, err := client.DescribeExecution(t.Context(), &sfn.DescribeExecutionInput{ExecutionArn: aws.String(arn)})
		if err == nil && out.Status != sfntypes.ExecutionStatusRunning {
			return out
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("execution %s did not finish", arn)
	return nil
}

// TestGophersJobThroughSDKs follows one job with the AWS SDK clients a user
// would point at sfapi dev: the table's items, its stream records, the
// execution, and the execution's history.
func TestGophersJobThroughSDKs(t *testing.T) {
	ep, _ := startGophers(t, t.TempDir(), true)
	cfg := sdkConfig(ep.AWS)
	db := dynamodb.NewFromConfig(cfg)
	st := dynamodbstreams.NewFromConfig(cfg)
	sf := sfn.NewFromConfig(cfg)
	ctx := t.Context()

	tables, err := db.ListTables(ctx, &dynamodb.ListTablesInput{})
	if err != nil || len(tables.TableNames) != 1 || tables.TableNames[0] != "Jobs" {
		t.Fatalf("ListTables = %v, %v", tables, err)
	}
	desc, err := db.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String("Jobs")})
	if err != nil {
		t.Fatal(err)
	}
	if len(desc.Table.GlobalSecondaryIndexes) != 1 || desc.Table.StreamSpecification == nil || desc.Table.LatestStreamArn == nil {
		t.Fatalf("table not provisioned from the manifest: %+v", desc.Table)
	}

	id := postGopher(t, ep.API, `{"name": "Gordon", "location": "meadow"}`)
	exec := waitExecution(t, sf, "arn:aws:states:us-east-1:000000000000:execution:AddGopher:"+id)
	if exec.Status != sfntypes.ExecutionStatusSucceeded {
		t.Fatalf("execution %s: %s %s", exec.Status, aws.ToString(exec.Error), aws.ToString(exec.Cause))
	}

	job, err := db.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String("Jobs"), Key: map[string]ddbtypes.AttributeValue{
		"pk": &ddbtypes.AttributeValueMemberS{Value: id}, "sk": &ddbtypes.AttributeValueMemberS{Value: "job#addGopher"},
	}})
	if err != nil {
		t.Fatal(err)
	}
	if s, ok := job.Item["status"].(*ddbtypes.AttributeValueMemberS); !ok || s.Value != "Succeeded" {
		t.Fatalf("job item status = %#v", job.Item["status"])
	}
	holes, err := db.Query(ctx, &dynamodb.QueryInput{
		TableName: aws.String("Jobs"), IndexName: aws.String("byLocation"),
		KeyConditionExpression:    aws.String("gsi1pk = :l"),
		ExpressionAttributeValues: map[string]ddbtypes.AttributeValue{":l": &ddbtypes.AttributeValueMemberS{Value: "location#meadow"}},
	})
	if err != nil || holes.Count != 2 { // the gopher and its hole
		t.Fatalf("Query byLocation = %v, %v", holes, err)
	}

	// The stream holds the job's INSERT and its two status MODIFYs.
	shards, err := st.DescribeStream(ctx, &dynamodbstreams.DescribeStreamInput{StreamArn: desc.Table.LatestStreamArn})
	if err != nil || len(shards.StreamDescription.Shards) == 0 {
		t.Fatalf("DescribeStream = %v, %v", shards, err)
	}
	it, err := st.GetShardIterator(ctx, &dynamodbstreams.GetShardIteratorInput{
		StreamArn: desc.Table.LatestStreamArn, ShardId: shards.StreamDescription.Shards[0].ShardId,
		ShardIteratorType: streamtypes.ShardIteratorTypeTrimHorizon,
	})
	if err != nil {
		t.Fatal(err)
	}
	recs, err := st.GetRecords(ctx, &dynamodbstreams.GetRecordsInput{ShardIterator: it.ShardIterator})
	if err != nil {
		t.Fatal(err)
	}
	var jobEvents []string
	for _, r := range recs.Records {
		if pk, ok := r.Dynamodb.Keys["pk"].(*streamtypes.AttributeValueMemberS); ok && pk.Value == id {
			status := ""
			if s, ok := r.Dynamodb.NewImage["status"].(*streamtypes.AttributeValueMemberS); ok {
				status = s.Value
			}
			jobEvents = append(jobEvents, string(r.EventName)+":"+status)
		}
	}
	if got := strings.Join(jobEvents, ","); got != "INSERT:Pending,MODIFY:In Progress,MODIFY:Succeeded" {
		t.Fatalf("job stream records = %s", got)
	}

	list, err := sf.ListExecutions(ctx, &sfn.ListExecutionsInput{StateMachineArn: aws.String(smARN)})
	if err != nil || len(list.Executions) != 1 || aws.ToString(list.Executions[0].Name) != id {
		t.Fatalf("ListExecutions = %+v, %v", list, err)
	}
	hist, err := sf.GetExecutionHistory(ctx, &sfn.GetExecutionHistoryInput{ExecutionArn: exec.ExecutionArn, MaxResults: 1000})
	if err != nil {
		t.Fatal(err)
	}
	var entered []string
	for _, ev := range hist.Events {
		if ev.StateEnteredEventDetails != nil {
			entered = append(entered, aws.ToString(ev.StateEnteredEventDetails.Name))
		}
	}
	want := "ReadJob,MarkInProgress,AnnounceStarted,SaveGopher,FindHoles,LinkHoles,DigHole,MarkSucceeded,AnnounceSucceeded"
	if got := strings.Join(entered, ","); got != want {
		t.Fatalf("states entered = %s\nwant %s", got, want)
	}
	if hist.Events[len(hist.Events)-1].Type != sfntypes.HistoryEventTypeExecutionSucceeded {
		t.Fatalf("last event = %s", hist.Events[len(hist.Events)-1].Type)
	}
}

// TestStateSurvivesRestart checks that a restarted emulator on the same
// data dir keeps tables, items, machines and executions.
func TestStateSurvivesRestart(t *testing.T) {
	dir := t.TempDir()
	p, err := project.Load("../../examples/gophers")
	if err != nil {
		t.Fatal(err)
	}
	run := func(fn func(ep emulator.Endpoints)) {
		em, err := emulator.New(emulator.Options{Project: p, DataDir: dir, APIAddr: "127.0.0.1:0", AWSAddr: "127.0.0.1:0", WSAddr: "127.0.0.1:0"})
		if err != nil {
			t.Fatal(err)
		}
		ep, err := em.Start(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		fn(ep)
		if err := em.Shutdown(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	var id string
	run(func(ep emulator.Endpoints) {
		id = postGopher(t, ep.API, `{"name": "Gordon", "location": "meadow"}`)
		got, err := emulator.ReadEndpoints(dir)
		if err != nil || got.API != ep.API {
			t.Fatalf("endpoints file = %+v, %v", got, err)
		}
	})
	run(func(ep emulator.Endpoints) {
		sf := sfn.NewFromConfig(sdkConfig(ep.AWS))
		exec := waitExecution(t, sf, "arn:aws:states:us-east-1:000000000000:execution:AddGopher:"+id)
		if exec.Status != sfntypes.ExecutionStatusSucceeded {
			t.Fatalf("execution after restart: %s", exec.Status)
		}
		list, err := sf.ListExecutions(t.Context(), &sfn.ListExecutionsInput{StateMachineArn: aws.String(smARN)})
		if err != nil || len(list.Executions) != 1 {
			t.Fatalf("executions after restart = %+v, %v", list, err)
		}
	})
}

// TestRedeliveredRecordsDoNotRunJobsTwice rewinds the pipe's checkpoint to
// the start of the stream, as a crash between starting an execution and
// saving the checkpoint would: the redelivered records must neither start
// second executions nor stall the pipe.
func TestRedeliveredRecordsDoNotRunJobsTwice(t *testing.T) {
	dir := t.TempDir()
	p, err := project.Load("../../examples/gophers")
	if err != nil {
		t.Fatal(err)
	}
	start := func() (emulator.Endpoints, *emulator.Emulator) {
		em, err := emulator.New(emulator.Options{Project: p, DataDir: dir, APIAddr: "127.0.0.1:0", AWSAddr: "127.0.0.1:0", WSAddr: "127.0.0.1:0"})
		if err != nil {
			t.Fatal(err)
		}
		ep, err := em.Start(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		return ep, em
	}
	ep, em := start()
	first := postGopher(t, ep.API, `{"name": "Gordon", "location": "meadow"}`)
	if ex := waitExecution(t, sfn.NewFromConfig(sdkConfig(ep.AWS)), "arn:aws:states:us-east-1:000000000000:execution:AddGopher:"+first); ex.Status != sfntypes.ExecutionStatusSucceeded {
		t.Fatalf("first job: %s", ex.Status)
	}
	if err := em.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}

	db, err := kv.Open(filepath.Join(dir, "pipes.db"), kv.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := pipes.NewStore(db).SaveCheckpoint("JobsToAddGopher", ""); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	ep, em = start()
	defer em.Shutdown(context.Background())
	sf := sfn.NewFromConfig(sdkConfig(ep.AWS))
	second := postGopher(t, ep.API, `{"name": "Gina", "location": "meadow"}`)
	if ex := waitExecution(t, sf, "arn:aws:states:us-east-1:000000000000:execution:AddGopher:"+second); ex.Status != sfntypes.ExecutionStatusSucceeded {
		t.Fatalf("second job after redelivery: %s", ex.Status)
	}
	list, err := sf.ListExecutions(t.Context(), &sfn.ListExecutionsInput{StateMachineArn: aws.String(smARN)})
	if err != nil || len(list.Executions) != 2 {
		t.Fatalf("executions = %+v, %v; want exactly one per job", list, err)
	}
}

// A project of only a table (no API, no pipes) runs: the table gets the
// manifest's TTL setting, and the REST listener answers 403.
func TestTableOnlyProjectWithTTL(t *testing.T) {
	dir := t.TempDir()
	manifest := "name: sessions\ntables:\n  Sessions:\n    keySchema:\n      partitionKey: {name: id, type: S}\n    ttlAttribute: expiresAt\n"
	if err := os.WriteFile(filepath.Join(dir, "sfapi.yaml"), []byte(manifest), 0o644); err != nil {
		t.Fatal(err)
	}
	p, err := project.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	em, err := emulator.New(emulator.Options{Project: p, DataDir: filepath.Join(dir, ".sfapi"), InMemory: true, APIAddr: "127.0.0.1:0", AWSAddr: "127.0.0.1:0", WSAddr: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	ep, err := em.Start(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	defer em.Shutdown(context.Background())
	ttl, err := dynamodb.NewFromConfig(sdkConfig(ep.AWS)).DescribeTimeToLive(t.Context(), &dynamodb.DescribeTimeToLiveInput{TableName: aws.String("Sessions")})
	if err != nil {
		t.Fatal(err)
	}
	if ttl.TimeToLiveDescription.TimeToLiveStatus != ddbtypes.TimeToLiveStatusEnabled || aws.ToString(ttl.TimeToLiveDescription.AttributeName) != "expiresAt" {
		t.Fatalf("TTL = %+v", ttl.TimeToLiveDescription)
	}
	resp, err := http.Get(ep.API + "/anything")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Fatalf("REST listener = %d, want 403", resp.StatusCode)
	}
}

// The AWS endpoint checksums DynamoDB responses (x-amz-crc32) and ids them
// as DynamoDB does; the SDK and the aws CLI verify the checksum.
func TestDynamoDBResponsesCarryCRC32(t *testing.T) {
	ep, _ := startGophers(t, t.TempDir(), true)
	req, _ := http.NewRequest(http.MethodPost, ep.AWS, strings.NewReader(`{}`))
	req.Header.Set("X-Amz-Target", "DynamoDB_20120810.ListTables")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	want := strconv.FormatUint(uint64(crc32.ChecksumIEEE(body)), 10)
	if got := resp.Header.Get("x-amz-crc32"); got != want {
		t.Fatalf("x-amz-crc32 = %q, want %s for %s", got, want, body)
	}
	if id := resp.Header.Get("x-amzn-RequestId"); len(id) != 52 {
		t.Fatalf("request id %q: want DynamoDB's 52-character form", id)
	}
}

// API keys from the manifest guard the methods whose security asks for one.
func TestAPIKeysFromManifest(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{
		"sfapi.yaml": "name: keys\napi:\n  openapi: openapi.yaml\n  apiKeys: [local-key-0123456789abcdef]\n",
		"openapi.yaml": `openapi: 3.0.1
info: {title: keys, version: "1"}
components:
  securitySchemes:
    api_key: {type: apiKey, name: x-api-key, in: header}
paths:
  /ping:
    get:
      security: [{api_key: []}]
      responses:
        "200": {description: pong}
      x-amazon-apigateway-integration:
        type: mock
        requestTemplates: {application/json: '{"statusCode": 200}'}
        responses:
          default:
            statusCode: "200"
            responseTemplates: {application/json: '{"pong": true}'}
`,
	}
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	p, err := project.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	em, err := emulator.New(emulator.Options{Project: p, DataDir: filepath.Join(dir, ".sfapi"), InMemory: true, APIAddr: "127.0.0.1:0", AWSAddr: "127.0.0.1:0", WSAddr: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	ep, err := em.Start(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	defer em.Shutdown(context.Background())
	for key, want := range map[string]int{"": 403, "wrong-key-0123456789abcdef": 403, "local-key-0123456789abcdef": 200} {
		req, _ := http.NewRequest(http.MethodGet, ep.API+"/ping", nil)
		if key != "" {
			req.Header.Set("x-api-key", key)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("x-api-key %q: status %d, want %d", key, resp.StatusCode, want)
		}
	}
}
