package devcmd

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"

	"github.com/sfapi/sfapi/internal/emulator"
	"github.com/sfapi/sfapi/internal/project"
	"github.com/sfapi/sfapi/internal/reload"
)

// watchProject hot-reloads the project until ctx ends: after each burst of
// edits it loads and validates the project again and swaps what changed,
// printing one line; an invalid edit prints its errors and changes nothing.
func watchProject(ctx context.Context, errOut io.Writer, log *slog.Logger, em *emulator.Emulator, proj *project.Project) {
	current := proj
	err := reload.Watch(ctx, reload.Options{
		Files: func() []string { return projectFiles(current) },
		Changed: func([]string) {
			p, err := project.Load(current.Dir)
			if err == nil {
				var res emulator.Reloaded
				if res, err = em.Reload(ctx, p); err == nil {
					current = p
					fmt.Fprintln(errOut, res.String())
					for _, w := range res.Warnings {
						log.Warn(w)
					}
					return
				}
			}
			fmt.Fprintf(errOut, "reload failed; the last good version keeps running:\n%v\n", err)
		},
	})
	if err != nil && !errors.Is(err, context.Canceled) {
		log.Warn("hot reload stopped", "err", err)
	}
}

// projectFiles are the files whose edits reload the project.
func projectFiles(p *project.Project) []string {
	files := []string{filepath.Join(p.Dir, project.ManifestFile)}
	if f := p.OpenAPIFile(); f != "" {
		files = append(files, filepath.Join(p.Dir, filepath.FromSlash(f)))
	}
	for _, sm := range p.StateMachines() {
		if sm.DefinitionFile != "" {
			files = append(files, filepath.Join(p.Dir, filepath.FromSlash(sm.DefinitionFile)))
		}
	}
	return files
}
