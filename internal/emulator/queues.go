package emulator

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"

	"github.com/sfapi/sfapi/internal/emulator/awsjson"
	"github.com/sfapi/sfapi/internal/emulator/sqs"
	"github.com/sfapi/sfapi/internal/emulator/sqsapi"
)

// queues is the emulator's SQS: the engine keeps its buckets ("sqs.*") in
// pipes.db, the glue store, next to the pipes' checkpoints and the push
// event log, rather than in a fourth file: a queue is glue between the
// other services, and one fewer store is one fewer fsync stream.
type queues struct {
	engine *sqs.Engine
	query  *sqsapi.QueryHandler
	// base is the scheme and host of queue URLs in answers that carry no
	// Host header (Mux calls): the AWS endpoint once it listens.
	base atomic.Pointer[string]
}

func (q *queues) baseURL() string {
	if b := q.base.Load(); b != nil {
		return *b
	}
	return "http://127.0.0.1"
}

// bindSQS opens the queue engine and registers its JSON protocol on the
// AWS endpoint's mux (the query protocol is served by serveAWS).
func (e *Emulator) bindSQS() error {
	p := e.opts.Project
	eng, err := sqs.Open(sqs.Options{Store: e.stores[2], Region: p.Region(), AccountID: p.AccountID(), Now: e.opts.Now, Logger: e.log.With("component", "sqs")})
	if err != nil {
		return fmt.Errorf("open sqs: %w", err)
	}
	e.sqs.engine = eng
	e.sqs.query = sqsapi.NewQueryHandler(eng, e.log.With("component", "sqs"))
	if e.opts.AWSAddr != "" {
		// Until the listener is bound (provisioning runs first), queue URLs
		// use the configured address.
		e.sqs.setBase(e.opts.AWSAddr)
	}
	sqsapi.Register(e.mux, eng, e.sqs.baseURL)
	return nil
}

// setBase sets the host of queue URLs from an address or URL.
func (q *queues) setBase(addr string) {
	addr = strings.TrimPrefix(addr, "http://")
	if host, port, err := net.SplitHostPort(addr); err == nil && (host == "" || host == "0.0.0.0" || host == "::") {
		addr = net.JoinHostPort("127.0.0.1", port)
	}
	b := "http://" + addr
	q.base.Store(&b)
}

// invokeSQS runs an API Gateway `aws` integration with SQS. API Gateway
// speaks SQS's query protocol: action is "path/ACCOUNT/QUEUE" (the queue in
// the uri, the action in the form body: Action=SendMessage&MessageBody=...)
// or an action name ("SendMessage", with QueueUrl in the body). A JSON body
// is taken as the JSON protocol's request. The answer is what API Gateway
// receives for Accept: application/json: the query response as JSON
// ({"SendMessageResponse": {"SendMessageResult": {"MessageId": ...}}}).
func invokeSQS(ctx context.Context, mux *awsjson.Mux, action string, body []byte) (int, []byte) {
	queuePath, isPath := strings.CutPrefix(action, "path/")
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) > 0 && trimmed[0] == '{' {
		if isPath {
			var m map[string]any
			if err := json.Unmarshal(trimmed, &m); err != nil {
				return http.StatusBadRequest, sqsapi.QueryJSON("", http.StatusBadRequest, []byte(`{"__type":"InvalidParameterValue","message":"the request body is not a JSON object"}`))
			}
			a, _ := m["Action"].(string)
			if _, ok := m["QueueUrl"]; !ok {
				m["QueueUrl"] = "http://localhost/" + queuePath
			}
			delete(m, "Action")
			action = a
			body, _ = json.Marshal(m)
		}
		resp := mux.Invoke(ctx, sqsapi.TargetPrefix+"."+action, body)
		return resp.Status, sqsapi.QueryJSON(action, resp.Status, resp.Body)
	}
	form, err := url.ParseQuery(string(trimmed))
	if err != nil {
		return http.StatusBadRequest, sqsapi.QueryJSON("", http.StatusBadRequest, []byte(`{"__type":"MalformedQueryString","message":"`+strings.ReplaceAll(err.Error(), `"`, `'`)+`"}`))
	}
	if isPath {
		if form.Get("QueueUrl") == "" {
			form.Set("QueueUrl", "http://localhost/"+queuePath)
		}
	} else if form.Get("Action") == "" {
		form.Set("Action", action)
	}
	act, req, err := sqsapi.FormRequest(form)
	if err != nil {
		var se *sqs.Error
		if errors.As(err, &se) {
			b, _ := json.Marshal(map[string]string{"__type": se.Code, "message": se.Message})
			return http.StatusBadRequest, sqsapi.QueryJSON(act, http.StatusBadRequest, b)
		}
		return http.StatusInternalServerError, sqsapi.QueryJSON(act, http.StatusInternalServerError, []byte(`{"__type":"InternalError","message":"encode request"}`))
	}
	resp := mux.Invoke(ctx, sqsapi.TargetPrefix+"."+act, req)
	return resp.Status, sqsapi.QueryJSON(act, resp.Status, resp.Body)
}

// provisionQueues creates the manifest's queues, or sets the attributes of
// those that exist (their messages stay).
func (e *Emulator) provisionQueues() error {
	for _, q := range e.opts.Project.Queues() {
		attrs := map[string]string{
			"VisibilityTimeout":             strconv.Itoa(q.VisibilityTimeout),
			"MessageRetentionPeriod":        strconv.Itoa(q.MessageRetentionPeriod),
			"DelaySeconds":                  strconv.Itoa(q.DelaySeconds),
			"ReceiveMessageWaitTimeSeconds": strconv.Itoa(q.ReceiveMessageWaitTimeSeconds),
		}
		_, err := e.sqs.engine.GetQueue(q.Name)
		switch {
		case sqs.IsNotFound(err):
			_, err = e.sqs.engine.CreateQueue(q.Name, attrs, nil)
		case err == nil:
			err = e.sqs.engine.SetQueueAttributes(q.Name, attrs)
		}
		if err != nil {
			return q.Pos.Errorf("queue %s: %v", q.LogicalID, err)
		}
	}
	return nil
}
