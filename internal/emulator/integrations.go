package emulator

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/google/uuid"

	"github.com/sfapi/sfapi/internal/emulator/asl"
)

// invokeSpecial runs the task integrations that are not a plain call of
// an emulated AWS JSON operation. handled is false for the others.
func (t *tasks) invokeSpecial(ctx context.Context, svc, action string, sdk bool, req asl.TaskRequest) (json.RawMessage, bool, error) {
	op, pattern, _ := strings.Cut(action, ".")
	switch {
	case svc == "states" && !sdk && op == "startExecution":
		out, err := t.startExecution(ctx, req.Parameters, pattern)
		return out, true, err
	case svc == "sns" && strings.EqualFold(op, "publish") && pattern == "":
		out, err := t.record(ctx, "sfapi.sns", "SNS Publish", req.Parameters)
		return out, true, err
	case svc == "sqs" && pattern == "":
		out, err := t.sqs(ctx, op, sdk, req.Parameters)
		return out, true, err
	case svc == "apigateway" && !sdk && op == "invoke" && pattern == "":
		out, err := t.apigatewayInvoke(ctx, req.Parameters)
		return out, true, err
	}
	return nil, false, nil
}

// startExecution is the optimized states:startExecution integration:
// plain returns ExecutionArn and StartDate; .sync waits for the child and
// returns its description with Output as a string; .sync:2 with Input and
// Output as JSON.
func (t *tasks) startExecution(ctx context.Context, params json.RawMessage, pattern string) (json.RawMessage, error) {
	if pattern != "" && pattern != "sync" && pattern != "sync:2" {
		return nil, asl.NewTaskError("States.Runtime", "the ."+pattern+" integration pattern of states:startExecution is not supported")
	}
	var p struct {
		StateMachineArn string
		Name            string
		Input           json.RawMessage
	}
	if err := json.Unmarshal(params, &p); err != nil {
		return nil, asl.NewTaskError("States.Runtime", "states:startExecution parameters: "+err.Error())
	}
	input := "{}"
	if len(p.Input) > 0 {
		var s string
		if json.Unmarshal(p.Input, &s) == nil {
			input = s
		} else {
			input = string(p.Input)
		}
	}
	// The child outlives this call (a .sync parent may be stopped).
	sm, err := t.sfn.DescribeStateMachine(ctx, p.StateMachineArn)
	if err != nil {
		return nil, sfnTaskError(err)
	}
	var ex *asl.Execution
	if pattern != "" && sm.Type == asl.TypeExpress {
		res, err := t.sfn.StartSyncExecution(ctx, p.StateMachineArn, p.Name, input)
		if err != nil {
			return nil, sfnTaskError(err)
		}
		ex = &res.Execution
	} else {
		ex, err = t.sfn.StartExecution(context.WithoutCancel(ctx), p.StateMachineArn, p.Name, input)
		if err != nil {
			return nil, sfnTaskError(err)
		}
	}
	if pattern == "" {
		return json.Marshal(map[string]any{"ExecutionArn": ex.Arn, "StartDate": ex.StartDate.UnixMilli()})
	}
	if ex.Status == asl.StatusRunning {
		if ex, err = t.sfn.WaitExecution(ctx, ex.Arn); err != nil {
			return nil, err
		}
	}
	desc := map[string]any{
		"ExecutionArn": ex.Arn, "StateMachineArn": ex.StateMachineArn, "Name": ex.Name, "Status": ex.Status,
		"StartDate": ex.StartDate.UnixMilli(), "StopDate": ex.StopDate.UnixMilli(),
		"Input": ex.Input, "InputDetails": map[string]bool{"Included": true},
	}
	if ex.Status == asl.StatusSucceeded {
		desc["Output"], desc["OutputDetails"] = ex.Output, map[string]bool{"Included": true}
	} else {
		desc["Error"], desc["Cause"] = ex.Error, ex.Cause
	}
	if pattern == "sync:2" {
		desc["Input"] = json.RawMessage(ex.Input)
		if ex.Status == asl.StatusSucceeded {
			desc["Output"] = json.RawMessage(ex.Output)
		}
	}
	out, err := json.Marshal(desc)
	if err != nil {
		return nil, err
	}
	if ex.Status != asl.StatusSucceeded {
		// As Step Functions does: the child's description is the cause.
		return nil, asl.NewTaskError("States.TaskFailed", string(out))
	}
	return out, nil
}

func sfnTaskError(err error) error {
	var ae *asl.APIError
	if errors.As(err, &ae) {
		return asl.NewTaskError("StepFunctions."+ae.Code+"Exception", ae.Message)
	}
	return err
}

// record stands in for SNS, which sfapi does not run: the message goes to
// the default event bus as an event (source sfapi.sns, the task's
// parameters as detail) so that rules and `sfapi dev` logs see it, and the
// task gets a plausible response.
func (t *tasks) record(ctx context.Context, source, detailType string, params json.RawMessage) (json.RawMessage, error) {
	var p map[string]any
	if err := json.Unmarshal(params, &p); err != nil {
		return nil, asl.NewTaskError("States.Runtime", detailType+" parameters are not a JSON object")
	}
	if _, ok := p["Message"]; !ok {
		return nil, asl.NewTaskError("SNS.InvalidParameterException", "Invalid parameter: Message")
	}
	detail, err := json.Marshal(p)
	if err != nil {
		return nil, err
	}
	entry, _ := json.Marshal(map[string]any{"Entries": []map[string]any{{
		"Source": source, "DetailType": detailType, "Detail": string(detail), "EventBusName": "default"}}})
	resp := t.mux.Invoke(ctx, "AWSEvents.PutEvents", entry)
	if resp.Status != http.StatusOK {
		return nil, taskError("EventBridge.", resp.Body)
	}
	if err := failedEntries(resp.Body); err != nil {
		return nil, err
	}
	return json.Marshal(map[string]string{"MessageId": uuid.NewString()})
}

// sqsExceptions are the SQS errors the AWS SDK for Java models as their own
// exception class; Step Functions names a task's error after the class
// ("SQS.QueueDoesNotExistException"), and after AmazonSQSException for the
// others (InvalidParameterValue, MissingParameter).
var sqsExceptions = map[string]bool{
	"QueueDoesNotExist": true, "InvalidMessageContents": true, "ReceiptHandleIsInvalid": true,
	"MessageNotInflight": true, "BatchEntryIdsNotDistinct": true, "EmptyBatchRequest": true,
	"TooManyEntriesInBatchRequest": true, "InvalidBatchEntryId": true, "InvalidAttributeName": true,
	"InvalidAttributeValue": true, "QueueNameExists": true, "PurgeQueueInProgress": true,
}

// sqs runs arn:aws:states:::sqs:ACTION (optimized; sendMessage takes
// MessageBody as JSON too) and aws-sdk:sqs:ACTION against the emulator's
// queues.
func (t *tasks) sqs(ctx context.Context, op string, sdk bool, params json.RawMessage) (json.RawMessage, error) {
	prefix := "SQS."
	if sdk {
		prefix = "Sqs."
	}
	body := []byte(params)
	if !sdk && strings.EqualFold(op, "sendMessage") {
		var p map[string]any
		if err := json.Unmarshal(params, &p); err != nil {
			return nil, asl.NewTaskError("States.Runtime", "sqs:sendMessage parameters are not a JSON object")
		}
		switch mb := p["MessageBody"].(type) {
		case string:
		case nil:
			return nil, asl.NewTaskError(prefix+"AmazonSQSException", "The request must contain the parameter MessageBody.")
		default:
			b, err := json.Marshal(mb)
			if err != nil {
				return nil, err
			}
			p["MessageBody"] = string(b)
			if body, err = json.Marshal(p); err != nil {
				return nil, err
			}
		}
	}
	resp := t.mux.Invoke(ctx, "AmazonSQS."+upperFirst(op), body)
	if resp.Status != http.StatusOK {
		var env struct {
			Type    string `json:"__type"`
			Message string `json:"message"`
		}
		_ = json.Unmarshal(resp.Body, &env)
		code := env.Type[strings.LastIndexByte(env.Type, '#')+1:]
		if sqsExceptions[code] {
			return nil, asl.NewTaskError(prefix+code+"Exception", env.Message)
		}
		return nil, asl.NewTaskError(prefix+"AmazonSQSException", env.Message)
	}
	return resp.Body, nil
}

// apigatewayInvoke is the apigateway:invoke integration, for the one API
// sfapi serves through it: the WebSocket management API (@connections).
func (t *tasks) apigatewayInvoke(ctx context.Context, params json.RawMessage) (json.RawMessage, error) {
	var p struct {
		ApiEndpoint string
		Method      string
		Stage       string
		Path        string
		Headers     map[string][]string
		RequestBody json.RawMessage
	}
	if err := json.Unmarshal(params, &p); err != nil {
		return nil, asl.NewTaskError("States.Runtime", "apigateway:invoke parameters: "+err.Error())
	}
	if !strings.Contains("/"+strings.TrimPrefix(p.Path, "/"), "/@connections/") {
		return nil, asl.NewTaskError("States.Runtime", fmt.Sprintf("apigateway:invoke of %s%s is not emulated: sfapi serves only the WebSocket @connections API through it", p.ApiEndpoint, p.Path))
	}
	if p.Method == "" {
		p.Method = http.MethodGet
	}
	var body []byte
	if len(p.RequestBody) > 0 {
		var s string
		if json.Unmarshal(p.RequestBody, &s) == nil {
			body = []byte(s)
		} else {
			body = p.RequestBody
		}
	}
	path := "/" + strings.TrimPrefix(p.Path, "/")
	if p.Stage != "" {
		path = "/" + p.Stage + path
	}
	r, err := http.NewRequestWithContext(ctx, p.Method, path, bytes.NewReader(body))
	if err != nil {
		return nil, asl.NewTaskError("States.Runtime", "apigateway:invoke: "+err.Error())
	}
	for k, vs := range p.Headers {
		for _, v := range vs {
			r.Header.Add(k, v)
		}
	}
	w := &recorder{header: http.Header{}, status: http.StatusOK}
	t.ws.ServeHTTP(w, r)
	headers := map[string][]string(w.header)
	out := map[string]any{"StatusCode": w.status, "StatusText": http.StatusText(w.status), "Headers": headers}
	if w.body.Len() > 0 {
		if json.Valid(w.body.Bytes()) {
			out["ResponseBody"] = json.RawMessage(w.body.Bytes())
		} else {
			out["ResponseBody"] = w.body.String()
		}
	}
	res, err := json.Marshal(out)
	if err != nil {
		return nil, err
	}
	if w.status >= 300 {
		// Step Functions fails the task with the status code as the error.
		return nil, asl.NewTaskError("ApiGateway."+strconv.Itoa(w.status), string(res))
	}
	return res, nil
}

// recorder is an in-process http.ResponseWriter.
type recorder struct {
	header http.Header
	status int
	wrote  bool
	body   bytes.Buffer
}

func (r *recorder) Header() http.Header { return r.header }

func (r *recorder) WriteHeader(code int) {
	if !r.wrote {
		r.status, r.wrote = code, true
	}
}

func (r *recorder) Write(b []byte) (int, error) {
	r.wrote = true
	return r.body.Write(b)
}

var _ io.Writer = (*recorder)(nil)

// pascalKeys upper-cases the first letter of every object key.
func pascalKeys(body []byte) (json.RawMessage, error) {
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		return nil, fmt.Errorf("decode service response: %w", err)
	}
	var walk func(any) any
	walk = func(x any) any {
		switch t := x.(type) {
		case map[string]any:
			out := make(map[string]any, len(t))
			for k, e := range t {
				out[upperFirst(k)] = walk(e)
			}
			return out
		case []any:
			for i := range t {
				t[i] = walk(t[i])
			}
		}
		return x
	}
	return json.Marshal(walk(v))
}
