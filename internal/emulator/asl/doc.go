// Package asl is the embedded Step Functions engine: it parses and
// validates Amazon States Language definitions, runs executions (one file
// per state type), records AWS-shaped execution history and keeps state
// machines, executions, history and checkpoints durable in a kv.DB so that
// RUNNING executions resume after a restart.
//
// It also answers TestState (one state, traced), .waitForTaskToken callbacks
// (durable task tokens), RedriveExecution, state machine tags, and Step
// Functions Local MockConfigFile mocks (mocks.go), and lists the Task
// resources the emulator cannot run (UnrunnableTasks). A distributed Map
// state runs a Map Run of child executions, each recorded like an
// execution, with the Map Run kept for DescribeMapRun / ListMapRuns /
// UpdateMapRun (state_map_distributed.go). Numeric fields that may be
// JSONata expressions or *Path reference paths are dynNum (dynfield.go).
//
// Tasks are delegated to a TaskInvoker supplied by the emulator (the
// consumer-side port); the engine knows nothing of DynamoDB or EventBridge.
// Data-flow (paths, payload templates, intrinsics) lives in asl/jsonpath;
// JSONata evaluation for JSONata states lives in asl/jsonata. Workflow
// variables (Assign) are scoped per execution, Parallel branch and Map
// iteration (variables.go) and checkpointed with the execution.
//
// asl is a core package: it must not import net/http, the AWS SDK, cobra,
// viper or the wire package sfnapi. Errors are Go values named after the
// Step Functions error codes; only sfnapi maps them to the wire.
package asl
