package cfn

import (
	"encoding/json"
	"testing"
)

// FuzzParseOpenAPI: any input either fails cleanly or converts to a value
// that encodes as JSON (what goes into the template's Body).
func FuzzParseOpenAPI(f *testing.F) {
	for _, seed := range []string{
		"openapi: 3.0.1\npaths: {}\n",
		"a: !Sub 'arn:${AWS::Partition}:x'\nb: !GetAtt Jobs.Arn\nc: !Ref Jobs\n",
		"a: !GetAtt nodot\n",
		"x: &a {k: [1, 2.5, true, null, 0x1F, .inf]}\ny: *a\n",
		"- not a mapping\n",
		"{\"json\": [1, {\"2\": 3}]}",
		"a: [b: c]\n? [complex]\n: key\n",
		"",
		"a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\ne: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\nf: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]\ng: [*f, *f, *f, *f, *f, *f, *f, *f, *f, *f]\n",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		doc, err := parseOpenAPI(data, "openapi.yaml")
		if err != nil {
			return
		}
		if _, err := json.Marshal(doc); err != nil {
			t.Fatalf("converted value does not encode: %v", err)
		}
		refsIn(doc, map[string]bool{})
		apiIntegrations(doc)
	})
}
