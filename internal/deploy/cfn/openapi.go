package cfn

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// readOpenAPI reads the OpenAPI file as written (not the locally resolved
// copy project keeps) and converts it to JSON-compatible values, keeping
// intrinsic functions for CloudFormation: the short YAML tags (!Sub, !Ref,
// !GetAtt …) become their long forms.
func readOpenAPI(dir, rel string) (map[string]any, error) {
	data, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(rel)))
	if err != nil {
		return nil, fmt.Errorf("read OpenAPI file: %w", err)
	}
	return parseOpenAPI(data, rel)
}

// parseOpenAPI converts OpenAPI YAML (or JSON) text; rel names it in errors.
func parseOpenAPI(data []byte, rel string) (map[string]any, error) {
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, fmt.Errorf("parse OpenAPI file %s: %w", rel, err)
	}
	if root.Kind != yaml.DocumentNode || len(root.Content) != 1 {
		return nil, fmt.Errorf("parse OpenAPI file %s: not a single YAML document", rel)
	}
	budget := maxNodes
	v, err := yamlValue(root.Content[0], 0, &budget)
	if err != nil {
		return nil, fmt.Errorf("convert OpenAPI file %s: %w", rel, err)
	}
	doc, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("convert OpenAPI file %s: the document is not a mapping", rel)
	}
	return doc, nil
}

// maxDepth bounds nesting (and alias expansion) of YAML we convert.
const maxDepth = 100

var shortTags = map[string]string{
	"!Ref": "Ref", "!Sub": "Fn::Sub", "!GetAtt": "Fn::GetAtt", "!Join": "Fn::Join",
	"!Select": "Fn::Select", "!Split": "Fn::Split", "!Base64": "Fn::Base64",
	"!FindInMap": "Fn::FindInMap", "!ImportValue": "Fn::ImportValue", "!If": "Fn::If",
	"!Equals": "Fn::Equals", "!Not": "Fn::Not", "!And": "Fn::And", "!Or": "Fn::Or",
}

// maxNodes bounds the nodes converted, aliases counted each time they are
// expanded, so a "billion laughs" document fails instead of exploding.
const maxNodes = 1 << 20

func yamlValue(n *yaml.Node, depth int, budget *int) (any, error) {
	if depth > maxDepth {
		return nil, fmt.Errorf("line %d: nested more than %d levels", n.Line, maxDepth)
	}
	if *budget--; *budget < 0 {
		return nil, fmt.Errorf("line %d: document expands to more than %d nodes", n.Line, maxNodes)
	}
	if fn, ok := shortTags[n.Tag]; ok {
		inner := *n
		inner.Tag = ""
		if n.Kind == yaml.ScalarNode {
			inner.Tag = "!!str"
		}
		v, err := yamlValue(&inner, depth+1, budget)
		if err != nil {
			return nil, err
		}
		if s, ok := v.(string); ok && fn == "Fn::GetAtt" {
			id, attr, found := strings.Cut(s, ".")
			if !found {
				return nil, fmt.Errorf("line %d: !GetAtt %q is not LogicalId.Attribute", n.Line, s)
			}
			v = []any{id, attr}
		}
		return map[string]any{fn: v}, nil
	}
	switch n.Kind {
	case yaml.AliasNode:
		return yamlValue(n.Alias, depth+1, budget)
	case yaml.MappingNode:
		m := make(map[string]any, len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i]
			if k.Kind != yaml.ScalarNode {
				return nil, fmt.Errorf("line %d: mapping keys must be scalars", k.Line)
			}
			v, err := yamlValue(n.Content[i+1], depth+1, budget)
			if err != nil {
				return nil, err
			}
			m[k.Value] = v
		}
		return m, nil
	case yaml.SequenceNode:
		out := make([]any, 0, len(n.Content))
		for _, c := range n.Content {
			v, err := yamlValue(c, depth+1, budget)
			if err != nil {
				return nil, err
			}
			out = append(out, v)
		}
		return out, nil
	case yaml.ScalarNode:
		switch n.ShortTag() {
		case "!!null":
			return nil, nil
		case "!!bool":
			b, err := strconv.ParseBool(strings.ToLower(n.Value))
			if err != nil {
				return nil, fmt.Errorf("line %d: bad boolean %q", n.Line, n.Value)
			}
			return b, nil
		case "!!int", "!!float":
			if json.Valid([]byte(n.Value)) {
				return json.Number(n.Value), nil
			}
			// YAML spellings JSON lacks (0x1F, .inf, 1_000): keep the text.
			return n.Value, nil
		}
		return n.Value, nil
	}
	return nil, fmt.Errorf("line %d: unsupported YAML node", n.Line)
}

// integration is one x-amazon-apigateway-integration of the OpenAPI file.
type integration struct {
	where       string // "POST /gophers"
	uri         any
	credentials any
	requestTmpl any
}

func apiIntegrations(doc map[string]any) []integration {
	var out []integration
	paths, _ := doc["paths"].(map[string]any)
	for _, path := range sortedKeys(paths) {
		ops, _ := paths[path].(map[string]any)
		for _, method := range sortedKeys(ops) {
			op, _ := ops[method].(map[string]any)
			in, ok := op["x-amazon-apigateway-integration"].(map[string]any)
			if !ok {
				continue
			}
			out = append(out, integration{
				where:       strings.ToUpper(method) + " " + path,
				uri:         in["uri"],
				credentials: in["credentials"],
				requestTmpl: in["requestTemplates"],
			})
		}
	}
	return out
}

// roleARNRE matches the credentials ARN of a role in the stack's own
// account, as an Fn::Sub template: the role is then created with that name.
var roleARNRE = regexp.MustCompile(`^arn:(?:\$\{AWS::Partition\}|aws|aws-cn|aws-us-gov):iam::\$\{AWS::AccountId\}:role/(.+)$`)

// awsServiceURIRE matches an AWS service integration URI:
// arn:PARTITION:apigateway:REGION:SERVICE:action/ACTION.
var awsServiceURIRE = regexp.MustCompile(`^arn:[^:]+:apigateway:[^:]+:([a-z0-9-]+):action/([A-Za-z0-9]+)$`)

// sqsPathURIRE matches SQS's path form: arn:...:sqs:path/ACCOUNT/QUEUE.
var sqsPathURIRE = regexp.MustCompile(`^arn:[^:]+:apigateway:[^:]+:sqs:path/.+$`)

// subTemplate returns the template text of a string or an Fn::Sub value.
func subTemplate(v any) (string, bool) {
	switch x := v.(type) {
	case string:
		return x, true
	case map[string]any:
		if len(x) != 1 {
			return "", false
		}
		switch s := x["Fn::Sub"].(type) {
		case string:
			return s, true
		case []any:
			if len(s) == 2 {
				t, ok := s[0].(string)
				return t, ok
			}
		}
	}
	return "", false
}

// refsIn collects the logical IDs an intrinsic-bearing value refers to:
// Ref, Fn::GetAtt, ${Name} and ${Name.Attr} in Fn::Sub templates.
func refsIn(v any, into map[string]bool) {
	switch x := v.(type) {
	case map[string]any:
		if r, ok := x["Ref"].(string); ok && len(x) == 1 {
			into[r] = true
			return
		}
		if ga, ok := x["Fn::GetAtt"].([]any); ok && len(x) == 1 && len(ga) == 2 {
			if id, ok := ga[0].(string); ok {
				into[id] = true
			}
			return
		}
		if s, ok := x["Fn::Sub"]; ok && len(x) == 1 {
			var tmpl string
			local := map[string]bool{}
			switch sv := s.(type) {
			case string:
				tmpl = sv
			case []any:
				if len(sv) == 2 {
					tmpl, _ = sv[0].(string)
					if vars, ok := sv[1].(map[string]any); ok {
						for k, val := range vars {
							local[k] = true
							refsIn(val, into)
						}
					}
				}
			}
			for _, name := range subNames(tmpl) {
				if id, _, _ := strings.Cut(name, "."); !local[name] && !local[id] {
					into[id] = true
				}
			}
			return
		}
		for _, k := range sortedKeys(x) {
			refsIn(x[k], into)
		}
	case []any:
		for _, e := range x {
			refsIn(e, into)
		}
	}
}

// subNames lists the names inside ${...} of an Fn::Sub template, skipping
// ${!Literal}.
func subNames(tmpl string) []string {
	var out []string
	for {
		i := strings.Index(tmpl, "${")
		if i < 0 {
			return out
		}
		tmpl = tmpl[i+2:]
		end := strings.IndexByte(tmpl, '}')
		if end < 0 {
			return out
		}
		name := tmpl[:end]
		tmpl = tmpl[end+1:]
		if !strings.HasPrefix(name, "!") {
			out = append(out, name)
		}
	}
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
