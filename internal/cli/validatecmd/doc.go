// Package validatecmd implements `sfapi validate`: load a project with
// internal/project, render the API's mapping templates with apigw.Check,
// and report either a one-line summary or every problem as
// "file:line:col: message" (cli.Main prints those and exits 2).
//
// It may import cobra, cmdutil, iostreams, project and emulator/apigw (for
// Check only: it starts no emulator); it must not import internal/cli (the
// root) or any other emulator, deploy or tui package.
package validatecmd
