package project

import (
	"fmt"
	"regexp"
	"strings"

	"gopkg.in/yaml.v3"
)

// Defaults and enumerations of the WebSocket API section, as
// AWS::ApiGatewayV2 spells them.
const (
	// DefaultRouteSelectionExpression is what the API Gateway console
	// proposes and the only form most WebSocket APIs use.
	DefaultRouteSelectionExpression = "$request.body.action"

	IntegrationTypeAWS  = "AWS"
	IntegrationTypeMock = "MOCK"

	PassthroughWhenNoMatch     = "WHEN_NO_MATCH"
	PassthroughWhenNoTemplates = "WHEN_NO_TEMPLATES"
	PassthroughNever           = "NEVER"

	// Route keys with a meaning of their own.
	RouteConnect    = "$connect"
	RouteDisconnect = "$disconnect"
	RouteDefault    = "$default"
)

// WebSocket is the WebSocket API: the path clients connect to (its last
// segment names the push channel the connection receives) and, optionally,
// API Gateway routes run on $connect, $disconnect and on every message.
// Without routes it is the push-only API of earlier versions.
type WebSocket struct {
	Path string
	// RouteSelectionExpression picks the route of a message
	// (AWS::ApiGatewayV2::Api RouteSelectionExpression).
	RouteSelectionExpression string
	// Routes by route key.
	Routes map[string]WebSocketRoute
	Pos    Pos
}

// WebSocketRoute is an AWS::ApiGatewayV2::Route with its integration.
type WebSocketRoute struct {
	RouteKey string
	// RouteResponseSelectionExpression ("$default") makes the route
	// two-way: the integration's response is sent back to the client.
	RouteResponseSelectionExpression string
	Integration                      WebSocketIntegration
	Pos                              Pos
}

// WebSocketIntegration is an AWS::ApiGatewayV2::Integration.
type WebSocketIntegration struct {
	// IntegrationType is AWS or MOCK.
	IntegrationType string
	// IntegrationURI is the action ARN of an AWS integration
	// (arn:aws:apigateway:REGION:dynamodb:action/PutItem), references
	// resolved; RawIntegrationURI is as written (an Fn::Sub string).
	IntegrationURI    string
	RawIntegrationURI string
	// CredentialsARN is kept for deploy; locally nothing is authorised.
	CredentialsARN              string
	PassthroughBehavior         string
	TemplateSelectionExpression string
	// RequestTemplates by selection key, each an Fn::Sub string already
	// resolved (${Jobs} is the table's name; ${!x} is a literal ${x}).
	RequestTemplates map[string]Template
	// TimeoutInMillis is 50..29000 (default 29000).
	TimeoutInMillis      int
	IntegrationResponses []WebSocketIntegrationResponse
	Pos                  Pos
}

// WebSocketIntegrationResponse is an AWS::ApiGatewayV2::IntegrationResponse.
type WebSocketIntegrationResponse struct {
	// Key is "$default" or a /regex/ matched against the integration's
	// status code.
	Key                         string
	TemplateSelectionExpression string
	ResponseTemplates           map[string]Template
	Pos                         Pos
}

// Template is a mapping template and where its first line is in the
// manifest, so that errors inside it point at the right line.
type Template struct {
	// Text has the Fn::Sub references resolved for local use; Raw is as
	// written, for deploy to hand to CloudFormation as an Fn::Sub.
	Text string
	Raw  string
	Pos  Pos
}

// DefaultIntegrationTimeoutMillis is API Gateway's integration timeout.
const DefaultIntegrationTimeoutMillis = 29000

var (
	// routeKeyRE: API Gateway accepts any printable route key; $ starts only
	// the predefined ones.
	routeKeyRE        = nameRule{regexp.MustCompile(`^[\x21-\x7e]+$`), 1, 128}
	selectionRefRE    = regexp.MustCompile(`\$\{?request\.(body|header|querystring)\b`)
	integrationURIRE  = regexp.MustCompile(`^arn:aws[a-z-]*:apigateway:[a-z0-9-]+:[a-z0-9-]+:action/[A-Za-z]+$`)
	responseKeyRegexp = regexp.MustCompile(`^/.*/$`)
)

func (d *manifestDecoder) webSocket(key, n *yaml.Node) {
	ws := &d.m.WebSocket
	ws.Pos = d.pos(key)
	f := d.fields(n, "websocket", "path", "routeSelectionExpression", "routes")
	if f == nil {
		return
	}
	if p, ok := f["path"]; ok {
		if s, ok := d.str(p.val, "websocket.path"); ok {
			if !strings.HasPrefix(s, "/") {
				d.errorf(deref(p.val), "websocket.path %q must start with \"/\"", s)
			} else {
				ws.Path = s
			}
		}
	}
	if v, ok := f["routeSelectionExpression"]; ok {
		if s, ok := d.str(v.val, "websocket.routeSelectionExpression"); ok {
			// API Gateway evaluates route selection against the message
			// body only.
			if !strings.HasPrefix(s, "$request.body.") && !strings.HasPrefix(s, "${request.body.") {
				d.errorf(deref(v.val), "websocket.routeSelectionExpression %q must select from the message body, such as $request.body.action", s)
			} else {
				ws.RouteSelectionExpression = s
			}
		}
	}
	v, ok := f["routes"]
	if !ok {
		return
	}
	if ws.RouteSelectionExpression == "" {
		ws.RouteSelectionExpression = DefaultRouteSelectionExpression
	}
	ws.Routes = map[string]WebSocketRoute{}
	pairs := d.pairs(v.val, "websocket.routes")
	if len(pairs) > 300 {
		d.errorf(deref(v.val), "websocket.routes: at most 300 routes are allowed")
	}
	for _, p := range pairs {
		rk := p.key.Value
		if !routeKeyRE.MatchString(rk) {
			d.errorf(p.key, "invalid route key %q in websocket.routes: use 1 to 128 printable characters without spaces", rk)
			continue
		}
		if strings.HasPrefix(rk, "$") && rk != RouteConnect && rk != RouteDisconnect && rk != RouteDefault {
			d.errorf(p.key, "invalid route key %q in websocket.routes: only $connect, $disconnect and $default may start with '$'", rk)
			continue
		}
		if r, ok := d.wsRoute(rk, p.key, p.val); ok {
			ws.Routes[rk] = r
		}
	}
}

func (d *manifestDecoder) wsRoute(rk string, key, n *yaml.Node) (WebSocketRoute, bool) {
	what := "websocket.routes." + rk
	r := WebSocketRoute{RouteKey: rk, Pos: d.pos(key)}
	f := d.fields(n, what, "integration", "routeResponseSelectionExpression")
	if f == nil {
		return r, false
	}
	before := len(d.errs.list)
	if v, ok := f["routeResponseSelectionExpression"]; ok {
		if s, ok := d.str(v.val, what+".routeResponseSelectionExpression"); ok {
			switch {
			case s != "$default":
				d.errorf(deref(v.val), "%s.routeResponseSelectionExpression must be $default (the only value WebSocket APIs accept), got %q", what, s)
			case rk == RouteDisconnect || rk == RouteConnect:
				d.errorf(deref(v.val), "%s.routeResponseSelectionExpression: %s cannot answer the client (route responses are for message routes)", what, rk)
			default:
				r.RouteResponseSelectionExpression = s
			}
		}
	}
	if v, ok := d.required(f, n, what, "integration"); ok {
		r.Integration = d.wsIntegration(v.key, v.val, what+".integration")
	}
	return r, len(d.errs.list) == before
}

func (d *manifestDecoder) wsIntegration(key, n *yaml.Node, what string) WebSocketIntegration {
	in := WebSocketIntegration{PassthroughBehavior: PassthroughWhenNoMatch, TimeoutInMillis: DefaultIntegrationTimeoutMillis, Pos: d.pos(key)}
	f := d.fields(n, what, "integrationType", "integrationUri", "credentialsArn", "passthroughBehavior",
		"templateSelectionExpression", "requestTemplates", "timeoutInMillis", "integrationResponses")
	if f == nil {
		return in
	}
	if v, ok := d.required(f, n, what, "integrationType"); ok {
		if s, ok := d.str(v.val, what+".integrationType"); ok && (s == "AWS_PROXY" || s == "HTTP" || s == "HTTP_PROXY") {
			d.errorf(deref(v.val), "%s.integrationType %s cannot run locally: use AWS (DynamoDB, Step Functions, EventBridge) or MOCK", what, s)
		} else if ok {
			in.IntegrationType, _ = d.enum(v.val, what+".integrationType", IntegrationTypeAWS, IntegrationTypeMock)
		}
	}
	uri, hasURI := f["integrationUri"]
	switch {
	case in.IntegrationType == IntegrationTypeAWS && !hasURI:
		d.errorf(deref(n), "missing required field %q in %s (an AWS integration needs the action ARN)", "integrationUri", what)
	case hasURI:
		if s, ok := d.str(uri.val, what+".integrationUri"); ok {
			at := deref(uri.val)
			d.checks = append(d.checks, func() {
				res := &resolver{m: &d.m}
				v, err := substitute(s, res.lookup)
				switch {
				case err != nil:
					d.errorf(at, "%s.integrationUri: %v", what, err)
				case !integrationURIRE.MatchString(v):
					d.errorf(at, "%s.integrationUri %q must be an action ARN such as arn:aws:apigateway:us-east-1:dynamodb:action/PutItem", what, v)
				default:
					d.setURI(what, v)
				}
			})
			in.IntegrationURI, in.RawIntegrationURI = s, s
		}
	}
	if v, ok := f["credentialsArn"]; ok {
		in.CredentialsARN, _ = d.str(v.val, what+".credentialsArn")
	}
	if v, ok := f["passthroughBehavior"]; ok {
		if s, ok := d.enum(v.val, what+".passthroughBehavior", PassthroughWhenNoMatch, PassthroughWhenNoTemplates, PassthroughNever); ok {
			in.PassthroughBehavior = s
		}
	}
	if v, ok := f["templateSelectionExpression"]; ok {
		in.TemplateSelectionExpression, _ = d.selectionExpr(v.val, what+".templateSelectionExpression")
	}
	if v, ok := f["requestTemplates"]; ok {
		in.RequestTemplates = d.templates(v.val, what+".requestTemplates")
	}
	if v, ok := f["timeoutInMillis"]; ok {
		if ms, ok := d.integer(v.val, what+".timeoutInMillis", 50, 29000); ok {
			in.TimeoutInMillis = ms
		}
	}
	if v, ok := f["integrationResponses"]; ok {
		keys := map[string]bool{}
		for i, it := range d.seq(v.val, what+".integrationResponses") {
			w := fmt.Sprintf("%s.integrationResponses[%d]", what, i)
			ir := WebSocketIntegrationResponse{Pos: d.pos(deref(it))}
			rf := d.fields(it, w, "integrationResponseKey", "templateSelectionExpression", "responseTemplates")
			if rf == nil {
				continue
			}
			if kv, ok := d.required(rf, it, w, "integrationResponseKey"); ok {
				if s, ok := d.str(kv.val, w+".integrationResponseKey"); ok {
					switch {
					case keys[s]:
						d.errorf(deref(kv.val), "%s: duplicate integrationResponseKey %q", w, s)
					case s == "$default":
					case responseKeyRegexp.MatchString(s):
						if _, err := regexp.Compile(s[1 : len(s)-1]); err != nil {
							d.errorf(deref(kv.val), "%s.integrationResponseKey %q: %v", w, s, err)
						}
					default:
						d.errorf(deref(kv.val), "%s.integrationResponseKey %q must be $default or a /regex/ matched against the status code", w, s)
					}
					keys[s] = true
					ir.Key = s
				}
			}
			if tv, ok := rf["templateSelectionExpression"]; ok {
				ir.TemplateSelectionExpression, _ = d.selectionExpr(tv.val, w+".templateSelectionExpression")
			}
			if tv, ok := rf["responseTemplates"]; ok {
				ir.ResponseTemplates = d.templates(tv.val, w+".responseTemplates")
			}
			in.IntegrationResponses = append(in.IntegrationResponses, ir)
		}
	}
	return in
}

// setURI stores a resolved integration URI; the route is found again by
// its path ("websocket.routes.KEY.integration").
func (d *manifestDecoder) setURI(what, uri string) {
	rk := strings.TrimSuffix(strings.TrimPrefix(what, "websocket.routes."), ".integration")
	if r, ok := d.m.WebSocket.Routes[rk]; ok {
		r.Integration.IntegrationURI = uri
		d.m.WebSocket.Routes[rk] = r
	}
}

// selectionExpr reads a template selection expression: literal text
// (\$default) with $request.body.X / $request.header.X /
// $request.querystring.X references. The full parse happens in the
// WebSocket front; here only unknown $request sources are caught.
func (d *manifestDecoder) selectionExpr(n *yaml.Node, what string) (string, bool) {
	s, ok := d.str(n, what)
	if !ok {
		return "", false
	}
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' {
			i++
			continue
		}
		if s[i] != '$' {
			continue
		}
		rest := s[i:]
		if strings.HasPrefix(rest, "$request.") || strings.HasPrefix(rest, "${request.") {
			if loc := selectionRefRE.FindStringIndex(rest); loc == nil || loc[0] != 0 {
				d.errorf(deref(n), "%s %q: a $request reference must be $request.body.X, $request.header.X or $request.querystring.X", what, s)
				return "", false
			}
		}
	}
	return s, true
}

// templates reads a map of mapping templates keyed by selection value, each
// an Fn::Sub string resolved once every section is read.
func (d *manifestDecoder) templates(n *yaml.Node, what string) map[string]Template {
	out := map[string]Template{}
	for _, p := range d.pairs(n, what) {
		k := p.key.Value
		s, ok := d.str(p.val, what+"."+k)
		if !ok {
			continue
		}
		v := deref(p.val)
		pos := d.pos(v)
		if v.Style&(yaml.LiteralStyle|yaml.FoldedStyle) != 0 {
			// A block scalar's text starts on the line after its indicator.
			pos.Line++
		}
		out[k] = Template{Text: s, Raw: s, Pos: pos}
		d.checks = append(d.checks, func() {
			res := &resolver{m: &d.m}
			text, err := substitute(s, res.lookup)
			if err != nil {
				d.errorf(v, "%s.%s: %v", what, k, err)
				return
			}
			out[k] = Template{Text: text, Raw: s, Pos: pos}
		})
	}
	return out
}
