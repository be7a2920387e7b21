package apigw

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// corsConfig is x-amazon-apigateway-cors, the HTTP API form of CORS: the
// gateway answers preflight requests itself and adds the CORS headers to
// every response for an allowed origin. (REST APIs do CORS with an OPTIONS
// method on a mock integration plus responseParameters; that needs no code
// here beyond mock integrations and static header mappings.)
type corsConfig struct {
	origins, methods, headers, expose []string
	maxAge                            int // seconds; -1 when unset
	credentials                       bool
}

func parseCORS(p *problems, raw map[string]any) *corsConfig {
	const key = "x-amazon-apigateway-cors"
	v, ok := raw[key]
	if !ok {
		return nil
	}
	ptr := "/" + key
	obj, ok := v.(map[string]any)
	if !ok {
		p.errorf(ptr, "%s: expected an object", key)
		return nil
	}
	c := &corsConfig{maxAge: -1}
	for _, k := range sortedKeys(obj) {
		kp := pointer(ptr, k)
		switch k {
		case "allowOrigins", "allowMethods", "allowHeaders", "exposeHeaders":
			list, ok := stringList(obj[k])
			if !ok {
				p.errorf(kp, "%s.%s: expected a list of strings", key, k)
				continue
			}
			switch k {
			case "allowOrigins":
				c.origins = list
			case "allowMethods":
				for i := range list {
					list[i] = strings.ToUpper(list[i])
				}
				c.methods = list
			case "allowHeaders":
				c.headers = list
			case "exposeHeaders":
				c.expose = list
			}
		case "maxAge":
			n, ok := number(obj[k])
			if !ok || n < 0 || n > 86400 {
				p.errorf(kp, "%s.maxAge: expected a number of seconds from 0 to 86400, got %v", key, obj[k])
				continue
			}
			c.maxAge = int(n)
		case "allowCredentials":
			b, ok := obj[k].(bool)
			if !ok {
				p.errorf(kp, "%s.allowCredentials: expected a boolean", key)
				continue
			}
			c.credentials = b
		default:
			p.errorf(kp, "%s: unknown field %q", key, k)
		}
	}
	if c.credentials && slices.Contains(c.origins, "*") {
		// API Gateway refuses this combination when the API is imported.
		p.errorf(pointer(ptr, "allowCredentials"), "%s: allowCredentials cannot be true when allowOrigins contains \"*\"", key)
	}
	return c
}

func stringList(v any) ([]string, bool) {
	l, ok := v.([]any)
	if !ok {
		return nil, false
	}
	out := make([]string, 0, len(l))
	for _, e := range l {
		s, ok := e.(string)
		if !ok {
			return nil, false
		}
		out = append(out, s)
	}
	return out, true
}

// allowOrigin returns the Access-Control-Allow-Origin value for origin, or
// "" when origin is not allowed.
func (c *corsConfig) allowOrigin(origin string) string {
	if origin == "" {
		return ""
	}
	for _, o := range c.origins {
		if o == "*" {
			return "*"
		}
		if strings.EqualFold(o, origin) {
			return origin
		}
	}
	return ""
}

// preflight answers an OPTIONS request carrying Origin and
// Access-Control-Request-Method, as HTTP APIs do whether or not the API
// has an OPTIONS route: 204, with the CORS headers when the origin and
// method are allowed.
func (c *corsConfig) preflight(r *http.Request) *response {
	resp := &response{status: http.StatusNoContent, header: http.Header{}}
	allow := c.allowOrigin(r.Header.Get("Origin"))
	method := strings.ToUpper(r.Header.Get("Access-Control-Request-Method"))
	if allow == "" || !(slices.Contains(c.methods, "*") || slices.Contains(c.methods, method)) {
		return resp
	}
	h := resp.header
	h.Set("Access-Control-Allow-Origin", allow)
	if slices.Contains(c.methods, "*") {
		h.Set("Access-Control-Allow-Methods", method)
	} else {
		h.Set("Access-Control-Allow-Methods", strings.Join(c.methods, ","))
	}
	if req := r.Header.Get("Access-Control-Request-Headers"); req != "" || len(c.headers) > 0 {
		if slices.Contains(c.headers, "*") {
			h.Set("Access-Control-Allow-Headers", req)
		} else if len(c.headers) > 0 {
			h.Set("Access-Control-Allow-Headers", strings.Join(c.headers, ","))
		}
	}
	if c.maxAge >= 0 {
		h.Set("Access-Control-Max-Age", strconv.Itoa(c.maxAge))
	}
	if c.credentials {
		h.Set("Access-Control-Allow-Credentials", "true")
	}
	if allow != "*" {
		h.Add("Vary", "Origin")
	}
	return resp
}

// decorate adds the CORS headers of an actual (non-preflight) response.
func (c *corsConfig) decorate(r *http.Request, resp *response) {
	allow := c.allowOrigin(r.Header.Get("Origin"))
	if allow == "" {
		return
	}
	if resp.header == nil {
		resp.header = http.Header{}
	}
	resp.header.Set("Access-Control-Allow-Origin", allow)
	if len(c.expose) > 0 {
		resp.header.Set("Access-Control-Expose-Headers", strings.Join(c.expose, ","))
	}
	if c.credentials {
		resp.header.Set("Access-Control-Allow-Credentials", "true")
	}
	if allow != "*" {
		resp.header.Add("Vary", "Origin")
	}
}

// isPreflight tells a CORS preflight from a plain OPTIONS request.
func isPreflight(r *http.Request) bool {
	return r.Method == http.MethodOptions && r.Header.Get("Origin") != "" && r.Header.Get("Access-Control-Request-Method") != ""
}
