package emulator_test

import (
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
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
	putJobBatch(t, db, table, 5, "fail")
	failures := awaitDeadLetters(t, ep.AWS, "JobsToProcess")
	f := failures[0]
	if len(failures) != 1 || f.BatchSize != 1 || f.Condition != "TargetInvocationFailed" ||
		!strings.Contains(f.ErrorMessage, "failed batch items") || f.StartSequence != f.EndSequence ||
		len(f.Records) != 1 || !strings.Contains(string(f.Records[0]), `"p5"`) {
		t.Fatalf("dead letter = %+v", failures)
	}
	awaitProcessedAllBut(t, db, table, "p5")
}
