// Package validatecmd implements `sfapi validate`: load a project with
// internal/project and report either a one-line summary or every problem
// as "file:line:col: message" (cli.Main prints those and exits 2).
//
// It may import cobra, cmdutil, iostreams and project; it must not import
// internal/cli (the root) or any emulator, deploy or tui package.
package validatecmd
