package apigw

import (
	"fmt"
	"math"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/sfapi/sfapi/internal/emulator/apigw/mapping"
)

// Integration types, as x-amazon-apigateway-integration spells them
// (API Gateway accepts them in any case; they are lowered on load).
const (
	typeAWS       = "aws"
	typeAWSProxy  = "aws_proxy"
	typeHTTP      = "http"
	typeHTTPProxy = "http_proxy"
	typeMock      = "mock"
)

// Passthrough behaviours for request bodies whose content type has no template.
const (
	passWhenNoMatch     = "WHEN_NO_MATCH"
	passWhenNoTemplates = "WHEN_NO_TEMPLATES"
	passNever           = "NEVER"
)

// DefaultIntegrationTimeout is API Gateway's default (and, for most accounts,
// maximum) integration timeout.
const DefaultIntegrationTimeout = 29 * time.Second

// knownIntegrationKeys lists every field API Gateway defines on
// x-amazon-apigateway-integration; anything else is a typo worth reporting.
var knownIntegrationKeys = map[string]bool{
	"type": true, "uri": true, "httpMethod": true, "credentials": true,
	"requestParameters": true, "requestTemplates": true, "passthroughBehavior": true,
	"responses": true, "timeoutInMillis": true, "cacheNamespace": true,
	"cacheKeyParameters": true, "contentHandling": true, "connectionType": true,
	"connectionId": true, "tlsConfig": true, "integrationSubtype": true,
	"payloadFormatVersion": true, "description": true,
}

var knownResponseKeys = map[string]bool{
	"statusCode": true, "responseTemplates": true, "responseParameters": true, "contentHandling": true,
}

// supportedServices are the AWS services the Integrations port reaches.
var supportedServices = map[string]bool{"dynamodb": true, "states": true, "events": true, "sqs": true}

// integration is one parsed x-amazon-apigateway-integration.
type integration struct {
	typ         string
	uri         string // http/http_proxy target, aws ARN as written
	service     string // aws: "dynamodb", ...
	action      string // aws: "PutItem", ...
	httpMethod  string
	passthrough string
	timeout     time.Duration
	// contentHandling converts the request payload: CONVERT_TO_TEXT,
	// CONVERT_TO_BINARY or "" (passthrough).
	contentHandling string

	// notRunnable explains why this integration cannot run locally; the
	// route then answers notRunnableStatus (502 for Lambda, 500 otherwise).
	notRunnable       string
	notRunnableStatus int

	requestTemplates  map[string]*mapping.Template
	requestSources    []templateSource // for Check
	requestParameters []paramMapping
	responses         []*integrationResponse // non-default, sorted by pattern text
	defaultResponse   *integrationResponse
	// selected caches selectResponse's answer for statuses 100-599 (the
	// responses do not change once parsed; a nil slot is not yet known).
	selected [500]atomic.Pointer[selectedResponse]
}

// selectedResponse is a cached selectResponse answer, which may be nil.
type selectedResponse struct{ ir *integrationResponse }

// paramMapping is one requestParameters entry:
// integration.request.<location>.<name> ← source.
type paramMapping struct {
	location string // path, querystring, header, multivaluequerystring, multivalueheader
	name     string
	source   string
}

// integrationResponse is one entry of responses, keyed by its selection pattern.
type integrationResponse struct {
	pattern    string
	re         *regexp.Regexp
	statusCode int
	templates  map[string]*mapping.Template
	sources    []templateSource // for Check
	headers    []headerMapping
	// contentHandling converts the response payload.
	contentHandling string
}

// templateSource is where a parsed template came from, so Check can render
// it again and place what it finds at file:line.
type templateSource struct {
	contentType string // normalized
	ptr         string // JSON pointer of the template string
	src         string
}

// headerMapping is one responseParameters entry: method.response.header.<name> ← source.
type headerMapping struct {
	name   string
	source string
}

var paramNameRE = regexp.MustCompile(`^[a-zA-Z0-9._$-]+$`)

// parseIntegration reads and checks one integration object at ptr.
func parseIntegration(p *problems, ptr string, raw any, route string, declared map[int]bool) *integration {
	obj, ok := raw.(map[string]any)
	if !ok {
		p.errorf(ptr, "x-amazon-apigateway-integration: expected an object")
		return nil
	}
	for _, k := range sortedKeys(obj) {
		if !knownIntegrationKeys[k] {
			p.errorf(pointer(ptr, k), "x-amazon-apigateway-integration: unknown field %q", k)
		}
	}
	in := &integration{passthrough: passWhenNoMatch, timeout: DefaultIntegrationTimeout}
	in.typ = strings.ToLower(str(p, ptr, obj, "type"))
	switch in.typ {
	case typeAWS, typeAWSProxy, typeHTTP, typeHTTPProxy, typeMock:
	case "":
		p.errorf(pointer(ptr, "type"), "x-amazon-apigateway-integration: missing type")
		return nil
	default:
		p.errorf(pointer(ptr, "type"), "x-amazon-apigateway-integration: unknown type %q", obj["type"])
		return nil
	}
	in.uri = str(p, ptr, obj, "uri")
	in.httpMethod = strings.ToUpper(str(p, ptr, obj, "httpMethod"))
	if in.typ != typeMock {
		if in.uri == "" {
			p.errorf(pointer(ptr, "uri"), "x-amazon-apigateway-integration: type %s needs a uri", in.typ)
		}
		if in.httpMethod == "" {
			p.errorf(pointer(ptr, "httpMethod"), "x-amazon-apigateway-integration: type %s needs an httpMethod", in.typ)
		}
	}
	if v := str(p, ptr, obj, "passthroughBehavior"); v != "" {
		switch strings.ToUpper(v) {
		case passWhenNoMatch, passWhenNoTemplates, passNever:
			in.passthrough = strings.ToUpper(v)
		default:
			p.errorf(pointer(ptr, "passthroughBehavior"), "x-amazon-apigateway-integration: unknown passthroughBehavior %q", v)
		}
	}
	if v, ok := obj["timeoutInMillis"]; ok {
		ms, ok := number(v)
		if !ok || ms < 50 {
			p.errorf(pointer(ptr, "timeoutInMillis"), "x-amazon-apigateway-integration: timeoutInMillis must be a number of at least 50, got %v", v)
		} else {
			in.timeout = time.Duration(ms) * time.Millisecond
		}
	}

	in.contentHandling = parseContentHandling(p, ptr, obj)

	switch in.typ {
	case typeAWS:
		parseAWSURI(p, pointer(ptr, "uri"), in, route)
	case typeAWSProxy:
		in.notRunnable = "aws_proxy (Lambda proxy) integrations cannot run locally"
		in.notRunnableStatus = 502
		p.warnf(pointer(ptr, "type"), "%s: aws_proxy (Lambda proxy) integration is not runnable locally; it answers 502", route)
	case typeHTTP, typeHTTPProxy:
		if in.uri != "" {
			u, err := url.Parse(in.uri)
			if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
				p.errorf(pointer(ptr, "uri"), "x-amazon-apigateway-integration: %s uri %q is not an absolute http(s) URL", in.typ, in.uri)
			}
		}
	}

	in.requestTemplates, in.requestSources = parseTemplates(p, pointer(ptr, "requestTemplates"), obj["requestTemplates"], route, "requestTemplates")
	if rp, ok := obj["requestParameters"]; ok {
		in.requestParameters = parseRequestParameters(p, pointer(ptr, "requestParameters"), rp)
	}
	if rs, ok := obj["responses"]; ok {
		parseResponses(p, pointer(ptr, "responses"), rs, in, route, declared)
	}
	return in
}

// parseAWSURI splits arn:PARTITION:apigateway:REGION:SERVICE:action/ACTION.
func parseAWSURI(p *problems, ptr string, in *integration, route string) {
	if in.uri == "" {
		return
	}
	parts := strings.SplitN(in.uri, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" || parts[2] != "apigateway" {
		p.errorf(ptr, "x-amazon-apigateway-integration: aws uri %q is not arn:PARTITION:apigateway:REGION:SERVICE:action/ACTION", in.uri)
		return
	}
	service := parts[4]
	// Subdomain form "subdomain.service" names the service after the dot.
	if i := strings.LastIndexByte(service, '.'); i >= 0 {
		service = service[i+1:]
	}
	kind, action, _ := strings.Cut(parts[5], "/")
	in.service = service
	switch {
	case kind == "action" && action != "":
		in.action = action
	case kind == "path" && service == "sqs" && action != "":
		// SQS's documented pattern: path/ACCOUNT/QUEUE with a form body
		// (Action=SendMessage&MessageBody=...); the action travels as
		// "path/ACCOUNT/QUEUE" to the Integrations port.
		in.action = parts[5]
	case kind == "path":
		in.notRunnable = fmt.Sprintf("aws integration uses the path form (%s:path/...), which the emulator does not run; use the action form", service)
		in.notRunnableStatus = 500
		p.warnf(ptr, "%s: %s; it answers 500", route, in.notRunnable)
		return
	default:
		p.errorf(ptr, "x-amazon-apigateway-integration: aws uri %q has neither action/ACTION nor path/PATH", in.uri)
		return
	}
	if !supportedServices[service] {
		in.notRunnable = fmt.Sprintf("aws integration with service %q is not emulated (dynamodb, states, events and sqs are)", service)
		in.notRunnableStatus = 500
		p.warnf(ptr, "%s: %s; it answers 500", route, in.notRunnable)
	}
}

func parseTemplates(p *problems, ptr string, raw any, route, what string) (map[string]*mapping.Template, []templateSource) {
	if raw == nil {
		return nil, nil
	}
	obj, ok := raw.(map[string]any)
	if !ok {
		p.errorf(ptr, "%s: expected an object of content type to template", what)
		return nil, nil
	}
	out := make(map[string]*mapping.Template, len(obj))
	var srcs []templateSource
	for _, ct := range sortedKeys(obj) {
		src, ok := obj[ct].(string)
		if !ok {
			p.errorf(pointer(ptr, ct), "%s[%s]: expected a string template", what, ct)
			continue
		}
		// The name leads render errors in logs: "POST /x requestTemplates[application/json]:3:5: ...".
		t, err := mapping.Parse(route+" "+what+"["+ct+"]", src)
		if err != nil {
			p.errorf(pointer(ptr, ct), "%v", err)
			continue
		}
		out[normalizeMediaType(ct)] = t
		srcs = append(srcs, templateSource{contentType: normalizeMediaType(ct), ptr: pointer(ptr, ct), src: src})
	}
	return out, srcs
}

func parseRequestParameters(p *problems, ptr string, raw any) []paramMapping {
	obj, ok := raw.(map[string]any)
	if !ok {
		p.errorf(ptr, "requestParameters: expected an object")
		return nil
	}
	var out []paramMapping
	for _, k := range sortedKeys(obj) {
		kp := pointer(ptr, k)
		src, ok := obj[k].(string)
		if !ok {
			p.errorf(kp, "requestParameters[%s]: expected a string source", k)
			continue
		}
		rest, ok := strings.CutPrefix(k, "integration.request.")
		loc, name, ok2 := strings.Cut(rest, ".")
		if !ok || !ok2 || !paramNameRE.MatchString(name) {
			p.errorf(kp, "requestParameters: %q is not integration.request.{path|querystring|header|multivaluequerystring|multivalueheader}.NAME", k)
			continue
		}
		switch loc {
		case "path", "querystring", "header", "multivaluequerystring", "multivalueheader":
		default:
			p.errorf(kp, "requestParameters: %q: unknown location %q", k, loc)
			continue
		}
		if err := checkSource(src, "method.request."); err != nil {
			p.errorf(kp, "requestParameters[%s]: %v", k, err)
			continue
		}
		out = append(out, paramMapping{location: loc, name: name, source: src})
	}
	return out
}

// checkSource accepts the mapping expressions API Gateway allows as a value
// source: 'static', <prefix>{path,querystring,header,...}.NAME, <prefix>body[.JSONPATH]
// (method.request. for requests, integration.response. for responses),
// context.X and stageVariables.X.
func checkSource(src, prefix string) error {
	switch {
	case len(src) >= 2 && src[0] == '\'' && src[len(src)-1] == '\'':
		return nil
	case strings.HasPrefix(src, "context.") && len(src) > len("context."):
		return nil
	case strings.HasPrefix(src, "stageVariables.") && len(src) > len("stageVariables."):
		return nil
	case src == prefix+"body" || strings.HasPrefix(src, prefix+"body."):
		return nil
	case strings.HasPrefix(src, prefix):
		loc, name, ok := strings.Cut(strings.TrimPrefix(src, prefix), ".")
		if !ok || name == "" {
			break
		}
		switch loc {
		case "path", "querystring", "header", "multivaluequerystring", "multivalueheader":
			if prefix == "integration.response." && loc != "header" && loc != "multivalueheader" {
				break
			}
			return nil
		}
	}
	return fmt.Errorf("invalid mapping expression %q", src)
}

func parseResponses(p *problems, ptr string, raw any, in *integration, route string, declared map[int]bool) {
	obj, ok := raw.(map[string]any)
	if !ok {
		p.errorf(ptr, "responses: expected an object of selection pattern to response")
		return
	}
	for _, key := range sortedKeys(obj) {
		kp := pointer(ptr, key)
		ro, ok := obj[key].(map[string]any)
		if !ok {
			p.errorf(kp, "responses[%s]: expected an object", key)
			continue
		}
		for _, k := range sortedKeys(ro) {
			if !knownResponseKeys[k] {
				p.errorf(pointer(kp, k), "responses[%s]: unknown field %q", key, k)
			}
		}
		ir := &integrationResponse{pattern: key, contentHandling: parseContentHandling(p, kp, ro)}
		sc := str(p, kp, ro, "statusCode")
		code, err := strconv.Atoi(sc)
		if err != nil || code < 100 || code > 599 {
			p.errorf(pointer(kp, "statusCode"), "responses[%s]: statusCode %q is not an HTTP status code", key, sc)
			continue
		}
		ir.statusCode = code
		if declared != nil && !declared[code] {
			// API Gateway refuses an integration response whose method
			// response does not exist; we run it, but say so.
			p.warnf(pointer(kp, "statusCode"), "%s: integration response %q maps to status %d, which the operation's responses do not declare (API Gateway requires a method response for it)", route, key, code)
		}
		ir.templates, ir.sources = parseTemplates(p, pointer(kp, "responseTemplates"), ro["responseTemplates"], route, "responseTemplates")
		if rp, ok := ro["responseParameters"].(map[string]any); ok {
			for _, k := range sortedKeys(rp) {
				pp := pointer(kp, "responseParameters", k)
				src, ok := rp[k].(string)
				name, ok2 := strings.CutPrefix(k, "method.response.header.")
				if !ok || !ok2 || !paramNameRE.MatchString(name) {
					p.errorf(pp, "responseParameters: %q must be method.response.header.NAME with a string source", k)
					continue
				}
				if err := checkSource(src, "integration.response."); err != nil {
					p.errorf(pp, "responseParameters[%s]: %v", k, err)
					continue
				}
				ir.headers = append(ir.headers, headerMapping{name: name, source: src})
			}
		} else if v, ok := ro["responseParameters"]; ok && v != nil {
			p.errorf(pointer(kp, "responseParameters"), "responses[%s].responseParameters: expected an object", key)
		}
		if key == "default" {
			in.defaultResponse = ir
			continue
		}
		// Selection patterns are Java regular expressions matched against the
		// whole status code (for aws/http/mock; Lambda matches errorMessage).
		re, err := regexp.Compile(`^(?:` + key + `)$`)
		if err != nil {
			p.errorf(kp, "responses: selection pattern %q: %v", key, err)
			continue
		}
		ir.re = re
		in.responses = append(in.responses, ir)
	}
}

// str reads an optional string field; a non-string (for example an
// unresolved Fn::Sub object) is an error.
func str(p *problems, ptr string, obj map[string]any, key string) string {
	v, ok := obj[key]
	if !ok || v == nil {
		return ""
	}
	s, ok := v.(string)
	if !ok {
		p.errorf(pointer(ptr, key), "%s: expected a string, got %s", key, describe(v))
		return ""
	}
	return s
}

func describe(v any) string {
	switch v := v.(type) {
	case map[string]any:
		keys := sortedKeys(v)
		if len(keys) == 1 {
			return fmt.Sprintf("an object {%s: ...} (unresolved intrinsic function?)", keys[0])
		}
		return "an object"
	case []any:
		return "a list"
	case float64:
		return "a number"
	case bool:
		return "a boolean"
	}
	return fmt.Sprintf("%T", v)
}

func number(v any) (int64, bool) {
	switch v := v.(type) {
	case float64:
		if v != math.Trunc(v) || v > math.MaxInt32 {
			return 0, false
		}
		return int64(v), true
	case string:
		n, err := strconv.ParseInt(v, 10, 32)
		return n, err == nil
	}
	return 0, false
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// normalizeMediaType lowers a content type and drops its parameters.
func normalizeMediaType(ct string) string {
	if i := strings.IndexByte(ct, ';'); i >= 0 {
		ct = ct[:i]
	}
	return strings.ToLower(strings.TrimSpace(ct))
}
