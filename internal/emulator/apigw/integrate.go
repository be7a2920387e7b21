package apigw

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"github.com/sfapi/sfapi/internal/emulator/apigw/mapping"
)

// hopHeaders are not forwarded between client, gateway and backend.
var hopHeaders = map[string]bool{
	"Connection": true, "Keep-Alive": true, "Proxy-Authenticate": true, "Proxy-Authorization": true,
	"Te": true, "Trailer": true, "Transfer-Encoding": true, "Upgrade": true, "Host": true, "Content-Length": true,
}

// integrationResult is what the back end answered.
type integrationResult struct {
	status int
	header http.Header // read only: it may be awsResultHeader
	body   []byte
}

// awsResultHeader is the header of every aws integration's answer, shared
// by them all (one map fewer per request): nothing changes a result's
// header.
var awsResultHeader = http.Header{"Content-Type": {"application/x-amz-json-1.0"}}

// serveMapped runs the non-proxy flow shared by aws, http and mock:
// request template → integration → integration response → response template.
func (a *API) serveMapped(req *request, in *integration) *response {
	var body []byte
	var overrides mapping.Params
	binary := a.isBinary(req.ctype)
	switch {
	case binary && in.contentHandling == convertToText:
		// The template sees the payload base64-encoded.
		req.body = b64(req.body)
	case !binary && in.contentHandling == convertToBinary:
		raw, err := unb64(req.body)
		if err != nil {
			a.log.Info("CONVERT_TO_BINARY: request body is not base64", "requestId", req.id, "route", req.op.route, "err", err)
			return gatewayResponse(errBadBody)
		}
		req.body = raw
	}
	if binary && in.contentHandling == "" || !binary && in.contentHandling == convertToBinary {
		// A binary payload is passed through: API Gateway applies no
		// mapping template to it.
		body = req.body
	} else {
		var resp *response
		body, overrides, resp = a.renderRequest(req, in)
		if resp != nil {
			return resp
		}
	}
	if req.debug {
		a.debugLog(req, "integration request", "type", in.typ, "target", integrationTarget(in), "body", logBody(body))
	}
	var res integrationResult
	switch in.typ {
	case typeMock:
		status, err := mockStatus(body, in.requestTemplates[req.ctype] != nil)
		if err != nil {
			a.log.Error("mock integration: bad request template output", "requestId", req.id, "route", req.op.route, "err", err)
			return gatewayResponse(errConfig)
		}
		res = integrationResult{status: status, header: http.Header{}}
	case typeAWS:
		type awsOut struct {
			status int
			body   []byte
		}
		out, err, timedOut := withTimeout(req.r.Context(), in, func(ctx context.Context) (awsOut, error) {
			if a.opts.Integrations == nil {
				return awsOut{}, fmt.Errorf("no AWS integrations bound")
			}
			st, b, err := a.opts.Integrations.Invoke(ctx, in.service, in.action, body)
			return awsOut{st, b}, err
		})
		if resp := a.integrationFailure(req, err, timedOut); resp != nil {
			return resp
		}
		res = integrationResult{status: out.status, header: awsResultHeader, body: out.body}
	case typeHTTP:
		var err error
		var timedOut bool
		res, err, timedOut = a.callHTTP(req, in, body, overrides, false)
		if resp := a.integrationFailure(req, err, timedOut); resp != nil {
			return resp
		}
	}
	if req.debug {
		a.debugLog(req, "integration response", "status", res.status, "body", logBody(res.body))
	}
	ir := in.selectResponse(res.status)
	if ir == nil {
		a.log.Error("no integration response matches and none is default", "requestId", req.id, "route", req.op.route, "integrationStatus", res.status)
		return gatewayResponse(errConfig)
	}
	return a.methodResponse(req, ir, res)
}

// integrationTarget names what an integration calls, for logs.
func integrationTarget(in *integration) string {
	switch in.typ {
	case typeAWS:
		if in.action != "" {
			return in.service + ":" + in.action
		}
		return in.uri
	case typeMock:
		return ""
	}
	return in.uri
}

// integrationFailure maps a failed integration call to API Gateway's answer.
func (a *API) integrationFailure(req *request, err error, timedOut bool) *response {
	if timedOut {
		a.log.Warn("integration timed out", "requestId", req.id, "route", req.op.route, "timeout", req.op.integ.timeout)
		return gatewayResponse(errTimeout)
	}
	if err != nil {
		a.log.Error("integration failed", "requestId", req.id, "route", req.op.route, "err", err)
		return gatewayResponse(errIntegration)
	}
	return nil
}

// renderRequest picks the request template by content type and applies the
// passthrough behaviour. It returns the integration request body and the
// $context.requestOverride values.
func (a *API) renderRequest(req *request, in *integration) ([]byte, mapping.Params, *response) {
	t := in.requestTemplates[req.ctype]
	if t == nil {
		switch in.passthrough {
		case passWhenNoMatch:
			return req.body, mapping.Params{}, nil
		case passWhenNoTemplates:
			if len(in.requestTemplates) == 0 {
				return req.body, mapping.Params{}, nil
			}
		}
		return nil, mapping.Params{}, gatewayResponse(errUnsupportedMT)
	}
	body, out, err := t.RenderBytes(a.input(req, req.body))
	if errors.Is(err, mapping.ErrBodyNotJSON) {
		// API Gateway answers 400 when a template reads a body that is not JSON.
		a.log.Info("request template: body is not JSON", "requestId", req.id, "route", req.op.route, "err", err)
		return nil, mapping.Params{}, gatewayResponse(errBodyNotJSON)
	}
	if err != nil {
		a.log.Error("request template failed", "requestId", req.id, "route", req.op.route, "contentType", req.ctype, "err", err)
		return nil, mapping.Params{}, gatewayResponse(errInternal)
	}
	return body, out.RequestOverrides, nil
}

func (a *API) input(req *request, body []byte) mapping.Input {
	if req.prepared == nil {
		if req.context != nil {
			req.prepared = mapping.NewContext(req.context)
		} else {
			req.prepared = mapping.NewContextSorted(contextNames, req.ctxVals)
		}
	}
	return mapping.Input{Body: body, Params: req.params, Prepared: req.prepared, StageVariables: a.opts.StageVariables}
}

// mockStatus reads {"statusCode": N} from a mock request template's output.
func mockStatus(out []byte, templated bool) (int, error) {
	if !templated || len(bytes.TrimSpace(out)) == 0 {
		return http.StatusOK, nil
	}
	var v struct {
		StatusCode json.RawMessage `json:"statusCode"`
	}
	if err := json.Unmarshal(out, &v); err != nil {
		return 0, fmt.Errorf("parse statusCode: %w", err)
	}
	if len(v.StatusCode) == 0 {
		return http.StatusOK, nil
	}
	raw := strings.Trim(string(v.StatusCode), `"`)
	n, err := strconv.Atoi(raw)
	if err != nil || n < 100 || n > 599 {
		return 0, fmt.Errorf("statusCode %s is not an HTTP status", v.StatusCode)
	}
	return n, nil
}

// selectResponse picks the integration response whose selection pattern
// fully matches the integration status code, else the default one.
func (in *integration) selectResponse(status int) *integrationResponse {
	if status < 100 || status >= 100+len(in.selected) {
		return in.matchResponse(status)
	}
	slot := &in.selected[status-100]
	if sel := slot.Load(); sel != nil {
		return sel.ir
	}
	ir := in.matchResponse(status)
	slot.Store(&selectedResponse{ir})
	return ir
}

// matchResponse is selectResponse without the cache.
func (in *integration) matchResponse(status int) *integrationResponse {
	s := strconv.Itoa(status)
	for _, ir := range in.responses {
		if ir.re.MatchString(s) {
			return ir
		}
	}
	return in.defaultResponse
}

// methodResponse builds the method response from the selected integration
// response: status, responseParameters, response template, overrides.
func (a *API) methodResponse(req *request, ir *integrationResponse, res integrationResult) *response {
	resp := &response{status: ir.statusCode, header: http.Header{}}
	var parsed *jsonBody
	for _, hm := range ir.headers {
		v, ok := a.source(req, hm.source, &res, &parsed)
		if ok {
			resp.header.Set(hm.name, v)
		}
	}
	// Binary media types: only an http backend can answer a binary payload;
	// aws and mock answers are text.
	binary := req.op.integ.typ == typeHTTP && a.isBinary(res.header.Get("Content-Type"))
	switch {
	case binary && ir.contentHandling == "" && a.acceptsBinary(req.r.Header.Get("Accept")):
		resp.body = res.body
		resp.contentType = res.header.Get("Content-Type")
		return a.withMappedContentType(resp)
	case binary && ir.contentHandling != convertToBinary:
		res.body = b64(res.body)
	}
	resp, errResp := a.renderResponse(req, ir, res, resp)
	if errResp != nil {
		return errResp
	}
	if ir.contentHandling == convertToBinary && !binary {
		raw, err := unb64(resp.body)
		if err != nil {
			a.log.Error("CONVERT_TO_BINARY: response is not base64", "requestId", req.id, "route", req.op.route, "err", err)
			return gatewayResponse(errConfig)
		}
		resp.body = raw
	}
	return a.withMappedContentType(resp)
}

// withMappedContentType lets a Content-Type set by responseParameters win
// over the template's content type, as it does on API Gateway.
func (a *API) withMappedContentType(resp *response) *response {
	if ct := resp.header.Get("Content-Type"); ct != "" {
		resp.contentType = ct
		resp.header.Del("Content-Type")
	}
	return resp
}

// renderResponse applies the selected response template (or passes the
// integration body through when there is none).
func (a *API) renderResponse(req *request, ir *integrationResponse, res integrationResult, resp *response) (*response, *response) {
	if len(ir.templates) == 0 {
		// No template: the integration body passes through unchanged.
		resp.body = res.body
		resp.contentType = res.header.Get("Content-Type")
		if resp.contentType == "" || resp.contentType == "application/x-amz-json-1.0" {
			resp.contentType = "application/json"
		}
		return resp, nil
	}
	ct := pickResponseTemplate(ir.templates, req.r.Header.Get("Accept"))
	body, out, err := ir.templates[ct].RenderBytes(a.input(req, res.body))
	if err != nil {
		a.log.Error("response template failed", "requestId", req.id, "route", req.op.route, "contentType", ct, "err", err)
		return nil, gatewayResponse(errConfig)
	}
	resp.body = body
	resp.contentType = ct
	if out.StatusOverride != 0 {
		if out.StatusOverride < 100 || out.StatusOverride > 599 {
			a.log.Error("response template set an invalid status override", "requestId", req.id, "route", req.op.route, "status", out.StatusOverride)
			return nil, gatewayResponse(errConfig)
		}
		resp.status = out.StatusOverride
	}
	for k, v := range out.HeaderOverrides {
		if strings.EqualFold(k, "Content-Type") {
			resp.contentType = v
			resp.header.Del("Content-Type")
			continue
		}
		resp.header.Set(k, v)
	}
	return resp, nil
}

// pickResponseTemplate chooses the template for the client's Accept header:
// the first listed media type that has a template, else application/json,
// else the first content type in sorted order.
func pickResponseTemplate(ts map[string]*mapping.Template, accept string) string {
	for part := range strings.SplitSeq(accept, ",") {
		mt := normalizeMediaType(part)
		if _, ok := ts[mt]; ok {
			return mt
		}
	}
	if _, ok := ts["application/json"]; ok {
		return "application/json"
	}
	keys := make([]string, 0, len(ts))
	for k := range ts {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys[0]
}

// jsonBody is a lazily parsed JSON body for body.JSONPATH sources.
type jsonBody struct {
	v  any
	ok bool
}

// source evaluates a parameter mapping expression. res is the integration
// result for integration.response.* sources (nil on the request side).
func (a *API) source(req *request, src string, res *integrationResult, parsed **jsonBody) (string, bool) {
	switch {
	case len(src) >= 2 && src[0] == '\'' && src[len(src)-1] == '\'':
		return src[1 : len(src)-1], true
	case strings.HasPrefix(src, "context."):
		var v any = req.ctx()
		for part := range strings.SplitSeq(strings.TrimPrefix(src, "context."), ".") {
			m, ok := v.(map[string]any)
			if !ok {
				return "", false
			}
			if v, ok = m[part]; !ok {
				return "", false
			}
		}
		return scalarString(v), true
	case strings.HasPrefix(src, "stageVariables."):
		v, ok := a.opts.StageVariables[strings.TrimPrefix(src, "stageVariables.")]
		return v, ok
	case strings.HasPrefix(src, "method.request."):
		return requestSource(req, strings.TrimPrefix(src, "method.request."), parsed)
	case strings.HasPrefix(src, "integration.response.") && res != nil:
		rest := strings.TrimPrefix(src, "integration.response.")
		if loc, name, ok := strings.Cut(rest, "."); ok && (loc == "header" || loc == "multivalueheader") {
			vs := res.header.Values(name)
			if len(vs) == 0 {
				return "", false
			}
			if loc == "header" {
				return vs[len(vs)-1], true
			}
			return strings.Join(vs, ","), true
		}
		return bodySource(res.body, rest, parsed)
	}
	return "", false
}

func requestSource(req *request, rest string, parsed **jsonBody) (string, bool) {
	loc, name, _ := strings.Cut(rest, ".")
	switch loc {
	case "path":
		v, ok := req.params.Path[name]
		return v, ok
	case "querystring":
		v, ok := req.params.QueryString[name]
		return v, ok
	case "multivaluequerystring":
		vs, ok := req.multiQ[name]
		return strings.Join(vs, ","), ok
	case "header":
		vs := req.multiH.Values(name)
		if len(vs) == 0 {
			return "", false
		}
		return vs[len(vs)-1], true
	case "multivalueheader":
		vs := req.multiH.Values(name)
		return strings.Join(vs, ","), len(vs) > 0
	case "body":
		return bodySource(req.body, rest, parsed)
	}
	return "", false
}

// bodySource evaluates "body" or "body.JSONPATH" (JSONPath without "$.").
func bodySource(body []byte, rest string, parsed **jsonBody) (string, bool) {
	if rest == "body" {
		return string(body), true
	}
	path, ok := strings.CutPrefix(rest, "body.")
	if !ok {
		return "", false
	}
	if *parsed == nil {
		jb := &jsonBody{}
		jb.ok = json.Unmarshal(body, &jb.v) == nil
		*parsed = jb
	}
	if !(*parsed).ok {
		return "", false
	}
	v, ok := walkJSON((*parsed).v, path)
	if !ok {
		return "", false
	}
	return scalarString(v), true
}

// walkJSON follows a dotted path with optional [n] indexes: a.b[0].c.
func walkJSON(v any, path string) (any, bool) {
	for part := range strings.SplitSeq(path, ".") {
		name := part
		var idx []int
		if i := strings.IndexByte(part, '['); i >= 0 {
			name = part[:i]
			for rest := part[i:]; rest != ""; {
				end := strings.IndexByte(rest, ']')
				if rest[0] != '[' || end < 0 {
					return nil, false
				}
				n, err := strconv.Atoi(rest[1:end])
				if err != nil {
					return nil, false
				}
				idx = append(idx, n)
				rest = rest[end+1:]
			}
		}
		if name != "" {
			m, ok := v.(map[string]any)
			if !ok {
				return nil, false
			}
			if v, ok = m[name]; !ok {
				return nil, false
			}
		}
		for _, n := range idx {
			l, ok := v.([]any)
			if !ok || n < 0 || n >= len(l) {
				return nil, false
			}
			v = l[n]
		}
	}
	return v, true
}

func scalarString(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case nil:
		return ""
	case int64:
		return strconv.FormatInt(v, 10)
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	case bool:
		return strconv.FormatBool(v)
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

// serveHTTPProxy forwards the request verbatim (plus requestParameters) and
// answers the backend's response verbatim.
func (a *API) serveHTTPProxy(req *request, in *integration) *response {
	if req.debug {
		a.debugLog(req, "integration request", "type", in.typ, "target", in.uri, "body", logBody(req.body))
	}
	res, err, timedOut := a.callHTTP(req, in, req.body, mapping.Params{}, true)
	if resp := a.integrationFailure(req, err, timedOut); resp != nil {
		return resp
	}
	if req.debug {
		a.debugLog(req, "integration response", "status", res.status, "body", logBody(res.body))
	}
	resp := &response{status: res.status, header: http.Header{}, body: res.body}
	for k, vs := range res.header {
		if hopHeaders[k] {
			continue
		}
		resp.header[k] = vs
	}
	resp.contentType = res.header.Get("Content-Type")
	return resp
}

// callHTTP builds and sends the integration request to an HTTP backend.
func (a *API) callHTTP(req *request, in *integration, body []byte, overrides mapping.Params, proxy bool) (integrationResult, error, bool) {
	pathVals := map[string]string{}
	keepSlashes := map[string]bool{} // values from a greedy {proxy+} span segments
	query := url.Values{}
	header := http.Header{}
	if proxy {
		for k, vs := range req.multiQ {
			query[k] = append([]string(nil), vs...)
		}
		for k, vs := range req.r.Header {
			if !hopHeaders[k] {
				header[k] = append([]string(nil), vs...)
			}
		}
	} else if req.r.Header.Get("Content-Type") != "" || len(body) > 0 {
		header.Set("Content-Type", req.ctype)
	}
	var parsed *jsonBody
	for _, pm := range in.requestParameters {
		v, ok := a.source(req, pm.source, nil, &parsed)
		if !ok {
			continue
		}
		switch pm.location {
		case "path":
			pathVals[pm.name] = v
			keepSlashes[pm.name] = req.op.greedyParam != "" && pm.source == "method.request.path."+req.op.greedyParam
		case "querystring":
			query.Set(pm.name, v)
		case "multivaluequerystring":
			query[pm.name] = strings.Split(v, ",")
		case "header":
			header.Set(pm.name, v)
		case "multivalueheader":
			header.Del(pm.name)
			for _, e := range strings.Split(v, ",") {
				header.Add(pm.name, e)
			}
		}
	}
	for k, v := range overrides.Path {
		pathVals[k] = v
	}
	for k, v := range overrides.QueryString {
		query.Set(k, v)
	}
	for k, v := range overrides.Header {
		header.Set(k, v)
	}
	target := expandURI(in.uri, pathVals, keepSlashes)
	u, err := url.Parse(target)
	if err != nil {
		return integrationResult{}, fmt.Errorf("integration uri %q: %w", target, err), false
	}
	if len(query) > 0 {
		q := u.Query()
		for k, vs := range query {
			q[k] = vs
		}
		u.RawQuery = q.Encode()
	}
	method := in.httpMethod
	if method == methodAny || method == "" {
		method = req.r.Method
	}
	return withTimeout(req.r.Context(), in, func(ctx context.Context) (integrationResult, error) {
		hreq, err := http.NewRequestWithContext(ctx, method, u.String(), bytes.NewReader(body))
		if err != nil {
			return integrationResult{}, fmt.Errorf("build integration request: %w", err)
		}
		hreq.Header = header
		hresp, err := a.opts.HTTPClient.Do(hreq)
		if err != nil {
			return integrationResult{}, fmt.Errorf("call %s %s: %w", method, u.Redacted(), err)
		}
		defer hresp.Body.Close()
		b, err := io.ReadAll(io.LimitReader(hresp.Body, MaxPayload+1))
		if err != nil {
			return integrationResult{}, fmt.Errorf("read integration response: %w", err)
		}
		if len(b) > MaxPayload {
			return integrationResult{}, fmt.Errorf("integration response exceeds %d bytes", MaxPayload)
		}
		return integrationResult{status: hresp.StatusCode, header: hresp.Header, body: b}, nil
	})
}

// expandURI substitutes {name} and {name+} placeholders of an http uri.
func expandURI(uri string, vals map[string]string, keepSlashes map[string]bool) string {
	if !strings.Contains(uri, "{") {
		return uri
	}
	var b strings.Builder
	for {
		i := strings.IndexByte(uri, '{')
		if i < 0 {
			b.WriteString(uri)
			return b.String()
		}
		j := strings.IndexByte(uri[i:], '}')
		if j < 0 {
			b.WriteString(uri)
			return b.String()
		}
		b.WriteString(uri[:i])
		raw := uri[i+1 : i+j]
		name := strings.TrimSuffix(raw, "+")
		v := vals[name]
		switch {
		case strings.Contains(uri[:i], "?"):
			b.WriteString(url.QueryEscape(v))
		case !keepSlashes[name] && !strings.HasSuffix(raw, "+"):
			b.WriteString(url.PathEscape(v))
		default:
			// Path values keep their slashes (greedy {proxy+} values span
			// segments); each segment is escaped.
			segs := strings.Split(v, "/")
			for k, s := range segs {
				segs[k] = url.PathEscape(s)
			}
			b.WriteString(strings.Join(segs, "/"))
		}
		uri = uri[i+j+1:]
	}
}
