package benchcmd

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/google/uuid"
)

// Template is a request body with placeholders: {{i}} is the request's
// index (0, 1, 2, ...) and {{uuid}} a fresh random UUID. Spaces inside the
// braces are allowed ({{ i }}).
type Template struct {
	parts []part
}

type partKind uint8

const (
	partText partKind = iota
	partIndex
	partUUID
)

type part struct {
	kind partKind
	text string
}

// ParseTemplate splits s into text and placeholders. An unknown placeholder
// or an unclosed "{{" is an error, so a typo does not go out as load.
func ParseTemplate(s string) (*Template, error) {
	t := &Template{}
	rest := s
	for {
		open := strings.Index(rest, "{{")
		if open < 0 {
			break
		}
		if open > 0 {
			t.parts = append(t.parts, part{kind: partText, text: rest[:open]})
		}
		end := strings.Index(rest[open+2:], "}}")
		if end < 0 {
			return nil, fmt.Errorf("body template: unclosed {{ at byte %d", len(s)-len(rest)+open)
		}
		name := strings.TrimSpace(rest[open+2 : open+2+end])
		switch name {
		case "i":
			t.parts = append(t.parts, part{kind: partIndex})
		case "uuid":
			t.parts = append(t.parts, part{kind: partUUID})
		default:
			return nil, fmt.Errorf("body template: unknown placeholder {{%s}} (want {{i}} or {{uuid}})", name)
		}
		rest = rest[open+2+end+2:]
	}
	if rest != "" {
		t.parts = append(t.parts, part{kind: partText, text: rest})
	}
	return t, nil
}

// Render returns the body of request i.
func (t *Template) Render(i int) []byte {
	var b []byte
	for _, p := range t.parts {
		switch p.kind {
		case partText:
			b = append(b, p.text...)
		case partIndex:
			b = strconv.AppendInt(b, int64(i), 10)
		case partUUID:
			b = append(b, uuid.NewString()...)
		}
	}
	return b
}
