package apigw

import (
	"math"
	"regexp"
	"unicode/utf16"

	"github.com/getkin/kin-openapi/openapi3"
)

// bodyCheck is a request model compiled for the hot path: it answers only
// whether a decoded body passes, with kin-openapi's verdict (VisitJSON on an
// OpenAPI 3.0 schema, default settings), for the part of JSON Schema that
// request models use — type, nullable, enum of scalars, properties,
// required, additionalProperties, min/max properties, minLength, maxLength,
// pattern, minimum, maximum, exclusive bounds, items, min/max items.
// compileBodyCheck answers nil for a schema that uses anything else (format,
// multipleOf, uniqueItems, not, allOf/anyOf/oneOf, recursive models...),
// which then stays with kin-openapi.
//
// Only "passes" is trusted: a body the check rejects is validated again by
// kin-openapi, whose verdict and error (for the log) are the answer. So a
// difference could only let through a body kin-openapi rejects;
// FuzzBodyCheck holds the two together. kin-openapi's VisitJSON costs ~5 µs
// a POST /gophers (a map allocated per schema visited by Schema.IsEmpty,
// the object's keys sorted), about 4 % of the request's CPU.
type bodyCheck struct {
	// empty is kin's Schema.IsEmpty: any value but null passes.
	empty    bool
	nullable bool
	types    uint8 // typeBoolean|... that the schema's type permits
	enum     []any // strings, float64s, bools and nils only

	minLength uint64
	maxLength *uint64
	pattern   *regexp.Regexp

	min, max         *float64
	exclMin, exclMax *float64 // the bound a value must be above (below)

	minItems uint64
	maxItems *uint64
	items    *bodyCheck

	props    map[string]*bodyCheck
	required []string
	minProps uint64
	maxProps *uint64
	// closed is additionalProperties: false; extra checks other
	// properties when additionalProperties is a schema.
	closed bool
	extra  *bodyCheck
}

const (
	typeBoolean = 1 << iota
	typeInteger
	typeNumber
	typeString
	typeArray
	typeObject
)

// kinCodepoints is kin-openapi's rewrite of \uXXXX in patterns (its
// intoGoRegexp), so that a pattern compiles here as it does there.
var kinCodepoints = regexp.MustCompile(`(?P<replaced_with_slash_x>\\u)(?P<code>[0-9A-F]{4})`)

// compileBodyCheck compiles s, or answers nil when s is outside the subset
// bodyCheck mirrors.
func compileBodyCheck(s *openapi3.Schema) *bodyCheck {
	return compileSchema(s, map[*openapi3.Schema]bool{})
}

func compileSchema(s *openapi3.Schema, visiting map[*openapi3.Schema]bool) *bodyCheck {
	if s == nil || visiting[s] {
		// A recursive model: kin-openapi's cycle rule is not mirrored.
		return nil
	}
	visiting[s] = true
	defer delete(visiting, s)
	if s.Always != nil || s.Not != nil || len(s.OneOf)+len(s.AnyOf)+len(s.AllOf) > 0 ||
		s.Format != "" || s.MultipleOf != nil || s.UniqueItems || len(s.PrefixItems) > 0 {
		return nil
	}
	c := &bodyCheck{
		empty:     s.IsEmpty(),
		nullable:  s.Nullable || s.Type.IncludesNull(),
		minLength: s.MinLength, maxLength: s.MaxLength,
		min: s.Min, max: s.Max,
		minItems: s.MinItems, maxItems: s.MaxItems,
		required: s.Required,
		minProps: s.MinProps, maxProps: s.MaxProps,
	}
	for bit, name := range map[uint8]string{typeBoolean: openapi3.TypeBoolean, typeInteger: openapi3.TypeInteger,
		typeNumber: openapi3.TypeNumber, typeString: openapi3.TypeString, typeArray: openapi3.TypeArray, typeObject: openapi3.TypeObject} {
		if s.Type.Permits(name) {
			c.types |= bit
		}
	}
	for _, v := range s.Enum {
		switch v.(type) {
		case string, float64, bool, nil:
		default:
			return nil
		}
	}
	c.enum = s.Enum
	if s.Pattern != "" {
		re, err := regexp.Compile(kinCodepoints.ReplaceAllString(s.Pattern, `\x{${code}}`))
		if err != nil {
			return nil
		}
		c.pattern = re
	}
	switch eb := s.ExclusiveMin; {
	case eb.Value != nil:
		c.exclMin = eb.Value
	case eb.Bool != nil && *eb.Bool && s.Min != nil:
		c.exclMin = s.Min
	}
	switch eb := s.ExclusiveMax; {
	case eb.Value != nil:
		c.exclMax = eb.Value
	case eb.Bool != nil && *eb.Bool && s.Max != nil:
		c.exclMax = s.Max
	}
	if ref := s.Items; ref != nil {
		if c.items = compileSchema(ref.Value, visiting); c.items == nil {
			return nil
		}
	}
	if len(s.Properties) > 0 {
		c.props = make(map[string]*bodyCheck, len(s.Properties))
		for name, ref := range s.Properties {
			if ref == nil {
				return nil
			}
			p := compileSchema(ref.Value, visiting)
			if p == nil {
				return nil
			}
			c.props[name] = p
		}
	}
	if has := s.AdditionalProperties.Has; has != nil && !*has {
		c.closed = true
	} else if ref := s.AdditionalProperties.Schema; ref != nil {
		if c.extra = compileSchema(ref.Value, visiting); c.extra == nil {
			return nil
		}
	}
	return c
}

// ok says whether v passes; v is a body as decodeBody returns it.
func (c *bodyCheck) ok(v any) bool {
	switch f := v.(type) {
	case nil:
		if c.nullable {
			return true
		}
	case float64:
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return false
		}
	}
	if c.empty {
		return v != nil
	}
	if len(c.enum) > 0 && !c.inEnum(v) {
		return false
	}
	switch v := v.(type) {
	case nil:
		return false // c.nullable was false
	case bool:
		return c.types&typeBoolean != 0
	case float64:
		return c.number(v)
	case string:
		return c.str(v)
	case []any:
		return c.array(v)
	case map[string]any:
		return c.object(v)
	}
	return false
}

// inEnum is kin's enum rule for scalar enums: numbers compare as numbers,
// everything else by equality of the same type.
func (c *bodyCheck) inEnum(v any) bool {
	for _, e := range c.enum {
		switch e := e.(type) {
		case float64:
			if f, ok := v.(float64); ok && f == e {
				return true
			}
		case string:
			if s, ok := v.(string); ok && s == e {
				return true
			}
		case bool:
			if b, ok := v.(bool); ok && b == e {
				return true
			}
		case nil:
			if v == nil {
				return true
			}
		}
	}
	return false
}

func (c *bodyCheck) number(v float64) bool {
	switch {
	case c.types&typeInteger != 0 && c.types&typeNumber == 0:
		if v != math.Trunc(v) {
			return false
		}
	case c.types&(typeInteger|typeNumber) == 0:
		return false
	}
	if c.exclMin != nil && !(v > *c.exclMin) || c.exclMax != nil && !(v < *c.exclMax) {
		return false
	}
	return !(c.min != nil && !(*c.min <= v) || c.max != nil && !(*c.max >= v))
}

func (c *bodyCheck) str(v string) bool {
	if c.types&typeString == 0 {
		return false
	}
	if c.minLength != 0 || c.maxLength != nil {
		// kin's length: UTF-16 units by its own count.
		n := uint64(0)
		for _, r := range v {
			if utf16.IsSurrogate(r) {
				n += 2
			} else {
				n++
			}
		}
		if c.minLength != 0 && n < c.minLength || c.maxLength != nil && n > *c.maxLength {
			return false
		}
	}
	return c.pattern == nil || c.pattern.MatchString(v)
}

func (c *bodyCheck) array(v []any) bool {
	if c.types&typeArray == 0 {
		return false
	}
	n := uint64(len(v))
	if c.minItems != 0 && n < c.minItems || c.maxItems != nil && n > *c.maxItems {
		return false
	}
	if c.items != nil {
		for _, it := range v {
			if !c.items.ok(it) {
				return false
			}
		}
	}
	return true
}

func (c *bodyCheck) object(v map[string]any) bool {
	if c.types&typeObject == 0 {
		return false
	}
	n := uint64(len(v))
	if c.minProps != 0 && n < c.minProps || c.maxProps != nil && n > *c.maxProps {
		return false
	}
	for k, e := range v {
		if p := c.props[k]; p != nil {
			if !p.ok(e) {
				return false
			}
			continue
		}
		if c.closed {
			return false
		}
		if c.extra != nil && !c.extra.ok(e) {
			return false
		}
	}
	for _, k := range c.required {
		if _, ok := v[k]; !ok {
			return false
		}
	}
	return true
}
