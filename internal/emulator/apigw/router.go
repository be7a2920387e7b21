package apigw

import (
	"fmt"
	"net/url"
	"strings"
)

// methodAny is the key of x-amazon-apigateway-any-method operations.
const methodAny = "ANY"

// resource is one node of API Gateway's resource tree. Matching prefers a
// static child, then a {param} child, then a greedy {proxy+} child, and falls
// back to the next candidate when a more specific branch has no method for
// the request, so the most specific resource that can answer wins.
type resource struct {
	path       string // resource path, e.g. "/jobs/{id}"
	static     map[string]*resource
	param      *resource
	paramName  string
	greedy     *resource
	greedyName string
	methods    map[string]*operation // "GET", ..., "ANY"
}

func newResource(path string) *resource {
	return &resource{path: path, static: map[string]*resource{}, methods: map[string]*operation{}}
}

// splitResourcePath checks an OpenAPI path key and returns its segments.
func splitResourcePath(path string) ([]string, error) {
	if !strings.HasPrefix(path, "/") {
		return nil, fmt.Errorf("path %q must start with /", path)
	}
	if path == "/" {
		return nil, nil
	}
	segs := strings.Split(strings.TrimSuffix(path[1:], "/"), "/")
	for i, s := range segs {
		switch {
		case s == "":
			return nil, fmt.Errorf("path %q has an empty segment", path)
		case strings.HasPrefix(s, "{") && strings.HasSuffix(s, "+}"):
			if i != len(segs)-1 {
				return nil, fmt.Errorf("path %q: greedy parameter %s must be the last segment", path, s)
			}
			if !paramNameRE.MatchString(s[1 : len(s)-2]) {
				return nil, fmt.Errorf("path %q: invalid parameter name in %s", path, s)
			}
		case strings.HasPrefix(s, "{") || strings.HasSuffix(s, "}"):
			if len(s) < 3 || !strings.HasPrefix(s, "{") || !strings.HasSuffix(s, "}") || !paramNameRE.MatchString(s[1:len(s)-1]) {
				return nil, fmt.Errorf("path %q: invalid parameter segment %q (API Gateway parameters span a whole segment)", path, s)
			}
		case strings.ContainsAny(s, "{}"):
			return nil, fmt.Errorf("path %q: invalid segment %q", path, s)
		}
	}
	return segs, nil
}

// insert adds the resource for segs and returns it; a conflicting parameter
// name at the same level is an error, as it is for API Gateway.
func (r *resource) insert(segs []string) (*resource, error) {
	n := r
	path := ""
	for _, s := range segs {
		path += "/" + s
		switch {
		case strings.HasSuffix(s, "+}"):
			name := s[1 : len(s)-2]
			if n.greedy == nil {
				n.greedy, n.greedyName = newResource(path), name
			} else if n.greedyName != name {
				return nil, fmt.Errorf("resource %q conflicts with sibling {%s+}", path, n.greedyName)
			}
			n = n.greedy
		case strings.HasPrefix(s, "{"):
			name := s[1 : len(s)-1]
			if n.param == nil {
				n.param, n.paramName = newResource(path), name
			} else if n.paramName != name {
				return nil, fmt.Errorf("resource %q conflicts with sibling {%s}", path, n.paramName)
			}
			n = n.param
		default:
			c := n.static[s]
			if c == nil {
				c = newResource(path)
				n.static[s] = c
			}
			n = c
		}
	}
	return n, nil
}

// match finds the operation for method and the raw (escaped) request path.
// It returns the matched resource even when no method fits (for the 403),
// and the decoded path parameters.
func (r *resource) match(method, escapedPath string) (*operation, map[string]string, bool) {
	p := strings.TrimPrefix(escapedPath, "/")
	p = strings.TrimSuffix(p, "/")
	var segs []string
	if p != "" {
		segs = strings.Split(p, "/")
	}
	params := map[string]string{}
	if op := r.find(method, segs, params); op != nil {
		return op, params, true
	}
	return nil, nil, false
}

func (r *resource) find(method string, segs []string, params map[string]string) *operation {
	if len(segs) == 0 {
		if op := r.methods[method]; op != nil {
			return op
		}
		return r.methods[methodAny]
	}
	s := segs[0]
	if c := r.static[s]; c != nil {
		if op := c.find(method, segs[1:], params); op != nil {
			return op
		}
	} else if dec, err := url.PathUnescape(s); err == nil && dec != s {
		// A client may escape characters of a static segment.
		if c := r.static[dec]; c != nil {
			if op := c.find(method, segs[1:], params); op != nil {
				return op
			}
		}
	}
	if r.param != nil && s != "" {
		if op := r.param.find(method, segs[1:], params); op != nil {
			params[r.paramName] = unescape(s)
			return op
		}
	}
	if r.greedy != nil && s != "" {
		op := r.greedy.methods[method]
		if op == nil {
			op = r.greedy.methods[methodAny]
		}
		if op != nil {
			params[r.greedyName] = unescape(strings.Join(segs, "/"))
			return op
		}
	}
	return nil
}

func unescape(s string) string {
	if d, err := url.PathUnescape(s); err == nil {
		return d
	}
	return s
}
