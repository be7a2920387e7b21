package apigw

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"runtime/debug"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/sfapi/sfapi/internal/emulator/apigw/mapping"
)

// API Gateway's default gateway responses: status, x-amzn-ErrorType, message
// and the gateway response type that x-amazon-apigateway-gateway-responses
// customises.
var (
	errMissingToken  = gatewayError{http.StatusForbidden, "MissingAuthenticationTokenException", "Missing Authentication Token", "MISSING_AUTHENTICATION_TOKEN"}
	errBadBody       = gatewayError{http.StatusBadRequest, "BadRequestException", "Invalid request body", "BAD_REQUEST_BODY"}
	errBodyNotJSON   = gatewayError{http.StatusBadRequest, "BadRequestException", "Could not parse request body into json", "BAD_REQUEST_BODY"}
	errUnsupportedMT = gatewayError{http.StatusUnsupportedMediaType, "UnsupportedMediaTypeException", "Unsupported Media Type", "UNSUPPORTED_MEDIA_TYPE"}
	errTooLarge      = gatewayError{http.StatusRequestEntityTooLarge, "RequestTooLargeException", fmt.Sprintf("HTTP content length exceeded %d bytes.", MaxPayload), "REQUEST_TOO_LARGE"}
	errConfig        = gatewayError{http.StatusInternalServerError, "InternalServerErrorException", "Internal server error", "API_CONFIGURATION_ERROR"}
	errIntegration   = gatewayError{http.StatusInternalServerError, "InternalServerErrorException", "Internal server error", "INTEGRATION_FAILURE"}
	errInternal      = gatewayError{http.StatusInternalServerError, "InternalServerErrorException", "Internal server error", "DEFAULT_5XX"}
	errBadGateway    = gatewayError{http.StatusBadGateway, "InternalServerErrorException", "Internal server error", "INTEGRATION_FAILURE"}
	errTimeout       = gatewayError{http.StatusGatewayTimeout, "", "Endpoint request timed out", "INTEGRATION_TIMEOUT"}
)

type gatewayError struct {
	status  int
	errType string
	message string
	kind    string // gateway response type
}

// response is what one request answers; handlers build it, one writer sends it.
type response struct {
	status      int
	header      http.Header
	body        []byte
	contentType string
	gw          *gatewayError // set for API Gateway's own (customisable) responses
}

func gatewayResponse(e gatewayError) *response {
	body, _ := json.Marshal(map[string]string{"message": e.message})
	r := &response{status: e.status, body: body, contentType: "application/json", header: http.Header{}, gw: &e}
	if e.errType != "" {
		r.header.Set("x-amzn-ErrorType", e.errType)
	}
	return r
}

// request is the per-request state shared by validation and integrations.
type request struct {
	r      *http.Request
	op     *operation
	id     string
	body   []byte
	params mapping.Params
	multiQ url.Values
	multiH http.Header
	// context is $context as a Go map: built from ctxVals (named by
	// contextNames) on first use by ctx(), since templates get theirs
	// straight from ctxVals. Requests that are not routed set it directly.
	context map[string]any
	ctxVals []any
	// prepared is context converted for templates, on first render
	// (after the checks that add to context, such as the API key's).
	prepared  *mapping.Context
	ctype     string // normalized request content type (default application/json)
	debug     bool   // the execution log is on: build its entries
	stagePath string // the request path with the stage prefix
}

// ServeHTTP answers one request the way API Gateway would.
func (a *API) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	id := a.opts.NewRequestID()
	// Header.Set would canonicalize each name (an allocation for these
	// two); the keys below are already canonical. One backing array holds
	// both values, capped so that an Add copies instead of overwriting.
	ids := []string{id, extendedID(id)}
	h := w.Header()
	h["X-Amzn-Requestid"] = ids[0:1:1]
	h["X-Amz-Apigw-Id"] = ids[1:2:2]
	defer func() {
		if v := recover(); v != nil {
			a.log.Error("panic serving request", "requestId", id, "method", r.Method, "path", r.URL.Path, "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
			resp := gatewayResponse(errInternal)
			func() {
				defer func() { _ = recover() }()
				if len(a.gatewayResponses) > 0 {
					resp = a.customGatewayResponse(r, nil, id, resp)
				}
			}()
			writeResponse(w, resp)
		}
	}()
	var resp *response
	var req *request
	if a.cors != nil && isPreflight(r) {
		// HTTP API CORS: the gateway answers preflights itself, before routing.
		resp = a.cors.preflight(r)
	} else {
		resp, req = a.serve(r, id)
		if resp.gw != nil && len(a.gatewayResponses) > 0 {
			resp = a.customGatewayResponse(r, req, id, resp)
		}
		if a.cors != nil {
			a.cors.decorate(r, resp)
		}
	}
	if a.debugEnabled(r.Context()) {
		route := "(no route)"
		if req != nil {
			route = req.op.route
		}
		a.log.DebugContext(r.Context(), "method response", "requestId", id, "route", route,
			"status", resp.status, "headers", resp.header, "contentType", resp.contentType, "body", logBody(resp.body))
	}
	writeResponse(w, resp)
}

func writeResponse(w http.ResponseWriter, resp *response) {
	h := w.Header()
	for k, vs := range resp.header {
		h[k] = vs
	}
	// Canonical keys, one backing array (see ServeHTTP).
	vals := make([]string, 0, 2)
	if resp.contentType != "" {
		vals = append(vals, resp.contentType)
		h["Content-Type"] = vals[0:1:1]
	} else if h.Get("Content-Type") == "" {
		vals = append(vals, "application/json")
		h["Content-Type"] = vals[0:1:1]
	}
	vals = append(vals, strconv.Itoa(len(resp.body)))
	h["Content-Length"] = vals[len(vals)-1 : len(vals) : len(vals)]
	w.WriteHeader(resp.status)
	_, _ = w.Write(resp.body)
}

func (a *API) serve(r *http.Request, id string) (*response, *request) {
	if r.ContentLength > MaxPayload {
		return gatewayResponse(errTooLarge), nil
	}
	op, pathParams, reqPath := a.route(r)
	if op == nil {
		return gatewayResponse(errMissingToken), nil
	}
	var body []byte
	if r.Body != nil {
		b, err := readBody(r.Body, r.ContentLength)
		if err != nil {
			a.log.Warn("read request body", "requestId", id, "route", op.route, "err", err)
			return gatewayResponse(errBadBody), nil
		}
		if len(b) > MaxPayload {
			return gatewayResponse(errTooLarge), nil
		}
		body = b
	}
	req := a.newRequest(r, op, id, body, pathParams, reqPath)
	if req.debug {
		a.debugLog(req, "method request", "method", r.Method, "path", r.URL.Path, "resourcePath", op.path,
			"pathParameters", req.params.Path, "query", req.params.QueryString, "contentType", req.ctype, "body", logBody(body))
	}
	return a.serveRequest(req), req
}

// readBody is io.ReadAll(io.LimitReader(body, MaxPayload+1)), reading into
// a buffer of the declared size when there is one instead of growing one
// from 512 bytes.
func readBody(body io.Reader, size int64) ([]byte, error) {
	lr := io.LimitReader(body, MaxPayload+1)
	if size < 0 || size > MaxPayload {
		return io.ReadAll(lr)
	}
	// One byte more than declared: the read that reports EOF needs room.
	b := make([]byte, 0, size+1)
	for {
		n, err := lr.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if err != nil {
			if err == io.EOF {
				err = nil
			}
			return b, err
		}
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)]
		}
	}
}

func (a *API) serveRequest(req *request) *response {
	op, id := req.op, req.id

	if resp := a.checkAPIKey(req); resp != nil {
		return resp
	}
	if resp := a.validate(req); resp != nil {
		return resp
	}
	in := op.integ
	if in == nil {
		a.log.Error("no integration defined for method", "requestId", id, "route", op.route)
		return gatewayResponse(errConfig)
	}
	if in.notRunnable != "" {
		a.log.Error("integration not runnable locally", "requestId", id, "route", op.route, "reason", in.notRunnable)
		if in.notRunnableStatus == http.StatusBadGateway {
			return gatewayResponse(errBadGateway)
		}
		return gatewayResponse(errIntegration)
	}
	switch in.typ {
	case typeHTTPProxy:
		return a.serveHTTPProxy(req, in)
	default:
		return a.serveMapped(req, in)
	}
}

// route strips the optional stage prefix and matches the resource tree.
func (a *API) route(r *http.Request) (*operation, map[string]string, string) {
	p := r.URL.EscapedPath()
	if p == "" {
		p = "/"
	}
	if st := a.opts.Stage; st != "" {
		prefix := "/" + st
		if p == prefix || strings.HasPrefix(p, prefix+"/") {
			rest := strings.TrimPrefix(p, prefix)
			if rest == "" {
				rest = "/"
			}
			if op, params, ok := a.root.match(r.Method, rest); ok {
				return op, params, rest
			}
		}
	}
	if op, params, ok := a.root.match(r.Method, p); ok {
		return op, params, p
	}
	return nil, nil, ""
}

func (a *API) newRequest(r *http.Request, op *operation, id string, body []byte, pathParams map[string]string, reqPath string) *request {
	q := r.URL.Query()
	query := make(map[string]string, len(q))
	for k, vs := range q {
		// API Gateway's single-value view keeps the last value.
		query[k] = vs[len(vs)-1]
	}
	headers := make(map[string]string, len(r.Header))
	for k, vs := range r.Header {
		headers[k] = vs[len(vs)-1]
	}
	ctype := normalizeMediaType(r.Header.Get("Content-Type"))
	if ctype == "" {
		// API Gateway assumes application/json when the client sends none.
		ctype = "application/json"
	}
	now := a.opts.Now().UTC()
	sourceIP := r.RemoteAddr
	if host, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		sourceIP = host
	}
	stagePath := reqPath
	if a.opts.Stage != "" {
		stagePath = "/" + a.opts.Stage + strings.TrimSuffix(reqPath, "/")
		if reqPath == "/" {
			stagePath = "/" + a.opts.Stage + "/"
		}
	}
	domain := r.Host
	prefix := domain
	if i := strings.IndexByte(prefix, '.'); i >= 0 {
		prefix = prefix[:i]
	}
	identity := map[string]any{
		"sourceIp":  sourceIP,
		"userAgent": r.Header.Get("User-Agent"),
		"accountId": "",
		"caller":    "",
		"user":      "",
		"userArn":   "",
	}
	// In contextNames' order.
	ctxVals := []any{
		a.opts.AccountID, // accountId
		a.apiID,          // apiId
		domain,           // domainName
		prefix,           // domainPrefix
		extendedID(id),   // extendedRequestId
		r.Method,         // httpMethod
		identity,         // identity
		stagePath,        // path
		r.Proto,          // protocol
		id,               // requestId
		requestTime(now), // requestTime
		now.UnixMilli(),  // requestTimeEpoch
		op.resourceID,    // resourceId
		op.path,          // resourcePath
		a.opts.Stage,     // stage
	}
	return &request{
		r: r, op: op, id: id, body: body,
		params:    mapping.Params{Path: pathParams, QueryString: query, Header: headers},
		multiQ:    q,
		multiH:    r.Header,
		ctxVals:   ctxVals,
		ctype:     ctype,
		stagePath: stagePath,
		debug:     a.debugEnabled(r.Context()),
	}
}

// requestTime formats $context.requestTime. Requests come many to a
// second: the last second's text is kept.
func requestTime(now time.Time) string {
	now = now.UTC()
	sec := now.Unix()
	if c := lastRequestTime.Load(); c != nil && c.sec == sec {
		return c.text
	}
	text := now.Format("02/Jan/2006:15:04:05 +0000")
	lastRequestTime.Store(&formattedTime{sec, text})
	return text
}

type formattedTime struct {
	sec  int64
	text string
}

var lastRequestTime atomic.Pointer[formattedTime]

// contextNames are the names of a routed request's $context members,
// sorted: the order of keySet() in templates.
var contextNames = []string{"accountId", "apiId", "domainName", "domainPrefix", "extendedRequestId", "httpMethod",
	"identity", "path", "protocol", "requestId", "requestTime", "requestTimeEpoch", "resourceId", "resourcePath", "stage"}

// ctx returns $context as a Go map (its nested maps are shared with
// ctxVals, so a change through either is seen by both).
func (req *request) ctx() map[string]any {
	if req.context == nil {
		req.context = make(map[string]any, len(contextNames))
		for i, k := range contextNames {
			if i < len(req.ctxVals) {
				req.context[k] = req.ctxVals[i]
			}
		}
	}
	return req.context
}

// validate applies the operation's request validator. A failure answers 400
// and the integration is never called.
func (a *API) validate(req *request) *response {
	op := req.op
	if op.validate.params && len(op.required) > 0 {
		var missing []string
		for _, p := range op.required {
			var v string
			switch p.in {
			case "query":
				v = req.multiQ.Get(p.name)
			case "header":
				v = req.r.Header.Get(p.name)
			}
			// API Gateway requires the parameter to be present and not blank.
			if strings.TrimSpace(v) == "" {
				missing = append(missing, p.name)
			}
		}
		if len(missing) > 0 {
			e := gatewayError{http.StatusBadRequest, "BadRequestException", "Missing required request parameters: [" + strings.Join(missing, ", ") + "]", "BAD_REQUEST_PARAMETERS"}
			return gatewayResponse(e)
		}
	}
	if op.validate.body && op.bodySchemas != nil {
		key := req.ctype
		schema := op.bodySchemas[key]
		if schema == nil {
			key = "$default"
			schema = op.bodySchemas[key]
		}
		// No model for this content type: API Gateway does not validate.
		if schema != nil {
			v, err := decodeBody(req.body)
			if err != nil {
				a.log.Info("request body is not JSON", "requestId", req.id, "route", op.route)
				return gatewayResponse(errBadBody)
			}
			if c := op.bodyChecks[key]; c != nil && c.ok(v) {
				return nil
			}
			// kin-openapi decides (and explains) whatever the compiled
			// check does not pass (see bodyCheck).
			if err := schema.VisitJSON(v); err != nil {
				a.log.Info("request body does not match the model", "requestId", req.id, "route", op.route, "err", err)
				return gatewayResponse(errBadBody)
			}
		}
	}
	return nil
}

// decodeBody parses a request body for model validation: one JSON value,
// numbers as float64 (see toKinJSON).
//
// A body json.Unmarshal takes is one JSON value whose numbers all fit a
// float64, which decodeBodySlow makes the same value of; json.Unmarshal
// does it with less work (no Decoder buffer, no json.Number pass). Any
// other body goes the slow way. FuzzDecodeBody holds the two together.
func decodeBody(body []byte) (any, error) {
	var v any
	if json.Unmarshal(body, &v) == nil {
		return v, nil
	}
	return decodeBodySlow(body)
}

// decodeBodySlow keeps numbers as json.Number while decoding, so a number
// too large for a float64 becomes its text (see toKinJSON) instead of an
// error.
func decodeBodySlow(body []byte) (any, error) {
	var v any
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if dec.More() {
		return nil, errors.New("data after the JSON value")
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("data after the JSON value: %v", err)
	}
	return toKinJSON(v), nil
}

// toKinJSON converts json.Number (kept to avoid precision loss in the decoder)
// into float64, which kin-openapi's validator expects.
func toKinJSON(v any) any {
	switch v := v.(type) {
	case json.Number:
		f, err := v.Float64()
		if err != nil {
			return v.String()
		}
		return f
	case map[string]any:
		for k, e := range v {
			v[k] = toKinJSON(e)
		}
		return v
	case []any:
		for i, e := range v {
			v[i] = toKinJSON(e)
		}
		return v
	}
	return v
}

// withTimeout runs call under the integration timeout; a call that outlives
// it answers 504, as API Gateway does, even if call ignores its context.
func withTimeout[T any](parent context.Context, in *integration, call func(ctx context.Context) (T, error)) (T, error, bool) {
	ctx, cancel := context.WithTimeout(parent, in.timeout)
	defer cancel()
	type result struct {
		v   T
		err error
	}
	ch := make(chan result, 1)
	integrationCalls.run(func() {
		defer func() {
			if p := recover(); p != nil {
				ch <- result{err: fmt.Errorf("integration panicked: %v", p)}
			}
		}()
		v, err := call(ctx)
		ch <- result{v, err}
	})
	select {
	case res := <-ch:
		if res.err != nil && errors.Is(res.err, context.DeadlineExceeded) && ctx.Err() != nil {
			var zero T
			return zero, res.err, true
		}
		return res.v, res.err, false
	case <-ctx.Done():
		var zero T
		if parent.Err() != nil {
			return zero, parent.Err(), false
		}
		return zero, ctx.Err(), true
	}
}
