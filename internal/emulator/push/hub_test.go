package push

import (
	"errors"
	"fmt"
	"testing"
)

func TestHubFanOut(t *testing.T) {
	t.Parallel()
	h := NewHubWithOptions(HubOptions{Buffer: 4})
	a, b, other := h.Subscribe("jobs"), h.Subscribe("jobs"), h.Subscribe("other")
	if n := h.Publish("jobs", []byte("m1")); n != 2 {
		t.Fatalf("Publish reached %d, want 2", n)
	}
	for _, s := range []*Subscription{a, b} {
		if got := string((<-s.Messages()).Data); got != "m1" {
			t.Fatalf("got %q", got)
		}
	}
	if len(other.Messages()) != 0 {
		t.Fatal("other channel received a message")
	}
	a.Close()
	a.Close() // idempotent
	if !errors.Is(a.Err(), ErrUnsubscribed) {
		t.Fatalf("Err = %v", a.Err())
	}
	if n := h.Publish("jobs", []byte("m2")); n != 1 || h.Subscribers("jobs") != 1 {
		t.Fatalf("after unsubscribe Publish reached %d", n)
	}
	h.Close()
	for _, s := range []*Subscription{b, other} {
		<-s.Done()
		if !errors.Is(s.Err(), ErrHubClosed) {
			t.Fatalf("Err = %v, want ErrHubClosed", s.Err())
		}
	}
	// Queued messages survive the close.
	if got := string((<-b.Messages()).Data); got != "m2" {
		t.Fatalf("drain after close = %q", got)
	}
	if _, ok := <-b.Messages(); ok {
		t.Fatal("Messages not closed")
	}
	late := h.Subscribe("jobs")
	if !errors.Is(late.Err(), ErrHubClosed) {
		t.Fatal("subscribe after close must be ended")
	}
	if h.Publish("jobs", []byte("x")) != 0 {
		t.Fatal("publish after close reached someone")
	}
}

func TestHubSlowSubscriberIsDisconnected(t *testing.T) {
	t.Parallel()
	h := NewHubWithOptions(HubOptions{Buffer: 2})
	defer h.Close()
	slow, fast := h.Subscribe("c"), h.Subscribe("c")
	for i := range 5 {
		h.Publish("c", fmt.Appendf(nil, "m%d", i))
		// fast keeps up.
		if got := string((<-fast.Messages()).Data); got != fmt.Sprintf("m%d", i) {
			t.Fatalf("fast got %q", got)
		}
	}
	select {
	case <-slow.Done():
	default:
		t.Fatal("slow subscriber still connected")
	}
	if !errors.Is(slow.Err(), ErrSlowSubscriber) {
		t.Fatalf("Err = %v", slow.Err())
	}
	// It got exactly the buffer's worth before being cut off.
	var got []string
	for m := range slow.Messages() {
		got = append(got, string(m.Data))
	}
	if len(got) != 2 || got[0] != "m0" || got[1] != "m1" {
		t.Fatalf("slow got %v", got)
	}
	if fast.Err() != nil || h.Subscribers("c") != 1 {
		t.Fatalf("fast subscriber affected: %v", fast.Err())
	}
}
