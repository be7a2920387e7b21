package reload

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"time"

	"github.com/fsnotify/fsnotify"
)

// DefaultDebounce is how long a burst of file events must be quiet before
// the callback runs: editors save by writing a temp file and renaming it,
// and a `git checkout` touches many files at once.
const DefaultDebounce = 150 * time.Millisecond

// Options configure Watch.
type Options struct {
	// Files returns the absolute paths to watch. It is asked again after
	// every callback, so a file the project starts naming is watched too.
	Files func() []string
	// Changed runs after a burst of changes to any of the files, with the
	// changed paths (sorted, absolute). It runs on Watch's goroutine, one
	// call at a time.
	Changed func(paths []string)
	// Debounce overrides DefaultDebounce.
	Debounce time.Duration
}

// Watch watches the directories holding opts.Files() (directories, not
// files: an editor's rename-over-save replaces the file, which would end a
// watch on the file itself) and reports changes to those files until ctx
// ends. It returns ctx's error, or the watcher's if it fails.
func Watch(ctx context.Context, opts Options) error {
	if opts.Debounce <= 0 {
		opts.Debounce = DefaultDebounce
	}
	w, err := fsnotify.NewWatcher()
	if err != nil {
		return fmt.Errorf("watch project files: %w", err)
	}
	defer w.Close()

	files := map[string]bool{}
	dirs := map[string]bool{}
	refresh := func() error {
		clear(files)
		for _, f := range opts.Files() {
			f = filepath.Clean(f)
			files[f] = true
			dir := filepath.Dir(f)
			if !dirs[dir] {
				if err := w.Add(dir); err != nil {
					return fmt.Errorf("watch %s: %w", dir, err)
				}
				dirs[dir] = true
			}
		}
		return nil
	}
	if err := refresh(); err != nil {
		return err
	}

	timer := time.NewTimer(time.Hour)
	timer.Stop()
	pending := map[string]bool{}
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case err, ok := <-w.Errors:
			if !ok {
				return nil
			}
			return fmt.Errorf("watch project files: %w", err)
		case ev, ok := <-w.Events:
			if !ok {
				return nil
			}
			// Chmod alone (touch -a, indexers) changes no content.
			if ev.Op == fsnotify.Chmod || !files[filepath.Clean(ev.Name)] {
				continue
			}
			pending[filepath.Clean(ev.Name)] = true
			timer.Reset(opts.Debounce)
		case <-timer.C:
			paths := make([]string, 0, len(pending))
			for p := range pending {
				paths = append(paths, p)
			}
			slices.Sort(paths)
			clear(pending)
			opts.Changed(paths)
			if err := refresh(); err != nil {
				return err
			}
		}
	}
}
