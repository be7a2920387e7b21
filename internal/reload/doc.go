// Package reload watches a project's files (sfapi.yaml, the OpenAPI file,
// the ASL files) and calls back once per burst of changes, so `sfapi dev`
// can validate the project again and swap what changed in place.
//
// It owns only the watching and the debouncing: loading, validating and
// swapping belong to the caller (project.Load, emulator.Reload). It imports
// fsnotify and the standard library, nothing of the wire or the CLI.
package reload
