package pipes

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sfapi/sfapi/internal/emulator/kv"
)

// memSource is an in-memory stream shard.
type memSource struct {
	mu     sync.Mutex
	recs   []Record
	notify chan struct{}
}

var _ Source = (*memSource)(nil)

func newMemSource() *memSource { return &memSource{notify: make(chan struct{})} }

func (s *memSource) add(body string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.recs = append(s.recs, Record{SequenceNumber: fmt.Sprintf("%021d", len(s.recs)+1), Body: json.RawMessage(body)})
	close(s.notify)
	s.notify = make(chan struct{})
}

func (s *memSource) after(seq string) []Record {
	for i, r := range s.recs {
		if r.SequenceNumber > seq {
			return s.recs[i:]
		}
	}
	return nil
}

func (s *memSource) Read(_ context.Context, after string, limit int) ([]Record, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := s.after(after)
	if len(out) > limit {
		out = out[:limit]
	}
	return append([]Record(nil), out...), nil
}

func (s *memSource) Wait(ctx context.Context, after string) error {
	for {
		s.mu.Lock()
		n, ch := len(s.after(after)), s.notify
		s.mu.Unlock()
		if n > 0 {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-ch:
		}
	}
}

func (s *memSource) Latest(context.Context) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.recs) == 0 {
		return "", nil
	}
	return s.recs[len(s.recs)-1].SequenceNumber, nil
}

// fakeTarget records batches; fail decides per call whether to fail.
type fakeTarget struct {
	mu      sync.Mutex
	batches []Batch
	calls   int
	fail    func(b Batch) error
	got     chan Batch
}

var _ Target = (*fakeTarget)(nil)

func (t *fakeTarget) Invoke(_ context.Context, b Batch) error {
	t.mu.Lock()
	t.calls++
	t.mu.Unlock()
	if t.fail != nil {
		if err := t.fail(b); err != nil {
			return err
		}
	}
	t.mu.Lock()
	t.batches = append(t.batches, b)
	t.mu.Unlock()
	if t.got != nil {
		t.got <- b
	}
	return nil
}

type funcFilter func([]byte) bool

func (f funcFilter) MatchJSON(doc []byte) bool { return f(doc) }

func openStore(t *testing.T, dir string) (*Store, *kv.DB) {
	t.Helper()
	db, err := kv.Open(filepath.Join(dir, "pipes.db"), kv.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return NewStore(db), db
}

func runPipe(t *testing.T, p *Pipe) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- p.Run(ctx) }()
	return func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	}
}

func recv(t *testing.T, ch chan Batch) Batch {
	t.Helper()
	select {
	case b := <-ch:
		return b
	case <-time.After(5 * time.Second):
		t.Fatal("no batch delivered")
	}
	return Batch{}
}

func jobRecord(id string) string {
	return fmt.Sprintf(`{"eventName":"INSERT","dynamodb":{"Keys":{"pk":{"S":%q}},"NewImage":{"pk":{"S":%q},"sk":{"S":"job#addGopher"}}}}`, id, id)
}

func TestPipeDeliversInOrderAndResumesAfterCheckpoint(t *testing.T) {
	dir := t.TempDir()
	src := newMemSource()
	for i := 1; i <= 5; i++ {
		src.add(jobRecord(fmt.Sprintf("job-%d", i)))
	}
	store, db := openStore(t, dir)
	tgt := &fakeTarget{got: make(chan Batch, 10)}
	p, err := New(Config{Name: "p", BatchSize: 2, SourceARN: "arn:stream", NameTemplate: "<$.dynamodb.Keys.pk.S>"}, src, tgt, store, nil)
	if err != nil {
		t.Fatal(err)
	}
	stop := runPipe(t, p)
	var names []string
	var sizes []int
	for len(names) < 3 {
		b := recv(t, tgt.got)
		names = append(names, b.Name)
		sizes = append(sizes, len(b.Records))
		var docs []map[string]any
		if err := json.Unmarshal(b.Input, &docs); err != nil {
			t.Fatalf("input is not a JSON array: %v", err)
		}
		if docs[0]["eventSourceARN"] != "arn:stream" {
			t.Fatalf("eventSourceARN missing: %s", b.Input)
		}
	}
	stop()
	if got := strings.Join(names, ","); got != "job-1,job-3,job-5" {
		t.Fatalf("names = %s", got)
	}
	if fmt.Sprint(sizes) != "[2 2 1]" {
		t.Fatalf("batch sizes = %v", sizes)
	}
	seq, ok, err := store.Checkpoint("p")
	if err != nil || !ok || seq != fmt.Sprintf("%021d", 5) {
		t.Fatalf("checkpoint = %q %v %v", seq, ok, err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	// A restarted pipe delivers only what came after the checkpoint.
	src.add(jobRecord("job-6"))
	store2, db2 := openStore(t, dir)
	defer db2.Close()
	tgt2 := &fakeTarget{got: make(chan Batch, 10)}
	p2, _ := New(Config{Name: "p", BatchSize: 2, NameTemplate: "<$.dynamodb.Keys.pk.S>"}, src, tgt2, store2, nil)
	stop2 := runPipe(t, p2)
	b := recv(t, tgt2.got)
	stop2()
	if b.Name != "job-6" || len(b.Records) != 1 {
		t.Fatalf("after restart got %q (%d records)", b.Name, len(b.Records))
	}
}

func TestPipeFiltersRecords(t *testing.T) {
	src := newMemSource()
	src.add(`{"eventName":"MODIFY","dynamodb":{"Keys":{"pk":{"S":"a"}}}}`)
	src.add(jobRecord("b"))
	store, db := openStore(t, t.TempDir())
	defer db.Close()
	tgt := &fakeTarget{got: make(chan Batch, 10)}
	onlyInserts := funcFilter(func(doc []byte) bool { return strings.Contains(string(doc), `"INSERT"`) })
	p, _ := New(Config{Name: "f", BatchSize: 10, Filters: []Filter{onlyInserts}, NameTemplate: "<$.dynamodb.Keys.pk.S>"}, src, tgt, store, nil)
	stop := runPipe(t, p)
	b := recv(t, tgt.got)
	// Wait until the checkpoint passes the filtered record too.
	waitCheckpoint(t, store, "f", fmt.Sprintf("%021d", 2))
	stop()
	if b.Name != "b" || len(b.Records) != 1 {
		t.Fatalf("got %q with %d records", b.Name, len(b.Records))
	}
}

func waitCheckpoint(t *testing.T, s *Store, pipe, want string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		if seq, ok, _ := s.Checkpoint(pipe); ok && seq == want {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
	seq, _, _ := s.Checkpoint(pipe)
	t.Fatalf("checkpoint of %s = %q, want %q", pipe, seq, want)
}

func TestPipeRetriesThenParksFailedBatch(t *testing.T) {
	src := newMemSource()
	src.add(jobRecord("poison"))
	src.add(jobRecord("fine"))
	store, db := openStore(t, t.TempDir())
	defer db.Close()
	tgt := &fakeTarget{got: make(chan Batch, 10), fail: func(b Batch) error {
		if strings.Contains(string(b.Input), "poison") {
			return errors.New("boom")
		}
		return nil
	}}
	p, _ := New(Config{Name: "r", BatchSize: 1, MaxRetryAttempts: 2, NameTemplate: "<$.dynamodb.Keys.pk.S>"}, src, tgt, store, nil)
	p.sleep = func(ctx context.Context, _ time.Duration) error { return ctx.Err() }
	stop := runPipe(t, p)
	b := recv(t, tgt.got)
	stop()
	if b.Name != "fine" {
		t.Fatalf("delivered %q, want the record after the poison one", b.Name)
	}
	fails, err := store.Failures("r")
	if err != nil {
		t.Fatal(err)
	}
	if len(fails) != 1 || fails[0].InvokeCount != 3 || fails[0].Condition != "TargetInvocationFailed" || fails[0].ErrorMessage != "boom" || len(fails[0].Records) != 1 || !strings.Contains(string(fails[0].Records[0]), "poison") {
		t.Fatalf("failures = %+v", fails)
	}
	if tgt.calls != 4 { // 3 attempts at the poison record, 1 for the fine one
		t.Fatalf("target calls = %d", tgt.calls)
	}
}

func TestPipeBisectsToIsolateBadRecord(t *testing.T) {
	src := newMemSource()
	for _, id := range []string{"a", "b", "bad", "c"} {
		src.add(jobRecord(id))
	}
	store, db := openStore(t, t.TempDir())
	defer db.Close()
	tgt := &fakeTarget{got: make(chan Batch, 20), fail: func(b Batch) error {
		if strings.Contains(string(b.Input), `"bad"`) {
			return errors.New("bad record")
		}
		return nil
	}}
	p, _ := New(Config{Name: "b", BatchSize: 4, Bisect: true, MaxRetryAttempts: 0}, src, tgt, store, nil)
	p.sleep = func(ctx context.Context, _ time.Duration) error { return ctx.Err() }
	stop := runPipe(t, p)
	var delivered int
	for delivered < 3 {
		delivered += len(recv(t, tgt.got).Records)
	}
	waitCheckpoint(t, store, "b", fmt.Sprintf("%021d", 4))
	stop()
	fails, _ := store.Failures("b")
	if len(fails) != 1 || fails[0].BatchSize != 1 || !strings.Contains(string(fails[0].Records[0]), `"bad"`) {
		t.Fatalf("failures = %+v", fails)
	}
}

func TestPipeLatestSkipsOldRecords(t *testing.T) {
	src := newMemSource()
	src.add(jobRecord("old"))
	store, db := openStore(t, t.TempDir())
	defer db.Close()
	tgt := &fakeTarget{got: make(chan Batch, 10)}
	p, _ := New(Config{Name: "l", StartingPosition: "LATEST", BatchSize: 1, NameTemplate: "<$.dynamodb.Keys.pk.S>"}, src, tgt, store, nil)
	stop := runPipe(t, p)
	waitCheckpoint(t, store, "l", fmt.Sprintf("%021d", 1))
	src.add(jobRecord("new"))
	b := recv(t, tgt.got)
	stop()
	if b.Name != "new" {
		t.Fatalf("got %q", b.Name)
	}
}

func TestPipeBatchingWindowGathersRecords(t *testing.T) {
	src := newMemSource()
	src.add(jobRecord("a"))
	store, db := openStore(t, t.TempDir())
	defer db.Close()
	tgt := &fakeTarget{got: make(chan Batch, 10)}
	p, _ := New(Config{Name: "w", BatchSize: 3, BatchingWindow: time.Hour}, src, tgt, store, nil)
	stop := runPipe(t, p)
	src.add(jobRecord("b"))
	src.add(jobRecord("c"))
	b := recv(t, tgt.got) // the batch fills before the (long) window closes
	stop()
	if len(b.Records) != 3 {
		t.Fatalf("batch of %d records", len(b.Records))
	}
}

func TestRender(t *testing.T) {
	doc := []byte(`{"a":{"s":"x\"y","n":3,"m":{"k":true}}}`)
	tests := []struct {
		tmpl     string
		jsonMode bool
		want     string
	}{
		{`<$.a.s>`, false, `x"y`},
		{`{"v": <$.a.n>, "s": "<$.a.s>", "m": <$.a.m>}`, true, `{"v": 3, "s": "x\"y", "m": {"k":true}}`},
		{`id-<$.a.n>`, false, `id-3`},
		{`a < b`, false, `a < b`},
	}
	for _, tt := range tests {
		got, err := Render(tt.tmpl, doc, tt.jsonMode)
		if err != nil || got != tt.want {
			t.Errorf("Render(%q) = %q, %v; want %q", tt.tmpl, got, err, tt.want)
		}
	}
	if _, err := Render(`<$.missing>`, doc, false); err == nil {
		t.Error("missing path: want error")
	}
}

func TestSanitizeName(t *testing.T) {
	if got := SanitizeName("a b/c:d_e-1"); got != "a-b-c-d_e-1" {
		t.Fatalf("got %q", got)
	}
	if got := SanitizeName(strings.Repeat("x", 100)); len(got) != 80 {
		t.Fatalf("len = %d", len(got))
	}
}

func FuzzRender(f *testing.F) {
	f.Add(`{"v": <$.a.n>, "s": "<$.a.s>"}`, `{"a":{"s":"x","n":3}}`)
	f.Add(`<aws.pipes.event.json>`, `{}`)
	f.Add(`<$[0`, `[1]`)
	f.Fuzz(func(t *testing.T, tmpl, doc string) {
		_, _ = Render(tmpl, []byte(doc), true)
		_, _ = Render(tmpl, []byte(doc), false)
	})
}
