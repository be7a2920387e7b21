// Package tui owns the terminal user interface of `sfapi jobs watch`: a
// bubbletea model with a live table of jobs (status colours, a progress bar
// per job, age and duration), a detail pane with the selected job's journey
// as a timeline, a pane of live push events, filter and search, and help.
//
// The model reads everything through the JobSource port it declares; the
// command package (internal/cli/jobscmd) binds that port to a running stack.
// Rendering is throttled (the view is rebuilt at most once per frame tick,
// however many events arrive) and history is bounded (MaxJobs, MaxEvents), so
// the model stays smooth and small at thousands of events per second.
//
// It is a core package: it must not import net/http, the AWS SDK, cobra,
// viper or anything under internal/emulator (internal/archtest enforces
// this). Its only non-standard dependencies are bubbletea and lipgloss.
package tui
