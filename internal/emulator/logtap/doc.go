// Package logtap lets `sfapi logs` follow a running `sfapi dev`: Tap is a
// slog.Handler that passes every record to the process's own handler and,
// only while someone is subscribed, also encodes it (debug level and up)
// as a JSON line for each subscriber.
//
// With no subscriber, Tap is the base handler plus one atomic load: debug
// records that nobody reads are never built (Enabled says no), so following
// logs costs nothing until `sfapi logs` runs. A slow subscriber never slows
// the engines: its lines are dropped and counted instead.
//
// It imports only the standard library's log/slog; serving the lines is
// the emulator's job.
package logtap
