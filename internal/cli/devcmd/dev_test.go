package devcmd

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sfapi/sfapi/internal/cli/cmdtest"

	"github.com/sfapi/sfapi/internal/cli/iostreams"
)

func TestNewCmdDev(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		args    []string
		want    DevOptions
		wantErr string
	}{
		{name: "defaults", want: DevOptions{ProjectDir: ".", DataDir: ".sfapi", APIAddr: DefaultAPIAddr, AWSAddr: DefaultAWSAddr, WSAddr: DefaultWSAddr}},
		{name: "all flags", args: []string{"--project", "p", "--data-dir", "d", "--api-addr", ":0", "--aws-addr", "0.0.0.0:1", "--ws-addr", "127.0.0.1:2", "--reset"},
			want: DevOptions{ProjectDir: "p", DataDir: "d", APIAddr: ":0", AWSAddr: "0.0.0.0:1", WSAddr: "127.0.0.1:2", Reset: true}},
		{name: "data dir follows project", args: []string{"--project", "p", "--in-memory"},
			want: DevOptions{ProjectDir: "p", DataDir: filepath.Join("p", ".sfapi"), APIAddr: DefaultAPIAddr, AWSAddr: DefaultAWSAddr, WSAddr: DefaultWSAddr, InMemory: true}},
		{name: "memory and reset", args: []string{"--in-memory", "--reset"}, wantErr: "--in-memory and --reset cannot be combined"},
		{name: "bad addr", args: []string{"--ws-addr", "nope"}, wantErr: `--ws-addr "nope"`},
		{name: "no args", args: []string{"extra"}, wantErr: `unknown command "extra"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := cmdtest.Parse(NewCmdDev, tt.args)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.ProjectDir != tt.want.ProjectDir || got.DataDir != tt.want.DataDir || got.APIAddr != tt.want.APIAddr ||
				got.AWSAddr != tt.want.AWSAddr || got.WSAddr != tt.want.WSAddr || got.InMemory != tt.want.InMemory || got.Reset != tt.want.Reset {
				t.Fatalf("options = %+v\nwant %+v", *got, tt.want)
			}
			if got.WatchInterrupts == nil {
				t.Fatal("WatchInterrupts must be set")
			}
		})
	}
}

// lockedBuffer is a bytes.Buffer safe for the concurrent writes of devRun
// and the reads of the test.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// startDev runs devRun on the gophers example in memory until the ready
// lines are out, and returns its outputs, a cancel func (the first signal)
// and the result channel.
func startDev(t *testing.T, interrupts chan os.Signal) (out, errOut *lockedBuffer, cancel func(), done chan error) {
	t.Helper()
	out, errOut = &lockedBuffer{}, &lockedBuffer{}
	ios := &iostreams.IOStreams{In: strings.NewReader(""), Out: out, ErrOut: errOut}
	ctx, cancel := context.WithCancel(context.Background())
	opts := &DevOptions{
		IO: ios, Logger: func() *slog.Logger { return slog.New(slog.NewTextHandler(errOut, nil)) },
		ProjectDir: "../../../examples/gophers", DataDir: t.TempDir(), InMemory: true,
		APIAddr: "127.0.0.1:0", AWSAddr: "127.0.0.1:0", WSAddr: "127.0.0.1:0",
		WatchInterrupts: func() (<-chan os.Signal, func()) { return interrupts, func() {} },
	}
	done = make(chan error, 1)
	go func() { done <- devRun(ctx, opts) }()
	deadline := time.Now().Add(10 * time.Second)
	for strings.Count(out.String(), "\n") < 3 {
		if time.Now().After(deadline) {
			cancel()
			t.Fatalf("no ready lines; stderr:\n%s", errOut)
		}
		time.Sleep(5 * time.Millisecond)
	}
	return out, errOut, cancel, done
}

// devRun prints exactly the three ready lines, and returns nil once the
// context is cancelled and the shutdown finished.
func TestDevRunReadyLinesAndGracefulStop(t *testing.T) {
	out, errOut, cancel, done := startDev(t, make(chan os.Signal))
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("devRun: %v\n%s", err, errOut)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 3 || !strings.HasPrefix(lines[0], "ready api http://127.0.0.1:") ||
		!strings.HasPrefix(lines[1], "ready aws http://127.0.0.1:") || !strings.HasPrefix(lines[2], "ready ws ws://127.0.0.1:") || !strings.HasSuffix(lines[2], "/jobs") {
		t.Fatalf("stdout = %q", out.String())
	}
	if !strings.Contains(errOut.String(), "shutting down") {
		t.Fatalf("stderr has no shutdown log: %s", errOut)
	}
}

// A second interrupt during the drain aborts with an error rather than
// waiting for the drain.
func TestDevRunSecondInterruptAborts(t *testing.T) {
	sigs := make(chan os.Signal, 1)
	_, _, cancel, done := startDev(t, sigs)
	sigs <- os.Interrupt
	cancel()
	// The drain and the second signal race; either a clean stop or the
	// abort error is correct, and neither may hang.
	select {
	case err := <-done:
		if err != nil && !strings.Contains(err.Error(), "aborted by a second interrupt") {
			t.Fatalf("devRun = %v", err)
		}
	case <-time.After(ShutdownTimeout + 5*time.Second):
		t.Fatal("devRun did not return")
	}
}
