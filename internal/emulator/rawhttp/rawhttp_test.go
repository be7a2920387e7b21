package rawhttp

import (
	"io"
	"net"
	"strings"
	"testing"
)

// Responses on one connection are read one after another: the status of
// each, its body skipped; a response without Content-Length or with a bad
// status line is an error.
func TestReadResponse(t *testing.T) {
	for _, tc := range []struct {
		name, wire string
		want       []int
		err        string
	}{
		{"two in a row", "HTTP/1.1 202 Accepted\r\nContent-Length: 5\r\n\r\nhello" +
			"HTTP/1.1 400 Bad Request\r\ncontent-length:  2\r\nX: y\r\n\r\n{}", []int{202, 400}, ""},
		{"no length", "HTTP/1.1 200 OK\r\n\r\n", nil, "without Content-Length"},
		{"bad status", "HTTP/1.1 abc\r\nContent-Length: 0\r\n\r\n", nil, "status line"},
		{"short body", "HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\nab", nil, "EOF"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			client, server := net.Pipe()
			go func() {
				_, _ = io.WriteString(server, tc.wire)
				server.Close()
			}()
			c := &Conn{Conn: client, br: newReader(client)}
			defer c.Close()
			for _, want := range tc.want {
				if got, err := c.ReadResponse(); err != nil || got != want {
					t.Fatalf("ReadResponse = %d, %v; want %d", got, err, want)
				}
			}
			if tc.err != "" {
				if _, err := c.ReadResponse(); err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("ReadResponse error = %v, want %q", err, tc.err)
				}
			}
		})
	}
}
