// Package devcmd implements `sfapi dev`: it loads the project, starts the
// emulator on the embedded backend, prints one ready line per endpoint to
// stdout once every listener is bound, and shuts down gracefully on the
// first SIGINT/SIGTERM (a second one aborts the drain).
//
// devRun sees only DevOptions, never cobra or viper.
package devcmd
