// Package logscmd implements `sfapi logs`: it follows the structured logs
// of a running `sfapi dev` — requests with their rendered integration
// request and response, stream batches, execution state transitions, events
// and pushes — from the dev process's logs socket (found through
// endpoints.json in the data dir), filtered by job id, as text or JSON lines.
//
// It may import cobra, cmdutil, iostreams and the emulator's endpoint file
// reader; the stream format is the JSON lines of log/slog.
package logscmd
