package sfapitest

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/coder/websocket"
)

// Event is one push message: an EventBridge event as the WebSocket API
// delivers it.
type Event struct {
	ID         int64           `json:"sfapiEventId"` // increasing; reconnect with ?after=ID
	Source     string          `json:"source"`
	DetailType string          `json:"detail-type"`
	Time       time.Time       `json:"time"`
	Detail     json.RawMessage `json:"detail"`
	// Raw is the message as received.
	Raw json.RawMessage `json:"-"`
}

// Events subscribes to the stack's push API (the WebSocket the project's
// clients use) and returns its messages, in order. The subscription is live
// when Events returns, so no event published afterwards is missed. The
// channel is closed when ctx ends or the stack stops; a reader that stops
// reading holds back later messages, not the stack.
func (s *Stack) Events(ctx context.Context) (<-chan Event, error) {
	conn, _, err := websocket.Dial(ctx, s.ep.WS, nil)
	if err != nil {
		return nil, fmt.Errorf("subscribe to %s: %w", s.ep.WS, err)
	}
	conn.SetReadLimit(1 << 20)
	ch := make(chan Event, 64)
	go func() {
		defer close(ch)
		defer conn.CloseNow()
		rctx, cancel := context.WithCancel(ctx)
		defer cancel()
		go func() {
			select {
			case <-s.done:
				cancel()
			case <-rctx.Done():
			}
		}()
		for {
			_, data, err := conn.Read(rctx)
			if err != nil {
				return
			}
			var ev Event
			if json.Unmarshal(data, &ev) != nil {
				continue
			}
			ev.Raw = data
			select {
			case ch <- ev:
			case <-rctx.Done():
				return
			}
		}
	}()
	return ch, nil
}
