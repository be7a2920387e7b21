package emulator_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/coder/websocket"

	"github.com/sfapi/sfapi/internal/emulator"
	"github.com/sfapi/sfapi/internal/emulator/pipes"
	"github.com/sfapi/sfapi/internal/project"
)

type pushed struct {
	ID         uint64 `json:"sfapiEventId"`
	DetailType string `json:"detail-type"`
	Detail     struct {
		JobID string `json:"jobId"`
	} `json:"detail"`
}

// readUntil reads pushed events until one has the given detail-type.
func readUntil(t *testing.T, c *websocket.Conn, detailType string) []pushed {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	var got []pushed
	for {
		_, msg, err := c.Read(ctx)
		if err != nil {
			t.Fatalf("read after %+v: %v", got, err)
		}
		var p pushed
		if err := json.Unmarshal(msg, &p); err != nil || p.ID == 0 {
			t.Fatalf("pushed %s: %v", msg, err)
		}
		got = append(got, p)
		if p.DetailType == detailType {
			return got
		}
	}
}

// TestPushEventLogSurvivesRestart follows one job's events live, restarts
// the emulator, and resumes from the event log by id.
func TestPushEventLogSurvivesRestart(t *testing.T) {
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
	dial := func(url string) *websocket.Conn {
		c, _, err := websocket.Dial(t.Context(), url, nil)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}

	ep, em := start()
	all := dial(ep.WS)
	first := postGopher(t, ep.API, `{"name": "Gordon", "location": "meadow"}`)
	live := readUntil(t, all, "JobSucceeded")
	all.CloseNow()
	if err := em.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	for i := 1; i < len(live); i++ {
		if live[i].ID <= live[i-1].ID {
			t.Fatalf("ids not increasing: %+v", live)
		}
	}

	ep, em = start()
	defer em.Shutdown(context.Background())
	// A client that saw only the first event resumes after it, filtered
	// to the job: it gets the rest from the log, then live events.
	resumed := dial(fmt.Sprintf("%s?after=%d&jobId=%s", ep.WS, live[0].ID, first))
	defer resumed.CloseNow()
	got := readUntil(t, resumed, "JobSucceeded")
	if len(got) != len(live)-1 {
		t.Fatalf("resumed %+v, want the %d events after %d", got, len(live)-1, live[0].ID)
	}
	for i, g := range got {
		if g.ID != live[i+1].ID || g.Detail.JobID != first {
			t.Fatalf("resumed[%d] = %+v, want %+v", i, g, live[i+1])
		}
	}
	second := postGopher(t, ep.API, `{"name": "Gina", "location": "meadow"}`)
	byType := dial(ep.WS + "?detailType=JobSucceeded")
	defer byType.CloseNow()
	next := readUntil(t, byType, "JobSucceeded")
	if len(next) != 1 || next[0].Detail.JobID != second || next[0].ID <= live[len(live)-1].ID {
		t.Fatalf("after restart: %+v (last before restart %d)", next, live[len(live)-1].ID)
	}
}

// sfapiPipes calls sfapi's own on-failure queue API on the AWS endpoint.
func sfapiPipes(t *testing.T, endpoint, op, body string, out any) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, endpoint+"/", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	req.Header.Set("X-Amz-Target", "SfapiPipes."+op)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("SfapiPipes.%s = %d %s", op, resp.StatusCode, data)
	}
	if err := json.Unmarshal(data, out); err != nil {
		t.Fatalf("SfapiPipes.%s: %v in %s", op, err, data)
	}
}

func startProject(t *testing.T, dir string) (emulator.Endpoints, *project.Project) {
	t.Helper()
	p, err := project.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	em, err := emulator.New(emulator.Options{Project: p, DataDir: t.TempDir(), InMemory: true, APIAddr: "127.0.0.1:0", AWSAddr: "127.0.0.1:0", WSAddr: "127.0.0.1:0"})
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
	return ep, p
}

// TestPoisonedRecordIsBisectedToTheDeadLetter writes a batch of eight
// jobs, one of them poisoned, through DynamoDB. The pipe (batch size 8,
// bisect on error, 2 retries) splits the failing batch until the poisoned
// record is alone, retries it, and parks it with its metadata; the seven
// others are processed.
func TestPoisonedRecordIsBisectedToTheDeadLetter(t *testing.T) {
	t.Parallel()
	ep, p := startProject(t, "testdata/poison")
	table := p.Manifest.Tables["Jobs"].Name
	db := dynamodb.NewFromConfig(sdkConfig(ep.AWS))
	putJobBatch(t, db, table, 4, "poison")
	failures := awaitDeadLetters(t, ep.AWS, "JobsToProcess")
	f := failures[0]
	if len(failures) != 1 || f.BatchSize != 1 || f.InvokeCount != 3 || f.Condition != "TargetInvocationFailed" ||
		!strings.Contains(f.ErrorMessage, "Poisoned") || f.StartSequence == "" || f.StartSequence != f.EndSequence ||
		len(f.Records) != 1 || !strings.Contains(string(f.Records[0]), `"p4"`) || !strings.Contains(string(f.Records[0]), `"eventSourceARN"`) {
		t.Fatalf("dead letter = %+v", failures)
	}
	awaitProcessedAllBut(t, db, table, "p4")
}

// putJobBatch writes the eight job items p0..p7 (sk job#process) in one
// BatchWriteItem; item number bad also carries the boolean attribute mark,
// which the test's state machine fails on.
func putJobBatch(t *testing.T, db *dynamodb.Client, table string, bad int, mark string) {
	t.Helper()
	var reqs []ddbtypes.WriteRequest
	for i := range 8 {
		item := map[string]ddbtypes.AttributeValue{
			"pk": &ddbtypes.AttributeValueMemberS{Value: fmt.Sprintf("p%d", i)},
			"sk": &ddbtypes.AttributeValueMemberS{Value: "job#process"},
		}
		if i == bad {
			item[mark] = &ddbtypes.AttributeValueMemberBOOL{Value: true}
		}
		reqs = append(reqs, ddbtypes.WriteRequest{PutRequest: &ddbtypes.PutRequest{Item: item}})
	}
	if _, err := db.BatchWriteItem(t.Context(), &dynamodb.BatchWriteItemInput{RequestItems: map[string][]ddbtypes.WriteRequest{table: reqs}}); err != nil {
		t.Fatal(err)
	}
}

// awaitDeadLetters polls the pipe's on-failure queue (up to 10 s) until it
// holds something, and returns what it holds.
func awaitDeadLetters(t *testing.T, awsURL, pipe string) []pipes.Failure {
	t.Helper()
	var out struct{ Failures []pipes.Failure }
	deadline := time.Now().Add(10 * time.Second)
	for len(out.Failures) == 0 {
		if time.Now().After(deadline) {
			t.Fatal("no dead letter")
		}
		time.Sleep(20 * time.Millisecond)
		sfapiPipes(t, awsURL, "ListFailures", `{"PipeName":"`+pipe+`"}`, &out)
	}
	return out.Failures
}

// awaitProcessedAllBut waits (up to 10 s) until every job of putJobBatch
// but skip has its marker item (sk done), and skip has none.
func awaitProcessedAllBut(t *testing.T, db *dynamodb.Client, table, skip string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		scan, err := db.Scan(t.Context(), &dynamodb.ScanInput{TableName: aws.String(table), FilterExpression: aws.String("sk = :d"),
			ExpressionAttributeValues: map[string]ddbtypes.AttributeValue{":d": &ddbtypes.AttributeValueMemberS{Value: "done"}}})
		if err != nil {
			t.Fatal(err)
		}
		done := map[string]bool{}
		for _, it := range scan.Items {
			done[it["pk"].(*ddbtypes.AttributeValueMemberS).Value] = true
		}
		if len(done) == 7 && !done[skip] {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("processed = %v, want p0-p7 but %s", done, skip)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
