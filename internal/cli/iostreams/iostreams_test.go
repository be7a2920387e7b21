package iostreams

import (
	"os"
	"testing"
)

func env(kv map[string]string) func(string) string {
	return func(k string) string { return kv[k] }
}

func TestColorAllowed(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		tty  bool
		env  map[string]string
		want bool
	}{
		{"tty", true, nil, true},
		{"not a tty", false, nil, false},
		{"NO_COLOR set", true, map[string]string{"NO_COLOR": "1"}, false},
		{"NO_COLOR empty counts as unset", true, map[string]string{"NO_COLOR": ""}, true},
		{"dumb terminal", true, map[string]string{"TERM": "dumb"}, false},
		{"not a tty ignores env", false, map[string]string{"TERM": "xterm-256color"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := colorAllowed(tt.tty, env(tt.env)); got != tt.want {
				t.Fatalf("colorAllowed(%v, %v) = %v, want %v", tt.tty, tt.env, got, tt.want)
			}
		})
	}
}

func TestNewNonTerminals(t *testing.T) {
	t.Parallel()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close(); w.Close() })
	null, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { null.Close() })

	s := New(r, w, null, nil)
	if s.IsStdoutTTY() {
		t.Fatal("pipe reported as a terminal")
	}
	if s.IsStderrTTY() {
		t.Fatal("/dev/null reported as a terminal")
	}
	if s.ColorEnabled() {
		t.Fatal("colour enabled without a terminal")
	}
	if got := s.Bold("x"); got != "x" {
		t.Fatalf("Bold without colour = %q, want plain", got)
	}
}

func TestTestStreams(t *testing.T) {
	t.Parallel()
	s, in, out, errOut := Test()
	in.WriteString("input")
	buf := make([]byte, 5)
	if n, _ := s.In.Read(buf); string(buf[:n]) != "input" {
		t.Fatalf("In read %q", buf[:n])
	}
	s.Out.Write([]byte("data"))
	s.ErrOut.Write([]byte("progress"))
	if out.String() != "data" || errOut.String() != "progress" {
		t.Fatalf("out=%q errOut=%q", out, errOut)
	}
	if s.IsStdoutTTY() || s.IsStderrTTY() || s.ColorEnabled() {
		t.Fatal("Test() streams must not be terminals or coloured")
	}
	s.SetStdoutTTY(true)
	s.SetStderrTTY(true)
	if !s.IsStdoutTTY() || !s.IsStderrTTY() {
		t.Fatal("SetStdoutTTY/SetStderrTTY had no effect")
	}
}

func TestPaint(t *testing.T) {
	t.Parallel()
	s, _, _, _ := Test()
	s.SetColorEnabled(true)
	tests := []struct {
		got, want string
	}{
		{s.Bold("b"), "\x1b[1mb\x1b[0m"},
		{s.Green("g"), "\x1b[32mg\x1b[0m"},
		{s.Red("r"), "\x1b[31mr\x1b[0m"},
		{s.Cyan("c"), "\x1b[36mc\x1b[0m"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Fatalf("got %q, want %q", tt.got, tt.want)
		}
	}
}
