// Package ws is the WebSocket transport for push.Hub subscribers, plus the
// API Gateway management API (@connections) for those connections.
//
// A client connecting to ws://HOST/PATH (Options.Path, e.g. "/jobs") gets a
// connection id — returned in the X-Sfapi-Connection-Id handshake response
// header, since API Gateway itself never tells the client — and receives
// every message published on the Hub channel named after the path's last
// segment ("jobs") as a text frame. The optional query parameter ?jobId=X
// keeps only messages whose JSON has detail.jobId equal to X (an
// EventBridge event as the push target delivers it); messages sent to the
// connection through @connections are never filtered.
//
// The same handler serves the management API with the REST protocol of
// the real service (apigatewaymanagementapi): POST, GET and DELETE on
// [/STAGE]/@connections/{connectionId}; any prefix before /@connections is
// accepted as the stage. Unknown connections answer 410 GoneException.
//
// This package may import net/http, coder/websocket and push; it must not
// import the AWS SDK or other emulator engines.
package ws
