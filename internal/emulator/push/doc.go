// Package push is the emulator's event bus and fan-out hub: EventBridge
// events, buses and rules, the EventBridge event-pattern language
// (CompilePattern / Match / MatchValue), input transformers, rule targets
// with retrying delivery, and the Hub that fans messages out to subscribers
// of a named channel.
//
// The package is a pure core. It must not import net/http, cobra, viper,
// aws-sdk-go-v2 or any transport: the WebSocket adapter lives in push/ws and
// the EventBridge wire protocol in eventsapi. Concrete targets that reach
// other engines (start a state machine execution, ...) are bound by the
// emulator through the Target interface or RouterOptions.Resolve; this package
// only ships the push (Hub channel), event-bus and log targets.
//
// # Event patterns
//
// The whole EventBridge language is supported: exact strings, numbers
// (compared by value, so 5 matches 5.0), booleans and null; arrays of
// alternatives; prefix and suffix (optionally {"equals-ignore-case": s});
// equals-ignore-case; wildcard ('*', with \* and \\ escapes, no "**");
// anything-but (a value, a list of strings or numbers, or {prefix},
// {suffix}, {wildcard}, {equals-ignore-case}); numeric ranges
// ([">", 0, "<=", 5] or ["=", n]); exists; cidr (IPv4 and IPv6); $or (two or
// more alternative objects at any level); nested objects. Choices where AWS
// documents little:
//   - an event array matches when any element matches; for an array of
//     objects, all fields of one pattern object must match the same element;
//   - exists only looks at leaves: a field holding an object or an empty
//     array counts as absent; a null field exists;
//   - anything-but never matches a missing field; on an array it matches
//     when some element is not excluded;
//   - numbers are float64 (AWS keeps 15 significant digits).
//
// A Projection decodes a document keeping only the members a set of
// patterns reads (matching it gives the same answer as matching the whole
// document): a pipe's filters use it, since most stream records are
// filtered out after a look at two or three members.
//
// # Delivery
//
// PutEvents matches each accepted event against the enabled rules of its
// bus (rule names in sorted order) and hands the payload to every target.
// Deliveries run in background goroutines (Router.Wait drains them) or,
// with RouterOptions.Synchronous, inside PutEvents. A failing target is
// retried RetryPolicy.Attempts times with doubling backoff, then the event
// is dropped with an error log (no DLQ yet).
//
// # Event ids and the event log
//
// Hub.Publish gives every message the next id of a monotonically
// increasing sequence and, when the message is a JSON object, adds it as
// the first member EventIDField ("sfapiEventId"). With HubOptions.Log (an
// EventLog in a kv bucket, bounded to the last 10,000 events and 24 hours)
// the messages are persisted and ids continue across restarts;
// Hub.SubscribeFrom returns the logged backlog after an id together with
// a live subscription, atomically, so a resuming subscriber sees each
// message once. The log is written behind Publish (which never waits for
// the disk): a kill -9 can lose the newest few logged events, never a
// live delivery.
//
// Errors that callers branch on are *Error values whose Code is the AWS
// error code (ResourceNotFoundException, ValidationException, ...), so the
// wire layer maps them to AWS's envelope without guessing.
package push
