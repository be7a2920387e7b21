package remote

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/sfapi/sfapi/internal/emulator/awsjson"
)

// Credentials every remote call is signed with. DynamoDB Local runs with
// -sharedDb, so any key sees the same data; Step Functions Local accepts
// any key.
var Credentials = aws.Credentials{AccessKeyID: "sfapi", SecretAccessKey: "sfapi", Source: "sfapi"}

// Forwarder sends AWS JSON protocol requests to one endpoint, signed with
// SigV4 as an SDK would sign them (the real local images look for a signed
// request; the stand-ins ignore the signature).
type Forwarder struct {
	// Endpoint is the base URL, e.g. http://127.0.0.1:32768.
	Endpoint string
	// SigningName is the SigV4 service name: dynamodb, states, events.
	SigningName string
	Region      string
	// ContentType of the requests: application/x-amz-json-1.0 or -1.1.
	ContentType string
	Client      *http.Client
}

// Call posts body with X-Amz-Target target and returns the status and body
// of the answer. err is set only when no answer came (connection refused,
// timeout, ctx done).
func (f *Forwarder) Call(ctx context.Context, target string, body []byte) (int, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimSuffix(f.Endpoint, "/")+"/", bytes.NewReader(body))
	if err != nil {
		return 0, nil, fmt.Errorf("%s: %w", target, err)
	}
	ct := f.ContentType
	if ct == "" {
		ct = "application/x-amz-json-1.0"
	}
	req.Header.Set("Content-Type", ct)
	req.Header.Set("X-Amz-Target", target)
	sum := sha256.Sum256(body)
	region := f.Region
	if region == "" {
		region = "us-east-1"
	}
	if err := v4.NewSigner().SignHTTP(ctx, Credentials, req, hex.EncodeToString(sum[:]), f.SigningName, region, time.Now()); err != nil {
		return 0, nil, fmt.Errorf("%s: sign: %w", target, err)
	}
	c := f.Client
	if c == nil {
		c = http.DefaultClient
	}
	resp, err := c.Do(req)
	if err != nil {
		return 0, nil, fmt.Errorf("%s at %s: %w", target, f.Endpoint, err)
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(io.LimitReader(resp.Body, awsjson.MaxBodyBytes))
	if err != nil {
		return 0, nil, fmt.Errorf("%s at %s: read answer: %w", target, f.Endpoint, err)
	}
	return resp.StatusCode, out, nil
}

// Invoke is Call returning the answer as an awsjson operation does: the
// JSON body on 200, else an *awsjson.Error carrying the remote status,
// error code (without its "namespace#" prefix), message and other members.
func (f *Forwarder) Invoke(ctx context.Context, target string, body []byte) (json.RawMessage, error) {
	status, out, err := f.Call(ctx, target, body)
	if err != nil && ctx.Err() != nil {
		// The caller gave up (a deadline, a shutdown): say so, so that a
		// caller waiting on its own context sees its own error.
		return nil, fmt.Errorf("%s: %w", target, ctx.Err())
	}
	if err != nil {
		// The remote did not answer: a 503 the caller may retry, as an
		// SDK sees a throttled or unavailable endpoint.
		return nil, &awsjson.Error{Status: http.StatusServiceUnavailable, Code: "ServiceUnavailable", Message: err.Error()}
	}
	if status == http.StatusOK {
		if len(bytes.TrimSpace(out)) == 0 {
			out = []byte("{}")
		}
		if !json.Valid(out) {
			return nil, &awsjson.Error{Status: http.StatusBadGateway, Code: awsjson.CodeInternalFailure, Message: fmt.Sprintf("%s at %s answered a body that is not JSON", target, f.Endpoint)}
		}
		return out, nil
	}
	return nil, DecodeError(status, out)
}

// DecodeError turns an AWS JSON error answer into an *awsjson.Error.
func DecodeError(status int, body []byte) *awsjson.Error {
	e := &awsjson.Error{Status: status, Code: "InternalFailure"}
	var env map[string]any
	if json.Unmarshal(body, &env) != nil {
		e.Message = strings.TrimSpace(string(body))
		return e
	}
	for k, v := range env {
		switch strings.ToLower(k) {
		case "__type", "code":
			if s, ok := v.(string); ok && s != "" {
				e.Code = s[strings.LastIndexByte(s, '#')+1:]
			}
		case "message":
			if s, ok := v.(string); ok {
				e.Message = s
			}
		default:
			if e.Fields == nil {
				e.Fields = map[string]any{}
			}
			e.Fields[k] = v
		}
	}
	return e
}

// Service returns an awsjson service with the given identity whose
// operations (by action name) forward to f.
func (f *Forwarder) Service(prefix, errorTypePrefix string, actions []string) *awsjson.Service {
	ops := make(map[string]awsjson.Operation, len(actions))
	for _, a := range actions {
		target := prefix + "." + a
		ops[a] = func(ctx context.Context, body []byte) (any, error) {
			out, err := f.Invoke(ctx, target, body)
			if err != nil {
				return nil, err
			}
			return out, nil
		}
	}
	ct := f.ContentType
	if ct == "" {
		ct = "application/x-amz-json-1.0"
	}
	return &awsjson.Service{TargetPrefix: prefix, ContentType: ct, ErrorTypePrefix: errorTypePrefix, Operations: ops}
}

// Wire identities of the forwarded services.
const (
	DynamoDBPrefix      = "DynamoDB_20120810"
	StreamsPrefix       = "DynamoDBStreams_20120810"
	StepFunctionsPrefix = "AWSStepFunctions"
	EventsPrefix        = "AWSEvents"
	DynamoDBErrorPrefix = "com.amazonaws.dynamodb.v20120810#"
)

// The actions forwarded, per service: the whole public API of each, so the
// aws CLI reaches whatever the remote implements (and hears the remote's
// own answer for what it does not).
var (
	DynamoDBActions = []string{
		"BatchExecuteStatement", "BatchGetItem", "BatchWriteItem", "CreateBackup", "CreateGlobalTable",
		"CreateTable", "DeleteBackup", "DeleteItem", "DeleteTable", "DescribeBackup",
		"DescribeContinuousBackups", "DescribeEndpoints", "DescribeLimits", "DescribeTable",
		"DescribeTimeToLive", "ExecuteStatement", "ExecuteTransaction", "GetItem", "ListBackups",
		"ListTables", "ListTagsOfResource", "PutItem", "Query", "Scan", "TagResource",
		"TransactGetItems", "TransactWriteItems", "UntagResource", "UpdateContinuousBackups",
		"UpdateItem", "UpdateTable", "UpdateTimeToLive",
	}
	StreamsActions       = []string{"DescribeStream", "GetRecords", "GetShardIterator", "ListStreams"}
	StepFunctionsActions = []string{
		"CreateActivity", "CreateStateMachine", "CreateStateMachineAlias", "DeleteActivity",
		"DeleteStateMachine", "DeleteStateMachineAlias", "DeleteStateMachineVersion", "DescribeActivity",
		"DescribeExecution", "DescribeMapRun", "DescribeStateMachine", "DescribeStateMachineAlias",
		"DescribeStateMachineForExecution", "GetActivityTask", "GetExecutionHistory", "ListActivities",
		"ListExecutions", "ListMapRuns", "ListStateMachineAliases", "ListStateMachineVersions",
		"ListStateMachines", "ListTagsForResource", "PublishStateMachineVersion", "RedriveExecution",
		"SendTaskFailure", "SendTaskHeartbeat", "SendTaskSuccess", "StartExecution", "StartSyncExecution",
		"StopExecution", "TagResource", "TestState", "UntagResource", "UpdateMapRun", "UpdateStateMachine",
		"UpdateStateMachineAlias", "ValidateStateMachineDefinition",
	}
	EventsActions = []string{"PutEvents"}
	// SQSActions are what Step Functions' sqs tasks call (the stand-in of
	// Step Functions Local forwards them to SQS_ENDPOINT).
	SQSActions = []string{
		"ChangeMessageVisibility", "CreateQueue", "DeleteMessage", "GetQueueAttributes", "GetQueueUrl",
		"ListQueues", "PurgeQueue", "ReceiveMessage", "SendMessage", "SendMessageBatch",
	}
)

// RegisterDynamoDB puts DynamoDB and DynamoDB Streams services forwarding
// to endpoint on mux.
func RegisterDynamoDB(mux *awsjson.Mux, endpoint, region string, c *http.Client) {
	f := &Forwarder{Endpoint: endpoint, SigningName: "dynamodb", Region: region, Client: c}
	d := f.Service(DynamoDBPrefix, DynamoDBErrorPrefix, DynamoDBActions)
	d.ResponseCRC32, d.RequestID = true, awsjson.DynamoDBRequestID
	mux.Register(d)
	s := f.Service(StreamsPrefix, DynamoDBErrorPrefix, StreamsActions)
	s.ResponseCRC32, s.RequestID = true, awsjson.DynamoDBRequestID
	mux.Register(s)
}

// RegisterStepFunctions puts a Step Functions service forwarding to
// endpoint on mux.
func RegisterStepFunctions(mux *awsjson.Mux, endpoint, region string, c *http.Client) {
	f := &Forwarder{Endpoint: endpoint, SigningName: "states", Region: region, Client: c}
	mux.Register(f.Service(StepFunctionsPrefix, "", StepFunctionsActions))
}

// SQSPrefix is SQS's JSON-protocol target prefix.
const SQSPrefix = "AmazonSQS."

// RegisterSQS puts an SQS service (JSON protocol) forwarding to endpoint on
// mux.
func RegisterSQS(mux *awsjson.Mux, endpoint, region string, c *http.Client) {
	f := &Forwarder{Endpoint: endpoint, SigningName: "sqs", Region: region, ContentType: "application/x-amz-json-1.0", Client: c}
	mux.Register(f.Service(SQSPrefix, "", SQSActions))
}

// RegisterEvents puts an EventBridge service forwarding PutEvents to
// endpoint on mux (the stand-in of Step Functions Local sends its
// events:putEvents tasks there).
func RegisterEvents(mux *awsjson.Mux, endpoint, region string, c *http.Client) {
	f := &Forwarder{Endpoint: endpoint, SigningName: "events", Region: region, ContentType: "application/x-amz-json-1.1", Client: c}
	mux.Register(f.Service(EventsPrefix, "", EventsActions))
}
