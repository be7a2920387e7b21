package cmdutil

import "fmt"

// ExitError makes cli.Main exit with Code and print nothing: the command
// ran another program (sfapi test -- CMD) whose exit code it passes on,
// and that program already said what went wrong.
type ExitError struct{ Code int }

func (e *ExitError) Error() string { return fmt.Sprintf("exit status %d", e.Code) }
