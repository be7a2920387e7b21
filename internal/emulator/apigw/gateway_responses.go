package apigw

import (
	"encoding/json"
	"net/http"
	"regexp"
	"strconv"
	"strings"
)

// gatewayResponseTypes are the response types API Gateway lets
// x-amazon-apigateway-gateway-responses customise.
var gatewayResponseTypes = map[string]bool{
	"ACCESS_DENIED": true, "API_CONFIGURATION_ERROR": true, "AUTHORIZER_CONFIGURATION_ERROR": true,
	"AUTHORIZER_FAILURE": true, "BAD_REQUEST_PARAMETERS": true, "BAD_REQUEST_BODY": true,
	"DEFAULT_4XX": true, "DEFAULT_5XX": true, "EXPIRED_TOKEN": true, "INTEGRATION_FAILURE": true,
	"INTEGRATION_TIMEOUT": true, "INVALID_API_KEY": true, "INVALID_SIGNATURE": true,
	"MISSING_AUTHENTICATION_TOKEN": true, "QUOTA_EXCEEDED": true, "REQUEST_TOO_LARGE": true,
	"RESOURCE_NOT_FOUND": true, "THROTTLED": true, "UNAUTHORIZED": true,
	"UNSUPPORTED_MEDIA_TYPE": true, "WAF_FILTERED": true,
}

// gatewayResponseDef is one customised gateway response.
type gatewayResponseDef struct {
	status    int // 0 keeps the default status
	headers   []headerMapping
	templates map[string]string // content type → template (variable substitution only)
}

func parseGatewayResponses(p *problems, raw any) map[string]*gatewayResponseDef {
	const key = "x-amazon-apigateway-gateway-responses"
	ptr := "/" + key
	obj, ok := raw.(map[string]any)
	if !ok {
		p.errorf(ptr, "%s: expected an object", key)
		return nil
	}
	out := map[string]*gatewayResponseDef{}
	for _, typ := range sortedKeys(obj) {
		tp := pointer(ptr, typ)
		if !gatewayResponseTypes[typ] {
			p.errorf(tp, "%s: unknown gateway response type %q", key, typ)
			continue
		}
		ro, ok := obj[typ].(map[string]any)
		if !ok {
			p.errorf(tp, "%s[%s]: expected an object", key, typ)
			continue
		}
		def := &gatewayResponseDef{}
		if sc := str(p, tp, ro, "statusCode"); sc != "" {
			n, err := strconv.Atoi(sc)
			if err != nil || n < 100 || n > 599 {
				p.errorf(pointer(tp, "statusCode"), "%s[%s]: statusCode %q is not an HTTP status code", key, typ, sc)
			}
			def.status = n
		}
		if rp, ok := ro["responseParameters"].(map[string]any); ok {
			for _, k := range sortedKeys(rp) {
				src, ok := rp[k].(string)
				name, ok2 := strings.CutPrefix(k, "gatewayresponse.header.")
				if !ok || !ok2 || checkSource(src, "method.request.") != nil {
					p.errorf(pointer(tp, "responseParameters", k), "%s[%s]: invalid response parameter %q: %v", key, typ, k, rp[k])
					continue
				}
				def.headers = append(def.headers, headerMapping{name: name, source: src})
			}
		}
		if rt, ok := ro["responseTemplates"].(map[string]any); ok {
			def.templates = map[string]string{}
			for _, ct := range sortedKeys(rt) {
				src, ok := rt[ct].(string)
				if !ok {
					p.errorf(pointer(tp, "responseTemplates", ct), "%s[%s]: template must be a string", key, typ)
					continue
				}
				def.templates[normalizeMediaType(ct)] = src
			}
		}
		out[typ] = def
	}
	return out
}

// customGatewayResponse applies x-amazon-apigateway-gateway-responses to one
// of API Gateway's own responses: the specific type first, then DEFAULT_4XX
// or DEFAULT_5XX. req is nil when the request never reached a route.
func (a *API) customGatewayResponse(r *http.Request, req *request, id string, resp *response) *response {
	gw := resp.gw
	def := a.gatewayResponses[gw.kind]
	if def == nil {
		if gw.status < 500 {
			def = a.gatewayResponses["DEFAULT_4XX"]
		} else {
			def = a.gatewayResponses["DEFAULT_5XX"]
		}
	}
	if def == nil {
		return resp
	}
	if req == nil {
		// Not routed: a minimal request for parameter and context lookups.
		req = &request{r: r, id: id, multiQ: r.URL.Query(), multiH: r.Header,
			context: map[string]any{"requestId": id, "stage": a.opts.Stage, "httpMethod": r.Method,
				"path": r.URL.Path, "apiId": a.apiID, "accountId": a.opts.AccountID}}
		req.params.QueryString = map[string]string{}
		for k, vs := range req.multiQ {
			req.params.QueryString[k] = vs[len(vs)-1]
		}
	}
	msg, _ := json.Marshal(gw.message)
	errCtx := map[string]any{
		"message": gw.message, "messageString": string(msg), "responseType": gw.kind,
		"validationErrorString": gw.message,
	}
	out := &response{status: resp.status, header: resp.header.Clone(), body: resp.body, contentType: resp.contentType}
	if def.status != 0 {
		out.status = def.status
	}
	var parsed *jsonBody
	for _, hm := range def.headers {
		if v, ok := a.source(req, hm.source, nil, &parsed); ok {
			out.header.Set(hm.name, v)
		}
	}
	if len(def.templates) > 0 {
		ct := "application/json"
		if _, ok := def.templates[ct]; !ok {
			ct = sortedKeys(def.templates)[0]
		}
		out.body = []byte(substituteGatewayTemplate(def.templates[ct], req, errCtx, a.opts.StageVariables))
		out.contentType = ct
	}
	return out
}

var gatewayVarRE = regexp.MustCompile(`\$(context|stageVariables)((?:\.[A-Za-z0-9_]+)+)`)

// substituteGatewayTemplate does the plain variable substitution API Gateway
// applies to gateway response templates (they are not VTL).
func substituteGatewayTemplate(tmpl string, req *request, errCtx map[string]any, stageVars map[string]string) string {
	return gatewayVarRE.ReplaceAllStringFunc(tmpl, func(m string) string {
		sub := gatewayVarRE.FindStringSubmatch(m)
		parts := strings.Split(sub[2][1:], ".")
		if sub[1] == "stageVariables" {
			return stageVars[sub[2][1:]]
		}
		var v any = req.ctx()
		if parts[0] == "error" {
			v = map[string]any{"error": errCtx}
		}
		for _, part := range parts {
			m, ok := v.(map[string]any)
			if !ok {
				return ""
			}
			v = m[part]
		}
		return scalarString(v)
	})
}
