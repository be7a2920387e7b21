// Package containers is the Docker side of `sfapi dev --backend
// containers`: it runs DynamoDB Local and Step Functions Local (or images
// standing in for them) on a private network through testcontainers-go,
// waits until each answers a real API call, labels everything it creates
// with the project and session (so `sfapi dev --clean` finds what a crash
// left), keeps the containers between runs with Reuse, and relays Step
// Functions Local's EventBridge calls back to sfapi's own AWS endpoint.
//
// It also holds the preflight (Preflight: what of a project's state
// machines Step Functions Local cannot run; pure) and the builder of the
// stand-in images the tests use (BuildStandins).
//
// It is a wire/adapter package: it may import testcontainers-go and
// net/http. It must not import the engines, the CLI or aws-sdk-go-v2 (the
// SDK glue is internal/emulator/remote).
package containers
