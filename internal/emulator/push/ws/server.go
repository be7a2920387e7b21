package ws

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"

	"github.com/sfapi/sfapi/internal/emulator/push"
)

// Defaults and limits.
const (
	DefaultPingInterval = 30 * time.Second
	// MaxPostBytes is API Gateway's 128 KB limit on PostToConnection data.
	MaxPostBytes = 128 * 1024
	// ConnectionIDHeader carries the connection id in the handshake
	// response.
	ConnectionIDHeader = "X-Sfapi-Connection-Id"
	// directBuffer bounds @connections POSTs queued for one connection.
	directBuffer = 64
	writeTimeout = 5 * time.Second
	// pongTimeout is the least time a ping may wait for its pong.
	pongTimeout = 10 * time.Second

	// DefaultIdleTimeout is API Gateway's idle connection timeout: a
	// connection with no data message either way for this long is closed.
	DefaultIdleTimeout = 10 * time.Minute
	// DefaultMaxDuration is API Gateway's maximum connection duration.
	DefaultMaxDuration = 2 * time.Hour
	// DefaultSweepInterval is how often a connection checks its idle and
	// duration limits against the clock.
	DefaultSweepInterval = time.Second
	// MaxFrameBytes is API Gateway's WebSocket frame size limit: a larger
	// message from a client closes the connection with 1009.
	MaxFrameBytes = 32 * 1024
	// routeQueue bounds client messages waiting for their route.
	routeQueue = 16
)

// StatusGoingAway's reason as API Gateway sends it on idle timeout and at
// the end of the maximum connection duration.
const goingAwayReason = "Going away"

// Options configures a Server.
type Options struct {
	// Path clients connect to, e.g. "/jobs"; its last segment names the
	// Hub channel. "" accepts any path and uses the request path's last
	// segment.
	Path   string
	Logger *slog.Logger
	// PingInterval between keepalive pings; 0 means DefaultPingInterval.
	PingInterval time.Duration
	// OriginPatterns are extra browser origins allowed to connect (see
	// websocket.AcceptOptions); same-origin and non-browser clients are
	// always allowed.
	OriginPatterns []string
	// Now is the clock; nil means time.Now. Idle timeout and maximum
	// duration are measured on it.
	Now func() time.Time
	// Routes runs the WebSocket API's routes; nil serves push only.
	Routes Routes
	// IdleTimeout, MaxDuration and SweepInterval: zero means the
	// defaults (API Gateway's 10 minutes and 2 hours, checked every
	// second).
	IdleTimeout, MaxDuration, SweepInterval time.Duration
}

// Server is an http.Handler serving WebSocket subscribers and the
// @connections management API.
type Server struct {
	hub  *push.Hub
	opts Options
	log  *slog.Logger

	mu      sync.Mutex
	conns   map[string]*conn
	closing bool
	wg      sync.WaitGroup
}

type conn struct {
	id        string
	ws        *websocket.Conn
	direct    chan []byte
	closeReq  chan closeRequest
	closeOnce sync.Once
	info      *ConnInfo
	// closeCode and closeReason are the close status, recorded by the
	// side that closed first ($context.disconnectStatusCode).
	closeMu     sync.Mutex
	closeCode   int
	closeReason string
	connectedAt time.Time
	lastActive  atomic.Int64 // unix nanos
	sourceIP    string
	userAgent   string
}

// NewServer returns a Server fanning hub messages out to WebSocket clients.
func NewServer(hub *push.Hub, opts Options) *Server {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.PingInterval <= 0 {
		opts.PingInterval = DefaultPingInterval
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.IdleTimeout <= 0 {
		opts.IdleTimeout = DefaultIdleTimeout
	}
	if opts.MaxDuration <= 0 {
		opts.MaxDuration = DefaultMaxDuration
	}
	if opts.SweepInterval <= 0 {
		opts.SweepInterval = DefaultSweepInterval
	}
	opts.Path = strings.TrimSuffix(opts.Path, "/")
	return &Server{hub: hub, opts: opts, log: opts.Logger.With("component", "ws"), conns: map[string]*conn{}}
}

// ServeHTTP routes @connections calls to the management API and everything
// else on Path to the WebSocket upgrade.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if i := strings.Index(r.URL.Path, "/@connections/"); i >= 0 {
		s.manage(w, r, r.URL.Path[i+len("/@connections/"):])
		return
	}
	path := strings.TrimSuffix(r.URL.Path, "/")
	if s.opts.Path != "" && path != s.opts.Path {
		http.NotFound(w, r)
		return
	}
	channel := path[strings.LastIndexByte(path, '/')+1:]
	if channel == "" {
		http.NotFound(w, r)
		return
	}
	s.serveWS(w, r, channel)
}

func newConnectionID() string {
	// 11 random bytes encode to 16 characters ending in '=', the shape of
	// API Gateway connection ids ("L0SM9cOFvHcCIhw="), URL-safe alphabet.
	var b [11]byte
	_, _ = rand.Read(b[:])
	return base64.URLEncoding.EncodeToString(b[:])
}

func (s *Server) serveWS(w http.ResponseWriter, r *http.Request, channel string) {
	s.mu.Lock()
	if s.closing {
		s.mu.Unlock()
		http.Error(w, "server shutting down", http.StatusServiceUnavailable)
		return
	}
	s.wg.Add(1)
	s.mu.Unlock()
	defer s.wg.Done()

	id := newConnectionID()
	w.Header().Set(ConnectionIDHeader, id)
	f := newFilter(r.URL.Query())
	after, resume, resumeErr := resumePoint(r)
	// A live subscription starts before the handshake completes: once the
	// client sees itself connected, no event published from then on can
	// slip past it.
	var (
		sub       *push.Subscription
		backlog   []push.LoggedEvent
		truncated bool
	)
	if resumeErr == nil && !resume {
		sub, after = s.hub.SubscribeLive(channel)
	}
	ip, _, splitErr := net.SplitHostPort(r.RemoteAddr)
	if splitErr != nil {
		ip = r.RemoteAddr
	}
	now := s.opts.Now()
	info := &ConnInfo{ID: id, ConnectedAt: now, SourceIP: ip, UserAgent: r.UserAgent(), Host: r.Host,
		Header: r.Header.Clone(), Query: r.URL.Query()}
	if s.opts.Routes != nil && isUpgrade(r) {
		// $connect runs before the handshake completes: a failed
		// integration refuses the upgrade, as API Gateway does.
		if ref := s.opts.Routes.Connect(r.Context(), info); ref != nil {
			if sub != nil {
				sub.Close()
			}
			s.log.Debug("connect refused", "connection_id", id, "status", ref.Status)
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(ref.Status)
			_, _ = w.Write(ref.Body)
			return
		}
	}
	// The connection is registered before the handshake completes: a
	// client reads its id from the handshake and may at once post to it
	// (or have its backend do so); posts queue in c.direct until the loop
	// below starts, as they would on an open connection.
	c := &conn{id: id, direct: make(chan []byte, directBuffer), closeReq: make(chan closeRequest, 1),
		connectedAt: now, sourceIP: ip, userAgent: r.UserAgent(), info: info}
	c.lastActive.Store(now.UnixNano())
	s.mu.Lock()
	s.conns[id] = c
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.conns, id)
		s.mu.Unlock()
	}()
	wsc, err := websocket.Accept(w, r, &websocket.AcceptOptions{OriginPatterns: s.opts.OriginPatterns})
	if err != nil {
		if sub != nil {
			sub.Close()
		}
		s.log.Debug("websocket accept", "err", err)
		if s.opts.Routes != nil && isUpgrade(r) {
			s.opts.Routes.Disconnect(context.WithoutCancel(r.Context()), info, int(websocket.StatusAbnormalClosure), "")
		}
		return
	}
	// The read limit is enforced by the reader (readMessage) so that the
	// close carries API Gateway's reason; this bound only stops the
	// library from buffering more.
	wsc.SetReadLimit(MaxFrameBytes + 1)
	c.ws = wsc
	if s.opts.Routes != nil {
		defer func() {
			code, reason := c.closeStatus()
			// The request context may be gone; $disconnect still runs,
			// bounded like any integration.
			ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), 30*time.Second)
			defer cancel()
			s.opts.Routes.Disconnect(ctx, info, code, reason)
		}()
	}
	if resumeErr != nil {
		s.writeNotice(r.Context(), c, notice{Notice: "bad-request", Message: resumeErr.Error()})
		_ = wsc.Close(websocket.StatusPolicyViolation, "bad resume point")
		return
	}
	// Without a resume point a client gets live events only (subscribed
	// above); ?after=0 replays the whole log.
	if resume {
		sub, backlog, truncated, err = s.hub.SubscribeFrom(channel, after)
	}
	if err != nil {
		s.log.Error("read push event log", "err", err)
		_ = wsc.Close(websocket.StatusInternalError, "event log unavailable")
		return
	}
	defer func() {
		if sub != nil {
			sub.Close()
		}
	}()
	s.log.Debug("connected", "connection_id", id, "channel", channel, "after", after, "backlog", len(backlog))
	st := &stream{last: after}
	if resume && truncated {
		if !s.writeNotice(r.Context(), c, notice{Notice: "gap", LastEventID: after,
			Message: fmt.Sprintf("some events after %d are no longer in the event log (it keeps the last %d events, up to %s)", after, push.DefaultLogMaxEvents, push.DefaultLogMaxAge)}) {
			return
		}
	}
	for _, ev := range backlog {
		if f.match(ev.Data) && !s.write(r.Context(), c, ev.Data) {
			return
		}
		st.last = ev.ID
	}
	s.run(r.Context(), c, sub, f, st)
}

// stream tracks the last event id a connection has been given (sent, or
// filtered out), which the drop notice tells the client to resume after.
type stream struct{ last uint64 }

// resumePoint reads ?after= or, failing that, the Last-Event-ID header.
func resumePoint(r *http.Request) (after uint64, ok bool, err error) {
	v := r.URL.Query().Get("after")
	if v == "" {
		v = r.Header.Get("Last-Event-ID")
	}
	if v == "" {
		return 0, false, nil
	}
	after, err = strconv.ParseUint(strings.TrimSpace(v), 10, 64)
	if err != nil {
		return 0, false, fmt.Errorf("after/Last-Event-ID must be an event id (a non-negative integer), got %q", v)
	}
	return after, true, nil
}

// notice is a message from sfapi itself, never an event: clients tell it
// apart by its "sfapiNotice" member.
type notice struct {
	Notice      string `json:"sfapiNotice"`
	Message     string `json:"message"`
	LastEventID uint64 `json:"lastEventId"`
}

func (s *Server) writeNotice(ctx context.Context, c *conn, n notice) bool {
	data, err := json.Marshal(n)
	if err != nil {
		return false
	}
	return s.write(ctx, c, data)
}

// run pumps messages to the client until the connection ends.
func (s *Server) run(parent context.Context, c *conn, sub *push.Subscription, f filter, st *stream) {
	ctx, cancel := context.WithCancel(parent)
	defer cancel()
	defer c.ws.CloseNow()
	var wg sync.WaitGroup
	defer wg.Wait()
	defer cancel()
	// The reader keeps control frames (pong, close) flowing, counts
	// client messages as activity and hands them to the routes, which run
	// one at a time in order on a goroutine of their own so that a slow
	// integration does not stall pongs.
	var msgs chan []byte
	if s.opts.Routes != nil {
		msgs = make(chan []byte, routeQueue)
		wg.Go(func() {
			for {
				select {
				case <-ctx.Done():
					return
				case data := <-msgs:
					reply := s.opts.Routes.Message(ctx, c.info, data)
					if reply == nil {
						continue
					}
					select {
					case c.direct <- reply:
					case <-ctx.Done():
						return
					}
				}
			}
		})
	}
	wg.Go(func() {
		defer cancel()
		for {
			data, err := s.readMessage(ctx, c)
			if err != nil {
				if code := websocket.CloseStatus(err); code != -1 {
					c.setCloseStatus(int(code), closeErrorReason(err))
				}
				return
			}
			c.lastActive.Store(s.opts.Now().UnixNano())
			if msgs != nil {
				select {
				case msgs <- data:
				case <-ctx.Done():
					return
				}
			}
		}
	})
	// Idle timeout and maximum duration, on the injectable clock.
	wg.Go(func() {
		t := time.NewTicker(s.opts.SweepInterval)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				now := s.opts.Now()
				idle := now.Sub(time.Unix(0, c.lastActive.Load()))
				if idle >= s.opts.IdleTimeout || now.Sub(c.connectedAt) >= s.opts.MaxDuration {
					c.requestClose(websocket.StatusGoingAway, goingAwayReason)
					return
				}
			}
		}
	})
	wg.Go(func() {
		t := time.NewTicker(s.opts.PingInterval)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				pctx, pcancel := context.WithTimeout(ctx, max(s.opts.PingInterval, pongTimeout))
				err := c.ws.Ping(pctx)
				pcancel()
				if err != nil {
					s.log.Debug("ping failed", "connection_id", c.id, "err", err)
					cancel()
					return
				}
			}
		}
	})
	for {
		select {
		case <-ctx.Done():
			return
		case req := <-c.closeReq:
			c.setCloseStatus(int(req.code), req.reason)
			_ = c.ws.Close(req.code, req.reason)
			return
		case msg, ok := <-sub.Messages():
			if !ok {
				switch {
				case errors.Is(sub.Err(), push.ErrSlowSubscriber):
					// Tell the client what it missed and how to catch
					// up before dropping it.
					s.writeNotice(ctx, c, notice{Notice: "dropped", LastEventID: st.last,
						Message: fmt.Sprintf("disconnected: more than %d events were waiting for this client; reconnect with ?after=%d to resume", s.hub.Buffer(), st.last)})
					c.setCloseStatus(int(websocket.StatusTryAgainLater), "slow consumer")
					_ = c.ws.Close(websocket.StatusTryAgainLater, "slow consumer")
				default:
					c.setCloseStatus(int(websocket.StatusGoingAway), "server shutting down")
					_ = c.ws.Close(websocket.StatusGoingAway, "server shutting down")
				}
				return
			}
			if f.match(msg.Data) && !s.write(ctx, c, msg.Data) {
				return
			}
			st.last = msg.ID
		case msg := <-c.direct:
			if !s.write(ctx, c, msg) {
				return
			}
		}
	}
}

// closeRequest asks a connection's writer to close it.
type closeRequest struct {
	code   websocket.StatusCode
	reason string
}

// readMessage reads one data message, enforcing the frame limit with API
// Gateway's close (1009). coder/websocket hands over whole messages, so
// the limit applies to the message: a client that sends each message as
// one frame (browsers, most libraries) sees AWS's behaviour.
func (s *Server) readMessage(ctx context.Context, c *conn) ([]byte, error) {
	_, r, err := c.ws.Reader(ctx)
	if err != nil {
		return nil, err
	}
	data, err := io.ReadAll(io.LimitReader(r, MaxFrameBytes+1))
	if err == nil && len(data) > MaxFrameBytes {
		c.setCloseStatus(int(websocket.StatusMessageTooBig), messageTooBig)
		_ = c.ws.Close(websocket.StatusMessageTooBig, messageTooBig)
		return nil, fmt.Errorf("message larger than %d bytes", MaxFrameBytes)
	}
	if errors.Is(err, websocket.ErrMessageTooBig) {
		c.setCloseStatus(int(websocket.StatusMessageTooBig), messageTooBig)
	}
	return data, err
}

const messageTooBig = "Message too big"

func closeErrorReason(err error) string {
	var ce websocket.CloseError
	if errors.As(err, &ce) {
		return ce.Reason
	}
	return ""
}

// setCloseStatus records the close status unless one is recorded.
func (c *conn) setCloseStatus(code int, reason string) {
	c.closeMu.Lock()
	defer c.closeMu.Unlock()
	if c.closeCode == 0 {
		c.closeCode, c.closeReason = code, reason
	}
}

// closeStatus is the recorded close status, 1006 (abnormal closure) when
// the connection ended without one.
func (c *conn) closeStatus() (int, string) {
	c.closeMu.Lock()
	defer c.closeMu.Unlock()
	if c.closeCode == 0 {
		return int(websocket.StatusAbnormalClosure), ""
	}
	return c.closeCode, c.closeReason
}

// isUpgrade reports whether r asks for a WebSocket upgrade; other requests
// are refused by websocket.Accept and never reach the routes.
func isUpgrade(r *http.Request) bool {
	return strings.EqualFold(r.Header.Get("Upgrade"), "websocket")
}

func (s *Server) write(ctx context.Context, c *conn, msg []byte) bool {
	wctx, cancel := context.WithTimeout(ctx, writeTimeout)
	defer cancel()
	if err := c.ws.Write(wctx, websocket.MessageText, msg); err != nil {
		s.log.Debug("write failed", "connection_id", c.id, "err", err)
		return false
	}
	c.lastActive.Store(s.opts.Now().UnixNano())
	return true
}

func (c *conn) requestClose(code websocket.StatusCode, reason string) {
	c.closeOnce.Do(func() { c.closeReq <- closeRequest{code, reason} })
}

func (s *Server) lookup(id string) *conn {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.conns[id]
}

// Connections returns the number of open connections.
func (s *Server) Connections() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.conns)
}

// Shutdown closes every connection with 1001 going-away and waits for
// their handlers to finish, or for ctx. New connections are refused.
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	s.closing = true
	for _, c := range s.conns {
		c.requestClose(websocket.StatusGoingAway, "server shutting down")
	}
	s.mu.Unlock()
	done := make(chan struct{})
	go func() { s.wg.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("shutdown websocket server: %w", ctx.Err())
	}
}

// connectionInfo is GetConnection's response body (restJson1, member
// names as the service model's jsonName, ISO 8601 timestamps).
type connectionInfo struct {
	ConnectedAt  string   `json:"connectedAt"`
	Identity     identity `json:"identity"`
	LastActiveAt string   `json:"lastActiveAt"`
}

type identity struct {
	SourceIP  string `json:"sourceIp"`
	UserAgent string `json:"userAgent"`
}

const isoMillis = "2006-01-02T15:04:05.000Z"

// manage serves the apigatewaymanagementapi operations.
func (s *Server) manage(w http.ResponseWriter, r *http.Request, id string) {
	c := s.lookup(id)
	if id == "" || strings.Contains(id, "/") {
		writeError(w, http.StatusNotFound, "NotFoundException", "No method found matching route "+r.URL.Path)
		return
	}
	switch r.Method {
	case http.MethodPost, http.MethodGet, http.MethodDelete:
	default:
		writeError(w, http.StatusMethodNotAllowed, "MethodNotAllowedException", "Method "+r.Method+" is not allowed on @connections")
		return
	}
	if c == nil {
		writeError(w, http.StatusGone, "GoneException", "")
		return
	}
	switch r.Method {
	case http.MethodGet:
		info := connectionInfo{
			ConnectedAt:  c.connectedAt.UTC().Format(isoMillis),
			Identity:     identity{SourceIP: c.sourceIP, UserAgent: c.userAgent},
			LastActiveAt: time.Unix(0, c.lastActive.Load()).UTC().Format(isoMillis),
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(info)
	case http.MethodDelete:
		c.requestClose(websocket.StatusNormalClosure, "")
		w.WriteHeader(http.StatusNoContent)
	case http.MethodPost:
		data, err := io.ReadAll(io.LimitReader(r.Body, MaxPostBytes+1))
		if err != nil {
			writeError(w, http.StatusBadRequest, "BadRequestException", "read request body: "+err.Error())
			return
		}
		if len(data) > MaxPostBytes {
			writeError(w, http.StatusRequestEntityTooLarge, "PayloadTooLargeException", "Payload too large")
			return
		}
		select {
		case c.direct <- data:
			w.WriteHeader(http.StatusOK)
		default:
			writeError(w, http.StatusTooManyRequests, "LimitExceededException", "Too many messages queued for connection "+id)
		}
	}
}

// writeError writes a restJson1 error: the code in x-amzn-ErrorType and a
// JSON body with "message", which the SDKs read.
func writeError(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("x-amzn-ErrorType", code)
	w.WriteHeader(status)
	var body []byte
	if msg == "" {
		body = []byte(`{"message":null}`)
	} else {
		body, _ = json.Marshal(map[string]string{"message": msg})
	}
	_, _ = w.Write(body)
}
