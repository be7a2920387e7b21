// Package eventsapi is the EventBridge wire protocol (awsJson1_1, target
// prefix "AWSEvents") over push.Router: PutEvents, rules, targets, event
// buses, TestEventPattern, and archives and replays (archive.go: Create,
// Update, Describe, List, DeleteArchive; Start, Cancel, Describe,
// ListReplays).
//
// Target ARNs accepted by PutTargets (see push.Router for delivery):
//
//	arn:sfapi:push:::CHANNEL                        publish on the push Hub channel (WebSocket clients of /CHANNEL)
//	arn:sfapi:log:::NAME                            log the payload
//	arn:aws:events:REGION:ACCOUNT:event-bus/NAME    forward to another bus
//	anything push.RouterOptions.Resolve binds       e.g. state machines, bound by the emulator
//
// Wire structs live in mapper.go; this package translates them to push
// types and push errors to AWS error envelopes. It may import awsjson and
// push; it must not import the AWS SDK (tests may).
package eventsapi
