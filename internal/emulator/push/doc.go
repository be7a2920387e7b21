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
// emulator through the Target interface or Options.Resolve; this package
// only ships the push (Hub channel), event-bus and log targets.
//
// Errors that callers branch on are *Error values whose Code is the AWS
// error code (ResourceNotFoundException, ValidationException, ...), so the
// wire layer maps them to AWS's envelope without guessing.
package push
