package awsjson

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
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
}

// Mux dispatches requests to registered services by X-Amz-Target.
type Mux struct {
	mu       sync.RWMutex
	services map[string]*Service
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
	data, err := json.Marshal(out)
	if err != nil {
		m.log.Error("encode response", "target", target, "err", err)
		return encodeError(svc, &Error{Status: http.StatusInternalServerError, Code: CodeInternalFailure, Message: "failed to encode response"})
	}
	return Response{Status: http.StatusOK, ContentType: svc.ContentType, Body: data}
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

// ServeHTTP implements the AWS JSON protocol over HTTP POST.
func (m *Mux) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	reqID := uuid.NewString()
	w.Header().Set("x-amzn-RequestId", reqID)
	if r.Method != http.MethodPost {
		writeResponse(w, encodeError(nil, &Error{Status: http.StatusBadRequest, Code: CodeUnknownOp, Message: "AWS JSON requests must use POST"}))
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBodyBytes))
	if err != nil {
		writeResponse(w, encodeError(nil, &Error{Status: http.StatusRequestEntityTooLarge, Code: CodeSerialization, Message: "request body too large"}))
		return
	}
	writeResponse(w, m.Invoke(r.Context(), r.Header.Get("X-Amz-Target"), body))
}

func writeResponse(w http.ResponseWriter, resp Response) {
	w.Header().Set("Content-Type", resp.ContentType)
	w.WriteHeader(resp.Status)
	_, _ = w.Write(resp.Body)
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
