package project

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"
)

// MaxErrors is how many errors Load reports before it gives up listing them;
// past that a user fixes the first ones and runs again.
const MaxErrors = 20

// Error is one problem in a project file. File is relative to the project
// directory; Line and Col are 1-based and zero when unknown.
type Error struct {
	File      string
	Line, Col int
	Msg       string
}

// Error prints file:line:col: msg, dropping the parts that are unknown.
func (e *Error) Error() string {
	switch {
	case e.File == "":
		return e.Msg
	case e.Line == 0:
		return e.File + ": " + e.Msg
	case e.Col == 0:
		return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
	default:
		return fmt.Sprintf("%s:%d:%d: %s", e.File, e.Line, e.Col, e.Msg)
	}
}

// ErrorList is every problem Load found, in file order and then position
// order, at most MaxErrors of them followed by a "too many errors" entry.
type ErrorList []*Error

// Error prints one error per line.
func (l ErrorList) Error() string {
	var b strings.Builder
	for i, e := range l {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(e.Error())
	}
	return b.String()
}

// collector gathers errors from every file so that one run of `sfapi
// validate` shows them all. It keeps a hard cap well above MaxErrors so that
// hostile input cannot make it grow without bound.
type collector struct {
	list  ErrorList
	files []string // files in the order their first error arrived
}

const collectorCap = 1000

func (c *collector) add(e *Error) {
	if len(c.list) >= collectorCap {
		return
	}
	if !slices.Contains(c.files, e.File) {
		c.files = append(c.files, e.File)
	}
	c.list = append(c.list, e)
}

// at records an error at a YAML node of file.
func (c *collector) at(file string, n *yaml.Node, format string, args ...any) {
	e := &Error{File: file, Msg: fmt.Sprintf(format, args...)}
	if n != nil {
		e.Line, e.Col = n.Line, n.Column
	}
	c.add(e)
}

func (c *collector) ok() bool { return len(c.list) == 0 }

// err returns nil or an ErrorList sorted by file (in the order the files
// were read) and then position.
func (c *collector) err() error {
	if len(c.list) == 0 {
		return nil
	}
	list := slices.Clone(c.list)
	slices.SortStableFunc(list, func(a, b *Error) int {
		return cmp.Or(
			cmp.Compare(slices.Index(c.files, a.File), slices.Index(c.files, b.File)),
			cmp.Compare(a.Line, b.Line),
			cmp.Compare(a.Col, b.Col),
		)
	})
	if len(list) > MaxErrors {
		list = append(list[:MaxErrors:MaxErrors], &Error{Msg: "too many errors"})
	}
	return list
}
