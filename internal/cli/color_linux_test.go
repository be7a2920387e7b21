//go:build linux

package cli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"unsafe"

	"github.com/sfapi/sfapi/internal/cli/iostreams"
)

// openPTY opens a pseudo-terminal pair with the kernel's ptmx interface
// (no cgo, no x/term): the master and the slave /dev/pts/N.
func openPTY(t *testing.T) (master, slave *os.File) {
	t.Helper()
	m, err := os.OpenFile("/dev/ptmx", os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Fatalf("open /dev/ptmx: %v", err)
	}
	var unlock int32
	if _, _, e := syscall.Syscall(syscall.SYS_IOCTL, m.Fd(), syscall.TIOCSPTLCK, uintptr(unsafe.Pointer(&unlock))); e != 0 {
		t.Fatalf("unlock pty: %v", e)
	}
	var n uint32
	if _, _, e := syscall.Syscall(syscall.SYS_IOCTL, m.Fd(), syscall.TIOCGPTN, uintptr(unsafe.Pointer(&n))); e != 0 {
		t.Fatalf("pty number: %v", e)
	}
	s, err := os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Fatalf("open pty slave: %v", err)
	}
	t.Cleanup(func() { m.Close(); s.Close() })
	return m, s
}

// TestColourOnlyOnTerminal runs `sfapi init` (which marks created files
// green) with stdout on a real terminal and on a file: colour appears only
// on the terminal, and never with NO_COLOR or TERM=dumb.
func TestColourOnlyOnTerminal(t *testing.T) {
	t.Parallel()
	runInit := func(out *os.File, read func() string, env ...string) string {
		getenv := EnvFunc(append([]string{"HOME=" + t.TempDir()}, env...))
		ios := iostreams.New(strings.NewReader(""), out, io.Discard, getenv)
		if code := Run(context.Background(), []string{"init", filepath.Join(t.TempDir(), "p")}, ios, getenv); code != 0 {
			t.Fatalf("init exited %d", code)
		}
		return read()
	}
	ttyOutput := func(env ...string) string {
		master, slave := openPTY(t)
		return runInit(slave, func() string {
			slave.Close()
			var buf bytes.Buffer
			_, err := io.Copy(&buf, master) // ends with EIO once the slave is closed and drained
			if err != nil && !errors.Is(err, syscall.EIO) {
				t.Fatalf("read pty: %v", err)
			}
			return buf.String()
		}, env...)
	}
	fileOutput := func(env ...string) string {
		f, err := os.Create(filepath.Join(t.TempDir(), "out"))
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		return runInit(f, func() string { data, _ := os.ReadFile(f.Name()); return string(data) }, env...)
	}

	if out := ttyOutput("TERM=xterm"); !strings.Contains(out, "\x1b[32m+\x1b[0m") {
		t.Fatalf("no colour on a terminal:\n%q", out)
	}
	for name, out := range map[string]string{
		"terminal with NO_COLOR":  ttyOutput("TERM=xterm", "NO_COLOR=1"),
		"terminal with TERM=dumb": ttyOutput("TERM=dumb"),
		"file":                    fileOutput("TERM=xterm"),
	} {
		if strings.Contains(out, "\x1b[") {
			t.Errorf("%s: colour codes in %q", name, out)
		}
		if !strings.Contains(out, "sfapi.yaml") {
			t.Errorf("%s: output lost: %q", name, out)
		}
	}
}
