package logtap

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
)

// Tap is a slog.Handler teeing records to subscribers. Handlers derived
// with WithAttrs/WithGroup share the parent's subscribers.
type Tap struct {
	base slog.Handler
	side slog.Handler // JSON lines into hub
	hub  *hub
}

// New wraps base.
func New(base slog.Handler) *Tap {
	h := &hub{subs: map[*Subscription]struct{}{}}
	return &Tap{base: base, hub: h, side: slog.NewJSONHandler(h, &slog.HandlerOptions{Level: slog.LevelDebug})}
}

// Enabled is true when the base handler wants the record or someone
// listens.
func (t *Tap) Enabled(ctx context.Context, l slog.Level) bool {
	return t.base.Enabled(ctx, l) || (t.hub.active.Load() > 0 && l >= slog.LevelDebug)
}

// Handle passes r to the base handler (at its own level) and to the
// subscribers.
func (t *Tap) Handle(ctx context.Context, r slog.Record) error {
	var err error
	if t.base.Enabled(ctx, r.Level) {
		err = t.base.Handle(ctx, r)
	}
	if t.hub.active.Load() > 0 {
		_ = t.side.Handle(ctx, r) // hub.Write never fails
	}
	return err
}

// WithAttrs returns a Tap whose records carry attrs on both sides.
func (t *Tap) WithAttrs(attrs []slog.Attr) slog.Handler {
	return &Tap{base: t.base.WithAttrs(attrs), side: t.side.WithAttrs(attrs), hub: t.hub}
}

// WithGroup returns a Tap whose later attributes sit in group name.
func (t *Tap) WithGroup(name string) slog.Handler {
	return &Tap{base: t.base.WithGroup(name), side: t.side.WithGroup(name), hub: t.hub}
}

// Subscription is one follower's stream of JSON lines (each ends in '\n').
type Subscription struct {
	C       <-chan []byte
	c       chan []byte
	dropped atomic.Int64
	hub     *hub
}

// Dropped returns and resets the number of lines dropped because the
// subscriber fell behind.
func (s *Subscription) Dropped() int64 { return s.dropped.Swap(0) }

// Close ends the subscription; C is not closed (a Write may race with it),
// so readers stop on their own context.
func (s *Subscription) Close() {
	h := s.hub
	h.mu.Lock()
	if _, ok := h.subs[s]; ok {
		delete(h.subs, s)
		h.active.Add(-1)
	}
	h.mu.Unlock()
}

// Subscribe starts following with room for buffer lines.
func (t *Tap) Subscribe(buffer int) *Subscription {
	if buffer <= 0 {
		buffer = 1024
	}
	c := make(chan []byte, buffer)
	s := &Subscription{C: c, c: c, hub: t.hub}
	t.hub.mu.Lock()
	t.hub.subs[s] = struct{}{}
	t.hub.active.Add(1)
	t.hub.mu.Unlock()
	return s
}

// hub fans lines out. slog's JSON handler writes each record with one
// Write call, so a Write is one whole line.
type hub struct {
	active atomic.Int64
	mu     sync.RWMutex
	subs   map[*Subscription]struct{}
}

func (h *hub) Write(p []byte) (int, error) {
	line := append([]byte(nil), p...) // the handler reuses its buffer
	h.mu.RLock()
	for s := range h.subs {
		select {
		case s.c <- line:
		default:
			s.dropped.Add(1)
		}
	}
	h.mu.RUnlock()
	return len(p), nil
}
