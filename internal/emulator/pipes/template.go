package pipes

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/ohler55/ojg/jp"
	"github.com/ohler55/ojg/oj"
)

// Render fills "<$.path>" placeholders of an EventBridge Pipes input
// template from doc. "<aws.pipes.event.json>" is the whole record.
//
// In JSON mode a placeholder inside a JSON string is replaced by the value's
// text (strings unquoted and escaped), and outside a string by the value as
// JSON, which is how Pipes builds a JSON input. In text mode every value is
// inserted as plain text (for names).
func Render(tmpl string, doc []byte, jsonMode bool) (string, error) {
	var data any
	parsed := false
	var b strings.Builder
	inString := false
	for i := 0; i < len(tmpl); i++ {
		c := tmpl[i]
		if jsonMode && c == '"' && !escaped(tmpl, i) {
			inString = !inString
		}
		if c != '<' {
			b.WriteByte(c)
			continue
		}
		end := strings.IndexByte(tmpl[i:], '>')
		if end < 0 {
			b.WriteString(tmpl[i:])
			break
		}
		ref := tmpl[i+1 : i+end]
		if !strings.HasPrefix(ref, "$") && !strings.HasPrefix(ref, "aws.pipes.event") {
			b.WriteByte(c) // not a placeholder: plain text such as "a < b"
			continue
		}
		if !parsed {
			v, err := oj.Parse(doc)
			if err != nil {
				return "", fmt.Errorf("input template: record is not JSON: %w", err)
			}
			data, parsed = v, true
		}
		var val any
		switch ref {
		case "aws.pipes.event", "aws.pipes.event.json":
			val = data
		default:
			x, err := jp.ParseString(ref)
			if err != nil {
				return "", fmt.Errorf("input template: bad path %q: %w", ref, err)
			}
			res := x.Get(data)
			if len(res) == 0 {
				return "", fmt.Errorf("input template: path %s matches nothing in the record", ref)
			}
			val = res[0]
		}
		b.WriteString(format(val, jsonMode && !inString, jsonMode && inString))
		i += end
	}
	return b.String(), nil
}

func escaped(s string, i int) bool {
	n := 0
	for j := i - 1; j >= 0 && s[j] == '\\'; j-- {
		n++
	}
	return n%2 == 1
}

func format(v any, asJSON, inJSONString bool) string {
	if asJSON {
		return oj.JSON(v, &oj.Options{Sort: true})
	}
	s, ok := v.(string)
	if !ok {
		s = oj.JSON(v, &oj.Options{Sort: true})
	}
	if inJSONString {
		q, _ := json.Marshal(s)
		return string(q[1 : len(q)-1])
	}
	return s
}
