// Package apigw is the REST front of the emulator: it serves a user's API from
// an OpenAPI 3 (or Swagger 2.0) document that carries API Gateway's
// x-amazon-apigateway-* extensions, and behaves the way API Gateway runs that
// document: resource routing (static, {param}, greedy {proxy+}, ANY), request
// validators, VTL request and response mapping templates, passthrough
// behaviour, integration response selection, response parameters, response
// overrides and API Gateway's own error responses (403 Missing Authentication
// Token, 400 Invalid request body, 415, 413, 500, 502, 504), customisable
// through x-amazon-apigateway-gateway-responses.
//
// Integrations: `aws` calls the emulator's AWS services through the
// Integrations port (bound by the emulator package to its in-process AWS JSON
// endpoint); `mock` answers from the integration responses; `http` and
// `http_proxy` forward to a real HTTP backend; `aws_proxy` (Lambda) cannot run
// locally and answers 502, with a warning from New.
//
// Also: API keys (the api_key security scheme, x-api-key checked against
// Options.APIKeys), CORS (x-amazon-apigateway-cors preflights and headers;
// the REST form is plain mock integrations), binary media types with
// contentHandling, and a debug-level execution log of every request.
//
// Check goes further than New for `sfapi validate`: it renders every mapping
// template with a sample request built from the request schema and reports
// what would fail at run time, with file:line.
//
// WebSocket APIs (websocket.routes in sfapi.yaml) are run by subpackage
// wsapi, on the push/ws transport.
//
// The whole document is parsed and checked in New so that a bad project stops
// `sfapi dev` with file:line messages instead of failing on the first request.
//
// apigw may import net/http (it is a wire package), apigw/mapping, ddb/attr
// (to check DynamoDB items in Check) and kin-openapi. It must not import internal/project (the caller hands over the
// already-resolved document), cobra, viper or aws-sdk-go-v2.
package apigw
