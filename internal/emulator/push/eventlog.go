package push

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"time"

	"github.com/sfapi/sfapi/internal/emulator/kv"
)

// Retention defaults of the event log.
const (
	DefaultLogMaxEvents = 10_000
	DefaultLogMaxAge    = 24 * time.Hour
)

var bucketEvents = []byte("push.events")

// EventIDField is the member the Hub adds to every published JSON object:
// the event's id in the Hub's monotonically increasing sequence. A client
// resumes after the last id it saw.
const EventIDField = "sfapiEventId"

// LoggedEvent is one published message as the event log keeps it.
type LoggedEvent struct {
	ID      uint64
	Channel string
	Time    time.Time
	Data    []byte // as delivered, EventIDField included
}

// EventLogOptions configure an EventLog.
type EventLogOptions struct {
	// MaxEvents bounds how many events are kept (oldest go first); <= 0
	// means DefaultLogMaxEvents.
	MaxEvents int
	// MaxAge bounds how long events are kept; <= 0 means DefaultLogMaxAge.
	MaxAge time.Duration
	Now    func() time.Time
	Logger *slog.Logger
}

// EventLog persists the Hub's published messages in a kv bucket so that
// reconnecting subscribers can resume. Appends never wait for the disk: a
// background writer persists them in batches, and reads merge what is on
// disk with what is still queued, so a reader never misses an event that
// was published before it asked.
//
// Events still queued when the process is killed are lost from the log
// (they were delivered live); ids stay monotonic across restarts because
// the bucket's sequence records the last id written.
type EventLog struct {
	db     *kv.DB
	opts   EventLogOptions
	lastID uint64 // last id persisted at open

	mu      sync.Mutex
	pending []LoggedEvent
	count   int // events in the bucket
	closed  bool
	wake    chan struct{}
	done    chan struct{}
	stopped chan struct{}
}

// OpenEventLog opens (creating if needed) the event log in db and starts
// its writer; Close stops it.
func OpenEventLog(db *kv.DB, opts EventLogOptions) (*EventLog, error) {
	if opts.MaxEvents <= 0 {
		opts.MaxEvents = DefaultLogMaxEvents
	}
	if opts.MaxAge <= 0 {
		opts.MaxAge = DefaultLogMaxAge
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	l := &EventLog{db: db, opts: opts, wake: make(chan struct{}, 1), done: make(chan struct{}), stopped: make(chan struct{})}
	err := db.Update(func(tx *kv.Tx) error {
		b, err := tx.CreateBucketIfNotExists(bucketEvents)
		if err != nil {
			return err
		}
		l.lastID = b.Sequence()
		l.count = b.Stats().KeyN
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("open push event log: %w", err)
	}
	go l.writer()
	return l, nil
}

// LastID is the id of the newest event persisted when the log was opened.
func (l *EventLog) LastID() uint64 { return l.lastID }

// append queues an event for the writer; the Hub calls it under its lock,
// in id order.
func (l *EventLog) append(ev LoggedEvent) {
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return
	}
	l.pending = append(l.pending, ev)
	if len(l.pending) > l.opts.MaxEvents {
		// The disk is failing; keep memory bounded like the disk is.
		l.pending = append([]LoggedEvent(nil), l.pending[len(l.pending)-l.opts.MaxEvents:]...)
	}
	l.mu.Unlock()
	select {
	case l.wake <- struct{}{}:
	default:
	}
}

func (l *EventLog) snapshot() []LoggedEvent {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]LoggedEvent(nil), l.pending...)
}

// logFlushInterval is the least time between two writes of the log: a
// busy Hub (two events per gophers job) would otherwise commit once per
// event or two. Events published meanwhile share the next write; a kill
// -9 may lose that much more of the log (the events were delivered live).
const logFlushInterval = 10 * time.Millisecond

func (l *EventLog) writer() {
	defer close(l.stopped)
	for {
		select {
		case <-l.wake:
		case <-l.done:
			l.flush()
			return
		}
		l.flush()
		t := time.NewTimer(logFlushInterval)
		select {
		case <-t.C:
		case <-l.done:
			t.Stop()
			l.flush()
			return
		}
	}
}

// flush writes the queued events and trims the log to its retention.
func (l *EventLog) flush() {
	batch := l.snapshot()
	if len(batch) == 0 {
		return
	}
	cutoff := l.opts.Now().Add(-l.opts.MaxAge).UnixNano()
	var count int
	err := l.db.Update(func(tx *kv.Tx) error {
		b, err := tx.CreateBucketIfNotExists(bucketEvents)
		if err != nil {
			return err
		}
		count = l.count
		for _, ev := range batch {
			if err := b.Put(eventKey(ev.ID), encodeEvent(ev)); err != nil {
				return err
			}
			count++
		}
		if err := b.SetSequence(batch[len(batch)-1].ID); err != nil {
			return err
		}
		// Collect first, then delete: the cursor walk stays a plain read.
		var old [][]byte
		c := b.Cursor()
		for k, v := c.First(); k != nil; k, v = c.Next() {
			if count-len(old) <= l.opts.MaxEvents && (len(v) < 8 || int64(binary.BigEndian.Uint64(v)) >= cutoff) {
				break
			}
			old = append(old, append([]byte(nil), k...))
		}
		for _, k := range old {
			if err := b.Delete(k); err != nil {
				return err
			}
		}
		count -= len(old)
		return nil
	})
	if err != nil {
		l.opts.Logger.Error("persist push events", "events", len(batch), "err", err)
		return
	}
	// Drop what was written by id: append may have trimmed pending since
	// the snapshot, so positions are not stable.
	written := batch[len(batch)-1].ID
	l.mu.Lock()
	l.count = count
	i := 0
	for i < len(l.pending) && l.pending[i].ID <= written {
		i++
	}
	l.pending = l.pending[i:]
	l.mu.Unlock()
}

// Close persists the queued events and stops the writer.
func (l *EventLog) Close() {
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		<-l.stopped
		return
	}
	l.closed = true
	l.mu.Unlock()
	close(l.done)
	<-l.stopped
}

// read returns the events of channel with after < id <= upTo, oldest
// first: the persisted ones, then those of pending (a snapshot taken when
// upTo was read, so together they hold every such event still retained).
// truncated is true when events after `after` were already trimmed.
func (l *EventLog) read(channel string, after, upTo uint64, pending []LoggedEvent) (evs []LoggedEvent, truncated bool, err error) {
	seen := after
	first := uint64(0)
	err = l.db.View(func(tx *kv.Tx) error {
		b := tx.Bucket(bucketEvents)
		if b == nil {
			return nil
		}
		c := b.Cursor()
		if k, _ := c.First(); k != nil {
			first = binary.BigEndian.Uint64(k)
		}
		for k, v := c.Seek(eventKey(after + 1)); k != nil; k, v = c.Next() {
			id := binary.BigEndian.Uint64(k)
			if id > upTo {
				break
			}
			ev, err := decodeEvent(id, v)
			if err != nil {
				return err
			}
			seen = id
			if ev.Channel == channel {
				evs = append(evs, ev)
			}
		}
		return nil
	})
	if err != nil {
		return nil, false, fmt.Errorf("read push event log: %w", err)
	}
	for _, ev := range pending {
		if ev.ID > seen && ev.ID <= upTo {
			if first == 0 {
				first = ev.ID
			}
			if ev.Channel == channel {
				evs = append(evs, ev)
			}
		}
	}
	truncated = first > after+1 || (first == 0 && upTo > after)
	return evs, truncated, nil
}

func eventKey(id uint64) []byte { return binary.BigEndian.AppendUint64(nil, id) }

// encodeEvent: 8 bytes unix nanos, 2 bytes channel length, channel, data.
func encodeEvent(ev LoggedEvent) []byte {
	out := make([]byte, 0, 10+len(ev.Channel)+len(ev.Data))
	out = binary.BigEndian.AppendUint64(out, uint64(ev.Time.UnixNano()))
	out = binary.BigEndian.AppendUint16(out, uint16(len(ev.Channel)))
	out = append(out, ev.Channel...)
	return append(out, ev.Data...)
}

var errCorruptEvent = errors.New("corrupt push event record")

func decodeEvent(id uint64, v []byte) (LoggedEvent, error) {
	if len(v) < 10 {
		return LoggedEvent{}, errCorruptEvent
	}
	n := int(binary.BigEndian.Uint16(v[8:10]))
	if len(v) < 10+n {
		return LoggedEvent{}, errCorruptEvent
	}
	return LoggedEvent{
		ID: id, Time: time.Unix(0, int64(binary.BigEndian.Uint64(v))),
		Channel: string(v[10 : 10+n]), Data: append([]byte(nil), v[10+n:]...),
	}, nil
}

// withEventID returns msg with EventIDField as its first member when msg
// is a JSON object; anything else is returned unchanged.
func withEventID(msg []byte, id uint64) []byte {
	trimmed := bytes.TrimLeft(msg, " \t\r\n")
	if len(trimmed) < 2 || trimmed[0] != '{' || !json.Valid(trimmed) {
		return msg
	}
	rest := bytes.TrimLeft(trimmed[1:], " \t\r\n")
	out := make([]byte, 0, len(msg)+len(EventIDField)+24)
	out = append(out, `{"`+EventIDField+`":`...)
	out = strconv.AppendUint(out, id, 10)
	if rest[0] != '}' {
		out = append(out, ',')
	}
	return append(out, rest...)
}
