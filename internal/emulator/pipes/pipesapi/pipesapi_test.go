package pipesapi

import (
	"context"
	"encoding/json"
	"errors"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/sfapi/sfapi/internal/emulator/awsjson"
	"github.com/sfapi/sfapi/internal/emulator/kv"
	"github.com/sfapi/sfapi/internal/emulator/pipes"
)

type noSource struct{}

func (noSource) Read(context.Context, string, int) ([]pipes.Record, error) { return nil, nil }
func (noSource) Wait(ctx context.Context, _ string) error {
	<-ctx.Done()
	return ctx.Err()
}
func (noSource) Latest(context.Context) (string, error) { return "", nil }

// target fails batches holding "bad" and records the others.
type target struct {
	mu  sync.Mutex
	got []string
}

func (t *target) Invoke(_ context.Context, b pipes.Batch) error {
	if strings.Contains(string(b.Input), "bad") {
		return errors.New("rejected bad record")
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	t.got = append(t.got, string(b.Input))
	return nil
}

func setup(t *testing.T) (*awsjson.Mux, *target) {
	t.Helper()
	db, err := kv.Open(filepath.Join(t.TempDir(), "pipes.db"), kv.Options{InMemory: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	store := pipes.NewStore(db)
	tgt := &target{}
	p, err := pipes.New(pipes.Config{Name: "P"}, noSource{}, tgt, store, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, body := range []string{`{"n":"ok1"}`, `{"n":"bad"}`, `{"n":"ok2"}`} {
		if err := store.Park("P", []pipes.Record{{SequenceNumber: "1", Body: json.RawMessage(body)}}, "TargetInvocationFailed", "boom", 3); err != nil {
			t.Fatal(err)
		}
	}
	set := pipes.NewSet(store)
	set.Add(p)
	mux := awsjson.NewMux(nil)
	Register(mux, set)
	return mux, tgt
}

func call(t *testing.T, mux *awsjson.Mux, op, body string, out any) awsjson.Response {
	t.Helper()
	resp := mux.Invoke(context.Background(), TargetPrefix+"."+op, []byte(body))
	if resp.Status == 200 && out != nil {
		if err := json.Unmarshal(resp.Body, out); err != nil {
			t.Fatalf("%s: %v in %s", op, err, resp.Body)
		}
	}
	return resp
}

func TestListAndRedrive(t *testing.T) {
	t.Parallel()
	mux, tgt := setup(t)
	var pl struct{ Pipes []string }
	if call(t, mux, "ListPipes", `{}`, &pl); len(pl.Pipes) != 1 || pl.Pipes[0] != "P" {
		t.Fatalf("ListPipes = %+v", pl)
	}
	var lf ListFailuresOutput
	call(t, mux, "ListFailures", `{}`, &lf)
	if len(lf.Failures) != 3 || lf.Failures[0].ID == "" || lf.Failures[0].InvokeCount != 3 || lf.Failures[0].Condition != "TargetInvocationFailed" {
		t.Fatalf("ListFailures = %+v", lf)
	}
	var dry RedriveFailuresOutput
	call(t, mux, "RedriveFailures", `{"DryRun":true}`, &dry)
	if len(dry.Redriven) != 3 || len(tgt.got) != 0 {
		t.Fatalf("dry run = %+v, target got %v", dry, tgt.got)
	}
	var one RedriveFailuresOutput
	call(t, mux, "RedriveFailures", `{"PipeName":"P","FailureIds":["`+lf.Failures[2].ID+`"]}`, &one)
	if len(one.Redriven) != 1 || len(tgt.got) != 1 || !strings.Contains(tgt.got[0], "ok2") {
		t.Fatalf("redrive one = %+v, target got %v", one, tgt.got)
	}
	var all RedriveFailuresOutput
	call(t, mux, "RedriveFailures", `{}`, &all)
	if len(all.Redriven) != 1 || len(all.Failed) != 1 || !strings.Contains(all.Failed[0].ErrorMessage, "rejected bad record") {
		t.Fatalf("redrive all = %+v", all)
	}
	call(t, mux, "ListFailures", `{"PipeName":"P"}`, &lf)
	if len(lf.Failures) != 1 || !strings.Contains(string(lf.Failures[0].Records[0]), "bad") {
		t.Fatalf("left in queue = %+v", lf)
	}
}

func TestErrors(t *testing.T) {
	t.Parallel()
	mux, _ := setup(t)
	tests := []struct{ op, body, code string }{
		{"ListFailures", `{"PipeName":"nope"}`, "ResourceNotFoundException"},
		{"RedriveFailures", `{"PipeName":"P","FailureIds":["x"]}`, "ResourceNotFoundException"},
		{"RedriveFailures", `{"FailureIds":["x"]}`, "ValidationException"},
		{"RedriveFailures", `{"DryRun":"yes"}`, "SerializationException"},
		{"ListFailures", `not json`, "SerializationException"},
	}
	for _, tt := range tests {
		resp := call(t, mux, tt.op, tt.body, nil)
		if resp.Status != 400 || !strings.Contains(string(resp.Body), tt.code) {
			t.Fatalf("%s %s = %d %s, want %s", tt.op, tt.body, resp.Status, resp.Body, tt.code)
		}
	}
}

func FuzzOperations(f *testing.F) {
	f.Add(`{}`)
	f.Add(`{"PipeName":"P","FailureIds":["1"],"DryRun":true}`)
	f.Add(`{"FailureIds":["x"]}`)
	f.Fuzz(func(t *testing.T, body string) {
		mux, _ := setup(t)
		for _, op := range []string{"ListFailures", "RedriveFailures"} {
			if resp := mux.Invoke(context.Background(), TargetPrefix+"."+op, []byte(body)); resp.Status >= 500 {
				t.Fatalf("%s %q = %d %s", op, body, resp.Status, resp.Body)
			}
		}
	})
}
