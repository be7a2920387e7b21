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
