package push

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
)

// Target receives events (or the transformed input) from a rule. Deliver
// returning an error makes the router retry with backoff, then drop the
// event with an error log.
type Target interface {
	Deliver(ctx context.Context, ev []byte) error
}

// TargetFunc adapts a function to Target.
type TargetFunc func(ctx context.Context, ev []byte) error

// Deliver calls f.
func (f TargetFunc) Deliver(ctx context.Context, ev []byte) error { return f(ctx, ev) }

// Target ARN schemes this package resolves itself. Other ARNs (state
// machines, ...) go through RouterOptions.Resolve, which the emulator binds.
const (
	// PushARNPrefix + channel publishes the payload on that Hub channel,
	// e.g. "arn:sfapi:push:::jobs".
	PushARNPrefix = "arn:sfapi:push:::"
	// LogARNPrefix + name logs the payload at info level, e.g.
	// "arn:sfapi:log:::audit".
	LogARNPrefix = "arn:sfapi:log:::"
)

// PushTarget publishes every payload on a Hub channel.
type PushTarget struct {
	Hub     *Hub
	Channel string
}

// Deliver publishes ev. Having no subscriber is not an error: a push is
// fire-and-forget, as API Gateway's is for closed connections.
func (t PushTarget) Deliver(_ context.Context, ev []byte) error {
	if t.Hub == nil {
		return fmt.Errorf("push to channel %q: no hub configured", t.Channel)
	}
	t.Hub.Publish(t.Channel, ev)
	return nil
}

// LogTarget writes every payload to a logger; handy for debugging rules.
type LogTarget struct {
	Logger *slog.Logger
	Name   string
}

// Deliver logs ev.
func (t LogTarget) Deliver(_ context.Context, ev []byte) error {
	if t.Logger != nil {
		t.Logger.Info("event", "target", t.Name, "payload", string(ev))
	}
	return nil
}

// busTarget forwards an event to another bus of the same router, where its
// rules are evaluated again.
type busTarget struct {
	r    *Router
	name string
}

type hopKey struct{}

// MaxBusHops bounds bus-to-bus forwarding so that two rules forwarding to
// each other cannot loop forever.
const MaxBusHops = 4

func (t busTarget) Deliver(ctx context.Context, ev []byte) error {
	hops, _ := ctx.Value(hopKey{}).(int)
	if hops >= MaxBusHops {
		return fmt.Errorf("forward to event bus %q: more than %d bus-to-bus hops", t.name, MaxBusHops)
	}
	doc, err := t.r.route(context.WithValue(ctx, hopKey{}, hops+1), t.name, ev, nil)
	if err != nil {
		return err
	}
	// The event arrived on this bus: its archives keep it, unless it is
	// a replayed one.
	if m, ok := doc.(map[string]any); ok && m[ReplayNameField] == nil {
		return t.r.archiveEvent(t.name, doc, ev)
	}
	return nil
}

// resolveTarget binds a target spec to a concrete Target.
func (r *Router) resolveTarget(spec TargetSpec) (Target, error) {
	if spec.Bound != nil {
		return spec.Bound, nil
	}
	arn := spec.ARN
	switch {
	case strings.HasPrefix(arn, PushARNPrefix) && len(arn) > len(PushARNPrefix):
		return PushTarget{Hub: r.opts.Hub, Channel: arn[len(PushARNPrefix):]}, nil
	case strings.HasPrefix(arn, LogARNPrefix) && len(arn) > len(LogARNPrefix):
		return LogTarget{Logger: r.log, Name: arn[len(LogARNPrefix):]}, nil
	}
	if name, ok := busNameFromARN(arn); ok {
		return busTarget{r: r, name: name}, nil
	}
	if r.opts.Resolve != nil {
		if t, ok := r.opts.Resolve(arn); ok {
			return t, nil
		}
	}
	return nil, errorf(CodeValidation, "Parameter %s is not valid for target %s: sfapi cannot deliver to this ARN.", arn, spec.ID)
}

// busNameFromARN extracts NAME from arn:aws:events:REGION:ACCOUNT:event-bus/NAME.
func busNameFromARN(arn string) (string, bool) {
	const pfx = "arn:aws:events:"
	if !strings.HasPrefix(arn, pfx) {
		return "", false
	}
	parts := strings.SplitN(arn[len(pfx):], ":", 3)
	if len(parts) != 3 || !strings.HasPrefix(parts[2], "event-bus/") {
		return "", false
	}
	name := strings.TrimPrefix(parts[2], "event-bus/")
	return name, name != ""
}
