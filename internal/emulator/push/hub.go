package push

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"
)

// DefaultSubscriberBuffer is how many undelivered messages a subscriber may
// have queued before the Hub disconnects it.
const DefaultSubscriberBuffer = 256

// Reasons a Subscription ends, reported by Subscription.Err.
var (
	// ErrSlowSubscriber: the subscriber's buffer was full when a message
	// arrived; it was disconnected so that Publish never blocks.
	ErrSlowSubscriber = errors.New("push: subscriber too slow, disconnected")
	// ErrHubClosed: the Hub was closed.
	ErrHubClosed = errors.New("push: hub closed")
	// ErrUnsubscribed: the subscriber called Close itself.
	ErrUnsubscribed = errors.New("push: unsubscribed")
)

// HubOptions configures a Hub.
type HubOptions struct {
	// Buffer is each subscription's queue length; <= 0 means
	// DefaultSubscriberBuffer.
	Buffer int
	Logger *slog.Logger
	// Log, when set, persists every published message so that
	// subscribers can resume (SubscribeFrom). The Hub does not close it.
	Log *EventLog
	// Now stamps logged events; nil means time.Now.
	Now func() time.Time
}

// Message is one published message: its id in the Hub's monotonically
// increasing sequence, and its bytes (with EventIDField added when the
// message is a JSON object).
type Message struct {
	ID   uint64
	Data []byte
}

// Hub fans messages out to the subscribers of named channels.
//
// Publish never blocks: each subscriber has a buffered queue of
// HubOptions.Buffer messages, and a subscriber whose queue is full when a
// message arrives is disconnected (its Messages channel is closed and Err
// returns ErrSlowSubscriber) instead of holding up everyone else. Publish
// is synchronous — when it returns, the message is queued for every live
// subscriber — so tests need no Flush for the Hub itself.
type Hub struct {
	mu     sync.Mutex
	subs   map[string]map[*Subscription]struct{}
	closed bool
	buffer int
	log    *slog.Logger
	events *EventLog
	now    func() time.Time
	lastID uint64
}

// NewHub returns an empty Hub with default options.
func NewHub() *Hub { return NewHubWithOptions(HubOptions{}) }

// NewHubWithOptions returns an empty Hub configured by opts.
func NewHubWithOptions(opts HubOptions) *Hub {
	if opts.Buffer <= 0 {
		opts.Buffer = DefaultSubscriberBuffer
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	h := &Hub{subs: map[string]map[*Subscription]struct{}{}, buffer: opts.Buffer, log: opts.Logger, events: opts.Log, now: opts.Now}
	if opts.Log != nil {
		h.lastID = opts.Log.LastID()
	}
	return h
}

// Subscription receives the messages published on one channel.
type Subscription struct {
	hub     *Hub
	channel string
	ch      chan Message
	done    chan struct{}
	err     error // guarded by hub.mu; set once when ended
}

// Subscribe registers a new subscriber of channel. Subscribing to a closed
// Hub returns a subscription that is already ended with ErrHubClosed.
func (h *Hub) Subscribe(channel string) *Subscription {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.subscribeLocked(channel)
}

// SubscribeFrom subscribes to channel and returns, besides the live
// subscription, every logged message of channel with an id above after
// that was published before the subscription started: replaying backlog
// and then reading Messages delivers each message once, with no gap.
// truncated is true when some messages after `after` are no longer in the
// log (retention). Without an event log the backlog is empty.
func (h *Hub) SubscribeFrom(channel string, after uint64) (sub *Subscription, backlog []LoggedEvent, truncated bool, err error) {
	h.mu.Lock()
	sub = h.subscribeLocked(channel)
	upTo := h.lastID
	var pending []LoggedEvent
	if h.events != nil && after < upTo {
		pending = h.events.snapshot()
	}
	h.mu.Unlock()
	if h.events == nil || after >= upTo {
		return sub, nil, false, nil
	}
	backlog, truncated, err = h.events.read(channel, after, upTo, pending)
	if err != nil {
		sub.Close()
		return nil, nil, false, err
	}
	return sub, backlog, truncated, nil
}

// SubscribeLive subscribes to channel and returns the id of the newest
// message published before the subscription started.
func (h *Hub) SubscribeLive(channel string) (*Subscription, uint64) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.subscribeLocked(channel), h.lastID
}

// LastID is the id of the newest published message (0 before the first).
func (h *Hub) LastID() uint64 {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.lastID
}

func (h *Hub) subscribeLocked(channel string) *Subscription {
	s := &Subscription{hub: h, channel: channel, ch: make(chan Message, h.buffer), done: make(chan struct{})}
	if h.closed {
		s.endLocked(ErrHubClosed)
		return s
	}
	m := h.subs[channel]
	if m == nil {
		m = map[*Subscription]struct{}{}
		h.subs[channel] = m
	}
	m[s] = struct{}{}
	return s
}

// Channel is the channel name this subscription listens to.
func (s *Subscription) Channel() string { return s.channel }

// Messages delivers the published messages in order. It is closed when the
// subscription ends; queued messages can still be drained after that.
func (s *Subscription) Messages() <-chan Message { return s.ch }

// Done is closed when the subscription ends.
func (s *Subscription) Done() <-chan struct{} { return s.done }

// Err says why the subscription ended, or nil while it is live.
func (s *Subscription) Err() error {
	s.hub.mu.Lock()
	defer s.hub.mu.Unlock()
	return s.err
}

// Close unsubscribes. It is safe to call more than once.
func (s *Subscription) Close() {
	h := s.hub
	h.mu.Lock()
	defer h.mu.Unlock()
	h.removeLocked(s, ErrUnsubscribed)
}

func (s *Subscription) endLocked(err error) {
	if s.err != nil {
		return
	}
	s.err = err
	close(s.ch)
	close(s.done)
}

func (h *Hub) removeLocked(s *Subscription, reason error) {
	if m := h.subs[s.channel]; m != nil {
		delete(m, s)
		if len(m) == 0 {
			delete(h.subs, s.channel)
		}
	}
	s.endLocked(reason)
}

// Publish gives msg the next event id, logs it (when the Hub has an event
// log), queues it for every subscriber of channel and returns how many
// received it. Subscribers share the bytes: they must not modify them.
func (h *Hub) Publish(channel string, msg []byte) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return 0
	}
	h.lastID++
	m := Message{ID: h.lastID, Data: withEventID(msg, h.lastID)}
	if h.events != nil {
		h.events.append(LoggedEvent{ID: m.ID, Channel: channel, Time: h.now(), Data: m.Data})
	}
	n := 0
	for s := range h.subs[channel] {
		select {
		case s.ch <- m:
			n++
		default:
			h.log.Warn("disconnect slow subscriber", "channel", channel, "buffer", h.buffer)
			h.removeLocked(s, ErrSlowSubscriber)
		}
	}
	if h.log.Enabled(context.Background(), slog.LevelDebug) { // `sfapi logs` is following
		h.log.Debug("pushed", "channel", channel, "event_id", m.ID, "subscribers", n, "message", logText(string(msg)))
	}
	return n
}

// Subscribers returns the number of live subscribers of channel.
func (h *Hub) Subscribers(channel string) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.subs[channel])
}

// Close ends every subscription with ErrHubClosed; later Publish calls
// reach nobody and later Subscribe calls return ended subscriptions.
func (h *Hub) Close() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.closed = true
	for _, m := range h.subs {
		for s := range m {
			s.endLocked(ErrHubClosed)
		}
	}
	h.subs = map[string]map[*Subscription]struct{}{}
}

// Buffer is each subscriber's queue length.
func (h *Hub) Buffer() int { return h.buffer }
