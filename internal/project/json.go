package project

import (
	"bytes"
	"encoding/json"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"

	"gopkg.in/yaml.v3"
)

// maxNodes bounds how many values one document may expand to, so that a
// few lines of nested aliases (a "billion laughs") cannot exhaust memory.
const maxNodes = 1 << 18

// shortForms maps YAML short-form tags to the intrinsic functions they
// stand for.
var shortForms = map[string]string{
	"!Ref":    "Ref",
	"!Sub":    "Fn::Sub",
	"!GetAtt": "Fn::GetAtt",
	"!Join":   "Fn::Join",
}

// jsonWriter converts a YAML node tree to JSON text. With a resolver it
// also evaluates intrinsic functions (in long or short form) to strings, and
// with lines it records the source line of every JSON pointer it writes.
type jsonWriter struct {
	buf   bytes.Buffer
	file  string
	errs  *collector
	res   *resolver
	lines map[string]int
	nodes int
	full  bool // maxNodes reached; reported once
}

func (w *jsonWriter) errorf(n *yaml.Node, format string, args ...any) {
	w.errs.at(w.file, n, format, args...)
}

func escapePointer(key string) string {
	return strings.ReplaceAll(strings.ReplaceAll(key, "~", "~0"), "/", "~1")
}

// str writes s as a JSON string. It does not escape <, > and &, so VTL
// and HTML stay readable (they are valid JSON as they are); invalid UTF-8
// becomes U+FFFD as encoding/json would make it.
func (w *jsonWriter) str(s string) {
	const hex = "0123456789abcdef"
	b := &w.buf
	b.WriteByte('"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				b.WriteByte('\\')
				b.WriteByte(c)
			case c == '\n':
				b.WriteString(`\n`)
			case c == '\r':
				b.WriteString(`\r`)
			case c == '\t':
				b.WriteString(`\t`)
			case c < 0x20:
				b.WriteString(`\u00`)
				b.WriteByte(hex[c>>4])
				b.WriteByte(hex[c&0xf])
			default:
				b.WriteByte(c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b.WriteString(`\ufffd`)
		case r == '\u2028' || r == '\u2029':
			// Valid JSON, but not valid JavaScript; escape like encoding/json.
			b.WriteString(`\u202`)
			b.WriteByte(hex[r&0xf])
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	b.WriteByte('"')
}

// value writes n at JSON pointer ptr; line is where the entry starts (the
// key's line inside a mapping).
func (w *jsonWriter) value(n *yaml.Node, ptr string) {
	w.valueAt(n, ptr, 0)
}

func (w *jsonWriter) valueAt(n *yaml.Node, ptr string, line int) {
	n = deref(n)
	if n == nil {
		w.buf.WriteString("null")
		return
	}
	if w.nodes++; w.nodes > maxNodes {
		if !w.full {
			w.full = true
			w.errorf(n, "document expands to more than %d values (too many aliases?)", maxNodes)
		}
		w.buf.WriteString("null")
		return
	}
	if line == 0 {
		line = n.Line
	}
	if w.lines != nil {
		w.lines[ptr] = line
	}
	if w.res != nil {
		if fn, arg, ok := intrinsic(n); ok {
			if s, ok := w.eval(fn, arg, n); ok {
				w.str(s)
			} else {
				w.buf.WriteString("null")
			}
			return
		}
	} else if isCustomTag(n.Tag) {
		w.errorf(n, "unsupported YAML tag %s", n.Tag)
		w.buf.WriteString("null")
		return
	}
	switch n.Kind {
	case yaml.MappingNode:
		w.buf.WriteByte('{')
		for i, e := range w.entries(n, 0) {
			if i > 0 {
				w.buf.WriteByte(',')
			}
			w.str(e.key.Value)
			w.buf.WriteByte(':')
			w.valueAt(e.val, ptr+"/"+escapePointer(e.key.Value), e.key.Line)
		}
		w.buf.WriteByte('}')
	case yaml.SequenceNode:
		w.buf.WriteByte('[')
		for i, c := range n.Content {
			if i > 0 {
				w.buf.WriteByte(',')
			}
			w.valueAt(c, ptr+"/"+strconv.Itoa(i), 0)
		}
		w.buf.WriteByte(']')
	case yaml.ScalarNode:
		w.scalar(n)
	default:
		w.errorf(n, "unexpected YAML node")
		w.buf.WriteString("null")
	}
}

func isCustomTag(tag string) bool {
	return strings.HasPrefix(tag, "!") && !strings.HasPrefix(tag, "!!")
}

func (w *jsonWriter) scalar(n *yaml.Node) {
	switch n.ShortTag() {
	case "!!null":
		w.buf.WriteString("null")
	case "!!bool":
		var b bool
		if err := n.Decode(&b); err != nil {
			w.str(n.Value)
			return
		}
		w.buf.WriteString(strconv.FormatBool(b))
	case "!!int", "!!float":
		var v any
		if err := n.Decode(&v); err != nil {
			w.errorf(n, "invalid number %q", n.Value)
			w.buf.WriteString("null")
			return
		}
		if f, ok := v.(float64); ok && (math.IsInf(f, 0) || math.IsNaN(f)) {
			w.errorf(n, "%s cannot be represented in JSON", n.Value)
			w.buf.WriteString("null")
			return
		}
		out, err := json.Marshal(v)
		if err != nil {
			w.errorf(n, "invalid number %q", n.Value)
			w.buf.WriteString("null")
			return
		}
		w.buf.Write(out)
	default:
		// !!str, !!timestamp, !!binary: JSON has only strings for them.
		w.str(n.Value)
	}
}

// entries lists the pairs of a mapping, expanding YAML merge keys (<<);
// keys written in the mapping win over merged ones.
func (w *jsonWriter) entries(n *yaml.Node, depth int) []field {
	explicit := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if k := n.Content[i]; k.Kind == yaml.ScalarNode && k.ShortTag() != "!!merge" {
			explicit[k.Value] = true
		}
	}
	var out []field
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Kind != yaml.ScalarNode {
			w.errorf(k, "mapping keys must be strings, got %s", kindName(k))
			continue
		}
		if k.ShortTag() == "!!merge" {
			if depth > 20 {
				w.errorf(k, "merge keys nested too deeply")
				continue
			}
			src := deref(v)
			var maps []*yaml.Node
			switch {
			case src != nil && src.Kind == yaml.MappingNode:
				maps = []*yaml.Node{src}
			case src != nil && src.Kind == yaml.SequenceNode:
				for _, c := range src.Content {
					maps = append(maps, deref(c))
				}
			}
			for _, m := range maps {
				if m == nil || m.Kind != yaml.MappingNode {
					w.errorf(k, "a merge key (<<) needs a mapping or a sequence of mappings")
					break
				}
				for _, e := range w.entries(m, depth+1) {
					if !explicit[e.key.Value] && !seen[e.key.Value] {
						seen[e.key.Value] = true
						out = append(out, e)
					}
				}
			}
			continue
		}
		if seen[k.Value] {
			w.errorf(k, "duplicate key %q", k.Value)
			continue
		}
		seen[k.Value] = true
		out = append(out, field{k, v})
	}
	return out
}

// intrinsic reports whether n is an intrinsic function call: a one-key
// mapping {Ref: x} / {Fn::Name: x}, or a short-form tag (!Ref x). It
// returns the function's long name and its argument.
func intrinsic(n *yaml.Node) (string, *yaml.Node, bool) {
	if isCustomTag(n.Tag) {
		arg := *n
		if n.Kind == yaml.ScalarNode {
			arg.Tag = "!!str"
		} else {
			arg.Tag = ""
		}
		if fn, ok := shortForms[n.Tag]; ok {
			return fn, &arg, true
		}
		return n.Tag, &arg, true
	}
	if n.Kind == yaml.MappingNode && len(n.Content) == 2 && n.Content[0].Kind == yaml.ScalarNode {
		k := n.Content[0].Value
		if k == "Ref" || strings.HasPrefix(k, "Fn::") {
			return k, n.Content[1], true
		}
	}
	return "", nil, false
}

// evalString evaluates n to a string: a scalar, or an intrinsic function.
func (w *jsonWriter) evalString(n *yaml.Node) (string, bool) {
	n = deref(n)
	if n == nil {
		w.errorf(n, "expected a string")
		return "", false
	}
	if fn, arg, ok := intrinsic(n); ok {
		return w.eval(fn, arg, n)
	}
	if n.Kind == yaml.ScalarNode && n.ShortTag() != "!!null" {
		return n.Value, true
	}
	w.errorf(n, "expected a string or an intrinsic function, got %s", kindName(n))
	return "", false
}

// eval evaluates intrinsic function fn with argument arg; at is the call
// node, for positions.
func (w *jsonWriter) eval(fn string, arg, at *yaml.Node) (string, bool) {
	if w.nodes++; w.nodes > maxNodes {
		if !w.full {
			w.full = true
			w.errorf(at, "document expands to more than %d values (too many aliases?)", maxNodes)
		}
		return "", false
	}
	arg = deref(arg)
	if arg == nil {
		w.errorf(at, "%s needs an argument", fn)
		return "", false
	}
	scalarArg := func() (string, bool) {
		if arg.Kind != yaml.ScalarNode || arg.ShortTag() == "!!null" || isCustomTag(arg.Tag) {
			w.errorf(arg, "%s needs a string, got %s", fn, kindName(arg))
			return "", false
		}
		return arg.Value, true
	}
	switch fn {
	case "Ref":
		name, ok := scalarArg()
		if !ok {
			return "", false
		}
		v, err := w.res.ref(name)
		if err != nil {
			w.errorf(arg, "Ref: %v", err)
			return "", false
		}
		return v, true
	case "Fn::GetAtt":
		var id, attr string
		switch arg.Kind {
		case yaml.ScalarNode:
			s, ok := scalarArg()
			if !ok {
				return "", false
			}
			var cut bool
			if id, attr, cut = strings.Cut(s, "."); !cut {
				w.errorf(arg, "Fn::GetAtt needs LogicalId.Attribute, got %q", s)
				return "", false
			}
		case yaml.SequenceNode:
			if len(arg.Content) != 2 {
				w.errorf(arg, "Fn::GetAtt needs [LogicalId, Attribute], got %d items", len(arg.Content))
				return "", false
			}
			var ok1, ok2 bool
			id, ok1 = w.evalString(arg.Content[0])
			attr, ok2 = w.evalString(arg.Content[1])
			if !ok1 || !ok2 {
				return "", false
			}
		default:
			w.errorf(arg, "Fn::GetAtt needs LogicalId.Attribute or [LogicalId, Attribute], got %s", kindName(arg))
			return "", false
		}
		v, err := w.res.getAtt(id, attr)
		if err != nil {
			w.errorf(arg, "Fn::GetAtt: %v", err)
			return "", false
		}
		return v, true
	case "Fn::Sub":
		var tmpl *yaml.Node
		vars := map[string]string{}
		switch arg.Kind {
		case yaml.ScalarNode:
			tmpl = arg
		case yaml.SequenceNode:
			if len(arg.Content) != 2 {
				w.errorf(arg, "Fn::Sub needs a template or [template, {variables}], got %d items", len(arg.Content))
				return "", false
			}
			tmpl = deref(arg.Content[0])
			varsNode := deref(arg.Content[1])
			if varsNode == nil || varsNode.Kind != yaml.MappingNode {
				w.errorf(varsNode, "Fn::Sub variables must be a mapping, got %s", kindName(varsNode))
				return "", false
			}
			ok := true
			for i := 0; i+1 < len(varsNode.Content); i += 2 {
				k := varsNode.Content[i]
				v, good := w.evalString(varsNode.Content[i+1])
				ok = ok && good
				vars[k.Value] = v
			}
			if !ok {
				return "", false
			}
		default:
			w.errorf(arg, "Fn::Sub needs a template or [template, {variables}], got %s", kindName(arg))
			return "", false
		}
		if tmpl == nil || tmpl.Kind != yaml.ScalarNode || tmpl.ShortTag() == "!!null" {
			w.errorf(tmpl, "Fn::Sub template must be a string, got %s", kindName(tmpl))
			return "", false
		}
		out, err := substitute(tmpl.Value, func(name string) (string, error) {
			if v, ok := vars[name]; ok {
				return v, nil
			}
			return w.res.lookup(name)
		})
		if err != nil {
			w.errorf(tmpl, "Fn::Sub: %v", err)
			return "", false
		}
		return out, true
	case "Fn::Join":
		if arg.Kind != yaml.SequenceNode || len(arg.Content) != 2 {
			w.errorf(arg, "Fn::Join needs [delimiter, [values]]")
			return "", false
		}
		delim := deref(arg.Content[0])
		list := deref(arg.Content[1])
		if delim == nil || delim.Kind != yaml.ScalarNode {
			w.errorf(delim, "Fn::Join delimiter must be a string, got %s", kindName(delim))
			return "", false
		}
		if list == nil || list.Kind != yaml.SequenceNode {
			w.errorf(list, "Fn::Join values must be a sequence, got %s", kindName(list))
			return "", false
		}
		parts := make([]string, 0, len(list.Content))
		ok := true
		for _, c := range list.Content {
			s, good := w.evalString(c)
			ok = ok && good
			parts = append(parts, s)
		}
		if !ok {
			return "", false
		}
		return strings.Join(parts, delim.Value), true
	}
	w.errorf(at, "unsupported intrinsic function %s (supported: Ref, Fn::Sub, Fn::GetAtt, Fn::Join and their short forms)", fn)
	return "", false
}
