// Package initcmd implements `sfapi init`: it writes a template project
// (internal/scaffold) into a directory and tells the user what to run next.
//
// It may import cobra, cmdutil, iostreams and scaffold; it must not import
// internal/cli (the root) or any emulator, deploy or tui package.
package initcmd
