package emulator_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/sfapi/sfapi/internal/emulator/pipes"
)

// TestPartialBatchResponseBisectsToTheDeadLetter writes 8 job items, one
// of which its EXPRESS target reports in batchItemFailures: the records
// before it are accepted, the rest is retried from it and halved
// (AUTOMATIC_BISECT) down to that record alone, which lands in the
// dead letter; every other record is processed.
func TestPartialBatchResponseBisectsToTheDeadLetter(t *testing.T) {
	t.Parallel()
	ep, p := startProject(t, "testdata/partial")
	table := p.Manifest.Tables["Jobs"].Name
	db := dynamodb.NewFromConfig(sdkConfig(ep.AWS))
	var reqs []ddbtypes.WriteRequest
	for i := range 8 {
		item := map[string]ddbtypes.AttributeValue{
			"pk": &ddbtypes.AttributeValueMemberS{Value: fmt.Sprintf("p%d", i)},
			"sk": &ddbtypes.AttributeValueMemberS{Value: "job#process"},
		}
		if i == 5 {
			item["fail"] = &ddbtypes.AttributeValueMemberBOOL{Value: true}
		}
		reqs = append(reqs, ddbtypes.WriteRequest{PutRequest: &ddbtypes.PutRequest{Item: item}})
	}
	if _, err := db.BatchWriteItem(t.Context(), &dynamodb.BatchWriteItemInput{RequestItems: map[string][]ddbtypes.WriteRequest{table: reqs}}); err != nil {
		t.Fatal(err)
	}
	var out struct{ Failures []pipes.Failure }
	deadline := time.Now().Add(10 * time.Second)
	for len(out.Failures) == 0 {
		if time.Now().After(deadline) {
			t.Fatal("no dead letter")
		}
		time.Sleep(20 * time.Millisecond)
		sfapiPipes(t, ep.AWS, "ListFailures", `{"PipeName":"JobsToProcess"}`, &out)
	}
	f := out.Failures[0]
	if len(out.Failures) != 1 || f.BatchSize != 1 || f.Condition != "TargetInvocationFailed" ||
		!strings.Contains(f.ErrorMessage, "failed batch items") || f.StartSequence != f.EndSequence ||
		len(f.Records) != 1 || !strings.Contains(string(f.Records[0]), `"p5"`) {
		t.Fatalf("dead letter = %+v", out.Failures)
	}
	deadline = time.Now().Add(10 * time.Second)
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
		if len(done) == 7 && !done["p5"] {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("processed = %v, want p0-p7 but p5", done)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
