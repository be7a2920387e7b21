package emulator

import (
	"context"
	"net/http"

	"github.com/sfapi/sfapi/internal/emulator/asl"
	"github.com/sfapi/sfapi/internal/emulator/awsjson"
	"github.com/sfapi/sfapi/internal/emulator/pipes"
	"github.com/sfapi/sfapi/internal/emulator/push"
	"github.com/sfapi/sfapi/internal/project"
)

// Backend replaces the embedded DynamoDB and Step Functions engines with
// services running elsewhere (the containers backend: DynamoDB Local and
// Step Functions Local). The REST front, the pipes, the event bus, the push
// hub and the SfapiPipes API stay sfapi's own; what touches tables, streams
// or executions goes through the Backend.
//
// It is a port: internal/emulator/remote binds it over aws-sdk-go-v2, so
// this package stays free of the SDK.
type Backend interface {
	// Register puts the remote DynamoDB, DynamoDB Streams and Step
	// Functions services on mux, replacing the embedded ones: API Gateway
	// integrations and the AWS endpoint then reach the remote services.
	Register(mux *awsjson.Mux)
	// Provision creates the project's tables (with streams and TTL) and
	// state machines on the remote services, updating definitions that
	// changed.
	Provision(ctx context.Context, p *project.Project) error
	// StreamSource reads the named table's stream; arn is its stream ARN.
	StreamSource(ctx context.Context, table string) (src pipes.Source, arn string, err error)
	// StateMachineTarget starts one execution per batch (synchronously
	// for REQUEST_RESPONSE pipes).
	StateMachineTarget(arn string, sync bool) pipes.Target
	// ExecutionStarter starts one execution per delivered event (a rule
	// target).
	ExecutionStarter(arn string) push.Target
}

// NewTaskInvoker returns the Task bindings of the embedded backend over
// mux (see tasks): the stand-in of Step Functions Local uses them with
// a mux forwarding DynamoDB and EventBridge to DYNAMODB_ENDPOINT and
// EVENTBRIDGE_ENDPOINT. bind hands it the engine once it exists, for
// states:startExecution. apigateway:invoke answers with ws.
func NewTaskInvoker(mux *awsjson.Mux, ws http.Handler) (inv asl.TaskInvoker, bind func(*asl.Engine)) {
	t := &tasks{mux: mux, ws: ws}
	return t, func(e *asl.Engine) { t.sfn = e }
}
