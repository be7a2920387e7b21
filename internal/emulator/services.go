package emulator

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"unicode"

	"github.com/sfapi/sfapi/internal/emulator/asl"
	"github.com/sfapi/sfapi/internal/emulator/awsjson"
	"github.com/sfapi/sfapi/internal/emulator/ddbapi"
	"github.com/sfapi/sfapi/internal/emulator/push"
)

// Each AWS service the emulator speaks, by the names the three callers use:
// API Gateway integration uris ("dynamodb"), Step Functions resource ARNs
// ("dynamodb", "events", "states", and SDK names such as "sfn" or
// "eventbridge"), and the X-Amz-Target prefix of its JSON protocol.
type service struct {
	targetPrefix string
	// errorPrefix names the service in a Step Functions task error, which
	// differs between optimized integrations ("DynamoDB.") and AWS SDK
	// integrations ("DynamoDb.").
	optimizedErrorPrefix string
	sdkErrorPrefix       string
}

var services = map[string]service{
	"dynamodb":    {"DynamoDB_20120810", "DynamoDB.", "DynamoDb."},
	"states":      {"AWSStepFunctions", "StepFunctions.", "Sfn."},
	"sfn":         {"AWSStepFunctions", "StepFunctions.", "Sfn."},
	"events":      {"AWSEvents", "EventBridge.", "EventBridge."},
	"eventbridge": {"AWSEvents", "EventBridge.", "EventBridge."},
}

// integrations lets API Gateway's `type: aws` integrations call the
// emulator's own services in process, exactly as API Gateway calls AWS.
type integrations struct{ mux *awsjson.Mux }

func (i integrations) Invoke(ctx context.Context, svc, action string, body []byte) (int, []byte, error) {
	if svc == "sqs" {
		st, b := invokeSQS(ctx, i.mux, action, body)
		return st, b, nil
	}
	s, ok := services[svc]
	if !ok {
		return 0, nil, fmt.Errorf("service %q is not emulated by sfapi dev (emulated: dynamodb, states, events, sqs)", svc)
	}
	resp := i.mux.Invoke(ctx, s.targetPrefix+"."+action, body)
	return resp.Status, resp.Body, nil
}

// tasks binds Step Functions task resources to the emulator's services:
//
//	arn:aws:states:::dynamodb:putItem            optimized integration
//	arn:aws:states:::events:putEvents            optimized integration
//	arn:aws:states:::states:startExecution       optimized integration
//	arn:aws:states:::aws-sdk:dynamodb:query      AWS SDK integration
//	arn:aws:states:::sqs:sendMessage             optimized integration (the queue)
//	arn:aws:states:::aws-sdk:sqs:sendMessage     AWS SDK integration
//	arn:aws:states:::sns:publish                 recorded as an event
//	arn:aws:states:::apigateway:invoke           WebSocket @connections posts
//
// sfn and ws are set once the engines exist (the engine needs its invoker
// first).
type tasks struct {
	mux *awsjson.Mux
	sfn *asl.Engine
	ws  http.Handler
	// router, when set, runs the optimized events:putEvents task without
	// the JSON round trips of the mux (direct.go). It is the router
	// behind the mux's AWSEvents service, which no backend replaces.
	router *push.Router
	// ddb, when set, runs the hot DynamoDB item operations of tasks
	// without the mux's JSON round trip (direct.go). Only set when the
	// mux's DynamoDB service is the emulator's own (no backend).
	ddb *ddbapi.Direct
}

var _ asl.TaskInvoker = (*tasks)(nil)

func (t *tasks) Invoke(ctx context.Context, req asl.TaskRequest) (json.RawMessage, error) {
	const prefix = "arn:aws:states:::"
	res, ok := strings.CutPrefix(req.Resource, prefix)
	if !ok {
		return nil, asl.NewTaskError("States.Runtime", fmt.Sprintf("resource %s cannot run locally: only service integrations (%s...) are emulated", req.Resource, prefix))
	}
	sdk := false
	if rest, ok := strings.CutPrefix(res, "aws-sdk:"); ok {
		res, sdk = rest, true
	}
	svcName, action, ok := strings.Cut(res, ":")
	if !ok {
		return nil, asl.NewTaskError("States.Runtime", "malformed resource "+req.Resource)
	}
	if out, handled, err := t.invokeSpecial(ctx, svcName, action, sdk, req); handled {
		return out, err
	}
	if i := strings.IndexByte(action, '.'); i >= 0 {
		return nil, asl.NewTaskError("States.Runtime", fmt.Sprintf("the %s integration pattern of %s is not emulated yet", action[i:], req.Resource))
	}
	s, ok := services[svcName]
	if !ok {
		return nil, asl.NewTaskError("States.Runtime", fmt.Sprintf("service %q of %s is not emulated by sfapi dev", svcName, req.Resource))
	}
	if s.targetPrefix == "AWSEvents" && !sdk && upperFirst(action) == "PutEvents" {
		if out, handled, err := t.putEventsDirect(ctx, req.Value); handled {
			return out, err
		}
	}
	if s.targetPrefix == ddbapi.DynamoDBPrefix {
		errPrefix := s.optimizedErrorPrefix
		if sdk {
			errPrefix = s.sdkErrorPrefix
		}
		if out, handled, err := t.dynamoDBDirect(ctx, upperFirst(action), errPrefix, req.Value); handled {
			return out, err
		}
	}
	body := []byte(req.Parameters)
	if s.targetPrefix == "AWSEvents" && strings.EqualFold(action, "putEvents") && !sdk {
		var err error
		if body, err = detailsToStrings(body); err != nil {
			return nil, asl.NewTaskError("States.Runtime", err.Error())
		}
	}
	resp := t.mux.Invoke(ctx, s.targetPrefix+"."+upperFirst(action), body)
	if resp.Status != http.StatusOK {
		errPrefix := s.optimizedErrorPrefix
		if sdk {
			errPrefix = s.sdkErrorPrefix
		}
		return nil, taskError(errPrefix, resp.Body)
	}
	if s.targetPrefix == "AWSEvents" && !sdk {
		if err := failedEntries(resp.Body); err != nil {
			return nil, err
		}
	}
	if sdk && s.targetPrefix == "AWSStepFunctions" {
		// SDK integrations name result members in PascalCase; the Step
		// Functions wire uses camelCase.
		return pascalKeys(resp.Body)
	}
	return resp.Body, nil
}

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	r := []rune(s)
	r[0] = unicode.ToUpper(r[0])
	return string(r)
}

// taskError turns an AWS error envelope into the Step Functions error a
// Catch sees: "DynamoDB.ConditionalCheckFailedException" and the message.
func taskError(prefix string, body []byte) error {
	var env struct {
		Type    string `json:"__type"`
		Message string `json:"message"`
	}
	_ = json.Unmarshal(body, &env)
	code := env.Type
	if i := strings.LastIndexByte(code, '#'); i >= 0 {
		code = code[i+1:]
	}
	if code == "" {
		code = "AmazonServiceException"
	}
	return asl.NewTaskError(prefix+code, env.Message)
}

// detailsToStrings lets the optimized events:putEvents integration take
// Detail as a JSON object, as Step Functions does, by serialising it to the
// string PutEvents expects.
func detailsToStrings(body []byte) ([]byte, error) {
	var req map[string]any
	if err := json.Unmarshal(body, &req); err != nil {
		return nil, fmt.Errorf("events:putEvents parameters are not a JSON object: %w", err)
	}
	entries, _ := req["Entries"].([]any)
	for _, e := range entries {
		m, ok := e.(map[string]any)
		if !ok {
			continue
		}
		if d, ok := m["Detail"]; ok {
			if _, isString := d.(string); !isString {
				b, err := json.Marshal(d)
				if err != nil {
					return nil, err
				}
				m["Detail"] = string(b)
			}
		}
	}
	return json.Marshal(req)
}

// failedEntries fails an optimized events:putEvents task whose entries were
// not all accepted, as Step Functions does.
func failedEntries(body []byte) error {
	var resp struct {
		FailedEntryCount int
		Entries          []struct{ ErrorCode, ErrorMessage string }
	}
	if json.Unmarshal(body, &resp) != nil {
		return nil
	}
	return failedEntry(resp.FailedEntryCount, len(resp.Entries), func(i int) (string, string) {
		return resp.Entries[i].ErrorCode, resp.Entries[i].ErrorMessage
	})
}
