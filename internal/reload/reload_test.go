package reload

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sync/atomic"
	"testing"
	"time"
)

// watchDir starts Watch over files in a temp dir and returns a channel of
// the bursts it reports.
func watchDir(t *testing.T, files func(dir string) []string) (string, <-chan []string) {
	t.Helper()
	dir := t.TempDir()
	ch := make(chan []string, 16)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- Watch(ctx, Options{Files: func() []string { return files(dir) }, Changed: func(p []string) { ch <- p }, Debounce: 50 * time.Millisecond})
	}()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != context.Canceled {
			t.Errorf("Watch returned %v, want context.Canceled", err)
		}
	})
	// Watch adds its watches asynchronously; give it a moment before the
	// test writes (a write before the watch exists is simply not seen).
	time.Sleep(100 * time.Millisecond)
	return dir, ch
}

func write(t *testing.T, path, text string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

func next(t *testing.T, ch <-chan []string) []string {
	t.Helper()
	select {
	case p := <-ch:
		return p
	case <-time.After(10 * time.Second):
		t.Fatal("no change reported")
		return nil
	}
}

func TestBurstIsOneCallback(t *testing.T) {
	t.Parallel()
	dir, ch := watchDir(t, func(dir string) []string {
		return []string{filepath.Join(dir, "sfapi.yaml"), filepath.Join(dir, "openapi.yaml")}
	})
	write(t, filepath.Join(dir, "sfapi.yaml"), "a")
	write(t, filepath.Join(dir, "openapi.yaml"), "b")
	write(t, filepath.Join(dir, "sfapi.yaml"), "c")
	got := next(t, ch)
	want := []string{filepath.Join(dir, "openapi.yaml"), filepath.Join(dir, "sfapi.yaml")}
	if !slices.Equal(got, want) {
		t.Fatalf("changed = %v, want %v", got, want)
	}
	select {
	case extra := <-ch:
		t.Fatalf("one burst gave a second callback: %v", extra)
	case <-time.After(300 * time.Millisecond):
	}
}

func TestIgnoresOtherFilesAndFollowsRenames(t *testing.T) {
	t.Parallel()
	dir, ch := watchDir(t, func(dir string) []string { return []string{filepath.Join(dir, "m.asl.json")} })
	write(t, filepath.Join(dir, "notes.txt"), "ignored")
	// An editor's save: write a temp file, rename it over the watched one.
	tmp := filepath.Join(dir, ".m.asl.json.swp")
	write(t, tmp, "{}")
	if err := os.Rename(tmp, filepath.Join(dir, "m.asl.json")); err != nil {
		t.Fatal(err)
	}
	if got := next(t, ch); !slices.Equal(got, []string{filepath.Join(dir, "m.asl.json")}) {
		t.Fatalf("changed = %v", got)
	}
	// The watch survives the rename: a second save is seen too.
	write(t, filepath.Join(dir, "m.asl.json"), `{"StartAt":"A"}`)
	if got := next(t, ch); !slices.Equal(got, []string{filepath.Join(dir, "m.asl.json")}) {
		t.Fatalf("second change = %v", got)
	}
}

func TestNewlyNamedFileIsWatched(t *testing.T) {
	t.Parallel()
	var named atomic.Pointer[string]
	dir, ch := watchDir(t, func(dir string) []string {
		files := []string{filepath.Join(dir, "sfapi.yaml")}
		if n := named.Load(); n != nil {
			files = append(files, *n)
		}
		return files
	})
	// The manifest starts naming a file in a new directory; the refresh
	// after the callback watches it.
	newFile := filepath.Join(dir, "statemachines", "new.asl.json")
	if err := os.MkdirAll(filepath.Dir(newFile), 0o755); err != nil {
		t.Fatal(err)
	}
	named.Store(&newFile)
	write(t, filepath.Join(dir, "sfapi.yaml"), "stateMachines: ...")
	next(t, ch)
	// The refresh runs just after the callback: write until it is seen.
	deadline := time.Now().Add(10 * time.Second)
	for i := 0; ; i++ {
		write(t, newFile, fmt.Sprintf("{%d}", i))
		select {
		case got := <-ch:
			if !slices.Equal(got, []string{newFile}) {
				t.Fatalf("changed = %v, want [%s]", got, newFile)
			}
			return
		case <-time.After(200 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatal("a newly named file was never watched")
		}
	}
}

func TestMissingDirectoryIsAnError(t *testing.T) {
	t.Parallel()
	err := Watch(context.Background(), Options{Files: func() []string { return []string{"/nonexistent/sfapi/x.yaml"} }, Changed: func([]string) {}})
	if err == nil {
		t.Fatal("watching a file in a missing directory should fail")
	}
}
