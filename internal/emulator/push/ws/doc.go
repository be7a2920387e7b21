// Package ws is the WebSocket transport for push.Hub subscribers, plus the
// API Gateway management API (@connections) for those connections.
//
// A client connecting to ws://HOST/PATH (Options.Path, e.g. "/jobs") gets a
// connection id — returned in the X-Sfapi-Connection-Id handshake response
// header, since API Gateway itself never tells the client — and receives
// every message published on the Hub channel named after the path's last
// segment ("jobs") as a text frame.
//
// Subscriptions: query parameters narrow what a connection receives (all
// given ones must match; none means everything): ?jobId=X keeps messages
// whose JSON has detail.jobId equal to X, ?userId=U detail.userId equal to
// U, ?detailType=T a detail-type equal to T (an EventBridge event as the
// push target delivers it). Messages sent to the connection through
// @connections are never filtered.
//
// Event ids and resume: every message published on the Hub carries its id
// (push.EventIDField, "sfapiEventId", the first member of the JSON object;
// ids increase monotonically and survive restarts). A client that
// reconnects with ?after=N (or the header Last-Event-ID: N) first receives
// every logged message after N that matches its filter, then live ones,
// with no gap and no duplicate; ?after=0 replays the whole log. Without a
// resume point a client gets live messages only.
//
// Notices: messages from sfapi itself are JSON objects with a
// "sfapiNotice" member (and "message", "lastEventId"), never events:
//   - "dropped": the client fell more than the Hub's buffer behind and is
//     disconnected (close 1013); reconnect with ?after=lastEventId;
//   - "gap": the resume point is older than the log keeps (10,000 events,
//     24 h): some events are lost; the backlog that follows starts at the
//     oldest retained one;
//   - "bad-request": ?after / Last-Event-ID is not an event id (close 1008).
//
// The same handler serves the management API with the REST protocol of
// the real service (apigatewaymanagementapi): POST, GET and DELETE on
// [/STAGE]/@connections/{connectionId}; any prefix before /@connections is
// accepted as the stage. Unknown connections answer 410 GoneException.
//
// WebSocket API routes: with Options.Routes (package apigw/wsapi, from the
// manifest's websocket.routes) the server runs $connect before completing
// the handshake (a Refusal refuses the upgrade), hands every client message
// to its route in order and sends back the route's reply, and runs
// $disconnect after the close with the close status. Without Routes client
// messages are read and dropped.
//
// Limits, as API Gateway's: a message over MaxFrameBytes (32 KB) closes the
// connection with 1009 "Message too big"; no data message either way for
// IdleTimeout (10 minutes) or MaxDuration (2 hours) after connecting closes
// it with 1001 "Going away". Both are measured on Options.Now, checked
// every SweepInterval.
//
// This package may import net/http, coder/websocket and push; it must not
// import the AWS SDK or other emulator engines.
package ws
