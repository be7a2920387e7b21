package pipes

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sync"
)

// Errors of redrive that callers branch on.
var (
	ErrNoSuchPipe    = errors.New("no such pipe")
	ErrNoSuchFailure = errors.New("no such failure in the on-failure queue")
)

// Redrive sends one parked batch of this pipe's on-failure queue through
// the target again, once and as it was parked (the records already passed
// the filters), and removes it from the queue only after the target
// accepted it. A failure stays queued, with the target's error returned.
func (p *Pipe) Redrive(ctx context.Context, id string) error {
	f, ok, err := p.store.Failure(p.cfg.Name, id)
	if err != nil {
		return err
	}
	if !ok {
		return fmt.Errorf("pipe %s: %w: %s", p.cfg.Name, ErrNoSuchFailure, id)
	}
	recs := make([]Record, len(f.Records))
	for i, body := range f.Records {
		recs[i] = Record{SequenceNumber: sequenceOf(body), Body: body}
	}
	if len(recs) == 0 {
		return p.store.RemoveFailure(p.cfg.Name, id)
	}
	b, err := p.batch(recs)
	if err != nil {
		return fmt.Errorf("pipe %s: redrive %s: %w", p.cfg.Name, id, err)
	}
	if err := p.tgt.Invoke(ctx, b); err != nil {
		return fmt.Errorf("pipe %s: redrive %s: target failed: %w", p.cfg.Name, id, err)
	}
	return p.store.RemoveFailure(p.cfg.Name, id)
}

// Name is the pipe's name.
func (p *Pipe) Name() string { return p.cfg.Name }

// sequenceOf reads dynamodb.SequenceNumber of a stream record ("" if none).
func sequenceOf(doc []byte) string {
	var r struct {
		DynamoDB struct {
			SequenceNumber string `json:"SequenceNumber"`
		} `json:"dynamodb"`
	}
	_ = json.Unmarshal(doc, &r)
	return r.DynamoDB.SequenceNumber
}

// Set is the running pipes of an emulator and their shared store: what the
// on-failure queue API lists and redrives.
type Set struct {
	store *Store
	mu    sync.Mutex
	pipes map[string]*Pipe
}

// NewSet returns an empty Set over store.
func NewSet(store *Store) *Set { return &Set{store: store, pipes: map[string]*Pipe{}} }

// Add registers a pipe.
func (s *Set) Add(p *Pipe) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.pipes[p.cfg.Name] = p
}

// Names lists the pipes, sorted.
func (s *Set) Names() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	names := make([]string, 0, len(s.pipes))
	for n := range s.pipes {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// Failures lists the parked batches of a pipe, oldest first.
func (s *Set) Failures(pipe string) ([]Failure, error) {
	if _, err := s.pipe(pipe); err != nil {
		return nil, err
	}
	return s.store.Failures(pipe)
}

// Redrive redrives one parked batch of a pipe (see Pipe.Redrive).
func (s *Set) Redrive(ctx context.Context, pipe, id string) error {
	p, err := s.pipe(pipe)
	if err != nil {
		return err
	}
	return p.Redrive(ctx, id)
}

func (s *Set) pipe(name string) (*Pipe, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p, ok := s.pipes[name]
	if !ok {
		return nil, fmt.Errorf("%w: %s", ErrNoSuchPipe, name)
	}
	return p, nil
}
