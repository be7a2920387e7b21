package rawhttp

import (
	"bufio"
	"bytes"
	"fmt"
	"net"
	"strconv"
)

// Conn is one keep-alive connection. Write a whole request to it, then
// call ReadResponse.
type Conn struct {
	net.Conn
	br *bufio.Reader
}

// Dial opens a connection to addr (host:port).
func Dial(addr string) (*Conn, error) {
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		return nil, err
	}
	return &Conn{Conn: nc, br: newReader(nc)}, nil
}

func newReader(nc net.Conn) *bufio.Reader { return bufio.NewReaderSize(nc, 4096) }

// ReadResponse reads one response: the status from its status line, the
// body skipped by its Content-Length (the servers measured always send
// one).
func (c *Conn) ReadResponse() (int, error) {
	status, length := 0, -1
	for {
		line, err := c.br.ReadSlice('\n')
		if err != nil {
			return 0, err
		}
		line = bytes.TrimRight(line, "\r\n")
		if len(line) == 0 {
			break
		}
		if status == 0 {
			// "HTTP/1.1 202 Accepted"
			_, rest, _ := bytes.Cut(line, []byte(" "))
			code, _, _ := bytes.Cut(rest, []byte(" "))
			if status, err = strconv.Atoi(string(code)); err != nil {
				return 0, fmt.Errorf("status line %q: %w", line, err)
			}
			continue
		}
		if k, v, ok := bytes.Cut(line, []byte(":")); ok && bytes.EqualFold(k, []byte("Content-Length")) {
			if length, err = strconv.Atoi(string(bytes.TrimSpace(v))); err != nil {
				return 0, fmt.Errorf("content length %q: %w", v, err)
			}
		}
	}
	if length < 0 {
		return 0, fmt.Errorf("response without Content-Length")
	}
	if _, err := c.br.Discard(length); err != nil {
		return 0, err
	}
	return status, nil
}
