package cfn

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
)

// Spec is the part of the CloudFormation resource specification Check
// needs: resource types with their properties and attributes, and the
// property types they nest. The JSON shape is the public spec's.
type Spec struct {
	ResourceTypes map[string]struct {
		Attributes map[string]json.RawMessage
		Properties map[string]PropertySpec
	}
	PropertyTypes map[string]struct {
		Properties map[string]PropertySpec
	}
}

// PropertySpec describes one property.
type PropertySpec struct {
	PrimitiveType     string
	Type              string
	ItemType          string
	PrimitiveItemType string
	Required          bool
}

// ParseSpec reads a (trimmed) CloudFormation resource specification.
func ParseSpec(data []byte) (*Spec, error) {
	var s Spec
	if err := json.Unmarshal(data, &s); err != nil {
		return nil, fmt.Errorf("parse resource specification: %w", err)
	}
	return &s, nil
}

// pseudoParams are the AWS:: names Ref and Fn::Sub accept.
var pseudoParams = map[string]bool{
	"AWS::AccountId": true, "AWS::NotificationARNs": true, "AWS::NoValue": true, "AWS::Partition": true,
	"AWS::Region": true, "AWS::StackId": true, "AWS::StackName": true, "AWS::URLSuffix": true,
}

// Check validates t against spec: every resource type and property is one
// the spec knows, required properties are present, values have the
// specified shape, and every Ref, Fn::GetAtt, ${...} in Fn::Sub and
// DependsOn names a parameter, a pseudo parameter, a resource or one of
// its attributes. It returns every problem found, sorted.
func Check(t *Template, spec *Spec) []string {
	raw, err := t.JSON()
	if err != nil {
		return []string{err.Error()}
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var doc struct {
		Parameters map[string]any
		Resources  map[string]struct {
			Type       string
			DependsOn  []string
			Properties map[string]any
		}
		Outputs map[string]any
	}
	if err := dec.Decode(&doc); err != nil {
		return []string{err.Error()}
	}
	c := &checker{spec: spec}
	types := map[string]string{}
	for id, r := range doc.Resources {
		types[id] = r.Type
	}
	for _, id := range sortedKeys(doc.Resources) {
		r := doc.Resources[id]
		rt, ok := spec.ResourceTypes[r.Type]
		if !ok {
			c.errf("%s: unknown resource type %s", id, r.Type)
			continue
		}
		c.props(id, r.Type, r.Type, rt.Properties, r.Properties)
		for _, d := range r.DependsOn {
			if _, ok := doc.Resources[d]; !ok {
				c.errf("%s: DependsOn %s: no such resource", id, d)
			}
		}
	}
	// References, everywhere (properties, Bodies, outputs).
	var generic any
	dec = json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&generic); err != nil {
		return []string{err.Error()}
	}
	c.refs("template", generic, func(name string) bool {
		_, isParam := doc.Parameters[name]
		_, isRes := doc.Resources[name]
		return pseudoParams[name] || isParam || isRes
	}, func(id, attr string) bool {
		typ, ok := types[id]
		if !ok {
			return false
		}
		_, ok = spec.ResourceTypes[typ].Attributes[attr]
		return ok
	})
	sort.Strings(c.problems)
	return c.problems
}

type checker struct {
	spec     *Spec
	problems []string
}

func (c *checker) errf(format string, args ...any) {
	c.problems = append(c.problems, fmt.Sprintf(format, args...))
}

func isIntrinsic(v any) bool {
	m, ok := v.(map[string]any)
	if !ok || len(m) != 1 {
		return false
	}
	for k := range m {
		return k == "Ref" || strings.HasPrefix(k, "Fn::")
	}
	return false
}

func (c *checker) props(where, resType, label string, known map[string]PropertySpec, got map[string]any) {
	for _, name := range sortedKeys(known) {
		if known[name].Required {
			if _, ok := got[name]; !ok {
				c.errf("%s: required property %s is missing", where, name)
			}
		}
	}
	for _, name := range sortedKeys(got) {
		ps, ok := known[name]
		if !ok {
			c.errf("%s: %s has no property %s", where, label, name)
			continue
		}
		c.value(where+"."+name, resType, ps.PrimitiveType, ps.Type, ps.ItemType, ps.PrimitiveItemType, got[name])
	}
}

func (c *checker) value(where, resType, prim, typ, itemType, primItem string, v any) {
	if isIntrinsic(v) {
		return
	}
	switch {
	case prim != "":
		c.primitive(where, prim, v)
	case typ == "List":
		list, ok := v.([]any)
		if !ok {
			c.errf("%s: want a list", where)
			return
		}
		for i, e := range list {
			c.value(fmt.Sprintf("%s[%d]", where, i), resType, primItem, itemType, "", "", e)
		}
	case typ == "Map":
		m, ok := v.(map[string]any)
		if !ok {
			c.errf("%s: want a map", where)
			return
		}
		for _, k := range sortedKeys(m) {
			c.value(where+"."+k, resType, primItem, itemType, "", "", m[k])
		}
	case typ != "":
		full := resType + "." + typ
		pt, ok := c.spec.PropertyTypes[full]
		if !ok {
			c.errf("%s: property type %s is not in the specification", where, full)
			return
		}
		m, ok := v.(map[string]any)
		if !ok {
			c.errf("%s: want an object (%s)", where, typ)
			return
		}
		c.props(where, resType, full, pt.Properties, m)
	}
}

func (c *checker) primitive(where, prim string, v any) {
	ok := true
	switch prim {
	case "String":
		_, ok = v.(string)
	case "Integer", "Long", "Double":
		n, isNum := v.(json.Number)
		ok = isNum
		if isNum && prim != "Double" {
			_, err := n.Int64()
			ok = err == nil
		}
	case "Boolean":
		_, ok = v.(bool)
	case "Json":
		_, isObj := v.(map[string]any)
		_, isStr := v.(string)
		ok = isObj || isStr
	}
	if !ok {
		c.errf("%s: want %s, got %T", where, prim, v)
	}
}

// refs checks every reference inside v.
func (c *checker) refs(where string, v any, name func(string) bool, attr func(id, attr string) bool) {
	switch x := v.(type) {
	case map[string]any:
		if r, ok := x["Ref"].(string); ok && len(x) == 1 {
			if !name(r) {
				c.errf("%s: Ref %s: no such parameter or resource", where, r)
			}
			return
		}
		if ga, ok := x["Fn::GetAtt"].([]any); ok && len(x) == 1 {
			id, _ := ga[0].(string)
			a := ""
			if len(ga) == 2 {
				a, _ = ga[1].(string)
			}
			if !attr(id, a) {
				c.errf("%s: Fn::GetAtt %s.%s: no such resource attribute", where, id, a)
			}
			return
		}
		if s, ok := x["Fn::Sub"]; ok && len(x) == 1 {
			tmpl, local := "", map[string]bool{}
			switch sv := s.(type) {
			case string:
				tmpl = sv
			case []any:
				if len(sv) == 2 {
					tmpl, _ = sv[0].(string)
					vars, _ := sv[1].(map[string]any)
					for k, val := range vars {
						local[k] = true
						c.refs(where, val, name, attr)
					}
				}
			}
			for _, n := range subNames(tmpl) {
				if local[n] {
					continue
				}
				if id, a, dotted := strings.Cut(n, "."); dotted && !pseudoParams[n] {
					if !attr(id, a) {
						c.errf("%s: Fn::Sub ${%s}: no such resource attribute", where, n)
					}
				} else if !name(n) {
					c.errf("%s: Fn::Sub ${%s}: no such parameter or resource", where, n)
				}
			}
			return
		}
		for _, k := range sortedKeys(x) {
			c.refs(where+"."+k, x[k], name, attr)
		}
	case []any:
		for i, e := range x {
			c.refs(fmt.Sprintf("%s[%d]", where, i), e, name, attr)
		}
	}
}
