package project

import (
	"encoding/json"
	"slices"
	"strconv"
	"strings"
)

// DefinitionPos is where the JSON pointer ptr ("/States/Claim/Next", as
// Step Functions' diagnostics locate a problem) was written in sm's
// definition file: the member's key, or the element itself. ok is false
// when the pointer names nothing in the file.
//
// The raw file is searched when it is JSON by itself; a definition whose
// substitutions stand outside strings is searched after substitution,
// which keeps lines (substituted values are single-line) but not columns.
func (sm StateMachine) DefinitionPos(ptr string) (pos Pos, ok bool) {
	for _, text := range []string{sm.RawDefinition, sm.Definition} {
		if !json.Valid([]byte(text)) {
			continue
		}
		if off, ok := pointerOffset(text, ptr); ok {
			line, col := lineCol(text, off)
			if text != sm.RawDefinition {
				col = 0
			}
			return Pos{File: sm.DefinitionFile, Line: line, Col: col}, true
		}
		return Pos{}, false
	}
	return Pos{}, false
}

// pointerOffset returns the byte offset in the JSON text of what the RFC
// 6901 pointer names: an object member's key, or an array element.
func pointerOffset(text, ptr string) (int, bool) {
	want, ok := splitPointer(ptr)
	if !ok {
		return 0, false
	}
	f := &pointerFinder{dec: json.NewDecoder(strings.NewReader(text)), text: text, want: want}
	f.dec.UseNumber()
	if err := f.value(nil); err != nil && !f.found {
		return 0, false
	}
	return f.at, f.found
}

func splitPointer(ptr string) ([]string, bool) {
	if ptr == "" {
		return nil, true
	}
	if !strings.HasPrefix(ptr, "/") {
		return nil, false
	}
	parts := strings.Split(ptr[1:], "/")
	for i, p := range parts {
		parts[i] = strings.ReplaceAll(strings.ReplaceAll(p, "~1", "/"), "~0", "~")
	}
	return parts, true
}

type pointerFinder struct {
	dec   *json.Decoder
	text  string
	want  []string
	at    int
	found bool
}

// next is where the decoder's next token starts.
func (f *pointerFinder) next() int {
	off := int(f.dec.InputOffset())
	for off < len(f.text) && strings.IndexByte(" \t\r\n,:", f.text[off]) >= 0 {
		off++
	}
	return off
}

func (f *pointerFinder) mark(path []string, off int) {
	if !f.found && slices.Equal(path, f.want) {
		f.at, f.found = off, true
	}
}

// value reads one JSON value at path. It stops early once the pointer is
// found: the rest of the document does not matter.
func (f *pointerFinder) value(path []string) error {
	f.mark(path, f.next())
	tok, err := f.dec.Token()
	if err != nil {
		return err
	}
	switch tok {
	case json.Delim('{'):
		for f.dec.More() && !f.found {
			keyAt := f.next()
			k, err := f.dec.Token()
			if err != nil {
				return err
			}
			key, _ := k.(string)
			child := append(slices.Clip(path), key)
			f.mark(child, keyAt)
			if err := f.value(child); err != nil {
				return err
			}
		}
	case json.Delim('['):
		for i := 0; f.dec.More() && !f.found; i++ {
			if err := f.value(append(slices.Clip(path), strconv.Itoa(i))); err != nil {
				return err
			}
		}
	default:
		return nil
	}
	if f.found {
		return nil
	}
	_, err = f.dec.Token() // the closing delimiter
	return err
}
