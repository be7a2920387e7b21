package sqsapi

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"

	"github.com/google/uuid"

	"github.com/sfapi/sfapi/internal/emulator/awsjson"
	"github.com/sfapi/sfapi/internal/emulator/sqs"
)

// Wire constants of SQS's JSON protocol.
const (
	TargetPrefix    = "AmazonSQS"
	ContentType     = "application/x-amz-json-1.0"
	errorTypePrefix = "com.amazonaws.sqs#"
	xmlns           = "http://queue.amazonaws.com/doc/2012-11-05/"
)

// Register adds SQS's JSON protocol (X-Amz-Target: AmazonSQS.<Action>, the
// protocol of aws-sdk-go-v2 and of recent aws CLIs) backed by e to mux.
// base returns the scheme and host of queue URLs ("http://127.0.0.1:4567"):
// the emulator's AWS endpoint, since a Mux call carries no Host header.
func Register(mux *awsjson.Mux, e *sqs.Engine, base func() string) {
	a := &api{e: e}
	ops := map[string]awsjson.Operation{}
	for name, o := range a.ops() {
		ops[name] = func(ctx context.Context, body []byte) (any, error) {
			var in request
			if err := awsjson.Decode(body, &in); err != nil {
				return nil, err
			}
			out, err := o(ctx, base(), &in)
			if err != nil {
				return nil, jsonErr(err)
			}
			return out, nil
		}
	}
	mux.Register(&awsjson.Service{TargetPrefix: TargetPrefix, ContentType: ContentType, ErrorTypePrefix: errorTypePrefix, Operations: ops})
}

func jsonErr(err error) error {
	var se *sqs.Error
	if errors.As(err, &se) {
		return &awsjson.Error{Status: http.StatusBadRequest, Code: se.Code, Message: se.Message}
	}
	return err
}

// QueryHandler serves SQS's query protocol: form-encoded Action=... POSTs
// (or GETs) to / or to a queue URL, answered in XML. The aws CLI v2 before
// 2.13 (Debian's 2.9) and older SDKs speak it.
type QueryHandler struct {
	a   *api
	log *slog.Logger
}

// NewQueryHandler returns the query-protocol front of e.
func NewQueryHandler(e *sqs.Engine, log *slog.Logger) *QueryHandler {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &QueryHandler{a: &api{e: e}, log: log}
}

func (h *QueryHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, awsjson.MaxBodyBytes))
	if err != nil {
		writeQuery(w, http.StatusRequestEntityTooLarge, xmlError("Sender", "RequestEntityTooLarge", "request body too large", uuid.NewString()))
		return
	}
	form, err := url.ParseQuery(string(body))
	if err != nil {
		writeQuery(w, http.StatusBadRequest, xmlError("Sender", "MalformedQueryString", err.Error(), uuid.NewString()))
		return
	}
	for k, vs := range r.URL.Query() {
		if _, ok := form[k]; !ok {
			form[k] = vs
		}
	}
	status, out := h.a.query(r.Context(), "http://"+r.Host, r.URL.Path, form, false)
	if status >= 500 {
		h.log.Error("sqs query request failed", "action", form.Get("Action"), "body", string(out))
	}
	writeQuery(w, status, out)
}

func writeQuery(w http.ResponseWriter, status int, body []byte) {
	w.Header().Set("Content-Type", "text/xml")
	w.Header().Set("X-Amzn-Requestid", uuid.NewString())
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// Query runs one query-protocol request (API Gateway's `aws` integrations
// with SQS send these) and returns its status and answer: XML, or when
// asJSON the JSON API Gateway receives for Accept: application/json
// ({"SendMessageResponse": {"SendMessageResult": {...}, ...}}). path is the
// request path (/ACCOUNT/QUEUE names the queue when the form has no
// QueueUrl); base is the scheme and host of queue URLs.
func Query(ctx context.Context, e *sqs.Engine, base, path string, form url.Values, asJSON bool) (int, []byte) {
	return (&api{e: e}).query(ctx, base, path, form, asJSON)
}

func (a *api) query(ctx context.Context, base, path string, form url.Values, asJSON bool) (int, []byte) {
	reqID := uuid.NewString()
	fail := func(err error) (int, []byte) {
		var se *sqs.Error
		if errors.As(err, &se) {
			if asJSON {
				return http.StatusBadRequest, jsonError("Sender", se.QueryCode, se.Message, reqID)
			}
			return http.StatusBadRequest, xmlError("Sender", se.QueryCode, se.Message, reqID)
		}
		if asJSON {
			return http.StatusInternalServerError, jsonError("Receiver", "InternalError", err.Error(), reqID)
		}
		return http.StatusInternalServerError, xmlError("Receiver", "InternalError", err.Error(), reqID)
	}
	action := form.Get("Action")
	o := a.ops()[action]
	if o == nil {
		if action == "" {
			return fail(sqs.MissingParameter("Action"))
		}
		return fail(&sqs.Error{Code: "InvalidAction", QueryCode: "InvalidAction", Message: fmt.Sprintf("The action %s is not valid for this endpoint.", action)})
	}
	in, err := decodeForm(form)
	if err != nil {
		return fail(err)
	}
	if in.QueueUrl == "" && strings.Count(strings.Trim(path, "/"), "/") == 1 {
		in.QueueUrl = strings.TrimRight(base, "/") + "/" + strings.Trim(path, "/")
	}
	out, err := o(ctx, base, in)
	if err != nil {
		return fail(err)
	}
	if asJSON {
		resp := map[string]any{"ResponseMetadata": map[string]string{"RequestId": reqID}}
		if _, isEmpty := out.(empty); !isEmpty {
			resp[action+"Result"] = out
		}
		b, err := json.Marshal(map[string]any{action + "Response": resp})
		if err != nil {
			return fail(err)
		}
		return http.StatusOK, b
	}
	b, err := xmlResponse(action, out, reqID)
	if err != nil {
		return fail(err)
	}
	return http.StatusOK, b
}

func xmlResponse(action string, out any, reqID string) ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteString(xml.Header)
	enc := xml.NewEncoder(&buf)
	root := xml.StartElement{Name: xml.Name{Local: action + "Response"}, Attr: []xml.Attr{{Name: xml.Name{Local: "xmlns"}, Value: xmlns}}}
	if err := enc.EncodeToken(root); err != nil {
		return nil, err
	}
	if _, isEmpty := out.(empty); !isEmpty {
		if err := enc.EncodeElement(out, xml.StartElement{Name: xml.Name{Local: action + "Result"}}); err != nil {
			return nil, fmt.Errorf("encode %s result: %w", action, err)
		}
	}
	meta := struct {
		RequestId string `xml:"RequestId"`
	}{reqID}
	if err := enc.EncodeElement(meta, xml.StartElement{Name: xml.Name{Local: "ResponseMetadata"}}); err != nil {
		return nil, err
	}
	if err := enc.EncodeToken(root.End()); err != nil {
		return nil, err
	}
	if err := enc.Flush(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func xmlError(typ, code, msg, reqID string) []byte {
	type errBody struct {
		Type    string `xml:"Type"`
		Code    string `xml:"Code"`
		Message string `xml:"Message"`
		Detail  string `xml:"Detail"`
	}
	type errResp struct {
		XMLName   xml.Name `xml:"ErrorResponse"`
		Xmlns     string   `xml:"xmlns,attr"`
		Error     errBody  `xml:"Error"`
		RequestId string   `xml:"RequestId"`
	}
	b, _ := xml.Marshal(errResp{Xmlns: xmlns, Error: errBody{Type: typ, Code: code, Message: msg}, RequestId: reqID})
	return append([]byte(xml.Header), b...)
}

func jsonError(typ, code, msg, reqID string) []byte {
	b, _ := json.Marshal(map[string]any{"Error": map[string]string{"Type": typ, "Code": code, "Message": msg}, "RequestId": reqID})
	return b
}

// FormRequest turns a query-protocol form into the action it names and the
// JSON-protocol body of the same request, for callers that reach SQS
// through the Mux (API Gateway's `aws` integrations).
func FormRequest(form url.Values) (action string, body []byte, err error) {
	action = form.Get("Action")
	if action == "" {
		return "", nil, sqs.MissingParameter("Action")
	}
	in, err := decodeForm(form)
	if err != nil {
		return "", nil, err
	}
	body, err = json.Marshal(in)
	return action, body, err
}

// QueryJSON rewrites a JSON-protocol answer to action as the JSON form of
// the query protocol's answer, which is what API Gateway receives from SQS
// (it asks for application/json): {"SendMessageResponse":
// {"SendMessageResult": {...}, "ResponseMetadata": {...}}}, and errors as
// {"Error": {"Type", "Code", "Message"}, "RequestId"}.
func QueryJSON(action string, status int, body []byte) []byte {
	reqID := uuid.NewString()
	if status != http.StatusOK {
		var env struct {
			Type    string `json:"__type"`
			Message string `json:"message"`
		}
		_ = json.Unmarshal(body, &env)
		code := env.Type
		if i := strings.LastIndexByte(code, '#'); i >= 0 {
			code = code[i+1:]
		}
		typ := "Sender"
		if status >= 500 {
			typ = "Receiver"
		}
		return jsonError(typ, sqs.QueryCode(code), env.Message, reqID)
	}
	resp := map[string]any{"ResponseMetadata": map[string]string{"RequestId": reqID}}
	if len(bytes.TrimSpace(body)) > 0 && string(bytes.TrimSpace(body)) != "{}" {
		resp[action+"Result"] = json.RawMessage(body)
	}
	b, _ := json.Marshal(map[string]any{action + "Response": resp})
	return b
}
