package awsjson

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"log/slog"
	mrand "math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"sync"

	"github.com/google/uuid"
)

// MaxBodyBytes bounds a request body; larger bodies are refused before they
// are read into memory.
const MaxBodyBytes = 16 << 20

// Error is an AWS-shaped service error: HTTP status, error code (the
// "__type" on the wire) and message.
type Error struct {
	Status  int
	Code    string
	Message string
	// Fields are extra members of the error body that some errors carry
	// (DynamoDB's Item on a failed condition, CancellationReasons).
	Fields map[string]any
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

// Errorf builds a 400 error with the given AWS error code.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Status: http.StatusBadRequest, Code: code, Message: fmt.Sprintf(format, args...)}
}

// Common error codes every AWS JSON service shares.
const (
	CodeSerialization   = "SerializationException"
	CodeValidation      = "ValidationException"
	CodeUnknownOp       = "UnknownOperationException"
	CodeInternalFailure = "InternalFailure"
)

// Operation handles one API action. body is the raw JSON request; the
// result is encoded as the JSON response. An error that is not an *Error is
// reported as a 500 InternalFailure (and logged), never as a crash.
type Operation func(ctx context.Context, body []byte) (any, error)

// Service is one AWS JSON service: the X-Amz-Target prefix that selects it
// (e.g. "DynamoDB_20120810"), the content type it answers with, and its
// operations by action name.
type Service struct {
	TargetPrefix string
	// ContentType is "application/x-amz-json-1.0" or "-1.1".
	ContentType string
	// ErrorTypePrefix is prepended to error codes in "__type" (DynamoDB uses
	// "com.amazonaws.dynamodb.v20120810#"); SDKs strip everything up to '#'.
	ErrorTypePrefix string
	Operations      map[string]Operation

	// ResponseCRC32 adds an x-amz-crc32 header (the CRC32 IEEE checksum of
	// the body, in decimal) to every response, as DynamoDB and DynamoDB
	// Streams do; the SDKs verify it when present. Other services send none.
	ResponseCRC32 bool
	// HealthCheck, when set, is the body of the 200 answer to GET / (the
	// endpoint's health line: DynamoDB answers
	// "healthy: dynamodb.us-east-1.amazonaws.com "). At most one registered
	// service should set it; the last one registered wins.
	HealthCheck string
	// RequestID makes the x-amzn-RequestId of each response; nil means a
	// random UUID (Step Functions, EventBridge). DynamoDBRequestID makes
	// DynamoDB's 52-character form.
	RequestID func() string
}

// Mux dispatches requests to registered services by X-Amz-Target.
type Mux struct {
	mu       sync.RWMutex
	services map[string]*Service
	health   *Service
	log      *slog.Logger
}

// NewMux returns an empty Mux that logs internal failures to log.
func NewMux(log *slog.Logger) *Mux {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Mux{services: map[string]*Service{}, log: log}
}

// Register adds a service; a later registration with the same prefix
// replaces the earlier one.
func (m *Mux) Register(s *Service) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.services[s.TargetPrefix] = s
	if s.HealthCheck != "" {
		m.health = s
	}
}

// Response is the outcome of one call: status, content type and JSON body.
type Response struct {
	Status      int
	ContentType string
	Body        []byte
}

// Invoke runs target ("Prefix.Action") with a JSON body in process and
// returns what the HTTP endpoint would have answered.
func (m *Mux) Invoke(ctx context.Context, target string, body []byte) Response {
	prefix, action, ok := strings.Cut(target, ".")
	m.mu.RLock()
	svc := m.services[prefix]
	m.mu.RUnlock()
	if !ok || svc == nil {
		return encodeError(nil, &Error{Status: http.StatusBadRequest, Code: CodeUnknownOp, Message: "unknown operation " + target})
	}
	op := svc.Operations[action]
	if op == nil {
		return encodeError(svc, &Error{Status: http.StatusBadRequest, Code: CodeUnknownOp, Message: "unknown operation " + target})
	}
	if len(bytes.TrimSpace(body)) == 0 {
		body = []byte("{}")
	}
	out, err := safeCall(ctx, op, body)
	if err != nil {
		var ae *Error
		if !errors.As(err, &ae) {
			m.log.Error("internal failure", "target", target, "err", err)
			ae = &Error{Status: http.StatusInternalServerError, Code: CodeInternalFailure, Message: "The request processing has failed because of an unknown error, exception or failure."}
		}
		return encodeError(svc, ae)
	}
	data, err := marshal(out)
	if err != nil {
		m.log.Error("encode response", "target", target, "err", err)
		return encodeError(svc, &Error{Status: http.StatusInternalServerError, Code: CodeInternalFailure, Message: "failed to encode response"})
	}
	return Response{Status: http.StatusOK, ContentType: svc.ContentType, Body: data}
}

// Marshaler is implemented by results that encode themselves. The hot
// DynamoDB responses do: json.Marshal finds their fields by reflection and
// then re-scans (compacts) every byte a nested MarshalJSON returned, which
// for a 4 KB item cost more than encoding it.
type Marshaler interface {
	MarshalAWSJSON() ([]byte, error)
}

func marshal(out any) ([]byte, error) {
	if m, ok := out.(Marshaler); ok {
		return m.MarshalAWSJSON()
	}
	return json.Marshal(out)
}

// safeCall turns a panic in an operation into an error: no request may
// crash the process.
func safeCall(ctx context.Context, op Operation, body []byte) (out any, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("panic: %v", r)
		}
	}()
	return op(ctx, body)
}

func encodeError(svc *Service, e *Error) Response {
	ct, prefix := "application/x-amz-json-1.0", ""
	if svc != nil {
		ct, prefix = svc.ContentType, svc.ErrorTypePrefix
	}
	env := make(map[string]any, len(e.Fields)+2)
	for k, v := range e.Fields {
		env[k] = v
	}
	env["__type"] = prefix + e.Code
	env["message"] = e.Message
	body, _ := json.Marshal(env)
	status := e.Status
	if status == 0 {
		status = http.StatusBadRequest
	}
	return Response{Status: status, ContentType: ct, Body: body}
}

// ServeHTTP implements the AWS JSON protocol over HTTP POST, and GET / as
// the health check of the service that declares one.
func (m *Mux) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	target := r.Header.Get("X-Amz-Target")
	svc := m.serviceFor(target)
	if r.Method == http.MethodGet && (r.URL.Path == "/" || r.URL.Path == "") {
		if hs := m.healthService(); hs != nil {
			writeResponse(w, hs, Response{Status: http.StatusOK, ContentType: "text/plain", Body: []byte(hs.HealthCheck)})
			return
		}
	}
	if r.Method != http.MethodPost {
		writeResponse(w, svc, encodeError(nil, &Error{Status: http.StatusBadRequest, Code: CodeUnknownOp, Message: "AWS JSON requests must use POST"}))
		return
	}
	body, err := readBody(w, r)
	if errors.Is(err, errTooLarge) {
		writeResponse(w, svc, encodeError(svc, &Error{Status: http.StatusRequestEntityTooLarge, Code: CodeSerialization, Message: "request body too large"}))
		return
	}
	if err != nil {
		writeResponse(w, svc, encodeError(svc, &Error{Status: http.StatusBadRequest, Code: CodeSerialization, Message: "failed to read the request body"}))
		return
	}
	writeResponse(w, svc, m.Invoke(r.Context(), target, body))
}

// healthService returns the service that answers GET /, or nil.
func (m *Mux) healthService() *Service {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return m.health
}

// serviceFor returns the service a target names, or nil.
func (m *Mux) serviceFor(target string) *Service {
	prefix, _, _ := strings.Cut(target, ".")
	m.mu.RLock()
	defer m.mu.RUnlock()
	return m.services[prefix]
}

var errTooLarge = errors.New("request body too large")

// readBody reads the whole request body, sized from Content-Length when
// the client sent one so the common case is a single allocation.
func readBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	if n := r.ContentLength; n >= 0 {
		if n > MaxBodyBytes {
			return nil, errTooLarge
		}
		body := make([]byte, n)
		if _, err := io.ReadFull(r.Body, body); err != nil {
			return nil, fmt.Errorf("read body: %w", err)
		}
		return body, nil
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBodyBytes))
	if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
		return nil, errTooLarge
	}
	return body, err
}

// Canonical header names, written into the header map directly.
const (
	hdrRequestID   = "X-Amzn-Requestid"
	hdrCRC32       = "X-Amz-Crc32"
	hdrContentType = "Content-Type"
	hdrContentLen  = "Content-Length"
)

// writeResponse writes resp with the headers svc's real endpoint sends:
// always a request id, and the body's CRC32 where the service sends one.
func writeResponse(w http.ResponseWriter, svc *Service, resp Response) {
	h := w.Header()
	id := ""
	if svc != nil && svc.RequestID != nil {
		id = svc.RequestID()
	} else {
		id = newUUID()
	}
	h[hdrRequestID] = []string{id}
	h[hdrContentType] = []string{resp.ContentType}
	h[hdrContentLen] = []string{strconv.Itoa(len(resp.Body))}
	if svc != nil && svc.ResponseCRC32 {
		h[hdrCRC32] = []string{strconv.FormatUint(uint64(crc32.ChecksumIEEE(resp.Body)), 10)}
	}
	w.WriteHeader(resp.Status)
	_, _ = w.Write(resp.Body)
}

// DynamoDBRequestID returns a request id in DynamoDB's form: 52 characters
// of [0-9A-Z].
//
// An id needs to be unique, not secret: math/rand/v2's per-thread ChaCha8
// costs a fraction of crypto/rand's getrandom system call per request, and
// 52 characters of 36 leave no room for collisions.
func DynamoDBRequestID() string {
	const alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	var raw [52]byte
	for i := 0; i < len(raw); i += 12 {
		// 36^12 < 2^63: one 64-bit draw gives 12 characters.
		r := mrand.Uint64()
		for j := i; j < min(i+12, len(raw)); j++ {
			raw[j] = alphabet[r%36]
			r /= 36
		}
	}
	return string(raw[:])
}

// newUUID returns a random (version 4) UUID for the services whose request
// ids are UUIDs, from math/rand/v2 for the reason DynamoDBRequestID gives.
func newUUID() string {
	var u uuid.UUID
	binary.LittleEndian.PutUint64(u[:8], mrand.Uint64())
	binary.LittleEndian.PutUint64(u[8:], mrand.Uint64())
	u[6] = u[6]&0x0f | 0x40 // version 4
	u[8] = u[8]&0x3f | 0x80 // RFC 4122 variant
	return u.String()
}

// Decode unmarshals a JSON request body into v, mapping malformed JSON to a
// SerializationException as AWS does.
func Decode(body []byte, v any) error {
	if err := json.Unmarshal(body, v); err != nil {
		var ue *json.UnmarshalTypeError
		if errors.As(err, &ue) {
			return Errorf(CodeSerialization, "Unexpected value type in payload for field %s", ue.Field)
		}
		// Errors from custom decoders (attribute values) carry their own kind.
		type codedErr interface {
			error
			AWSCode() string
		}
		if ce, ok := errors.AsType[codedErr](err); ok {
			return Errorf(ce.AWSCode(), "%s", err.Error())
		}
		return Errorf(CodeSerialization, "%s", err.Error())
	}
	return nil
}
