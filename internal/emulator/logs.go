package emulator

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/sfapi/sfapi/internal/emulator/logtap"
)

// LogsPath is the path, on the logs socket, that streams log records as
// JSON lines while the client stays connected (`sfapi logs`).
const LogsPath = "/logs"

// logsSocketPath is where the logs socket lives: in the data dir, or, when
// that path is too long for a Unix socket (about 104 bytes on macOS, 108 on
// Linux), in the temp dir under a name derived from the data dir.
func logsSocketPath(dataDir string) string {
	p := filepath.Join(dataDir, "logs.sock")
	if abs, err := filepath.Abs(p); err == nil {
		p = abs
	}
	if len(p) < 100 {
		return p
	}
	sum := sha256.Sum256([]byte(p))
	return filepath.Join(os.TempDir(), "sfapi-"+hex.EncodeToString(sum[:6])+".sock")
}

// serveLogs serves the log stream on a Unix socket only this user can
// reach (no port, nothing on the network) and returns its path.
func (e *Emulator) serveLogs() (string, error) {
	path := logsSocketPath(e.opts.DataDir)
	_ = os.Remove(path) // a crashed run's socket
	ln, err := net.Listen("unix", path)
	if err != nil {
		return "", fmt.Errorf("listen on logs socket %s: %w", path, err)
	}
	_ = os.Chmod(path, 0o600)
	mux := http.NewServeMux()
	stop := make(chan struct{})
	e.logsStop = stop
	mux.HandleFunc("GET "+LogsPath, func(w http.ResponseWriter, r *http.Request) { streamLogs(w, r, e.tap, stop) })
	e.logsPath = path
	e.serve(ln, mux)
	return path, nil
}

// streamLogs writes one JSON line per log record until the client leaves
// or the emulator shuts down (stop closes: the response then ends cleanly,
// and the follower knows sfapi dev stopped); lines a slow client missed are
// reported in a line of their own.
func streamLogs(w http.ResponseWriter, r *http.Request, tap *logtap.Tap, stop <-chan struct{}) {
	sub := tap.Subscribe(4096)
	defer sub.Close()
	w.Header().Set("Content-Type", "application/x-ndjson")
	w.WriteHeader(http.StatusOK)
	rc := http.NewResponseController(w)
	bw := bufio.NewWriterSize(w, 32<<10)
	flush := func() error {
		if err := bw.Flush(); err != nil {
			return err
		}
		return rc.Flush()
	}
	if err := flush(); err != nil {
		return
	}
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-r.Context().Done():
			return
		case <-stop:
			for {
				select {
				case line := <-sub.C:
					_, _ = bw.Write(line)
				default:
					_ = flush()
					return
				}
			}
		case line := <-sub.C:
			if _, err := bw.Write(line); err != nil {
				return
			}
		case <-tick.C:
			if n := sub.Dropped(); n > 0 {
				fmt.Fprintf(bw, `{"time":%q,"level":"WARN","msg":"sfapi logs fell behind: %d records dropped"}`+"\n", time.Now().UTC().Format(time.RFC3339Nano), n)
			}
			if err := flush(); err != nil {
				return
			}
		}
	}
}

// stopLogs ends the log streams, so the servers' shutdown does not wait
// for followers that would never leave by themselves.
// Shutdown runs once, after Start: no request handler reads the field.
func (e *Emulator) stopLogs() {
	if e.logsStop != nil {
		close(e.logsStop)
		e.logsStop = nil
	}
}

// removeLogsSocket deletes the socket file at shutdown.
func (e *Emulator) removeLogsSocket() {
	if e.logsPath != "" {
		if err := os.Remove(e.logsPath); err != nil && !errors.Is(err, os.ErrNotExist) {
			e.log.Warn("remove logs socket", "path", e.logsPath, "err", err)
		}
	}
}

var _ slog.Handler = (*logtap.Tap)(nil)
