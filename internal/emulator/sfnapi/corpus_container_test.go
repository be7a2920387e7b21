package sfnapi_test

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/sfapi/sfapi/internal/emulator/containers"
)

// TestCorpusStepFunctionsLocal runs the corpus through the containers
// backend's Step Functions Local: the stand-in image built from sfapi (no
// registry is reachable here), with the cases AWS's image cannot run
// skipped as they would be there. Pointing SFAPI_CORPUS_SFN_ENDPOINT at a
// container of amazon/aws-stepfunctions-local runs the same cases against
// AWS's engine.
func TestCorpusStepFunctionsLocal(t *testing.T) {
	t.Setenv("TESTCONTAINERS_RYUK_DISABLED", "true")
	ctx := context.Background()
	if err := containers.Available(ctx); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("Docker is required under CI=true: %v", err)
		}
		t.Skipf("SKIPPING: Docker is not available (%v); the corpus is not run through the containers backend", err)
	}
	root, err := filepath.Abs("../../..")
	if err != nil {
		t.Fatal(err)
	}
	imgs, err := containers.BuildStandins(ctx, root, io.Discard)
	if err != nil {
		t.Fatalf("build stand-in images: %v", err)
	}
	st, err := containers.Start(ctx, containers.Options{ProjectDir: t.TempDir(), DynamoDBImage: imgs.DynamoDB, StepFunctionsImage: imgs.StepFunctions})
	if err != nil {
		t.Fatalf("start containers: %v", err)
	}
	t.Cleanup(func() { st.Close(context.Background()) })
	runCorpus(t, st.StepFunctions)
}
