package apigw

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"log/slog"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/getkin/kin-openapi/openapi2"
	"github.com/getkin/kin-openapi/openapi2conv"
	"github.com/getkin/kin-openapi/openapi3"
	"github.com/google/uuid"
)

// Integrations is how the front calls AWS services for `type: aws`
// integrations; the emulator binds it to its own in-process AWS JSON
// endpoint. service is "dynamodb", "states" or "events"; action is the
// API action from the integration uri (e.g. "PutItem" from
// "arn:aws:apigateway:us-east-1:dynamodb:action/PutItem"). It returns the AWS
// response as the real service would: HTTP status and JSON body (errors
// included, as {"__type": ..., "message": ...} with a 4xx/5xx status). err is
// for failures to reach the service at all.
type Integrations interface {
	Invoke(ctx context.Context, service, action string, body []byte) (status int, respBody []byte, err error)
}

// Options configures an API.
type Options struct {
	Doc   []byte         // resolved OpenAPI 3 or Swagger 2.0 document, as JSON
	File  string         // its file name, for messages
	Lines map[string]int // JSON pointer → source line, for messages
	// Source is the text of File, optional: Check uses it to place lines
	// inside mapping templates (a template's key has a line in Lines, the
	// template's own lines follow it in the file).
	Source []byte

	// Stage is the stage name ("dev"). Requests may carry it as the first
	// path segment, as on an execute-api URL, or leave it out.
	Stage string

	Integrations Integrations
	Logger       *slog.Logger
	Now          func() time.Time
	Region       string
	AccountID    string
	NewRequestID func() string // default: uuid v4

	// HTTPClient calls http and http_proxy backends; default: a client that
	// does not follow redirects, as API Gateway does not.
	HTTPClient *http.Client
	// StageVariables are $stageVariables / stageVariables.X.
	StageVariables map[string]string
	// APIKeys are the keys a method that requires an API key accepts in
	// x-api-key (what a usage plan's keys are on AWS). With none, such
	// methods answer 403 to every request, as they do on AWS without keys.
	APIKeys []string
}

// Route describes one method of the API, for logs and `sfapi dev` output.
type Route struct {
	Method string // GET, POST, ..., or ANY
	Path   string // resource path, e.g. /jobs/{id}
	Type   string // integration type: aws, aws_proxy, http, http_proxy, mock, or "" when none
	Target string // aws: "dynamodb:PutItem"; http(_proxy)/aws_proxy: the uri; mock: ""
}

// API serves one REST API. It is safe for concurrent use.
type API struct {
	opts     Options
	log      *slog.Logger
	root     *resource
	routes   []Route
	warnings []string
	apiID    string
	// gatewayResponses customise API Gateway's own error responses.
	gatewayResponses map[string]*gatewayResponseDef
	// ops lists every operation in document order, for Check.
	ops []*operation
	// cors is x-amazon-apigateway-cors (HTTP API style), nil when absent.
	cors *corsConfig
	// binaryTypes are x-amazon-apigateway-binary-media-types.
	binaryTypes []string
}

// validator is one entry of x-amazon-apigateway-request-validators.
type validator struct {
	body, params bool
}

// operation is one method on one resource.
type operation struct {
	method     string
	path       string
	resourceID string
	route      string // "POST /gophers", for logs
	ptr        string // JSON pointer of the operation, for Check
	// greedyParam names the {name+} parameter of the path, if any.
	greedyParam string

	validate    validator
	required    []requiredParam
	bodySchemas map[string]*openapi3.Schema // normalized media type (or $default) → schema
	bodyChecks  map[string]*bodyCheck       // the same keys → compiled check (nil: kin-openapi only)
	integ       *integration
	// apiKeyRequired: the method's security asks for the api_key scheme.
	apiKeyRequired bool
}

type requiredParam struct {
	in, name string
}

// MaxPayload is API Gateway's request payload limit for REST APIs.
const MaxPayload = 10 << 20

// anyPrefix names the synthetic path under which ANY operations are handed to
// kin-openapi, which has no notion of x-amazon-apigateway-any-method.
const anyPrefix = "/x-sfapi-any-method"

var httpMethods = []string{"get", "put", "post", "delete", "patch", "head", "options"}

// New parses and checks the whole document. Every problem found is reported,
// each as "file:line: message", joined into one error. Non-fatal findings
// (routes that cannot run locally, settings API Gateway would reject but the
// emulator can run) are available from Warnings.
func New(opts Options) (*API, error) {
	a, p, err := build(opts)
	if err != nil {
		return nil, err
	}
	if err := p.err(); err != nil {
		return nil, err
	}
	a.warnings = p.warningList()
	for _, w := range a.warnings {
		a.log.Warn(w)
	}
	return a, nil
}

// build parses the document and collects its problems. err is set only
// when the document cannot be read at all; the API is then nil.
func build(opts Options) (*API, *problems, error) {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.NewRequestID == nil {
		opts.NewRequestID = uuid.NewString
	}
	if opts.Region == "" {
		opts.Region = "us-east-1"
	}
	if opts.AccountID == "" {
		opts.AccountID = "000000000000"
	}
	if opts.HTTPClient == nil {
		opts.HTTPClient = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	}
	p := &problems{file: opts.File, lines: opts.Lines}

	var raw map[string]any
	if err := json.Unmarshal(opts.Doc, &raw); err != nil {
		return nil, nil, fmt.Errorf("%s: parse OpenAPI document: %w", fileName(opts.File), err)
	}
	a := &API{opts: opts, log: opts.Logger.With("component", "apigw"), root: newResource("/")}

	rawPaths, _ := raw["paths"].(map[string]any)
	kdoc, err := loadKin(raw, rawPaths)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", fileName(opts.File), err)
	}
	title := ""
	if kdoc.Info != nil {
		title = kdoc.Info.Title
	}
	a.apiID = shortID(title, 10)

	validators, defaultValidator := parseValidators(p, raw)
	docSecurity, _ := raw["security"].([]any)
	keySchemes := apiKeySchemes(raw)
	if v, ok := raw["x-amazon-apigateway-api-key-source"]; ok {
		if src, _ := v.(string); src != "HEADER" && src != "AUTHORIZER" {
			p.errorf("/x-amazon-apigateway-api-key-source", "x-amazon-apigateway-api-key-source: %v is neither HEADER nor AUTHORIZER", v)
		} else if src == "AUTHORIZER" {
			p.warnf("/x-amazon-apigateway-api-key-source", "x-amazon-apigateway-api-key-source: AUTHORIZER needs a Lambda authorizer, which cannot run locally; keys are read from the x-api-key header")
		}
	}
	a.cors = parseCORS(p, raw)
	a.binaryTypes = parseBinaryTypes(p, raw)
	if v, ok := raw["x-amazon-apigateway-gateway-responses"]; ok {
		a.gatewayResponses = parseGatewayResponses(p, v)
	}

	for _, path := range sortedKeys(rawPaths) {
		pptr := pointer("/paths", path)
		item, ok := rawPaths[path].(map[string]any)
		if !ok {
			p.errorf(pptr, "path %q: expected an object", path)
			continue
		}
		segs, err := splitResourcePath(path)
		if err != nil {
			p.errorf(pptr, "%v", err)
			continue
		}
		res, err := a.root.insert(segs)
		if err != nil {
			p.errorf(pptr, "%v", err)
			continue
		}
		kitem := kdoc.Paths.Find(path)
		for _, m := range append(append([]string(nil), httpMethods...), "x-amazon-apigateway-any-method") {
			rawOp, ok := item[m].(map[string]any)
			if !ok {
				continue
			}
			method := strings.ToUpper(m)
			var kop *openapi3.Operation
			if m == "x-amazon-apigateway-any-method" {
				method = methodAny
				if ki := kdoc.Paths.Find(anyPrefix + path); ki != nil {
					kop = ki.Post
				}
			} else if kitem != nil {
				kop = kitem.GetOperation(method)
			}
			optr := pointer(pptr, m)
			op := &operation{
				method:     method,
				path:       path,
				resourceID: shortID(path, 6),
				route:      method + " " + path,
				ptr:        optr,
			}
			if n := len(segs); n > 0 && strings.HasSuffix(segs[n-1], "+}") {
				op.greedyParam = segs[n-1][1 : len(segs[n-1])-2]
			}
			op.validate = defaultValidator
			if v, ok := rawOp["x-amazon-apigateway-request-validator"]; ok {
				name, _ := v.(string)
				val, ok := validators[name]
				if !ok {
					p.errorf(pointer(optr, "x-amazon-apigateway-request-validator"), "%s: request validator %q is not defined in x-amazon-apigateway-request-validators", op.route, v)
				}
				op.validate = val
			}
			collectParams(op, kitem, kop)
			declared := declaredStatuses(rawOp)
			if rawInteg, ok := rawOp["x-amazon-apigateway-integration"]; ok {
				op.integ = parseIntegration(p, pointer(optr, "x-amazon-apigateway-integration"), rawInteg, op.route, declared)
			} else {
				p.warnf(optr, "%s: no x-amazon-apigateway-integration; it answers 500 as API Gateway does for a method without integration", op.route)
			}
			sec, ok := rawOp["security"].([]any)
			if !ok {
				sec = docSecurity
			}
			apiKey, unenforced := securityOf(sec, keySchemes)
			op.apiKeyRequired = apiKey
			if unenforced {
				p.warnf(optr, "%s: security requirements other than API keys (authorizers, IAM, Cognito) are not enforced locally", op.route)
			}
			if apiKey && len(opts.APIKeys) == 0 {
				p.warnf(optr, "%s: requires an API key and no keys are configured; it answers 403 Forbidden", op.route)
			}
			res.methods[method] = op
			a.ops = append(a.ops, op)
			rt := Route{Method: method, Path: path}
			if op.integ != nil {
				rt.Type = op.integ.typ
				rt.Target = integrationTarget(op.integ)
			}
			a.routes = append(a.routes, rt)
		}
	}
	return a, p, nil
}

// Routes lists every method of the API, sorted by path then method.
func (a *API) Routes() []Route {
	out := append([]Route(nil), a.routes...)
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Path != out[j].Path {
			return out[i].Path < out[j].Path
		}
		return out[i].Method < out[j].Method
	})
	return out
}

// Warnings lists, as "file:line: message", the findings that do not stop the
// API from running: routes that cannot run locally (aws_proxy), settings
// real API Gateway would reject or that the emulator does not apply.
func (a *API) Warnings() []string { return append([]string(nil), a.warnings...) }

func fileName(f string) string {
	if f == "" {
		return "openapi"
	}
	return f
}

// loadKin hands the document to kin-openapi for $ref resolution, parameters
// and schemas. ANY operations are copied under a synthetic path so their
// request bodies are resolved too. Swagger 2.0 documents are converted.
func loadKin(raw map[string]any, rawPaths map[string]any) (*openapi3.T, error) {
	doc := make(map[string]any, len(raw))
	for k, v := range raw {
		doc[k] = v
	}
	paths := make(map[string]any, len(rawPaths))
	for path, v := range rawPaths {
		item, ok := v.(map[string]any)
		if !ok {
			continue
		}
		paths[path] = v
		if anyOp, ok := item["x-amazon-apigateway-any-method"]; ok {
			synthetic := map[string]any{"post": anyOp}
			if params, ok := item["parameters"]; ok {
				synthetic["parameters"] = params
			}
			paths[anyPrefix+path] = synthetic
		}
	}
	doc["paths"] = paths
	data, err := json.Marshal(doc)
	if err != nil {
		return nil, fmt.Errorf("load OpenAPI document: %w", err)
	}
	loader := openapi3.NewLoader()
	if v, _ := raw["swagger"].(string); v != "" {
		if v != "2.0" {
			return nil, fmt.Errorf("unsupported swagger version %q (2.0 and OpenAPI 3.x are)", v)
		}
		var d2 openapi2.T
		if err := json.Unmarshal(data, &d2); err != nil {
			return nil, fmt.Errorf("load Swagger 2.0 document: %w", err)
		}
		d3, err := openapi2conv.ToV3WithLoader(&d2, loader, nil)
		if err != nil {
			return nil, fmt.Errorf("convert Swagger 2.0 document: %w", err)
		}
		return d3, nil
	}
	if v, _ := raw["openapi"].(string); !strings.HasPrefix(v, "3.") {
		return nil, fmt.Errorf("not an OpenAPI 3.x or Swagger 2.0 document (openapi: %q)", v)
	}
	d, err := loader.LoadFromData(data)
	if err != nil {
		return nil, fmt.Errorf("load OpenAPI document: %w", err)
	}
	if d.Paths == nil {
		d.Paths = openapi3.NewPaths()
	}
	return d, nil
}

func parseValidators(p *problems, raw map[string]any) (map[string]validator, validator) {
	out := map[string]validator{}
	const key = "x-amazon-apigateway-request-validators"
	if v, ok := raw[key]; ok {
		obj, ok := v.(map[string]any)
		if !ok {
			p.errorf("/"+key, "%s: expected an object", key)
		}
		for _, name := range sortedKeys(obj) {
			vo, ok := obj[name].(map[string]any)
			if !ok {
				p.errorf(pointer("/"+key, name), "%s[%s]: expected an object", key, name)
				continue
			}
			var val validator
			for _, f := range sortedKeys(vo) {
				b, isBool := vo[f].(bool)
				switch {
				case !isBool:
					p.errorf(pointer("/"+key, name, f), "%s[%s].%s: expected a boolean", key, name, f)
				case f == "validateRequestBody":
					val.body = b
				case f == "validateRequestParameters":
					val.params = b
				default:
					p.errorf(pointer("/"+key, name, f), "%s[%s]: unknown field %q", key, name, f)
				}
			}
			out[name] = val
		}
	}
	var def validator
	if v, ok := raw["x-amazon-apigateway-request-validator"]; ok {
		name, _ := v.(string)
		val, ok := out[name]
		if !ok {
			p.errorf("/x-amazon-apigateway-request-validator", "x-amazon-apigateway-request-validator: %q is not defined in %s", v, key)
		}
		def = val
	}
	return out, def
}

// collectParams records required query/header parameters and body schemas.
func collectParams(op *operation, item *openapi3.PathItem, kop *openapi3.Operation) {
	var params openapi3.Parameters
	if item != nil {
		params = append(params, item.Parameters...)
	}
	if kop != nil {
		params = append(params, kop.Parameters...)
	}
	seen := map[string]bool{}
	for _, pr := range params {
		if pr == nil || pr.Value == nil || !pr.Value.Required {
			continue
		}
		in := pr.Value.In
		if in != openapi3.ParameterInQuery && in != openapi3.ParameterInHeader {
			continue // path parameters are present whenever the route matched
		}
		k := in + "\x00" + strings.ToLower(pr.Value.Name)
		if seen[k] {
			continue
		}
		seen[k] = true
		op.required = append(op.required, requiredParam{in: in, name: pr.Value.Name})
	}
	if kop != nil && kop.RequestBody != nil && kop.RequestBody.Value != nil {
		for ct, mt := range kop.RequestBody.Value.Content {
			if mt == nil || mt.Schema == nil || mt.Schema.Value == nil {
				continue
			}
			if op.bodySchemas == nil {
				op.bodySchemas = map[string]*openapi3.Schema{}
			}
			key := ct
			if ct != "$default" {
				key = normalizeMediaType(ct)
			}
			op.bodySchemas[key] = mt.Schema.Value
			if c := compileBodyCheck(mt.Schema.Value); c != nil {
				if op.bodyChecks == nil {
					op.bodyChecks = map[string]*bodyCheck{}
				}
				op.bodyChecks[key] = c
			}
		}
	}
}

// declaredStatuses lists the operation's response codes; nil when it has a
// "default" response (or none), which declares nothing specific to check.
func declaredStatuses(rawOp map[string]any) map[int]bool {
	rs, ok := rawOp["responses"].(map[string]any)
	if !ok {
		return nil
	}
	out := map[int]bool{}
	for k := range rs {
		if k == "default" {
			return nil
		}
		if n, err := strconv.Atoi(k); err == nil {
			out[n] = true
		}
	}
	return out
}

// shortID derives a stable API Gateway-looking id (lower-case base36) from s,
// so resourceId and apiId stay the same across restarts.
func shortID(s string, n int) string {
	h := fnv.New64a()
	h.Write([]byte(s))
	id := strconv.FormatUint(h.Sum64(), 36)
	for len(id) < n {
		id += "0"
	}
	return id[:n]
}

// extendedID derives an extendedRequestId (API Gateway's are 16 characters of
// base64) from the request id: FNV-1a 64 of the id, little-endian, then four
// fixed bytes. It runs twice per request, so it hashes inline (hash/fnv's
// Hash and the []byte conversion were three allocations).
func extendedID(requestID string) string {
	const offset64, prime64 = 14695981039346656037, 1099511628211
	sum := uint64(offset64)
	for i := 0; i < len(requestID); i++ {
		sum ^= uint64(requestID[i])
		sum *= prime64
	}
	var b [12]byte
	for i := range 8 {
		b[i] = byte(sum >> (8 * i))
	}
	b[8], b[9], b[10], b[11] = 0x41, 0x4d, 0x46, 0x77
	var out [16]byte // 12 bytes → 16 chars
	base64.StdEncoding.Encode(out[:], b[:])
	return string(out[:])
}
