package wsapi

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/sfapi/sfapi/internal/emulator/apigw/mapping"
	"github.com/sfapi/sfapi/internal/emulator/push/ws"
	"github.com/sfapi/sfapi/internal/project"
)

// Integrations calls AWS services for AWS integrations, as
// apigw.Integrations does for REST APIs: service is "dynamodb", "states" or
// "events", action the API action of the integration URI. It returns the
// service's HTTP status and JSON body (errors included); err is for
// failures to reach the service at all.
type Integrations interface {
	Invoke(ctx context.Context, service, action string, body []byte) (status int, respBody []byte, err error)
}

// Options configures an API.
type Options struct {
	// Spec is the manifest's websocket section (references resolved).
	Spec         project.WebSocket
	Integrations Integrations
	// File names the manifest in messages (default sfapi.yaml).
	File      string
	Stage     string
	Region    string
	AccountID string
	Logger    *slog.Logger
	Now       func() time.Time
	// NewRequestID makes $context.requestId and messageId values.
	NewRequestID func() string
}

// API runs a WebSocket API's routes. It implements ws.Routes and is safe
// for concurrent use.
type API struct {
	opts     Options
	log      *slog.Logger
	apiID    string
	routeSel *Expr
	routes   map[string]*route
}

var _ ws.Routes = (*API)(nil)

type route struct {
	key    string
	twoWay bool
	integ  *integration
}

type integration struct {
	typ             string
	service, action string
	passthrough     string
	tmplSel         *Expr
	templates       map[string]*mapping.Template
	timeout         time.Duration
	responses       []*integrationResponse
}

type integrationResponse struct {
	key       string
	re        *regexp.Regexp // nil for $default
	tmplSel   *Expr
	templates map[string]*mapping.Template
}

// New checks the spec and prepares its routes: every selection expression
// and mapping template is parsed here, so a bad manifest stops `sfapi dev`
// with file:line messages. A spec without routes gives an API with no
// routes (Enabled is false).
func New(opts Options) (*API, error) {
	a, probs := build(opts)
	var errs []string
	for _, p := range probs {
		if !p.warning {
			errs = append(errs, p.String())
		}
	}
	if len(errs) > 0 {
		return nil, errors.New(strings.Join(errs, "\n"))
	}
	return a, nil
}

// Enabled reports whether the API has routes; without them the WebSocket
// endpoint is push only.
func (a *API) Enabled() bool { return len(a.routes) > 0 }

// problem is a finding with its manifest position.
type problem struct {
	file    string
	line    int
	msg     string
	warning bool
}

func (p problem) String() string {
	if p.line > 0 {
		return fmt.Sprintf("%s:%d: %s", p.file, p.line, p.msg)
	}
	return p.file + ": " + p.msg
}

func build(opts Options) (*API, []problem) {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.NewRequestID == nil {
		opts.NewRequestID = newID
	}
	if opts.File == "" {
		opts.File = project.ManifestFile
	}
	if opts.Region == "" {
		opts.Region = project.DefaultRegion
	}
	if opts.AccountID == "" {
		opts.AccountID = project.DefaultAccountID
	}
	if opts.Stage == "" {
		opts.Stage = project.DefaultStage
	}
	a := &API{opts: opts, log: opts.Logger.With("component", "wsapi"), routes: map[string]*route{}}
	a.apiID = shortID(opts.Spec.Path)
	var probs []problem
	bad := func(pos project.Pos, format string, args ...any) {
		probs = append(probs, problem{file: opts.File, line: pos.Line, msg: fmt.Sprintf(format, args...)})
	}
	spec := opts.Spec
	if len(spec.Routes) == 0 {
		return a, nil
	}
	sel := spec.RouteSelectionExpression
	if sel == "" {
		sel = project.DefaultRouteSelectionExpression
	}
	var err error
	if a.routeSel, err = ParseExpr(sel); err != nil {
		bad(spec.Pos, "websocket.routeSelectionExpression: %v", err)
	}
	keys := make([]string, 0, len(spec.Routes))
	for k := range spec.Routes {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		r := spec.Routes[k]
		what := "websocket.routes." + k
		rt := &route{key: k, twoWay: r.RouteResponseSelectionExpression != ""}
		in := r.Integration
		it := &integration{typ: in.IntegrationType, passthrough: in.PassthroughBehavior, templates: map[string]*mapping.Template{},
			timeout: time.Duration(in.TimeoutInMillis) * time.Millisecond}
		if it.passthrough == "" {
			it.passthrough = project.PassthroughWhenNoMatch
		}
		if it.timeout <= 0 {
			it.timeout = project.DefaultIntegrationTimeoutMillis * time.Millisecond
		}
		if in.IntegrationType == project.IntegrationTypeAWS {
			svc, action, err := parseURI(in.IntegrationURI)
			if err != nil {
				bad(in.Pos, "%s.integration.integrationUri: %v", what, err)
			}
			it.service, it.action = svc, action
		}
		if in.TemplateSelectionExpression != "" {
			if it.tmplSel, err = ParseExpr(in.TemplateSelectionExpression); err != nil {
				bad(in.Pos, "%s.integration.templateSelectionExpression: %v", what, err)
			}
		}
		for tk, t := range in.RequestTemplates {
			tw := what + ".integration.requestTemplates." + tk
			if it.templates[tk], err = parseTemplate(tw, t); err != nil {
				probs = append(probs, templateProblem(opts.File, t, err))
			}
		}
		for i, ir := range in.IntegrationResponses {
			rw := fmt.Sprintf("%s.integration.integrationResponses[%d]", what, i)
			resp := &integrationResponse{key: ir.Key, templates: map[string]*mapping.Template{}}
			if ir.Key != "$default" && len(ir.Key) >= 2 {
				if resp.re, err = regexp.Compile("^(?:" + ir.Key[1:len(ir.Key)-1] + ")$"); err != nil {
					bad(ir.Pos, "%s.integrationResponseKey: %v", rw, err)
				}
			}
			if ir.TemplateSelectionExpression != "" {
				if resp.tmplSel, err = ParseExpr(ir.TemplateSelectionExpression); err != nil {
					bad(ir.Pos, "%s.templateSelectionExpression: %v", rw, err)
				}
			}
			for tk, t := range ir.ResponseTemplates {
				if resp.templates[tk], err = parseTemplate(rw+".responseTemplates."+tk, t); err != nil {
					probs = append(probs, templateProblem(opts.File, t, err))
				}
			}
			it.responses = append(it.responses, resp)
		}
		// Regex keys are tried before $default, whatever their order.
		sort.SliceStable(it.responses, func(i, j int) bool {
			return it.responses[i].re != nil && it.responses[j].re == nil
		})
		rt.integ = it
		a.routes[k] = rt
	}
	return a, probs
}

func parseTemplate(name string, t project.Template) (*mapping.Template, error) {
	return mapping.Parse(name, t.Text)
}

// templateProblem places a mapping error at its line in the manifest.
func templateProblem(file string, t project.Template, err error) problem {
	line := t.Pos.Line
	var me *mapping.Error
	if errors.As(err, &me) && line > 0 {
		line += me.Line - 1
	}
	return problem{file: file, line: line, msg: err.Error()}
}

// parseURI reads arn:aws:apigateway:REGION:SERVICE:action/ACTION.
func parseURI(uri string) (service, action string, err error) {
	parts := strings.SplitN(uri, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" || parts[2] != "apigateway" {
		return "", "", fmt.Errorf("%q is not an API Gateway integration ARN (arn:aws:apigateway:REGION:SERVICE:action/ACTION)", uri)
	}
	action, ok := strings.CutPrefix(parts[5], "action/")
	if !ok || action == "" {
		return "", "", fmt.Errorf("%q: only action-style URIs (…:dynamodb:action/PutItem) are supported", uri)
	}
	switch parts[4] {
	case "dynamodb", "states", "events":
	default:
		return "", "", fmt.Errorf("%q: service %q is not emulated (dynamodb, states, events are)", uri, parts[4])
	}
	return parts[4], action, nil
}

// shortID derives a stable API id (lower-case base36, 10 characters).
func shortID(s string) string {
	var h uint64 = 14695981039346656037
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= 1099511628211
	}
	id := strconv.FormatUint(h, 36)
	for len(id) < 10 {
		id = "0" + id
	}
	return id[:10]
}

// newID makes ids shaped like API Gateway's WebSocket request ids
// ("IJBFzGaeoAMFm4g=").
func newID() string {
	var b [11]byte
	_, _ = rand.Read(b[:])
	return base64.StdEncoding.EncodeToString(b[:])
}

// event is one run of a route.
type event struct {
	typ       string // CONNECT, MESSAGE, DISCONNECT
	routeKey  string
	conn      *ws.ConnInfo
	body      []byte
	requestID string
	messageID string
	// disconnect status, on DISCONNECT
	code   int
	reason string
}

// Connect runs $connect. Without a $connect route every connection is
// accepted.
func (a *API) Connect(ctx context.Context, c *ws.ConnInfo) *ws.Refusal {
	r := a.routes[project.RouteConnect]
	if r == nil {
		return nil
	}
	ev := &event{typ: "CONNECT", routeKey: project.RouteConnect, conn: c, requestID: a.opts.NewRequestID()}
	status, _, err := a.run(ctx, r, ev)
	if err != nil {
		a.log.Warn("$connect failed", "connection_id", c.ID, "err", err)
		return &ws.Refusal{Status: http.StatusInternalServerError, Body: a.errorBody("Internal server error", ev)}
	}
	if status < 200 || status > 299 {
		a.log.Debug("$connect refused", "connection_id", c.ID, "status", status)
		if status < 200 {
			// An informational status cannot end a handshake.
			status = http.StatusInternalServerError
		}
		return &ws.Refusal{Status: status, Body: a.errorBody(http.StatusText(status), ev)}
	}
	a.log.Debug("$connect", "connection_id", c.ID)
	return nil
}

// Message routes a client's message: the route named by the route
// selection expression, else $default, else API Gateway's "Forbidden"
// answer. The reply is the route response of a two-way route, the error
// message of a failed integration, or nil.
func (a *API) Message(ctx context.Context, c *ws.ConnInfo, data []byte) []byte {
	ev := &event{typ: "MESSAGE", conn: c, body: data, requestID: a.opts.NewRequestID(), messageID: a.opts.NewRequestID()}
	var r *route
	if a.routeSel != nil {
		if key, ok := a.routeSel.eval(&request{body: data}); ok {
			if rr := a.routes[key]; rr != nil && key != project.RouteConnect && key != project.RouteDisconnect {
				r = rr
			}
		}
	}
	if r == nil {
		r = a.routes[project.RouteDefault]
	}
	if r == nil {
		return a.errorBody("Forbidden", ev)
	}
	ev.routeKey = r.key
	status, out, err := a.run(ctx, r, ev)
	if err != nil || status < 200 || status > 299 {
		a.log.Warn("route failed", "route", r.key, "connection_id", c.ID, "status", status, "err", err)
		return a.errorBody("Internal server error", ev)
	}
	if !r.twoWay {
		return nil
	}
	if out == nil {
		out = []byte{}
	}
	return out
}

// Disconnect runs $disconnect (best effort: API Gateway cannot tell the
// gone client anything either).
func (a *API) Disconnect(ctx context.Context, c *ws.ConnInfo, code int, reason string) {
	r := a.routes[project.RouteDisconnect]
	if r == nil {
		return
	}
	ev := &event{typ: "DISCONNECT", routeKey: project.RouteDisconnect, conn: c, requestID: a.opts.NewRequestID(), code: code, reason: reason}
	status, _, err := a.run(ctx, r, ev)
	if err != nil || status < 200 || status > 299 {
		a.log.Warn("$disconnect failed", "connection_id", c.ID, "status", status, "err", err)
		return
	}
	a.log.Debug("$disconnect", "connection_id", c.ID, "code", code)
}

// errorBody is API Gateway's message to a client whose request failed.
func (a *API) errorBody(msg string, ev *event) []byte {
	b, _ := json.Marshal(struct {
		Message      string `json:"message"`
		ConnectionID string `json:"connectionId"`
		RequestID    string `json:"requestId"`
	}{msg, ev.conn.ID, ev.requestID})
	return b
}

// errNoTemplate is a request the passthrough behaviour refuses.
var errNoTemplate = errors.New("no request template matches and passthroughBehavior refuses the request")

// run renders the request, calls the integration and renders the
// response. status is the integration's (MOCK: the template's
// statusCode); out is the response to send back on a two-way route.
func (a *API) run(ctx context.Context, r *route, ev *event) (status int, out []byte, err error) {
	it := r.integ
	now := a.opts.Now()
	in := a.input(ev, now)
	req := &request{body: ev.body}
	if ev.typ == "CONNECT" {
		req.header = ev.conn.Header.Get
		req.querystring = ev.conn.Query.Get
	}
	tmpl, err := it.requestTemplate(req)
	if err != nil {
		return 0, nil, err
	}
	body := ev.body
	if tmpl != nil {
		res, err := tmpl.Render(in)
		if err != nil {
			return 0, nil, fmt.Errorf("render request template: %w", err)
		}
		body = []byte(res.Output)
	}
	ctx, cancel := context.WithTimeout(ctx, it.timeout)
	defer cancel()
	var respBody []byte
	switch it.typ {
	case project.IntegrationTypeMock:
		status = mockStatus(body)
	default:
		status, respBody, err = a.opts.Integrations.Invoke(ctx, it.service, it.action, body)
		if err != nil {
			return 0, nil, fmt.Errorf("call %s:%s: %w", it.service, it.action, err)
		}
		if ctx.Err() != nil {
			return 0, nil, fmt.Errorf("integration timed out after %s", it.timeout)
		}
	}
	resp := it.response(status)
	if resp == nil {
		return status, respBody, nil
	}
	rt := resp.template(&request{body: respBody})
	if rt == nil {
		return status, respBody, nil
	}
	in.Body = respBody
	res, err := rt.Render(in)
	if err != nil {
		return 0, nil, fmt.Errorf("render response template: %w", err)
	}
	return status, []byte(res.Output), nil
}

// mockStatus reads the statusCode a MOCK integration's request template
// produced (200 when there is none, as API Gateway defaults).
func mockStatus(body []byte) int {
	var v struct {
		StatusCode json.Number `json:"statusCode"`
	}
	if json.Unmarshal(body, &v) != nil || v.StatusCode == "" {
		return http.StatusOK
	}
	n, err := strconv.Atoi(v.StatusCode.String())
	if err != nil || n < 100 || n > 599 {
		return http.StatusOK
	}
	return n
}

// requestTemplate selects the request template: the one keyed by the
// template selection expression's value, else $default, else the
// passthrough behaviour decides (nil template = pass the body through).
func (it *integration) requestTemplate(req *request) (*mapping.Template, error) {
	if it.tmplSel != nil {
		if key, ok := it.tmplSel.eval(req); ok {
			if t := it.templates[key]; t != nil {
				return t, nil
			}
		}
	}
	if t := it.templates["$default"]; t != nil {
		return t, nil
	}
	switch it.passthrough {
	case project.PassthroughNever:
		return nil, errNoTemplate
	case project.PassthroughWhenNoTemplates:
		if len(it.templates) > 0 {
			return nil, errNoTemplate
		}
	}
	return nil, nil
}

// response selects the integration response by status code: a matching
// /regex/ key, else $default.
func (it *integration) response(status int) *integrationResponse {
	code := strconv.Itoa(status)
	var def *integrationResponse
	for _, r := range it.responses {
		if r.re == nil {
			def = r
			continue
		}
		if r.re.MatchString(code) {
			return r
		}
	}
	return def
}

func (r *integrationResponse) template(req *request) *mapping.Template {
	if r.tmplSel != nil {
		if key, ok := r.tmplSel.eval(req); ok {
			if t := r.templates[key]; t != nil {
				return t
			}
		}
	}
	return r.templates["$default"]
}

// input is what a template sees: the message as $input.body, the
// handshake's headers and query string as $input.params() on $connect,
// and the WebSocket $context.
func (a *API) input(ev *event, now time.Time) mapping.Input {
	c := ev.conn
	ctx := map[string]any{
		"apiId":             a.apiID,
		"connectionId":      c.ID,
		"connectedAt":       c.ConnectedAt.UnixMilli(),
		"domainName":        c.Host,
		"eventType":         ev.typ,
		"extendedRequestId": ev.requestID,
		"messageDirection":  "IN",
		"requestId":         ev.requestID,
		"requestTime":       now.UTC().Format("02/Jan/2006:15:04:05 +0000"),
		"requestTimeEpoch":  now.UnixMilli(),
		"routeKey":          ev.routeKey,
		"stage":             a.opts.Stage,
		"identity": map[string]any{
			"sourceIp":  c.SourceIP,
			"userAgent": c.UserAgent,
		},
	}
	if ev.typ == "MESSAGE" {
		ctx["messageId"] = ev.messageID
	}
	if ev.typ == "DISCONNECT" {
		ctx["disconnectStatusCode"] = ev.code
		ctx["disconnectReason"] = ev.reason
	}
	in := mapping.Input{Body: ev.body, Context: ctx}
	if ev.typ == "CONNECT" {
		in.Params = mapping.Params{Header: first(c.Header), QueryString: first(c.Query)}
	}
	return in
}

// first keeps the first value of each key, as $input.params() shows it.
func first[M ~map[string][]string](m M) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		if len(v) > 0 {
			out[k] = v[0]
		}
	}
	return out
}
