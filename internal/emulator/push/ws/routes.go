package ws

import (
	"context"
	"net/http"
	"net/url"
	"time"
)

// Routes runs a WebSocket API's routes for a Server's connections (package
// apigw/wsapi implements it from the manifest's websocket.routes). A Server
// without Routes is the push-only API: it accepts every connection and
// ignores what clients send.
type Routes interface {
	// Connect runs the $connect route before the handshake completes. A
	// non-nil Refusal refuses the upgrade with its HTTP status and body, as
	// API Gateway does when the $connect integration fails.
	Connect(ctx context.Context, c *ConnInfo) *Refusal
	// Message routes one data message from the client; a non-nil result
	// is sent back to the client (a route response or an error message).
	Message(ctx context.Context, c *ConnInfo, data []byte) []byte
	// Disconnect runs the $disconnect route once the connection is closed;
	// code and reason are the close status (1006 when there was none).
	Disconnect(ctx context.Context, c *ConnInfo, code int, reason string)
}

// ConnInfo describes a connection to Routes.
type ConnInfo struct {
	ID          string
	ConnectedAt time.Time
	SourceIP    string
	UserAgent   string
	// Host is the Host of the handshake request ($context.domainName).
	Host string
	// Header and Query are the handshake request's, which API Gateway
	// shows to the $connect route only.
	Header http.Header
	Query  url.Values
}

// Refusal is a refused $connect: the HTTP response to the upgrade request.
type Refusal struct {
	Status int
	Body   []byte
}
