package ddbapi

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/sfapi/sfapi/internal/emulator/kv"
	"github.com/sfapi/sfapi/internal/emulator/rawhttp"
)

// benchInMemory runs the wire benchmarks on an unsynced store, to separate
// CPU cost from fsync latency.
var benchInMemory = flag.Bool("bench-inmemory", false, "run wire benchmarks without fsync")

// cpuTime returns the process's user+system CPU time.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func benchClient() *http.Client {
	return &http.Client{Transport: &http.Transport{MaxIdleConns: 256, MaxIdleConnsPerHost: 256, IdleConnTimeout: time.Minute}}
}

// BenchmarkPutItemWire: durable PutItem through the SDK over HTTP, 32
// concurrent clients, ~200-byte items, table with a stream. cpu-µs/op is
// client and server together (same process).
func BenchmarkPutItemWire(b *testing.B) {
	f := newFixtureWith(b, kv.Options{InMemory: *benchInMemory})
	cfg := aws.Config{Region: "us-east-1", Credentials: credentials.NewStaticCredentialsProvider("AKID", "SECRET", ""), HTTPClient: benchClient()}
	client := dynamodb.NewFromConfig(cfg, func(o *dynamodb.Options) { o.BaseEndpoint = aws.String(f.url) })
	createBenchTable(b, f)
	payload := &types.AttributeValueMemberS{Value: strings.Repeat("x", 170)}
	var n atomic.Int64
	runWire(b, f, func() error {
		_, err := client.PutItem(context.Background(), &dynamodb.PutItemInput{TableName: aws.String("Bench"),
			Item: map[string]types.AttributeValue{"pk": &types.AttributeValueMemberS{Value: fmt.Sprintf("k%012d", n.Add(1))}, "data": payload}})
		return err
	})
}

// BenchmarkPutItemWireRaw is the same load from a minimal HTTP/1.1 client
// (one keep-alive connection per goroutine, a prebuilt request, a response
// parser that reads only Content-Length), so the process CPU per op is
// nearly all the server's; profile it with -cpuprofile.
func BenchmarkPutItemWireRaw(b *testing.B) {
	payload := strings.Repeat("x", 170)
	runRaw(b, "PutItem", func(n int64) string {
		return fmt.Sprintf(`{"TableName":"Bench","Item":{"pk":{"S":"k%012d"},"data":{"S":"%s"}}}`, n, payload)
	})
}

// BenchmarkPutItemWireSDKShape is BenchmarkPutItemWireRaw with each request
// shaped as aws-sdk-go-v2 sends it: its ten headers (SigV4 Authorization,
// User-Agent, invocation id, date; about 700 bytes against the raw
// client's 100) in one write and the body in a second one. net/http flushes
// the headers before a body that is not a bytes or strings reader, and the
// SDK's is not, so every SDK request reaches the server as two TCP
// segments, and the server's read of the second makes the kernel send a
// pure ACK. The difference from BenchmarkPutItemWireRaw is what the SDK's
// request shape costs the server, without the cross-process wake-ups that
// scripts/ddbbench also pays.
func BenchmarkPutItemWireSDKShape(b *testing.B) {
	payload := strings.Repeat("x", 170)
	runRawShaped(b, "PutItem", true, func(n int64) string {
		return fmt.Sprintf(`{"TableName":"Bench","Item":{"pk":{"S":"k%012d"},"data":{"S":"%s"}}}`, n, payload)
	})
}

// BenchmarkUpdateItemWireRaw: UpdateItem on 4,096 items (the first round
// creates them, later ones modify them: the stream record carries both
// images), same client and table as BenchmarkPutItemWireRaw.
func BenchmarkUpdateItemWireRaw(b *testing.B) {
	payload := strings.Repeat("x", 170)
	runRaw(b, "UpdateItem", func(n int64) string {
		return fmt.Sprintf(`{"TableName":"Bench","Key":{"pk":{"S":"k%012d"}},"UpdateExpression":"SET #d = :d ADD n :one",`+
			`"ExpressionAttributeNames":{"#d":"data"},"ExpressionAttributeValues":{":d":{"S":"%s"},":one":{"N":"1"}}}`, n%4096, payload)
	})
}

// runRaw sends the bodies body(1), body(2), ... to action from 32 raw
// clients.
func runRaw(b *testing.B, action string, body func(n int64) string) {
	runRawShaped(b, action, false, body)
}

// runRawShaped is runRaw with, if sdk is set, requests shaped as the SDK's
// (see BenchmarkPutItemWireSDKShape).
func runRawShaped(b *testing.B, action string, sdk bool, body func(n int64) string) {
	f := newFixtureWith(b, kv.Options{InMemory: *benchInMemory})
	createBenchTable(b, f)
	var n atomic.Int64
	addr := strings.TrimPrefix(f.url, "http://")
	conns := make(chan *rawConn, 64)
	b.Cleanup(func() {
		close(conns)
		for c := range conns {
			c.Close()
		}
	})
	runWire(b, f, func() error {
		var c *rawConn
		select {
		case c = <-conns:
		default:
			rc, err := rawhttp.Dial(addr)
			if err != nil {
				return err
			}
			c = &rawConn{Conn: rc, sdk: sdk}
		}
		status, err := c.roundTrip(DynamoDBPrefix+"."+action, body(n.Add(1)))
		if err != nil {
			return err
		}
		if status != 200 {
			return fmt.Errorf("status %d", status)
		}
		select {
		case conns <- c:
		default:
			c.Close()
		}
		return nil
	})
}

// rawConn is a rawhttp connection with its request buffer.
type rawConn struct {
	*rawhttp.Conn
	req []byte
	sdk bool // send the SDK's headers, and the body in a write of its own
	n   int
}

// sdkHead is the head of a PutItem request as aws-sdk-go-v2 v1.74 writes
// it (captured with strace from scripts/ddbbench), with the content
// length, an invocation id and the target to fill in.
const sdkHead = "POST / HTTP/1.1\r\nHost: 127.0.0.1:34299\r\n" +
	"User-Agent: aws-sdk-go-v2/1.48.0 ua/2.1 os/linux lang/go#1.26.8 md/GOOS#linux md/GOARCH#amd64 api/dynamodb#1.74.0 m/e\r\n" +
	"Content-Length: %d\r\nAccept-Encoding: identity\r\nAmz-Sdk-Invocation-Id: 88f9e5d9-2d3a-49db-96a4-%012d\r\n" +
	"Amz-Sdk-Request: attempt=1; max=1\r\n" +
	"Authorization: AWS4-HMAC-SHA256 Credential=AKID/20261127/us-east-1/dynamodb/aws4_request, " +
	"SignedHeaders=accept-encoding;amz-sdk-invocation-id;amz-sdk-request;content-length;content-type;host;x-amz-date;x-amz-target, " +
	"Signature=baac21b4b436a443b29c181f682da749e982747414888d647345d078943c275e\r\n" +
	"Content-Type: application/x-amz-json-1.0\r\nX-Amz-Date: 20261127T005328Z\r\nX-Amz-Target: %s\r\n\r\n"

func (c *rawConn) roundTrip(target, body string) (int, error) {
	if c.sdk {
		c.n++
		c.req = fmt.Appendf(c.req[:0], sdkHead, len(body), c.n, target)
		if _, err := c.Write(c.req); err != nil {
			return 0, err
		}
		if _, err := io.WriteString(c, body); err != nil {
			return 0, err
		}
	} else {
		c.req = fmt.Appendf(c.req[:0], "POST / HTTP/1.1\r\nHost: bench\r\nX-Amz-Target: %s\r\nContent-Type: application/x-amz-json-1.0\r\nContent-Length: %d\r\n\r\n%s", target, len(body), body)
		if _, err := c.Write(c.req); err != nil {
			return 0, err
		}
	}
	return c.ReadResponse()
}

func createBenchTable(b *testing.B, f *fixture) {
	b.Helper()
	body := `{"TableName":"Bench","KeySchema":[{"AttributeName":"pk","KeyType":"HASH"}],"AttributeDefinitions":[{"AttributeName":"pk","AttributeType":"S"}],
		"BillingMode":"PAY_PER_REQUEST","StreamSpecification":{"StreamEnabled":true,"StreamViewType":"NEW_AND_OLD_IMAGES"}}`
	if r := f.mux.Invoke(context.Background(), DynamoDBPrefix+".CreateTable", []byte(body)); r.Status != 200 {
		b.Fatalf("create: %s", r.Body)
	}
}

// runWire runs put from 32 goroutines for b.N operations in total.
func runWire(b *testing.B, f *fixture, put func() error) {
	const clients = 32
	var left atomic.Int64
	left.Store(int64(b.N))
	errs := make(chan error, clients)
	b.ResetTimer()
	cpu0, t0, kv0 := cpuTime(), time.Now(), f.store.Stats()
	for range clients {
		go func() {
			for left.Add(-1) >= 0 {
				if err := put(); err != nil {
					errs <- err
					return
				}
			}
			errs <- nil
		}()
	}
	for range clients {
		if err := <-errs; err != nil {
			b.Fatal(err)
		}
	}
	elapsed, cpu := time.Since(t0), cpuTime()-cpu0
	b.StopTimer()
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "puts/s")
	b.ReportMetric(float64(cpu.Microseconds())/float64(b.N), "cpu-µs/op")
	// Writes per commit: how well group commit batched (fsync rounds and
	// per-commit work are shared by this many writes).
	kv1 := f.store.Stats()
	b.ReportMetric(float64(kv1.Writes-kv0.Writes)/float64(max(kv1.Commits-kv0.Commits, 1)), "writes/commit")
}
