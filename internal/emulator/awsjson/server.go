package awsjson

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"hash/crc32"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/valyala/fasthttp"
	"github.com/valyala/fasthttp/fasthttpadaptor"
)

// ServerOptions configure NewServer.
type ServerOptions struct {
	// Other serves the requests whose path OtherPath reports true for (the
	// emulator's API Gateway management API shares the AWS port). They go
	// through net/http's types, so they cost more per request than the
	// AWS JSON calls; none of them is on a hot path.
	Other     http.Handler
	OtherPath func(path string) bool
	// Query, when set, serves the requests of AWS's query protocol: no
	// X-Amz-Target, and a form body or an Action query parameter (SQS as
	// the aws CLI v2 before 2.13 and older SDKs call it). Like Other, it
	// goes through net/http's types.
	Query http.Handler
	// Logger receives connection-level errors at debug level.
	Logger *slog.Logger
}

// Server serves a Mux over HTTP/1.1 with fasthttp instead of net/http.
//
// Why: on the 2-core machines sfapi targets, net/http spent about 30 µs of
// CPU on each SDK request (reading ~12 headers into a map, a bufio reader and
// writer per connection, a goroutine wake-up and a response flush), a third
// of the server's cost of a durable PutItem. fasthttp parses the request in
// place into reused buffers and keeps workers warm, and the AWS JSON
// protocol needs only the method, the path, X-Amz-Target and the body.
// It is a complete HTTP/1.1 server: keep-alive, pipelining, chunked request
// bodies, Expect: 100-continue, HTTP/1.0 clients.
type Server struct {
	mux   *Mux
	other fasthttp.RequestHandler
	query fasthttp.RequestHandler
	match func(path string) bool
	srv   *fasthttp.Server
}

// NewServer returns a Server for m. Call Serve to start it.
func NewServer(m *Mux, opts ServerOptions) *Server {
	s := &Server{mux: m, match: opts.OtherPath}
	if opts.Other != nil && opts.OtherPath != nil {
		s.other = fasthttpadaptor.NewFastHTTPHandler(opts.Other)
	}
	if opts.Query != nil {
		s.query = fasthttpadaptor.NewFastHTTPHandler(opts.Query)
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s.srv = &fasthttp.Server{
		Handler:      s.serve,
		ErrorHandler: s.serveError,
		// A body over MaxBodyBytes is refused (413) before it is read.
		MaxRequestBodySize: MaxBodyBytes,
		// The read buffer bounds the request head. fasthttp's 4 KB default
		// is too small for a SigV4 request carrying an STS session token
		// (up to a few KB) next to the SDK's other headers.
		ReadBufferSize: maxHeaderBytes,
		// Slow or idle clients cannot hold a worker forever; the SDKs
		// reconnect transparently.
		ReadTimeout:           time.Minute,
		IdleTimeout:           2 * time.Minute,
		NoDefaultServerHeader: true,
		// Idle workers exit after this long, and so does the pool's
		// cleaner after Shutdown (it sleeps this long between rounds).
		MaxIdleWorkerDuration:        time.Second,
		DisablePreParseMultipartForm: true,
		// Shutdown closes connections that are idle; connections busy with
		// a request finish it first.
		CloseOnShutdown: true,
		Logger:          fasthttpLogger{log},
	}
	return s
}

// Serve accepts connections on ln until Shutdown. It returns nil after
// Shutdown.
func (s *Server) Serve(ln net.Listener) error {
	if err := s.srv.Serve(ln); err != nil {
		return fmt.Errorf("serve %s: %w", ln.Addr(), err)
	}
	return nil
}

// Shutdown stops accepting connections, lets requests in progress finish,
// and closes every connection; it returns ctx's error if that takes longer
// than ctx allows.
func (s *Server) Shutdown(ctx context.Context) error {
	return s.srv.ShutdownWithContext(ctx)
}

const (
	hdrTarget = "X-Amz-Target"
	// maxHeaderBytes bounds the request line and headers (431 above).
	maxHeaderBytes = 64 << 10
)

func (s *Server) serve(ctx *fasthttp.RequestCtx) {
	path := ctx.Path()
	if s.other != nil && s.match(string(path)) {
		s.other(ctx)
		return
	}
	target := string(ctx.Request.Header.Peek(hdrTarget))
	if s.query != nil && target == "" && isQuery(ctx) {
		s.query(ctx)
		return
	}
	svc := s.mux.serviceFor(target)
	if ctx.IsGet() && (len(path) == 0 || string(path) == "/") {
		if hs := s.mux.healthService(); hs != nil {
			writeFast(ctx, hs, Response{Status: http.StatusOK, ContentType: "text/plain", Body: []byte(hs.HealthCheck)})
			return
		}
	}
	if !ctx.IsPost() {
		writeFast(ctx, svc, encodeError(nil, &Error{Status: http.StatusBadRequest, Code: CodeUnknownOp, Message: "AWS JSON requests must use POST"}))
		return
	}
	// The request buffer is reused once this handler returns; operations
	// may keep slices of what they decode, so they get their own copy.
	body := append([]byte(nil), ctx.PostBody()...)
	// Not ctx: a RequestCtx is done when the server shuts down, and a
	// write that is under way must still finish and be answered.
	writeFast(ctx, svc, s.mux.Invoke(context.Background(), target, body))
}

// isQuery reports whether a request without X-Amz-Target is one of the
// query protocol: a form POST, or a request naming its Action in the URL.
func isQuery(ctx *fasthttp.RequestCtx) bool {
	if ctx.QueryArgs().Has("Action") {
		return true
	}
	return ctx.IsPost() && bytes.HasPrefix(ctx.Request.Header.ContentType(), []byte("application/x-www-form-urlencoded"))
}

// serveError answers requests fasthttp could not read: a body over the
// limit (413, as the net/http front did) or a malformed request (400),
// in the AWS JSON error envelope. fasthttp closes the connection after.
func (s *Server) serveError(ctx *fasthttp.RequestCtx, err error) {
	svc := s.mux.serviceFor(string(ctx.Request.Header.Peek(hdrTarget)))
	switch {
	case errors.Is(err, fasthttp.ErrBodyTooLarge):
		writeFast(ctx, svc, encodeError(svc, &Error{Status: http.StatusRequestEntityTooLarge, Code: CodeSerialization, Message: "request body too large"}))
	case isTimeout(err):
		writeFast(ctx, svc, encodeError(svc, &Error{Status: http.StatusRequestTimeout, Code: CodeSerialization, Message: "timed out reading the request"}))
	default:
		if _, ok := errors.AsType[*fasthttp.ErrSmallBuffer](err); ok {
			writeFast(ctx, svc, encodeError(svc, &Error{Status: http.StatusRequestHeaderFieldsTooLarge, Code: CodeSerialization, Message: "request headers too large"}))
			return
		}
		writeFast(ctx, svc, encodeError(svc, &Error{Status: http.StatusBadRequest, Code: CodeSerialization, Message: "malformed HTTP request"}))
	}
}

func isTimeout(err error) bool {
	ne, ok := errors.AsType[net.Error](err)
	return ok && ne.Timeout()
}

// writeFast is writeResponse for fasthttp: the same headers, set without
// building a header map. The names are already canonical, so they are set
// as they are rather than copied and normalised on every response.
func writeFast(ctx *fasthttp.RequestCtx, svc *Service, resp Response) {
	h := &ctx.Response.Header
	var id string
	if svc != nil && svc.RequestID != nil {
		id = svc.RequestID()
	} else {
		id = newUUID()
	}
	var idBuf [64]byte // fasthttp copies the value
	h.SetCanonical(keyRequestID, append(idBuf[:0], id...))
	h.SetContentType(resp.ContentType)
	if svc != nil && svc.ResponseCRC32 {
		var buf [10]byte
		h.SetCanonical(keyCRC32, strconv.AppendUint(buf[:0], uint64(crc32.ChecksumIEEE(resp.Body)), 10))
	}
	ctx.SetStatusCode(resp.Status)
	ctx.SetBody(resp.Body)
}

// The canonical header names writeFast sets.
var (
	keyRequestID = []byte(hdrRequestID)
	keyCRC32     = []byte(hdrCRC32)
)

// fasthttpLogger sends fasthttp's connection errors (resets, timeouts) to
// the debug log: they are the client's business, not the operator's.
type fasthttpLogger struct{ log *slog.Logger }

func (l fasthttpLogger) Printf(format string, args ...any) {
	l.log.Debug(fmt.Sprintf(format, args...))
}
