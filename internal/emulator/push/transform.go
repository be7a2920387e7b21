package push

import (
	"bytes"
	"encoding/json"
	"maps"
	"slices"
	"strconv"
	"strings"
)

// Limits on input transformers, from the EventBridge API reference.
const (
	MaxInputPathsMap    = 100
	MaxInputTemplateLen = 8192
)

// Predefined input-template variables
// (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-transform-target-input.html).
const (
	VarRuleARN       = "aws.events.rule-arn"
	VarRuleName      = "aws.events.rule-name"
	VarIngestionTime = "aws.events.event.ingestion-time"
	VarEvent         = "aws.events.event"
	VarEventJSON     = "aws.events.event.json"
)

// InputTransformer is a target's InputTransformer as the API spells it.
type InputTransformer struct {
	InputPathsMap map[string]string
	InputTemplate string
}

// DeliveryInfo is what the predefined template variables expand to.
type DeliveryInfo struct {
	RuleARN       string
	RuleName      string
	IngestionTime string // RFC3339
}

// Transformer is a compiled InputTransformer.
type Transformer struct {
	paths map[string]*JSONPath
	parts []tmplPart
}

type tmplPart struct {
	lit      string
	name     string // placeholder when != ""
	inString bool
}

// CompileTransformer validates an InputTransformer and prepares it for
// Apply.
func CompileTransformer(t InputTransformer) (*Transformer, error) {
	if len(t.InputPathsMap) > MaxInputPathsMap {
		return nil, errorf(CodeValidation, "InputPathsMap can contain at most %d entries.", MaxInputPathsMap)
	}
	if t.InputTemplate == "" {
		return nil, errorf(CodeValidation, "InputTemplate is required in InputTransformer.")
	}
	if len(t.InputTemplate) > MaxInputTemplateLen {
		return nil, errorf(CodeValidation, "InputTemplate must be at most %d characters.", MaxInputTemplateLen)
	}
	tr := &Transformer{paths: make(map[string]*JSONPath, len(t.InputPathsMap))}
	for name, p := range t.InputPathsMap {
		if !validVarName(name) {
			return nil, errorf(CodeValidation, "InputPathsMap key %q is not valid: use letters, digits, '-' and '_'.", name)
		}
		jp, err := ParseJSONPath(p)
		if err != nil {
			return nil, errorf(CodeValidation, "InputPathsMap value for %q is not valid: %v", name, err)
		}
		tr.paths[name] = jp
	}
	tr.parts = tr.parseTemplate(t.InputTemplate)
	return tr, nil
}

func validVarName(s string) bool {
	if s == "" || strings.HasPrefix(s, "aws.") {
		return false
	}
	for _, c := range s {
		if !(c == '-' || c == '_' || c == '.' || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) {
			return false
		}
	}
	return true
}

func isReserved(name string) bool {
	switch name {
	case VarRuleARN, VarRuleName, VarIngestionTime, VarEvent, VarEventJSON:
		return true
	}
	return false
}

// parseTemplate splits the template into literal text and placeholders,
// remembering whether each placeholder sits inside a JSON string literal:
// that decides whether its value is inserted as JSON or as escaped string
// content. "<x>" whose x is neither defined nor predefined stays literal
// text, as AWS leaves it.
func (tr *Transformer) parseTemplate(s string) []tmplPart {
	var parts []tmplPart
	var lit strings.Builder
	inString := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\\' && inString && i+1 < len(s):
			lit.WriteByte(c)
			i++
			lit.WriteByte(s[i])
			continue
		case c == '"':
			inString = !inString
		case c == '<':
			end := strings.IndexByte(s[i+1:], '>')
			if end >= 0 {
				name := s[i+1 : i+1+end]
				if _, ok := tr.paths[name]; ok || isReserved(name) {
					if lit.Len() > 0 {
						parts = append(parts, tmplPart{lit: lit.String()})
						lit.Reset()
					}
					parts = append(parts, tmplPart{name: name, inString: inString})
					i += end + 1
					continue
				}
			}
		}
		lit.WriteByte(c)
	}
	if lit.Len() > 0 {
		parts = append(parts, tmplPart{lit: lit.String()})
	}
	return parts
}

// Apply renders the template for one event. doc is the decoded event and
// raw its JSON text.
func (tr *Transformer) Apply(doc any, raw []byte, info DeliveryInfo) []byte {
	var out bytes.Buffer
	for _, p := range tr.parts {
		if p.name == "" {
			out.WriteString(p.lit)
			continue
		}
		var val any
		found := true
		var rawJSON []byte // set when the value is already JSON text
		switch p.name {
		case VarRuleARN:
			val = info.RuleARN
		case VarRuleName:
			val = info.RuleName
		case VarIngestionTime:
			val = info.IngestionTime
		case VarEventJSON:
			rawJSON = raw
		case VarEvent:
			if m, ok := doc.(map[string]any); ok {
				cp := make(map[string]any, len(m))
				for k, v := range m {
					if k != "detail" {
						cp[k] = v
					}
				}
				rawJSON = marshalJSON(cp)
			} else {
				rawJSON = raw
			}
		default:
			val, found = tr.paths[p.name].Eval(doc)
		}
		switch {
		case rawJSON != nil && p.inString:
			out.Write(escapeContent(string(rawJSON)))
		case rawJSON != nil:
			out.Write(rawJSON)
		case !found && p.inString:
		case !found:
			out.WriteString("null")
		case p.inString:
			if s, ok := val.(string); ok {
				out.Write(escapeContent(s))
			} else {
				out.Write(escapeContent(string(marshalJSON(val))))
			}
		default:
			out.Write(marshalJSON(val))
		}
	}
	return out.Bytes()
}

// marshalJSON encodes without HTML escaping: targets get '<' not \u003c.
func marshalJSON(v any) []byte {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return []byte("null")
	}
	return bytes.TrimRight(b.Bytes(), "\n")
}

// escapeContent returns s escaped for use inside a JSON string literal,
// without the surrounding quotes.
func escapeContent(s string) []byte {
	q := marshalJSON(s)
	if len(q) >= 2 {
		return q[1 : len(q)-1]
	}
	return nil
}

// JSONPath is the JSONPath subset EventBridge accepts in InputPath and
// InputPathsMap: "$", dot names (letters, digits, '-', '_', '/', ...),
// ['quoted names'], [index] and the * wildcard.
type JSONPath struct {
	src  string
	segs []pathSeg
}

type pathSeg struct {
	key   string
	index int // >= 0 for [n]
	wild  bool
}

// String returns the path source.
func (p *JSONPath) String() string { return p.src }

// ParseJSONPath parses an EventBridge JSONPath.
func ParseJSONPath(s string) (*JSONPath, error) {
	if !strings.HasPrefix(s, "$") {
		return nil, errorf(CodeValidation, "JSONPath %q must start with '$'", s)
	}
	p := &JSONPath{src: s}
	i := 1
	for i < len(s) {
		switch s[i] {
		case '.':
			j := i + 1
			for j < len(s) && s[j] != '.' && s[j] != '[' {
				j++
			}
			name := s[i+1 : j]
			if name == "" {
				return nil, errorf(CodeValidation, "JSONPath %q has an empty name at offset %d", s, i)
			}
			if name == "*" {
				p.segs = append(p.segs, pathSeg{wild: true, index: -1})
			} else {
				p.segs = append(p.segs, pathSeg{key: name, index: -1})
			}
			i = j
		case '[':
			end := strings.IndexByte(s[i:], ']')
			if end < 0 {
				return nil, errorf(CodeValidation, "JSONPath %q has an unclosed '['", s)
			}
			inner := s[i+1 : i+end]
			switch {
			case inner == "*":
				p.segs = append(p.segs, pathSeg{wild: true, index: -1})
			case len(inner) >= 2 && (inner[0] == '\'' || inner[0] == '"') && inner[len(inner)-1] == inner[0]:
				p.segs = append(p.segs, pathSeg{key: inner[1 : len(inner)-1], index: -1})
			default:
				n, err := strconv.Atoi(inner)
				if err != nil || n < 0 {
					return nil, errorf(CodeValidation, "JSONPath %q has an invalid index %q", s, inner)
				}
				p.segs = append(p.segs, pathSeg{index: n})
			}
			i += end + 1
		default:
			return nil, errorf(CodeValidation, "JSONPath %q has an unexpected character %q at offset %d", s, s[i], i)
		}
	}
	return p, nil
}

// Eval selects the value at the path. A wildcard step collects every match
// into an array. found is false when nothing is there.
func (p *JSONPath) Eval(doc any) (v any, found bool) {
	cur := []any{doc}
	multi := false
	for _, sg := range p.segs {
		var next []any
		for _, c := range cur {
			switch {
			case sg.wild:
				multi = true
				switch x := c.(type) {
				case map[string]any:
					// Sorted keys keep the output deterministic.
					for _, k := range slices.Sorted(maps.Keys(x)) {
						next = append(next, x[k])
					}
				case []any:
					next = append(next, x...)
				}
			case sg.index >= 0:
				if a, ok := c.([]any); ok && sg.index < len(a) {
					next = append(next, a[sg.index])
				}
			default:
				if m, ok := c.(map[string]any); ok {
					if e, ok := m[sg.key]; ok {
						next = append(next, e)
					}
				}
			}
		}
		cur = next
		if len(cur) == 0 {
			return nil, false
		}
	}
	if multi {
		return cur, true
	}
	return cur[0], true
}
