package cfn

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// FormatVersion is the only CloudFormation template format version.
const FormatVersion = "2010-09-09"

// Template is a CloudFormation template. Maps marshal with sorted keys, so
// the same project always gives byte-identical JSON (golden tests, and
// CloudFormation sees no change when nothing changed).
type Template struct {
	AWSTemplateFormatVersion string
	Description              string               `json:",omitempty"`
	Parameters               map[string]Parameter `json:",omitempty"`
	Resources                map[string]Resource
	Outputs                  map[string]Output `json:",omitempty"`
}

// Parameter is a template parameter.
type Parameter struct {
	Type        string
	Default     string `json:",omitempty"`
	Description string `json:",omitempty"`
}

// Resource is one resource of a template.
type Resource struct {
	Type       string
	DependsOn  []string       `json:",omitempty"`
	Properties map[string]any `json:",omitempty"`
}

// Output is a stack output.
type Output struct {
	Description string `json:",omitempty"`
	Value       any
}

// JSON renders the template as indented JSON with a trailing newline.
func (t *Template) JSON() ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	// VTL templates and ASL are full of '<', '>' and '&'; escaping them
	// would make the template unreadable without changing its meaning.
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(t); err != nil {
		return nil, fmt.Errorf("encode template: %w", err)
	}
	return buf.Bytes(), nil
}

// Ref is the Ref intrinsic function.
func Ref(name string) map[string]any { return map[string]any{"Ref": name} }

// GetAtt is the Fn::GetAtt intrinsic function.
func GetAtt(id, attr string) map[string]any {
	return map[string]any{"Fn::GetAtt": []any{id, attr}}
}

// Sub is the Fn::Sub intrinsic function with an implicit variable map.
func Sub(s string) map[string]any { return map[string]any{"Fn::Sub": s} }

// subOrString returns s itself when it holds no ${...} reference, else
// Fn::Sub of s, so plain values stay plain in the template.
func subOrString(s string) any {
	if !bytes.Contains([]byte(s), []byte("${")) {
		return s
	}
	return Sub(s)
}

// CompactJSON renders the template without indentation: what deploy sends,
// since CloudFormation limits an inline TemplateBody to MaxTemplateBody.
func (t *Template) CompactJSON() ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(t); err != nil {
		return nil, fmt.Errorf("encode template: %w", err)
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// MaxTemplateBody is CloudFormation's limit on an inline template, in
// bytes; larger ones must be uploaded to S3 first.
const MaxTemplateBody = 51200
