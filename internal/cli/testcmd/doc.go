// Package testcmd is `sfapi test -- CMD`: it starts the project's stack
// in process on free ports with fresh state, runs CMD with the environment
// every AWS SDK and the aws CLI honour (AWS_ENDPOINT_URL and the
// per-service variables, dummy credentials, region) plus SFAPI_API_URL and
// SFAPI_WS_URL, forwards signals to it, stops the stack and exits with
// CMD's code. On failure it prints the last jobs and where they failed.
//
// It binds internal/emulator and internal/project to the command line; it
// must not import other command packages, the AWS SDK or testcontainers.
package testcmd
