// Package rawhttp is the load generators' minimal HTTP/1.1 client
// connection, as wrk's: the caller writes a prepared request on a
// keep-alive TCP connection, and ReadResponse reads the status line and
// skips a body of Content-Length bytes, without allocating. Benchmarks
// use it where net/http's client would cost more CPU than the server
// they measure (ddbapi's PutItemWireRaw, the emulator's POST p99).
//
// It imports only the standard library and is imported only by tests.
package rawhttp
