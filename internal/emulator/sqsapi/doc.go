// Package sqsapi is the wire front of the sqs engine on the emulator's AWS
// endpoint: AWS's JSON protocol for SQS (X-Amz-Target: AmazonSQS.<Action>,
// what aws-sdk-go-v2 and aws CLI ≥ 2.13 send) registered on the awsjson.Mux,
// and the older query protocol (form-encoded Action=... requests answered in
// XML; Debian's aws CLI 2.9 and API Gateway's `aws` integrations speak it)
// as an http.Handler and an in-process Query call.
//
// Both protocols decode into one request shape and run the same
// operations, so they cannot drift apart. sqsapi is a wire package: it may
// import net/http and awsjson; the engine must not import it.
package sqsapi
