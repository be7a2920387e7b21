package pipes

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/sfapi/sfapi/internal/emulator/kv"
)

var (
	bucketCheckpoints = []byte("pipes.checkpoints")
	bucketFailures    = []byte("pipes.failures")
)

// Store keeps pipe checkpoints and the on-failure queue in a kv database.
type Store struct {
	db  *kv.DB
	now func() time.Time
}

// NewStore returns a Store over db.
func NewStore(db *kv.DB) *Store { return &Store{db: db, now: time.Now} }

// Checkpoint returns the last accepted sequence number of a pipe; ok is
// false when the pipe has never committed one.
func (s *Store) Checkpoint(pipe string) (seq string, ok bool, err error) {
	err = s.db.View(func(tx *kv.Tx) error {
		b := tx.Bucket(bucketCheckpoints)
		if b == nil {
			return nil
		}
		if v := b.Get([]byte(pipe)); v != nil {
			seq, ok = string(v), true
		}
		return nil
	})
	return seq, ok, err
}

// SaveCheckpoint durably records that every record up to seq was accepted.
func (s *Store) SaveCheckpoint(pipe, seq string) error {
	err := s.db.Update(func(tx *kv.Tx) error {
		b, err := tx.CreateBucketIfNotExists(bucketCheckpoints)
		if err != nil {
			return err
		}
		return b.Put([]byte(pipe), []byte(seq))
	})
	if err != nil {
		return fmt.Errorf("pipe %s: save checkpoint: %w", pipe, err)
	}
	return nil
}

// Failure is one batch parked in the on-failure queue: the metadata AWS
// sends to an on-failure destination for a stream source, plus the records
// themselves so they can be inspected and redriven.
type Failure struct {
	// ID names the entry in the queue (unique per pipe, increasing); it
	// is the key's suffix, not stored in the value.
	ID            string            `json:"id,omitempty"`
	Pipe          string            `json:"pipe"`
	Condition     string            `json:"condition"`
	ErrorMessage  string            `json:"errorMessage"`
	InvokeCount   int               `json:"approximateInvokeCount"`
	Timestamp     time.Time         `json:"timestamp"`
	StartSequence string            `json:"startSequenceNumber"`
	EndSequence   string            `json:"endSequenceNumber"`
	BatchSize     int               `json:"batchSize"`
	Records       []json.RawMessage `json:"records"`
}

// Park durably stores a failed batch.
func (s *Store) Park(pipe string, recs []Record, condition, msg string, attempts int) error {
	f := Failure{
		Pipe: pipe, Condition: condition, ErrorMessage: msg, InvokeCount: attempts,
		Timestamp: s.now().UTC(), BatchSize: len(recs),
		StartSequence: recs[0].SequenceNumber, EndSequence: recs[len(recs)-1].SequenceNumber,
	}
	for _, r := range recs {
		f.Records = append(f.Records, r.Body)
	}
	data, err := json.Marshal(f)
	if err != nil {
		return err
	}
	return s.db.Update(func(tx *kv.Tx) error {
		b, err := tx.CreateBucketIfNotExists(bucketFailures)
		if err != nil {
			return err
		}
		id, _ := b.NextSequence()
		return b.Put(fmt.Appendf(nil, "%s/%020d", pipe, id), data)
	})
}

// Failures lists the parked batches of a pipe, oldest first.
func (s *Store) Failures(pipe string) ([]Failure, error) {
	var out []Failure
	prefix := []byte(pipe + "/")
	err := s.db.View(func(tx *kv.Tx) error {
		b := tx.Bucket(bucketFailures)
		if b == nil {
			return nil
		}
		c := b.Cursor()
		for k, v := c.Seek(prefix); k != nil && len(k) > len(prefix) && string(k[:len(prefix)]) == string(prefix); k, v = c.Next() {
			var f Failure
			if err := json.Unmarshal(v, &f); err != nil {
				return fmt.Errorf("pipe %s: read failure %s: %w", pipe, k, err)
			}
			f.ID = string(k[len(prefix):])
			out = append(out, f)
		}
		return nil
	})
	return out, err
}

// Failure returns one parked batch; ok is false when it is not queued.
func (s *Store) Failure(pipe, id string) (f Failure, ok bool, err error) {
	err = s.db.View(func(tx *kv.Tx) error {
		b := tx.Bucket(bucketFailures)
		if b == nil {
			return nil
		}
		v := b.Get([]byte(pipe + "/" + id))
		if v == nil {
			return nil
		}
		if err := json.Unmarshal(v, &f); err != nil {
			return fmt.Errorf("pipe %s: read failure %s: %w", pipe, id, err)
		}
		f.ID, ok = id, true
		return nil
	})
	return f, ok, err
}

// RemoveFailure deletes a parked batch (after it was redriven).
func (s *Store) RemoveFailure(pipe, id string) error {
	err := s.db.Update(func(tx *kv.Tx) error {
		b := tx.Bucket(bucketFailures)
		if b == nil {
			return nil
		}
		return b.Delete([]byte(pipe + "/" + id))
	})
	if err != nil {
		return fmt.Errorf("pipe %s: remove failure %s: %w", pipe, id, err)
	}
	return nil
}
