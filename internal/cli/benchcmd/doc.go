// Package benchcmd implements `sfapi bench`: a load generator for a
// storage-first job API. It POSTs job bodies (a template with {{i}} and
// {{uuid}}) in a closed loop (-c clients, each waiting for its 202) or an
// open loop (--rate requests per second, whatever the answers), and follows
// every accepted job to its terminal status through the push WebSocket and
// by polling the job's status link. It reports acknowledgement latency,
// end-to-end job latency, jobs/s, failed and lost jobs.
//
// The load engine (Plan, Run, Report) knows nothing of cobra; the command
// finds the target (a running `sfapi dev` from the project folder, --api,
// or a deployed stack's outputs with --stack) and prints the report.
//
// It is CLI edge code: it may import cobra, net/http and the AWS SDK (for
// --stack). It must not be imported by anything but internal/cli.
package benchcmd
