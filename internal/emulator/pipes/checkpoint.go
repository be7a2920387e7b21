package pipes

import (
	"sync"
	"time"
)

// checkpointInterval is the least time between two checkpoint commits of
// a pipe. Without it a busy pipe reading a few records per poll would
// commit once per poll.
const checkpointInterval = 10 * time.Millisecond

// checkpointer saves a pipe's checkpoint off the delivery path. Run hands
// it each position once every record up to it was accepted (or parked);
// it commits the newest position it holds, so consecutive positions that
// arrive while a commit is in flight, or within checkpointInterval of the
// last one, share the next commit. The checkpoint therefore still moves
// only past accepted records; it merely trails the deliveries by at most
// one commit and checkpointInterval: after a crash the records in that gap
// are delivered again, which at-least-once delivery allows (and which a
// target naming its executions after the record absorbs).
type checkpointer struct {
	store *Store
	pipe  string
	kick  chan struct{}
	stop  chan struct{}
	done  chan struct{}

	mu      sync.Mutex
	pending string
	has     bool
	err     error
}

func newCheckpointer(store *Store, pipe string) *checkpointer {
	c := &checkpointer{store: store, pipe: pipe, kick: make(chan struct{}, 1), stop: make(chan struct{}), done: make(chan struct{})}
	go c.loop()
	return c
}

func (c *checkpointer) loop() {
	defer close(c.done)
	for {
		select {
		case <-c.kick:
		case <-c.stop:
			c.save() // what arrived after the last save
			return
		}
		c.save()
		t := time.NewTimer(checkpointInterval)
		select {
		case <-t.C:
		case <-c.stop:
			t.Stop()
			c.save()
			return
		}
	}
}

func (c *checkpointer) save() {
	c.mu.Lock()
	pos, has := c.pending, c.has
	c.has = false
	c.mu.Unlock()
	if !has {
		return
	}
	if err := c.store.SaveCheckpoint(c.pipe, pos); err != nil {
		c.mu.Lock()
		if c.err == nil {
			c.err = err
		}
		c.mu.Unlock()
	}
}

// advance queues pos as the new checkpoint. It returns the error of an
// earlier save, if any: a pipe whose checkpoint store fails stops.
func (c *checkpointer) advance(pos string) error {
	c.mu.Lock()
	c.pending, c.has = pos, true
	err := c.err
	c.mu.Unlock()
	select {
	case c.kick <- struct{}{}:
	default: // a save is already due; it will pick pos up
	}
	return err
}

// close saves the last queued position and stops the saver.
func (c *checkpointer) close() error {
	close(c.stop)
	<-c.done
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.err
}
