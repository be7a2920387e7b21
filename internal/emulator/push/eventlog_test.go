package push

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/sfapi/sfapi/internal/emulator/kv"
)

var withEventIDTests = []struct{ in, want string }{
	{`{}`, `{"sfapiEventId":7}`},
	{`{"a":1}`, `{"sfapiEventId":7,"a":1}`},
	{` { "a" : 1 }`, `{"sfapiEventId":7,"a" : 1 }`},
	{`[1]`, `[1]`},
	{`m1`, `m1`},
	{`{"a":`, `{"a":`},
	{``, ``},
}

func TestWithEventID(t *testing.T) {
	t.Parallel()
	for _, tt := range withEventIDTests {
		if got := string(withEventID([]byte(tt.in), 7)); got != tt.want {
			t.Fatalf("withEventID(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func FuzzWithEventID(f *testing.F) {
	for _, tt := range withEventIDTests {
		f.Add(tt.in)
	}
	f.Fuzz(func(t *testing.T, in string) {
		out := withEventID([]byte(in), 42)
		if json.Valid([]byte(in)) && !json.Valid(out) {
			t.Fatalf("valid %q became invalid %q", in, out)
		}
	})
}

func openLog(t *testing.T, path string, opts EventLogOptions) (*kv.DB, *EventLog) {
	t.Helper()
	db, err := kv.Open(path, kv.Options{})
	if err != nil {
		t.Fatal(err)
	}
	l, err := OpenEventLog(db, opts)
	if err != nil {
		t.Fatal(err)
	}
	return db, l
}

func TestEventLogSurvivesRestart(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "pipes.db")
	db, l := openLog(t, path, EventLogOptions{})
	h := NewHubWithOptions(HubOptions{Log: l})
	for i := range 3 {
		h.Publish("jobs", fmt.Appendf(nil, `{"n":%d}`, i))
	}
	h.Publish("other", []byte(`{"n":99}`))
	l.Close()
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	db, l = openLog(t, path, EventLogOptions{})
	defer db.Close()
	defer l.Close()
	h = NewHubWithOptions(HubOptions{Log: l})
	if h.LastID() != 4 {
		t.Fatalf("LastID after restart = %d, want 4", h.LastID())
	}
	h.Publish("jobs", []byte(`{"n":3}`))
	sub, backlog, truncated, err := h.SubscribeFrom("jobs", 1)
	if err != nil || truncated {
		t.Fatalf("SubscribeFrom: %v truncated=%v", err, truncated)
	}
	defer sub.Close()
	var got []string
	for _, ev := range backlog {
		got = append(got, fmt.Sprintf("%d:%s", ev.ID, ev.Data))
	}
	want := []string{`2:{"sfapiEventId":2,"n":1}`, `3:{"sfapiEventId":3,"n":2}`, `5:{"sfapiEventId":5,"n":3}`}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("backlog = %v, want %v", got, want)
	}
	// Live messages continue the sequence.
	h.Publish("jobs", []byte(`{"n":4}`))
	if m := <-sub.Messages(); m.ID != 6 || string(m.Data) != `{"sfapiEventId":6,"n":4}` {
		t.Fatalf("live = %d %s", m.ID, m.Data)
	}
}

func TestEventLogRetention(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	db, l := openLog(t, filepath.Join(t.TempDir(), "pipes.db"), EventLogOptions{MaxEvents: 5, MaxAge: time.Hour, Now: clock})
	defer db.Close()
	defer l.Close()
	h := NewHubWithOptions(HubOptions{Log: l, Now: clock})
	for i := range 8 {
		h.Publish("jobs", fmt.Appendf(nil, `{"n":%d}`, i))
	}
	l.flushNow(t)
	sub, backlog, truncated, err := h.SubscribeFrom("jobs", 0)
	if err != nil {
		t.Fatal(err)
	}
	sub.Close()
	if !truncated || len(backlog) != 5 || backlog[0].ID != 4 {
		t.Fatalf("count retention: truncated=%v backlog=%d first=%v", truncated, len(backlog), backlog)
	}
	// Two hours later one more event trims everything older than an hour.
	now = now.Add(2 * time.Hour)
	h.Publish("jobs", []byte(`{"n":8}`))
	l.flushNow(t)
	_, backlog, truncated, err = h.SubscribeFrom("jobs", 3)
	if err != nil || !truncated || len(backlog) != 1 || backlog[0].ID != 9 {
		t.Fatalf("age retention: %v truncated=%v backlog=%v", err, truncated, backlog)
	}
	// Resuming from the newest id is neither truncated nor replayed.
	_, backlog, truncated, err = h.SubscribeFrom("jobs", 9)
	if err != nil || truncated || len(backlog) != 0 {
		t.Fatalf("up to date: %v truncated=%v backlog=%v", err, truncated, backlog)
	}
}

// flushNow waits until the writer persisted every queued event.
func (l *EventLog) flushNow(t *testing.T) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for len(l.snapshot()) > 0 {
		if time.Now().After(deadline) {
			t.Fatal("event log not flushed")
		}
		time.Sleep(time.Millisecond)
	}
}

func TestDecodeEventRejectsCorrupt(t *testing.T) {
	t.Parallel()
	for _, v := range [][]byte{nil, make([]byte, 9), append(make([]byte, 8), 0, 5, 'a')} {
		if _, err := decodeEvent(1, v); err == nil {
			t.Fatalf("decodeEvent(%v) accepted", v)
		}
	}
	ev := LoggedEvent{ID: 3, Channel: "jobs", Time: time.Unix(0, 42), Data: []byte("x")}
	got, err := decodeEvent(3, encodeEvent(ev))
	if err != nil || got.Channel != "jobs" || string(got.Data) != "x" || !got.Time.Equal(ev.Time) {
		t.Fatalf("round trip = %+v %v", got, err)
	}
}

func FuzzDecodeEvent(f *testing.F) {
	f.Add(encodeEvent(LoggedEvent{ID: 1, Channel: "jobs", Time: time.Unix(0, 42), Data: []byte(`{"a":1}`)}))
	f.Add([]byte{})
	f.Add(append(make([]byte, 8), 0, 5, 'a'))
	f.Fuzz(func(t *testing.T, v []byte) {
		ev, err := decodeEvent(1, v)
		if err != nil {
			return
		}
		// What decodes re-encodes to the same bytes.
		if got := encodeEvent(ev); string(got) != string(v) {
			t.Fatalf("round trip %q -> %q", v, got)
		}
	})
}
