package awsjson

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/valyala/fasthttp/fasthttputil"
)

// FuzzServerRequest writes arbitrary bytes to the AWS endpoint as one
// connection's input: whatever comes back must be well-formed HTTP/1.1
// responses, and the server must still answer a good request afterwards.
// Seeds are the raw requests of the server tests.
func FuzzServerRequest(f *testing.F) {
	seeds := []string{
		post("DynamoDB_20120810.GetItem", `{"TableName":"T"}`),
		post("Svc_1.Echo", `{"Name":"x"}`) + post("Svc_1.Echo", `{"Name":"y"}`),
		"GET / HTTP/1.1\r\nHost: x\r\n\r\n",
		"POST / HTTP/1.1\r\nHost: x\r\nX-Amz-Target: Svc_1.Echo\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n{\"Nam\r\n8\r\ne\":\"z\"}\r\n\r\n0\r\n\r\n",
		"POST / HTTP/1.1\r\nHost: x\r\nX-Amz-Target: Svc_1.Echo\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n{}",
		"POST / HTTP/1.0\r\nX-Amz-Target: Svc_1.Boom\r\nContent-Length: 2\r\n\r\n{}",
		"PUT / HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n",
		"BLAH\r\n\r\n",
		"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: zz\r\n\r\n",
		"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999\r\n\r\n",
		"POST /a/@connections/b HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n",
	}
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	m := testMux()
	m.Register(&Service{TargetPrefix: "DynamoDB_20120810", ContentType: "application/x-amz-json-1.0",
		ResponseCRC32: true, HealthCheck: health, RequestID: DynamoDBRequestID, Operations: map[string]Operation{}})
	ln := fasthttputil.NewInmemoryListener()
	other := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusGone) })
	srv := NewServer(m, ServerOptions{Other: other, OtherPath: func(p string) bool { return strings.Contains(p, "/@connections/") }})
	go func() { _ = srv.Serve(ln) }()
	f.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
	})
	f.Fuzz(func(t *testing.T, raw []byte) {
		c, err := ln.Dial()
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		go func() { _, _ = c.Write(raw) }()
		br := bufio.NewReader(c)
		for {
			// A connection left open (keep-alive, or an incomplete
			// request) ends the read after a short quiet spell.
			_ = c.SetReadDeadline(time.Now().Add(100 * time.Millisecond))
			if _, err := br.Peek(1); err != nil {
				break
			}
			_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
			resp, err := http.ReadResponse(br, nil)
			if err != nil {
				t.Fatalf("malformed response to %q: %v", raw, err)
			}
			_, err = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if err != nil {
				t.Fatalf("response body to %q: %v", raw, err)
			}
			if resp.StatusCode >= 500 && resp.StatusCode != 500 {
				t.Fatalf("status %d for %q", resp.StatusCode, raw)
			}
		}
		c2, err := ln.Dial()
		if err != nil {
			t.Fatal(err)
		}
		defer c2.Close()
		_ = c2.SetDeadline(time.Now().Add(5 * time.Second))
		if _, err := io.WriteString(c2, post("Svc_1.Echo", `{"Name":"alive"}`)); err != nil {
			t.Fatal(err)
		}
		resp, err := http.ReadResponse(bufio.NewReader(c2), nil)
		if err != nil {
			t.Fatalf("server dead after %q: %v", raw, err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || string(body) != `{"Hello":"alive"}` {
			t.Fatalf("after %q: %d %s", raw, resp.StatusCode, body)
		}
	})
}
