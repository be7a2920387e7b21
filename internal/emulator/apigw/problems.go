package apigw

import (
	"errors"
	"fmt"
	"sort"
	"strings"
)

// problems collects every error and warning found while loading a document,
// each tied to the JSON pointer of the offending value, so that New reports
// them all at once with file:line positions instead of stopping at the first.
type problems struct {
	file     string
	lines    map[string]int
	errs     []located
	warnings []located
}

type located struct {
	line int
	msg  string
}

func (p *problems) errorf(ptr string, format string, args ...any) {
	p.errs = append(p.errs, located{p.line(ptr), fmt.Sprintf(format, args...)})
}

func (p *problems) warnf(ptr string, format string, args ...any) {
	p.warnings = append(p.warnings, located{p.line(ptr), fmt.Sprintf(format, args...)})
}

// line finds the source line of ptr, walking up to the nearest ancestor the
// caller knew a line for: resolved values (Fn::Sub results) have no line of
// their own but their key has.
func (p *problems) line(ptr string) int {
	for {
		if n, ok := p.lines[ptr]; ok {
			return n
		}
		i := strings.LastIndexByte(ptr, '/')
		if i < 0 {
			return 0
		}
		ptr = ptr[:i]
	}
}

func (p *problems) format(l located) string {
	file := p.file
	if file == "" {
		file = "openapi"
	}
	if l.line > 0 {
		return fmt.Sprintf("%s:%d: %s", file, l.line, l.msg)
	}
	return fmt.Sprintf("%s: %s", file, l.msg)
}

func sortLocated(ls []located) {
	sort.SliceStable(ls, func(i, j int) bool { return ls[i].line < ls[j].line })
}

// err returns every collected error, sorted by line, joined; nil if none.
func (p *problems) err() error {
	if len(p.errs) == 0 {
		return nil
	}
	sortLocated(p.errs)
	list := make([]error, len(p.errs))
	for i, l := range p.errs {
		list[i] = errors.New(p.format(l))
	}
	return errors.Join(list...)
}

func (p *problems) warningList() []string {
	sortLocated(p.warnings)
	out := make([]string, len(p.warnings))
	for i, l := range p.warnings {
		out[i] = p.format(l)
	}
	return out
}

// pointer builds a JSON pointer (RFC 6901) from raw tokens.
func pointer(base string, tokens ...string) string {
	var b strings.Builder
	b.WriteString(base)
	for _, t := range tokens {
		b.WriteByte('/')
		t = strings.ReplaceAll(t, "~", "~0")
		b.WriteString(strings.ReplaceAll(t, "/", "~1"))
	}
	return b.String()
}
