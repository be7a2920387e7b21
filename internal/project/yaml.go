package project

import (
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// parseYAML parses one YAML (or JSON) document into a node tree, turning
// yaml.v3's "yaml: line N: ..." messages into positioned errors. A recover
// guards the third-party parser: bad project files must never crash sfapi.
func parseYAML(file string, data []byte, errs *collector) (root *yaml.Node) {
	defer func() {
		if r := recover(); r != nil {
			errs.add(&Error{File: file, Msg: fmt.Sprintf("invalid YAML: %v", r)})
			root = nil
		}
	}()
	dec := yaml.NewDecoder(strings.NewReader(string(data)))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			errs.add(&Error{File: file, Line: 1, Col: 1, Msg: "file is empty"})
			return nil
		}
		errs.add(yamlError(file, err))
		return nil
	}
	var next yaml.Node
	if err := dec.Decode(&next); err == nil {
		errs.add(&Error{File: file, Line: next.Line, Col: next.Column, Msg: "only one YAML document is allowed"})
		return nil
	} else if !errors.Is(err, io.EOF) {
		errs.add(yamlError(file, err))
		return nil
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) != 1 {
		errs.add(&Error{File: file, Line: 1, Col: 1, Msg: "file is empty"})
		return nil
	}
	return doc.Content[0]
}

var yamlLineRE = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

func yamlError(file string, err error) *Error {
	msg := err.Error()
	if m := yamlLineRE.FindStringSubmatch(msg); m != nil {
		line, _ := strconv.Atoi(m[1])
		return &Error{File: file, Line: line, Msg: "invalid YAML: " + m[2]}
	}
	return &Error{File: file, Msg: "invalid YAML: " + strings.TrimPrefix(msg, "yaml: ")}
}

// deref follows aliases (*name) to the anchored node.
func deref(n *yaml.Node) *yaml.Node {
	for i := 0; n != nil && n.Kind == yaml.AliasNode && i < 100; i++ {
		n = n.Alias
	}
	return n
}

// kindName names what a node is, for "must be a X, got Y" messages.
func kindName(n *yaml.Node) string {
	n = deref(n)
	if n == nil {
		return "nothing"
	}
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a sequence"
	case yaml.ScalarNode:
		switch n.ShortTag() {
		case "!!str":
			return "a string"
		case "!!int":
			return "an integer"
		case "!!float":
			return "a number"
		case "!!bool":
			return "a boolean"
		case "!!null":
			return "null"
		}
		return "a " + n.ShortTag() + " value"
	}
	return "an alias"
}

// field is one key: value pair of a mapping.
type field struct {
	key, val *yaml.Node
}

// decoder reads a YAML node tree against a fixed schema, recording every
// problem with its position instead of stopping at the first.
type decoder struct {
	file string
	errs *collector
}

func (d *decoder) errorf(n *yaml.Node, format string, args ...any) {
	d.errs.at(d.file, n, format, args...)
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// fields checks that n is a mapping whose keys are all in known and not
// repeated, and returns its pairs by key. what names the mapping in
// messages. It returns nil (after recording an error) if n is not a mapping.
func (d *decoder) fields(n *yaml.Node, what string, known ...string) map[string]field {
	n = deref(n)
	if n == nil || n.Kind != yaml.MappingNode {
		d.errorf(n, "%s must be a mapping, got %s", what, kindName(n))
		return nil
	}
	out := make(map[string]field, len(n.Content)/2)
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Kind != yaml.ScalarNode {
			d.errorf(k, "keys of %s must be strings, got %s", what, kindName(k))
			continue
		}
		if _, dup := out[k.Value]; dup {
			d.errorf(k, "duplicate field %q in %s", k.Value, what)
			continue
		}
		if known != nil && !contains(known, k.Value) {
			d.errorf(k, "unknown field %q in %s (known: %s)", k.Value, what, strings.Join(known, ", "))
			continue
		}
		out[k.Value] = field{k, v}
	}
	return out
}

// pairs is fields for free-form mappings (variables, logical IDs), keeping
// document order.
func (d *decoder) pairs(n *yaml.Node, what string) []field {
	n = deref(n)
	if n == nil || n.Kind != yaml.MappingNode {
		d.errorf(n, "%s must be a mapping, got %s", what, kindName(n))
		return nil
	}
	var out []field
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Kind != yaml.ScalarNode {
			d.errorf(k, "keys of %s must be strings, got %s", what, kindName(k))
			continue
		}
		if seen[k.Value] {
			d.errorf(k, "duplicate key %q in %s", k.Value, what)
			continue
		}
		seen[k.Value] = true
		out = append(out, field{k, v})
	}
	return out
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// required reports a missing required field of mapping m (at node n).
func (d *decoder) required(f map[string]field, n *yaml.Node, what, key string) (field, bool) {
	v, ok := f[key]
	if !ok {
		d.errorf(deref(n), "missing required field %q in %s", key, what)
	}
	return v, ok
}

// str reads a scalar as text. Numbers are accepted as their literal text (an
// unquoted account ID is still the string the user wrote); booleans, null and
// collections are not.
func (d *decoder) str(n *yaml.Node, what string) (string, bool) {
	n = deref(n)
	if n != nil && n.Kind == yaml.ScalarNode {
		switch n.ShortTag() {
		case "!!str", "!!int", "!!float":
			return n.Value, true
		}
	}
	d.errorf(n, "%s must be a string, got %s", what, kindName(n))
	return "", false
}

func (d *decoder) integer(n *yaml.Node, what string, lo, hi int) (int, bool) {
	n = deref(n)
	if n == nil || n.Kind != yaml.ScalarNode || n.ShortTag() != "!!int" {
		d.errorf(n, "%s must be an integer, got %s", what, kindName(n))
		return 0, false
	}
	v, err := strconv.ParseInt(n.Value, 0, 64)
	if err != nil || v < int64(lo) || v > int64(hi) {
		d.errorf(n, "%s must be between %d and %d, got %s", what, lo, hi, n.Value)
		return 0, false
	}
	return int(v), true
}

func (d *decoder) boolean(n *yaml.Node, what string) (bool, bool) {
	n = deref(n)
	if n != nil && n.Kind == yaml.ScalarNode && n.ShortTag() == "!!bool" {
		var b bool
		if err := n.Decode(&b); err == nil {
			return b, true
		}
	}
	d.errorf(n, "%s must be a boolean, got %s", what, kindName(n))
	return false, false
}

// enum reads a string that must be one of valid.
func (d *decoder) enum(n *yaml.Node, what string, valid ...string) (string, bool) {
	s, ok := d.str(n, what)
	if !ok {
		return "", false
	}
	if !contains(valid, s) {
		d.errorf(deref(n), "invalid %s %q (valid: %s)", what, s, strings.Join(valid, ", "))
		return "", false
	}
	return s, true
}

// match reads a string that must match re; rule describes re for humans.
func (d *decoder) match(n *yaml.Node, what string, re interface{ MatchString(string) bool }, rule string) (string, bool) {
	s, ok := d.str(n, what)
	if !ok {
		return "", false
	}
	if !re.MatchString(s) {
		d.errorf(deref(n), "invalid %s %q: %s", what, s, rule)
		return "", false
	}
	return s, true
}

// strings reads a sequence of strings.
func (d *decoder) strs(n *yaml.Node, what string) ([]string, bool) {
	n = deref(n)
	if n == nil || n.Kind != yaml.SequenceNode {
		d.errorf(n, "%s must be a sequence, got %s", what, kindName(n))
		return nil, false
	}
	out := make([]string, 0, len(n.Content))
	ok := true
	for i, c := range n.Content {
		s, good := d.str(c, fmt.Sprintf("%s[%d]", what, i))
		ok = ok && good
		out = append(out, s)
	}
	return out, ok
}

// seq checks that n is a sequence and returns its items.
func (d *decoder) seq(n *yaml.Node, what string) []*yaml.Node {
	n = deref(n)
	if n == nil || n.Kind != yaml.SequenceNode {
		d.errorf(n, "%s must be a sequence, got %s", what, kindName(n))
		return nil
	}
	return n.Content
}
