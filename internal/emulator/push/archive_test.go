package push

import (
	"context"
	"encoding/json"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/sfapi/sfapi/internal/emulator/kv"
)

var replayNameTests = []struct{ in, want string }{
	{`{"a":1}`, `{"a":1,"replay-name":"r"}`},
	{`{"a":1}  `, `{"a":1,"replay-name":"r"}  `},
	{`no object`, `no object`},
	{`{ }`, `{ "replay-name":"r"}`},
}

func TestWithReplayName(t *testing.T) {
	t.Parallel()
	for _, tt := range replayNameTests {
		if got := string(withReplayName([]byte(tt.in), "r")); got != tt.want {
			t.Fatalf("withReplayName(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func FuzzWithReplayName(f *testing.F) {
	for _, tt := range replayNameTests {
		f.Add(tt.in, "r")
	}
	f.Fuzz(func(t *testing.T, in, name string) {
		var m map[string]json.RawMessage
		if json.Unmarshal([]byte(in), &m) != nil {
			return // archived events are JSON objects
		}
		out := withReplayName([]byte(in), name)
		var got map[string]any
		if err := json.Unmarshal(out, &got); err != nil {
			t.Fatalf("%q -> invalid %q: %v", in, out, err)
		}
		if _, ok := got[ReplayNameField]; !ok {
			t.Fatalf("%q -> %q has no replay-name", in, out)
		}
	})
}

func TestArchiveRetention(t *testing.T) {
	t.Parallel()
	db, err := kv.Open(filepath.Join(t.TempDir(), "pipes.db"), kv.Options{InMemory: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var mu sync.Mutex
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	r := NewRouter(RouterOptions{Synchronous: true, Now: clock})
	defer r.Close(context.Background())
	if err := r.OpenArchives(db); err != nil {
		t.Fatal(err)
	}
	if _, err := r.CreateArchive(ArchiveSpec{Name: "a", EventSourceARN: r.busARN(DefaultBusName), RetentionDays: 1}); err != nil {
		t.Fatal(err)
	}
	put := func() {
		t.Helper()
		if out, err := r.PutEvents(context.Background(), []Entry{{Source: "s", DetailType: "d", Detail: `{}`}}); err != nil || out.FailedEntryCount != 0 {
			t.Fatalf("PutEvents: %+v %v", out, err)
		}
	}
	put()
	put()
	mu.Lock()
	now = now.Add(36 * time.Hour)
	mu.Unlock()
	put()
	info, err := r.DescribeArchive("a")
	if err != nil || info.EventCount != 1 {
		t.Fatalf("after retention: %+v %v", info, err)
	}
	// The count is rebuilt from the store when archives are reopened.
	r2 := NewRouter(RouterOptions{Now: clock})
	defer r2.Close(context.Background())
	if err := r2.OpenArchives(db); err != nil {
		t.Fatal(err)
	}
	if info2, _ := r2.DescribeArchive("a"); info2.EventCount != 1 || info2.SizeBytes != info.SizeBytes {
		t.Fatalf("reopened: %+v, want %+v", info2, info)
	}
}

// A restart completes an accepted cancel (CANCELLING → CANCELLED) and
// fails a replay it interrupted.
func TestOpenArchivesSettlesInterruptedReplays(t *testing.T) {
	t.Parallel()
	db, err := kv.Open(filepath.Join(t.TempDir(), "events.db"), kv.Options{InMemory: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	err = db.Update(func(tx *kv.Tx) error {
		b, err := tx.CreateBucketIfNotExists(bucketReplays)
		if err != nil {
			return err
		}
		for name, state := range map[string]string{"c": ReplayCancelling, "r": ReplayRunning, "d": ReplayCompleted} {
			data, _ := json.Marshal(ReplayInfo{Name: name, State: state})
			if err := b.Put([]byte(name), data); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	r := NewRouter(RouterOptions{Synchronous: true})
	defer r.Close(context.Background())
	if err := r.OpenArchives(db); err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]string{"c": ReplayCancelled, "r": ReplayFailed, "d": ReplayCompleted} {
		ri, err := r.DescribeReplay(name)
		if err != nil || ri.State != want {
			t.Fatalf("replay %s: %+v, %v; want %s", name, ri, err, want)
		}
	}
	if _, err := r.CancelReplay("c"); ErrorCode(err) != CodeIllegalStatus {
		t.Fatalf("CancelReplay of a settled replay: %v", err)
	}
}
