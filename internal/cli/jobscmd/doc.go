// Package jobscmd implements `sfapi jobs list|get|submit|watch`: it finds the
// running stack (a local `sfapi dev` through PROJECT/.sfapi/endpoints.json,
// explicit --endpoint/--api/--ws URLs, or a deployed stack's CloudFormation
// outputs with --stack), reads jobs from the project's job table through the
// DynamoDB API, execution journeys through Step Functions GetExecutionHistory,
// and push events from the WebSocket API, and binds all of that to the
// tui.JobSource port for the live terminal UI.
//
// It is CLI edge code: it may import cobra, the AWS SDK and net/http. It
// must not be imported by anything but internal/cli.
package jobscmd
