package awsjson

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"net"
	"net/http"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// startServer serves mux (plus an "other" handler on /@connections/ paths)
// on a loopback port and returns its address; the server is shut down when
// the test ends.
func startServer(t testing.TB, mux *Mux) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	other := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		w.WriteHeader(http.StatusGone)
		_, _ = fmt.Fprintf(w, "other %s %s", r.Method, r.URL.Path)
	})
	srv := NewServer(mux, ServerOptions{Other: other, OtherPath: func(p string) bool { return strings.Contains(p, "/@connections/") }})
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			t.Errorf("shutdown: %v", err)
		}
		if err := <-served; err != nil {
			t.Errorf("serve: %v", err)
		}
	})
	return ln.Addr().String()
}

// rawResponse is one HTTP response read off a raw connection.
type rawResponse struct {
	status int
	header http.Header
	body   string
}

func readRaw(t testing.TB, br *bufio.Reader) rawResponse {
	t.Helper()
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatalf("read response: %v", err)
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		t.Fatalf("read body: %v", err)
	}
	return rawResponse{resp.StatusCode, resp.Header, string(body)}
}

func dial(t testing.TB, addr string) (net.Conn, *bufio.Reader) {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	return c, bufio.NewReader(c)
}

func post(target, body string) string {
	return fmt.Sprintf("POST / HTTP/1.1\r\nHost: x\r\nX-Amz-Target: %s\r\nContent-Type: application/x-amz-json-1.0\r\nContent-Length: %d\r\n\r\n%s", target, len(body), body)
}

// TestServerRequests checks single requests over raw HTTP/1.1: the answer,
// the AWS headers, and the error envelope for what fasthttp refuses.
func TestServerRequests(t *testing.T) {
	t.Parallel()
	addr := startServer(t, endpointMux())
	tests := []struct {
		name, request string
		status        int
		body          string
		crc           bool
	}{
		{"put item", post("DynamoDB_20120810.GetItem", `{"TableName":"T"}`), 200, `"Item"`, true},
		{"health", "GET / HTTP/1.1\r\nHost: x\r\n\r\n", 200, health, true},
		{"service error", post("DynamoDB_20120810.DeleteTable", `{}`), 400, `"__type":"com.amazonaws.dynamodb.v20120810#ResourceNotFoundException"`, true},
		{"malformed json", post("DynamoDB_20120810.GetItem", `{`), 400, "SerializationException", true},
		{"other service", post("AWSStepFunctions.ListStateMachines", `{}`), 200, `{"stateMachines":[]}`, false},
		{"not post", "PUT / HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n", 400, "must use POST", false},
		{"empty body", post("DynamoDB_20120810.GetItem", ``), 200, `"Item"`, true},
		{"chunked body", "POST / HTTP/1.1\r\nHost: x\r\nX-Amz-Target: DynamoDB_20120810.GetItem\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n{\"Tab\r\nc\r\nleName\":\"T\"}\r\n0\r\n\r\n", 200, `"Item"`, true},
		{"http/1.0", "POST / HTTP/1.0\r\nX-Amz-Target: DynamoDB_20120810.GetItem\r\nContent-Length: 2\r\n\r\n{}", 200, `"Item"`, true},
		{"other handler", "POST /stage/@connections/abc HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nhi", 410, "other POST /stage/@connections/abc", false},
		{"session token header", "POST / HTTP/1.1\r\nHost: x\r\nX-Amz-Target: DynamoDB_20120810.GetItem\r\nX-Amz-Security-Token: " + strings.Repeat("T", 12000) + "\r\nContent-Length: 2\r\n\r\n{}", 200, `"Item"`, true},
		{"oversized headers", "POST / HTTP/1.1\r\nHost: x\r\nX-Big: " + strings.Repeat("h", maxHeaderBytes) + "\r\nContent-Length: 2\r\n\r\n{}", 431, "request headers too large", false},
		{"bad request line", "BLAH\r\n\r\n", 400, "SerializationException", false},
		{"bad content length", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: zz\r\n\r\n", 400, "SerializationException", false},
		{"oversized body", fmt.Sprintf("POST / HTTP/1.1\r\nHost: x\r\nX-Amz-Target: DynamoDB_20120810.GetItem\r\nContent-Length: %d\r\n\r\n", MaxBodyBytes+1), 413, "request body too large", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, br := dial(t, addr)
			if _, err := io.WriteString(c, tt.request); err != nil {
				t.Fatal(err)
			}
			r := readRaw(t, br)
			if r.status != tt.status || !strings.Contains(r.body, tt.body) {
				t.Fatalf("got %d %q, want %d containing %q", r.status, r.body, tt.status, tt.body)
			}
			if r.header.Get("x-amzn-RequestId") == "" && tt.status != 410 {
				t.Errorf("no x-amzn-RequestId: %v", r.header)
			}
			crc := r.header.Get("x-amz-crc32")
			if want := strconv.FormatUint(uint64(crc32.ChecksumIEEE([]byte(r.body))), 10); tt.crc && crc != want {
				t.Errorf("x-amz-crc32 = %q, want %s", crc, want)
			} else if !tt.crc && crc != "" {
				t.Errorf("x-amz-crc32 = %q on a response that should have none", crc)
			}
		})
	}
}

// TestServerKeepAliveAndPipelining sends several requests on one
// connection, first one at a time and then all written before any answer
// is read; each must be answered in order on the same connection.
func TestServerKeepAliveAndPipelining(t *testing.T) {
	t.Parallel()
	addr := startServer(t, testMux())
	c, br := dial(t, addr)
	for i := range 3 {
		if _, err := io.WriteString(c, post("Svc_1.Echo", fmt.Sprintf(`{"Name":"ka%d"}`, i))); err != nil {
			t.Fatal(err)
		}
		if r := readRaw(t, br); r.status != 200 || r.body != fmt.Sprintf(`{"Hello":"ka%d"}`, i) {
			t.Fatalf("keep-alive request %d: %d %q", i, r.status, r.body)
		}
	}
	var batch strings.Builder
	const n = 20
	for i := range n {
		batch.WriteString(post("Svc_1.Echo", fmt.Sprintf(`{"Name":"p%d"}`, i)))
	}
	if _, err := io.WriteString(c, batch.String()); err != nil {
		t.Fatal(err)
	}
	for i := range n {
		if r := readRaw(t, br); r.status != 200 || r.body != fmt.Sprintf(`{"Hello":"p%d"}`, i) {
			t.Fatalf("pipelined request %d: %d %q", i, r.status, r.body)
		}
	}
}

// TestServerExpectContinue: a client that sends Expect: 100-continue (curl
// does for large bodies, some SDKs always) gets the interim 100 before it
// sends the body, then the answer.
func TestServerExpectContinue(t *testing.T) {
	t.Parallel()
	addr := startServer(t, testMux())
	c, br := dial(t, addr)
	body := `{"Name":"cont"}`
	head := fmt.Sprintf("POST / HTTP/1.1\r\nHost: x\r\nX-Amz-Target: Svc_1.Echo\r\nExpect: 100-continue\r\nContent-Length: %d\r\n\r\n", len(body))
	if _, err := io.WriteString(c, head); err != nil {
		t.Fatal(err)
	}
	line, err := br.ReadString('\n')
	if err != nil || !strings.HasPrefix(line, "HTTP/1.1 100 ") {
		t.Fatalf("interim response %q, %v; want 100 Continue", line, err)
	}
	if blank, err := br.ReadString('\n'); err != nil || blank != "\r\n" {
		t.Fatalf("after 100 Continue: %q, %v", blank, err)
	}
	if _, err := io.WriteString(c, body); err != nil {
		t.Fatal(err)
	}
	if r := readRaw(t, br); r.status != 200 || r.body != `{"Hello":"cont"}` {
		t.Fatalf("got %d %q", r.status, r.body)
	}
}

// TestServerOversizedClosesConnection: after a 413 the server does not try
// to read the unread body as the next request.
func TestServerOversizedClosesConnection(t *testing.T) {
	t.Parallel()
	addr := startServer(t, testMux())
	c, br := dial(t, addr)
	head := fmt.Sprintf("POST / HTTP/1.1\r\nHost: x\r\nX-Amz-Target: Svc_1.Echo\r\nContent-Length: %d\r\n\r\n", MaxBodyBytes+1)
	if _, err := io.WriteString(c, head+"{\"Name\":"); err != nil {
		t.Fatal(err)
	}
	if r := readRaw(t, br); r.status != http.StatusRequestEntityTooLarge {
		t.Fatalf("status %d, want 413", r.status)
	}
	if _, err := br.ReadByte(); !errors.Is(err, io.EOF) && !isReset(err) {
		t.Fatalf("after 413 the connection should be closed; read: %v", err)
	}
}

func isReset(err error) bool {
	return err != nil && strings.Contains(err.Error(), "connection reset")
}

// TestServerSDKAndNetHTTP drives the server with the clients people point
// at it: aws-sdk-go-v2 (CRC32 verified by the SDK) and net/http's client
// from many goroutines over pooled keep-alive connections.
func TestServerSDKAndNetHTTP(t *testing.T) {
	t.Parallel()
	addr := startServer(t, endpointMux())
	var logged warnings
	client := ddbClient("http://"+addr, &logged)
	out, err := client.GetItem(context.Background(), &dynamodb.GetItemInput{TableName: aws.String("T"),
		Key: map[string]types.AttributeValue{"pk": &types.AttributeValueMemberS{Value: "k1"}}})
	if err != nil {
		t.Fatalf("GetItem: %v", err)
	}
	if s, ok := out.Item["note"].(*types.AttributeValueMemberS); !ok || s.Value != "héllo <wörld> \u2028" {
		t.Fatalf("item = %#v", out.Item)
	}
	_, err = client.DeleteTable(context.Background(), &dynamodb.DeleteTableInput{TableName: aws.String("T")})
	if _, ok := errors.AsType[*types.ResourceNotFoundException](err); !ok {
		t.Fatalf("DeleteTable: got %v, want ResourceNotFoundException", err)
	}
	if logged.String() != "" {
		t.Fatalf("the SDK complained: %s", logged.String())
	}

	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for g := range 8 {
		wg.Go(func() {
			for i := range 25 {
				req, _ := http.NewRequest(http.MethodPost, "http://"+addr+"/", strings.NewReader("{}"))
				req.Header.Set("X-Amz-Target", "AWSStepFunctions.ListStateMachines")
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					errs <- fmt.Errorf("client %d call %d: %w", g, i, err)
					return
				}
				body, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode != 200 || string(body) != `{"stateMachines":[]}` {
					errs <- fmt.Errorf("client %d call %d: %d %s", g, i, resp.StatusCode, body)
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// TestServerShutdown: Shutdown lets a request in progress finish and be
// answered, closes idle keep-alive connections, makes Serve return nil,
// and leaves no goroutine behind.
func TestServerShutdown(t *testing.T) {
	// Not parallel: it counts goroutines.
	before := goroutines()
	release := make(chan struct{})
	started := make(chan struct{})
	m := NewMux(nil)
	m.Register(&Service{TargetPrefix: "Slow", ContentType: "application/x-amz-json-1.1", Operations: map[string]Operation{
		"Wait": func(context.Context, []byte) (any, error) {
			close(started)
			<-release
			return map[string]bool{"ok": true}, nil
		},
		"Now": func(context.Context, []byte) (any, error) { return map[string]bool{"ok": true}, nil },
	}})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := NewServer(m, ServerOptions{})
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	addr := ln.Addr().String()

	idle, idleBR := dial(t, addr)
	if _, err := io.WriteString(idle, post("Slow.Now", "{}")); err != nil {
		t.Fatal(err)
	}
	if r := readRaw(t, idleBR); r.status != 200 {
		t.Fatalf("warm-up: %d %s", r.status, r.body)
	}
	busy, busyBR := dial(t, addr)
	if _, err := io.WriteString(busy, post("Slow.Wait", "{}")); err != nil {
		t.Fatal(err)
	}
	<-started
	shut := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		shut <- srv.Shutdown(ctx)
	}()
	time.Sleep(50 * time.Millisecond)
	close(release)
	if r := readRaw(t, busyBR); r.status != 200 || r.body != `{"ok":true}` {
		t.Fatalf("request in progress at shutdown: %d %q", r.status, r.body)
	}
	if err := <-shut; err != nil {
		t.Fatalf("shutdown: %v", err)
	}
	if err := <-served; err != nil {
		t.Fatalf("serve after shutdown: %v", err)
	}
	if _, err := idleBR.ReadByte(); err == nil {
		t.Fatal("idle keep-alive connection still open after shutdown")
	}
	if _, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
		t.Fatal("listener still accepts after shutdown")
	}
	idle.Close()
	busy.Close()
	deadline := time.Now().Add(5 * time.Second)
	for goroutines() > before && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if n := goroutines(); n > before {
		buf := make([]byte, 1<<16)
		t.Fatalf("%d goroutines before, %d after shutdown:\n%s", before, n, buf[:runtime.Stack(buf, true)])
	}
}

// goroutines counts live goroutines, leaving out fasthttp's clock: one
// goroutine per process that refreshes the cached Date header, started by
// the first server and never stopped (it is not per server or connection).
func goroutines() int {
	buf := make([]byte, 1<<20)
	stacks := strings.Split(string(buf[:runtime.Stack(buf, true)]), "\n\n")
	n := 0
	for _, s := range stacks {
		if strings.TrimSpace(s) != "" && !strings.Contains(s, "fasthttp.updateServerDate") {
			n++
		}
	}
	return n
}
