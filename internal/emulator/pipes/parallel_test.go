package pipes

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"testing"
	"time"
)

// laneTarget records per-key order and the most batches in flight.
type laneTarget struct {
	mu       sync.Mutex
	inFlight int
	maxSeen  int
	byKey    map[string][]int
	total    int
}

func (t *laneTarget) Invoke(_ context.Context, b Batch) error {
	t.mu.Lock()
	t.inFlight++
	t.maxSeen = max(t.maxSeen, t.inFlight)
	t.mu.Unlock()
	time.Sleep(2 * time.Millisecond) // hold the batch so lanes overlap
	t.mu.Lock()
	defer t.mu.Unlock()
	t.inFlight--
	for _, r := range b.Records {
		var doc struct {
			DynamoDB struct {
				Keys struct{ PK struct{ S string } } `json:"Keys"`
				N    int                             `json:"n"`
			} `json:"dynamodb"`
		}
		if err := json.Unmarshal(r.Body, &doc); err != nil {
			return err
		}
		t.byKey[doc.DynamoDB.Keys.PK.S] = append(t.byKey[doc.DynamoDB.Keys.PK.S], doc.DynamoDB.N)
		t.total++
	}
	return nil
}

func TestParallelizationFactorKeepsOrderPerKey(t *testing.T) {
	src := newMemSource()
	const keys, perKey = 8, 10
	for i := range perKey {
		for k := range keys {
			src.add(fmt.Sprintf(`{"dynamodb":{"Keys":{"PK":{"S":"k%d"}},"n":%d}}`, k, i))
		}
	}
	store, db := openStore(t, t.TempDir())
	defer db.Close()
	tgt := &laneTarget{byKey: map[string][]int{}}
	p, err := New(Config{Name: "par", BatchSize: 2, ParallelizationFactor: 4}, src, tgt, store, nil)
	if err != nil {
		t.Fatal(err)
	}
	stop := runPipe(t, p)
	waitCheckpoint(t, store, "par", fmt.Sprintf("%021d", keys*perKey))
	stop()
	tgt.mu.Lock()
	defer tgt.mu.Unlock()
	if tgt.total != keys*perKey {
		t.Fatalf("delivered %d records, want %d", tgt.total, keys*perKey)
	}
	for k, ns := range tgt.byKey {
		for i, n := range ns {
			if n != i {
				t.Fatalf("key %s out of order: %v", k, ns)
			}
		}
	}
	if tgt.maxSeen < 2 || tgt.maxSeen > 4 {
		t.Fatalf("max batches in flight = %d, want 2..4", tgt.maxSeen)
	}
}

func TestParallelizationFactorBounds(t *testing.T) {
	for _, tt := range []struct{ in, want int }{{0, 1}, {1, 1}, {7, 7}, {99, MaxParallelizationFactor}} {
		p, err := New(Config{Name: "b", ParallelizationFactor: tt.in}, newMemSource(), &fakeTarget{}, nil, nil)
		if err != nil || p.cfg.ParallelizationFactor != tt.want {
			t.Fatalf("factor %d -> %d (%v), want %d", tt.in, p.cfg.ParallelizationFactor, err, tt.want)
		}
	}
}
