package apigw

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The headers of a POST /gophers answer as they go on the wire: each once,
// canonical names, the two request ids, and a Content-Length that is the
// body's length (ServeHTTP and writeResponse set them without Header.Set).
func TestWireHeaders(t *testing.T) {
	t.Parallel()
	f := &fakeIntegrations{InvokeFunc: func(context.Context, string, string, []byte) (int, []byte, error) {
		return 200, []byte(`{}`), nil
	}}
	srv := httptest.NewServer(newTestAPI(t, loadGophers(t), gopherVars, f))
	t.Cleanup(srv.Close)
	conn, err := net.Dial("tcp", strings.TrimPrefix(srv.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	// A stuck exchange fails the test instead of hanging it.
	if err := conn.SetDeadline(time.Now().Add(10 * time.Second)); err != nil {
		t.Fatal(err)
	}
	const body = `{"name":"Gordon","location":"Garden"}`
	for _, tc := range []struct {
		req, status, ctype string
	}{
		{"POST /dev/gophers HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: " + strconv.Itoa(len(body)) + "\r\n\r\n" + body, "202", "application/json"},
		{"GET /dev/nowhere HTTP/1.1\r\nHost: x\r\n\r\n", "403", "application/json"},
	} {
		if _, err := io.WriteString(conn, tc.req); err != nil {
			t.Fatal(err)
		}
		br := bufio.NewReader(conn)
		status, err := br.ReadString('\n')
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(status, "HTTP/1.1 "+tc.status+" ") {
			t.Fatalf("status line %q, want %s", status, tc.status)
		}
		seen := map[string][]string{}
		for {
			line, err := br.ReadString('\n')
			if err != nil {
				t.Fatal(err)
			}
			line = strings.TrimRight(line, "\r\n")
			if line == "" {
				break
			}
			k, v, _ := strings.Cut(line, ": ")
			seen[k] = append(seen[k], v)
		}
		for _, k := range []string{"X-Amzn-Requestid", "X-Amz-Apigw-Id", "Content-Type", "Content-Length"} {
			if len(seen[k]) != 1 {
				t.Fatalf("%s: header %s sent %d times in %v", tc.req[:15], k, len(seen[k]), seen)
			}
		}
		id := seen["X-Amzn-Requestid"][0]
		if id == "" || seen["X-Amz-Apigw-Id"][0] != extendedID(id) || seen["Content-Type"][0] != tc.ctype {
			t.Fatalf("headers %v", seen)
		}
		n, err := strconv.Atoi(seen["Content-Length"][0])
		if err != nil {
			t.Fatal(err)
		}
		got := make([]byte, n)
		if _, err := io.ReadFull(br, got); err != nil {
			t.Fatal(err)
		}
		if tc.status == "202" && (seen["Location"] == nil || seen["Location"][0] != "/jobs/"+id || !strings.Contains(string(got), `"id": "`+id+`"`)) {
			t.Fatalf("202 answer: headers %v body %s", seen, got)
		}
		if br.Buffered() != 0 {
			t.Fatalf("%d bytes after the body", br.Buffered())
		}
	}
}
