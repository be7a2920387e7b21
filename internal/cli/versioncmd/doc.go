// Package versioncmd implements `sfapi version`: the release metadata from
// internal/build as one line of text or as JSON.
//
// It may import cobra, cmdutil, iostreams and build; it must not import
// internal/cli (the root) or any emulator, deploy or tui package.
package versioncmd
