// Package awsjson is the AWS JSON protocol plumbing shared by every service
// the emulator speaks (DynamoDB, DynamoDB Streams, Step Functions,
// EventBridge): X-Amz-Target dispatch, request decoding, response encoding
// and the {"__type": ..., "message": ...} error envelope.
//
// Service packages (ddbapi, sfnapi, ...) register operations as plain
// functions that return a value or an *Error; only this package writes HTTP
// responses. The same Mux serves HTTP and in-process calls (Invoke), so API
// Gateway integrations and Step Functions tasks call the emulator's services
// exactly as a network client would.
//
// What differs between services' endpoints is a per-service option on
// Service: the x-amz-crc32 checksum and the health line of GET / (DynamoDB)
// and the form of x-amzn-RequestId; every response carries a request id.
//
// Two HTTP fronts serve a Mux: Mux.ServeHTTP (net/http; tests and any
// net/http server) and Server, the fasthttp HTTP/1.1 server of the
// emulator's AWS port, which spends less CPU per SDK request (see
// docs/benchmarks.md). They answer a well-formed request with the same
// status, AWS headers and body. Results that implement Marshaler encode
// themselves instead of going through json.Marshal.
//
// awsjson is a wire package: it may import net/http and fasthttp, and must
// not import the engines or the service packages.
package awsjson
