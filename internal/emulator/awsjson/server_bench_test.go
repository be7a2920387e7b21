package awsjson

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"testing"
	"time"
)

// sdkRequest is a PutItem request as aws-sdk-go-v2 v1.74 writes it (head
// captured with strace from scripts/ddbbench): ten headers, a SigV4
// Authorization among them, about 700 bytes before a 299-byte body.
func sdkRequest(n int) string {
	body := fmt.Sprintf(`{"Item":{"data":{"S":"%0170d"},"pk":{"S":"p200-3-%06d"},"sk":{"N":"0"}},"TableName":"ddbbench_1764204808123456789"}`, 0, n)
	return "POST / HTTP/1.1\r\nHost: 127.0.0.1:34299\r\n" +
		"User-Agent: aws-sdk-go-v2/1.48.0 ua/2.1 os/linux lang/go#1.26.8 md/GOOS#linux md/GOARCH#amd64 api/dynamodb#1.74.0 m/e\r\n" +
		fmt.Sprintf("Content-Length: %d\r\n", len(body)) +
		fmt.Sprintf("Accept-Encoding: identity\r\nAmz-Sdk-Invocation-Id: 88f9e5d9-2d3a-49db-96a4-%012d\r\n", n) +
		"Amz-Sdk-Request: attempt=1; max=1\r\n" +
		"Authorization: AWS4-HMAC-SHA256 Credential=AKID/20261127/us-east-1/dynamodb/aws4_request, " +
		"SignedHeaders=accept-encoding;amz-sdk-invocation-id;amz-sdk-request;content-length;content-type;host;x-amz-date;x-amz-target, " +
		"Signature=baac21b4b436a443b29c181f682da749e982747414888d647345d078943c275e\r\n" +
		"Content-Type: application/x-amz-json-1.0\r\nX-Amz-Date: 20261127T005328Z\r\nX-Amz-Target: DynamoDB_20120810.PutItem\r\n\r\n" +
		body
}

// memConn is a net.Conn that reads a fixed input and discards what is
// written, counting it: the server's HTTP work without the kernel's.
type memConn struct {
	r       *bytes.Reader
	written int
	first   []byte // the start of the first response
}

func (c *memConn) Read(p []byte) (int, error) { return c.r.Read(p) }
func (c *memConn) Write(p []byte) (int, error) {
	if c.first == nil {
		c.first = append([]byte(nil), p[:min(len(p), 64)]...)
	}
	c.written += len(p)
	return len(p), nil
}
func (c *memConn) Close() error                     { return nil }
func (c *memConn) LocalAddr() net.Addr              { return &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 8000} }
func (c *memConn) RemoteAddr() net.Addr             { return &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 40000} }
func (c *memConn) SetDeadline(time.Time) error      { return nil }
func (c *memConn) SetReadDeadline(time.Time) error  { return nil }
func (c *memConn) SetWriteDeadline(time.Time) error { return nil }

// BenchmarkServeSDKRequest is the AWS port's own cost per SDK request:
// fasthttp's parse of the SDK's head, the dispatch by X-Amz-Target, the
// request id, the CRC32 and the response, for an operation that does no
// work, over a connection in memory (up to 1,000 keep-alive requests per
// connection, read as they arrive). It is the part of the server's CPU per
// DynamoDB call that this package owns.
func BenchmarkServeSDKRequest(b *testing.B) {
	m := NewMux(nil)
	m.Register(&Service{TargetPrefix: "DynamoDB_20120810", ContentType: "application/x-amz-json-1.0",
		ErrorTypePrefix: "com.amazonaws.dynamodb.v20120810#", ResponseCRC32: true, RequestID: DynamoDBRequestID,
		Operations: map[string]Operation{"PutItem": func(context.Context, []byte) (any, error) { return emptyResult{}, nil }}})
	s := NewServer(m, ServerOptions{})
	// Every request has the same length (fixed-width counters), so the
	// first n of them are a prefix of the buffer.
	const perConn = 1000
	var in bytes.Buffer
	for i := range perConn {
		in.WriteString(sdkRequest(i))
	}
	reqLen := in.Len() / perConn
	if in.Len() != perConn*reqLen || len(sdkRequest(0)) != reqLen {
		b.Fatal("requests differ in length")
	}
	c := &memConn{}
	b.ReportAllocs()
	b.ResetTimer()
	for done := 0; done < b.N; done += perConn {
		n := min(perConn, b.N-done)
		c.r = bytes.NewReader(in.Bytes()[:n*reqLen])
		if err := s.srv.ServeConn(c); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	if !bytes.HasPrefix(c.first, []byte("HTTP/1.1 200 OK\r\n")) {
		b.Fatalf("first response: %q", c.first)
	}
}

// emptyResult encodes itself as PutItem's usual answer.
type emptyResult struct{}

func (emptyResult) MarshalAWSJSON() ([]byte, error) { return []byte("{}"), nil }
