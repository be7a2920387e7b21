package expr

import (
	"sort"
	"strings"
)

// ValidatePlaceholders checks a whole request's placeholders as DynamoDB
// does, given the Refs of every expression in the request in the order
// DynamoDB reads them (UpdateExpression, ConditionExpression,
// KeyConditionExpression, FilterExpression, ProjectionExpression):
//
//   - placeholder keys are well formed ("#" or ":" then [0-9A-Za-z_]+);
//   - placeholders given with no expression at all are rejected;
//   - every "#n"/":v" an expression uses is defined;
//   - every defined placeholder is used by some expression.
func ValidatePlaceholders(p *Placeholders, used ...Refs) error {
	var names, values []string
	if p != nil {
		for k := range p.Names {
			names = append(names, k)
		}
		for k := range p.Values {
			values = append(values, k)
		}
	}
	sort.Strings(names)
	sort.Strings(values)
	for _, k := range names {
		if !validKey(k, '#') {
			return &Error{Msg: `ExpressionAttributeNames contains invalid key: Syntax error; key: "` + k + `"`}
		}
	}
	for _, k := range values {
		if !validKey(k, ':') {
			return &Error{Msg: `ExpressionAttributeValues contains invalid key: Syntax error; key: "` + k + `"`}
		}
	}
	if len(used) == 0 {
		switch {
		case len(names) > 0:
			return &Error{Msg: "ExpressionAttributeNames can only be specified when using expressions"}
		case len(values) > 0:
			return &Error{Msg: "ExpressionAttributeValues can only be specified when using expressions"}
		}
		return nil
	}
	seen := map[string]bool{}
	for _, r := range used {
		seq := r.seq
		if seq == nil {
			seq = append(append([]string(nil), r.Names...), r.Values...)
		}
		for _, ref := range seq {
			seen[ref] = true
			var msg string
			if strings.HasPrefix(ref, "#") {
				if _, ok := resolveName(p, ref); !ok {
					msg = undefinedName(ref)
				}
			} else if _, ok := resolveValue(p, ref); !ok {
				msg = undefinedValue(ref)
			}
			if msg != "" {
				if r.Expr != "" {
					return newError(r.Expr, "%s", msg)
				}
				return &Error{Msg: msg}
			}
		}
	}
	if unused := unusedKeys(names, seen); unused != "" {
		return &Error{Msg: "Value provided in ExpressionAttributeNames unused in expressions: keys: {" + unused + "}"}
	}
	if unused := unusedKeys(values, seen); unused != "" {
		return &Error{Msg: "Value provided in ExpressionAttributeValues unused in expressions: keys: {" + unused + "}"}
	}
	return nil
}

func unusedKeys(keys []string, seen map[string]bool) string {
	var out []string
	for _, k := range keys {
		if !seen[k] {
			out = append(out, k)
		}
	}
	return strings.Join(out, ", ")
}

func validKey(k string, prefix byte) bool {
	if len(k) < 2 || k[0] != prefix {
		return false
	}
	for i := 1; i < len(k); i++ {
		if !isIdentPart(k[i]) {
			return false
		}
	}
	return true
}
