package emulator_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sfapi/sfapi/internal/emulator"
	"github.com/sfapi/sfapi/internal/emulator/awsjson"
	"github.com/sfapi/sfapi/internal/project"
)

// pipeCrashDirEnv carries the data dir to the child process of
// TestPipeSurvivesKill9.
const pipeCrashDirEnv = "SFAPI_PIPE_CRASH_DIR"

// TestPipeCrashChild is the process TestPipeSurvivesKill9 kills: it runs
// testdata/pipecrash on durable stores and writes items from 8 writers,
// printing "acked PK" once each PutItem returned 200 (the item is on
// disk), until it is killed. Run directly, it does nothing.
func TestPipeCrashChild(t *testing.T) {
	dir := os.Getenv(pipeCrashDirEnv)
	if dir == "" {
		return
	}
	em, p := openPipeCrash(t, dir)
	table := p.Manifest.Tables["Items"].Name
	ctx := context.Background()
	var out sync.Mutex
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Go(func() {
			for n := range 2000 {
				pk := fmt.Sprintf("w%d-%04d", w, n)
				body := fmt.Sprintf(`{"TableName":%q,"Item":{"pk":{"S":%q},"sk":{"S":"item"}}}`, table, pk)
				if resp := em.Mux().Invoke(ctx, "DynamoDB_20120810.PutItem", []byte(body)); resp.Status != http.StatusOK {
					fmt.Fprintf(os.Stderr, "PutItem %s: %d %s\n", pk, resp.Status, resp.Body)
					os.Exit(3)
				}
				out.Lock()
				fmt.Printf("acked %s\n", pk)
				out.Unlock()
			}
		})
	}
	wg.Wait()
	// The parent kills this process long before; never exit cleanly.
	time.Sleep(time.Minute)
	os.Exit(4)
}

func openPipeCrash(t *testing.T, dir string) (*emulator.Emulator, *project.Project) {
	t.Helper()
	p, err := project.Load("testdata/pipecrash")
	if err != nil {
		t.Fatal(err)
	}
	em, err := emulator.New(emulator.Options{Project: p, DataDir: dir, APIAddr: "127.0.0.1:0", AWSAddr: "127.0.0.1:0", WSAddr: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := em.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	return em, p
}

// TestPipeSurvivesKill9 kills (SIGKILL) a process that is writing items
// while its pipe starts one execution per item, restarts the emulator on
// the same data dir, and checks the pipe path end to end: every item
// written — acknowledged or merely committed before the kill — got
// exactly one execution named after it, which succeeded and recorded the
// delivery; nothing was lost, skipped, or started twice.
func TestPipeSurvivesKill9(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^TestPipeCrashChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), pipeCrashDirEnv+"="+dir)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	acked := map[string]bool{}
	killed := false
	sc := bufio.NewScanner(stdout)
	for sc.Scan() {
		if pk, ok := strings.CutPrefix(sc.Text(), "acked "); ok {
			acked[pk] = true
		}
		if len(acked) == 400 && !killed {
			if err := cmd.Process.Kill(); err != nil {
				t.Fatal(err)
			}
			killed = true
		}
	}
	err = cmd.Wait()
	if !killed || err == nil || !strings.Contains(err.Error(), "killed") {
		t.Fatalf("child ended with %v before the kill (%d acked): %s", err, len(acked), stderr.Bytes())
	}

	em, p := openPipeCrash(t, dir)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := em.Shutdown(ctx); err != nil {
			t.Errorf("shutdown: %v", err)
		}
	})
	mux := em.Mux()
	items := scanKeys(t, mux, p.Manifest.Tables["Items"].Name)
	for pk := range acked {
		if !items[pk] {
			t.Fatalf("acknowledged item %s is not in the table after the crash", pk)
		}
	}
	deliveries := scanKeys(t, mux, p.Manifest.Tables["Deliveries"].Name)
	t.Logf("killed after %d acks; %d items on disk, %d already delivered at restart", len(acked), len(items), len(deliveries))
	deadline := time.Now().Add(30 * time.Second)
	for len(deliveries) < len(items) && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
		deliveries = scanKeys(t, mux, p.Manifest.Tables["Deliveries"].Name)
	}
	for pk := range items {
		if !deliveries[pk] {
			t.Fatalf("item %s was never delivered (%d of %d delivered)", pk, len(deliveries), len(items))
		}
	}
	if len(deliveries) != len(items) {
		t.Fatalf("%d deliveries for %d items", len(deliveries), len(items))
	}
	// Exactly one execution per item, named after it, all succeeded.
	smArn := p.StateMachineARN(p.Manifest.StateMachines["Record"].Name)
	names := map[string]bool{}
	deadline = time.Now().Add(30 * time.Second)
	for {
		names = map[string]bool{}
		running := 0
		token := ""
		for {
			var page struct {
				Executions []struct{ Name, Status string }
				NextToken  string
			}
			req, _ := json.Marshal(map[string]any{"stateMachineArn": smArn, "maxResults": 1000, "nextToken": token})
			invokeJSON(t, mux, "AWSStepFunctions.ListExecutions", req, &page)
			for _, ex := range page.Executions {
				if names[ex.Name] {
					t.Fatalf("execution %s listed twice", ex.Name)
				}
				names[ex.Name] = true
				switch ex.Status {
				case "SUCCEEDED":
				case "RUNNING":
					running++
				default:
					t.Fatalf("execution %s is %s", ex.Name, ex.Status)
				}
			}
			if token = page.NextToken; token == "" {
				break
			}
		}
		if running == 0 || time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if len(names) != len(items) {
		t.Fatalf("%d executions for %d items", len(names), len(items))
	}
	for pk := range items {
		if !names[pk] {
			t.Fatalf("no execution named %s", pk)
		}
	}
}

// scanKeys returns the partition keys of a table's items.
func scanKeys(t *testing.T, mux *awsjson.Mux, table string) map[string]bool {
	t.Helper()
	keys := map[string]bool{}
	var start json.RawMessage
	for {
		req := map[string]any{"TableName": table, "ProjectionExpression": "pk"}
		if start != nil {
			req["ExclusiveStartKey"] = start
		}
		body, _ := json.Marshal(req)
		var page struct {
			Items []struct {
				PK struct{ S string } `json:"pk"`
			}
			LastEvaluatedKey json.RawMessage
		}
		invokeJSON(t, mux, "DynamoDB_20120810.Scan", body, &page)
		for _, it := range page.Items {
			keys[it.PK.S] = true
		}
		if len(page.LastEvaluatedKey) == 0 || string(page.LastEvaluatedKey) == "null" {
			return keys
		}
		start = page.LastEvaluatedKey
	}
}

func invokeJSON(t *testing.T, mux *awsjson.Mux, target string, body []byte, out any) {
	t.Helper()
	resp := mux.Invoke(context.Background(), target, body)
	if resp.Status != http.StatusOK {
		t.Fatalf("%s: %d %s", target, resp.Status, resp.Body)
	}
	if err := json.Unmarshal(resp.Body, out); err != nil {
		t.Fatalf("%s: %v in %s", target, err, resp.Body)
	}
}
