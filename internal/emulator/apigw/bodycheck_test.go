package apigw

import (
	"encoding/json"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
)

// bodyCheckSchemas are request models in the subset bodyCheck compiles,
// one or more keywords each, and the gophers model.
var bodyCheckSchemas = []string{
	`{"type": "object", "required": ["name", "location"], "additionalProperties": false, "properties": {
		"name": {"type": "string", "pattern": "^[A-Za-z0-9][A-Za-z0-9 _.-]{0,63}$"},
		"location": {"type": "string", "pattern": "^[A-Za-z0-9][A-Za-z0-9 _.-]{0,63}$"}}}`,
	`{"type": "object", "properties": {"n": {"type": "integer", "minimum": 1, "maximum": 10}, "x": {"type": "number", "minimum": 0, "exclusiveMinimum": true, "maximum": 1.5, "exclusiveMaximum": true}}}`,
	`{"type": "object", "minProperties": 1, "maxProperties": 2, "additionalProperties": {"type": "string", "minLength": 2, "maxLength": 3}}`,
	`{"type": "array", "minItems": 1, "maxItems": 3, "items": {"type": "string", "enum": ["a", "b", "é"]}}`,
	`{"type": "array", "items": {"type": "object", "nullable": true, "required": ["id"], "properties": {"id": {"type": "integer"}, "tags": {"type": "array", "items": {"type": "string"}}}}}`,
	`{"enum": [1, "one", true, null]}`,
	`{"type": "string", "nullable": true, "pattern": "\\u00E9"}`,
	`{"type": "boolean"}`,
	`{"type": "number"}`,
	`{"description": "anything"}`,
	`{"nullable": true}`,
	`{"properties": {"a": {"type": "object", "properties": {"b": {"type": "array", "maxItems": 1}}}}}`,
	`{"type": "object", "additionalProperties": true, "required": ["a"]}`,
}

// bodyCheckBodies are request bodies for them: valid, invalid and edge.
var bodyCheckBodies = []string{
	`{"name": "Gopher", "location": "Zurich"}`,
	`{"name": "Gopher"}`,
	`{"name": "Gopher", "location": "Zurich", "extra": 1}`,
	`{"name": "-bad", "location": "Zurich"}`,
	`{"name": 5, "location": "Zurich"}`,
	`{"n": 1, "x": 0.5}`, `{"n": 1.5}`, `{"n": 0}`, `{"n": 11}`, `{"x": 0}`, `{"x": 1.5}`, `{"x": 1.4999}`,
	`{"n": 123456789012345678901234567890}`, `{"n": 1e400}`,
	`{"a": "xy"}`, `{"a": "x"}`, `{"a": "xyzw"}`, `{"a": "é😀"}`, `{"a": "ab", "b": "cd", "c": "ef"}`, `{}`,
	`["a"]`, `[]`, `["a", "b", "é", "a"]`, `["c"]`, `[1]`,
	`[{"id": 1, "tags": ["x"]}, null]`, `[{"id": "1"}]`, `[{"tags": []}]`, `[{"id": 2, "tags": [1]}]`,
	`1`, `1.0`, `"one"`, `true`, `false`, `null`, `"two"`, `"é"`, `"xéy"`,
	`{"a": {"b": [1]}}`, `{"a": {"b": [1, 2]}}`, `{"a": []}`,
}

func mustSchema(t testing.TB, src string) *openapi3.Schema {
	t.Helper()
	var s openapi3.Schema
	if err := json.Unmarshal([]byte(src), &s); err != nil {
		t.Fatalf("schema %s: %v", src, err)
	}
	return &s
}

// agreeWithKin fails when bodyCheck's verdict on body differs from
// kin-openapi's VisitJSON (the validator it stands in for).
func agreeWithKin(t *testing.T, schemaSrc string, s *openapi3.Schema, c *bodyCheck, body []byte) {
	t.Helper()
	v, err := decodeBody(body)
	if err != nil {
		return // not JSON: answered 400 before any schema
	}
	kinErr := s.VisitJSON(v)
	if got := c.ok(v); got != (kinErr == nil) {
		t.Fatalf("schema %s, body %s: bodyCheck says %v, kin-openapi says %v", schemaSrc, body, got, kinErr)
	}
}

func TestBodyCheckAgreesWithKin(t *testing.T) {
	t.Parallel()
	for _, src := range bodyCheckSchemas {
		s := mustSchema(t, src)
		c := compileBodyCheck(s)
		if c == nil {
			t.Fatalf("schema %s is in the compiled subset but did not compile", src)
		}
		for _, body := range bodyCheckBodies {
			agreeWithKin(t, src, s, c, []byte(body))
		}
	}
}

// Schemas with keywords outside the subset stay with kin-openapi.
func TestBodyCheckDeclines(t *testing.T) {
	t.Parallel()
	for _, src := range []string{
		`{"type": "string", "format": "date"}`,
		`{"type": "number", "multipleOf": 2}`,
		`{"type": "array", "uniqueItems": true}`,
		`{"not": {"type": "string"}}`,
		`{"allOf": [{"type": "string"}]}`,
		`{"oneOf": [{"type": "string"}, {"type": "number"}]}`,
		`{"anyOf": [{"type": "string"}]}`,
		`{"enum": [[1]]}`,
		`{"type": "string", "pattern": "("}`,
		`{"type": "string", "pattern": "\\u00e9"}`, // kin-openapi rewrites only upper-case \uXXXX
		`{"properties": {"a": {"type": "string", "format": "email"}}}`,
	} {
		if c := compileBodyCheck(mustSchema(t, src)); c != nil {
			t.Errorf("schema %s compiled; it has a keyword bodyCheck does not mirror", src)
		}
	}
	// A recursive model.
	s := mustSchema(t, `{"type": "object"}`)
	s.Properties = openapi3.Schemas{"self": &openapi3.SchemaRef{Value: s}}
	if compileBodyCheck(s) != nil {
		t.Error("a recursive model compiled")
	}
}

// FuzzBodyCheck holds the compiled check to kin-openapi's verdict on every
// schema of the table and any body.
func FuzzBodyCheck(f *testing.F) {
	for i := range bodyCheckSchemas {
		for _, body := range bodyCheckBodies {
			f.Add(uint8(i), []byte(body))
		}
	}
	schemas := make([]*openapi3.Schema, len(bodyCheckSchemas))
	checks := make([]*bodyCheck, len(bodyCheckSchemas))
	for i, src := range bodyCheckSchemas {
		schemas[i] = mustSchema(f, src)
		checks[i] = compileBodyCheck(schemas[i])
	}
	f.Fuzz(func(t *testing.T, i uint8, body []byte) {
		n := int(i) % len(schemas)
		agreeWithKin(t, bodyCheckSchemas[n], schemas[n], checks[n], body)
	})
}

// BenchmarkBodyValidation compares kin-openapi's VisitJSON with the
// compiled check on a POST /gophers body (decoding included in neither).
func BenchmarkBodyValidation(b *testing.B) {
	s := mustSchema(b, bodyCheckSchemas[0])
	c := compileBodyCheck(s)
	v, err := decodeBody([]byte(`{"name": "Gopher 42", "location": "Zurich"}`))
	if err != nil {
		b.Fatal(err)
	}
	b.Run("kin", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if err := s.VisitJSON(v); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("compiled", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if !c.ok(v) {
				b.Fatal("rejected")
			}
		}
	})
}
