// Package emulator is the composition root of `sfapi dev`'s embedded
// backend. It opens the on-disk stores, starts the engines (ddb, asl, push),
// registers their wire APIs on one AWS JSON endpoint, provisions the
// project's tables, state machines, rules and pipes, binds the ports each
// engine declares (apigw.Integrations, asl.TaskInvoker, pipes.Source and
// pipes.Target) to concrete adapters, and serves the three listeners: the
// user's REST API, the AWS endpoint and the WebSocket push API.
//
// It is the only package that knows every engine; the engines know none of
// each other. It never imports internal/deploy or internal/tui.
package emulator
