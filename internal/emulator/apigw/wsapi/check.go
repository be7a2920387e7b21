package wsapi

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/sfapi/sfapi/internal/emulator/apigw"
	"github.com/sfapi/sfapi/internal/emulator/apigw/mapping"
	"github.com/sfapi/sfapi/internal/emulator/push/ws"
	"github.com/sfapi/sfapi/internal/project"
)

// requiredMembers are the request members an action cannot do without,
// for the actions WebSocket routes commonly call.
var requiredMembers = map[string][]string{
	"dynamodb:PutItem":          {"TableName", "Item"},
	"dynamodb:DeleteItem":       {"TableName", "Key"},
	"dynamodb:GetItem":          {"TableName", "Key"},
	"dynamodb:UpdateItem":       {"TableName", "Key"},
	"dynamodb:Query":            {"TableName"},
	"dynamodb:Scan":             {"TableName"},
	"states:StartExecution":     {"stateMachineArn"},
	"states:StartSyncExecution": {"stateMachineArn"},
	"events:PutEvents":          {"Entries"},
}

// Check does what New does and then renders every request and response
// template of every route with a sample event (a connection from
// 127.0.0.1; a message {"action": ROUTE_KEY} for custom routes), and
// reports, with the manifest line, templates that fail to render and AWS
// request templates that do not produce a JSON object with the members
// their action requires. An empty result means the API is clean.
func Check(opts Options) []apigw.Problem {
	a, probs := build(opts)
	if a != nil {
		for _, k := range sortedRouteKeys(a.routes) {
			probs = append(probs, a.checkRoute(opts.Spec.Routes[k], a.routes[k])...)
		}
	}
	sort.SliceStable(probs, func(i, j int) bool { return probs[i].line < probs[j].line })
	out := make([]apigw.Problem, 0, len(probs))
	for _, p := range probs {
		out = append(out, apigw.Problem{File: p.file, Line: p.line, Warning: p.warning, Message: p.msg})
	}
	return out
}

func sortedRouteKeys(m map[string]*route) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// sampleEvent is the event Check renders a route's templates with.
func (a *API) sampleEvent(key string) *event {
	c := &ws.ConnInfo{ID: "sample-connection=", ConnectedAt: time.Unix(0, 0), SourceIP: "127.0.0.1", UserAgent: "sfapi-validate",
		Host: "localhost", Header: http.Header{"Host": {"localhost"}}, Query: url.Values{}}
	ev := &event{routeKey: key, conn: c, requestID: "sample-request="}
	switch key {
	case project.RouteConnect:
		ev.typ = "CONNECT"
	case project.RouteDisconnect:
		ev.typ, ev.code = "DISCONNECT", 1000
	default:
		ev.typ, ev.messageID = "MESSAGE", "sample-message="
		body, _ := json.Marshal(map[string]string{"action": key})
		ev.body = body
	}
	return ev
}

func (a *API) checkRoute(spec project.WebSocketRoute, r *route) []problem {
	var probs []problem
	in := spec.Integration
	ev := a.sampleEvent(r.key)
	input := a.input(ev, time.Unix(0, 0))
	target := r.integ.service + ":" + r.integ.action
	for _, tk := range sortedTemplateKeys(in.RequestTemplates) {
		t := r.integ.templates[tk]
		if t == nil {
			continue // a parse error, already reported
		}
		pos := in.RequestTemplates[tk]
		res, err := t.Render(input)
		if err != nil {
			probs = append(probs, templateProblem(a.opts.File, pos, err))
			continue
		}
		if r.integ.typ != project.IntegrationTypeAWS {
			continue
		}
		if msg := checkActionBody(target, res.Output); msg != "" {
			probs = append(probs, problem{file: a.opts.File, line: pos.Pos.Line,
				msg: fmt.Sprintf("websocket.routes.%s.integration.requestTemplates.%s: %s", r.key, tk, msg)})
		}
	}
	for _, ir := range in.IntegrationResponses {
		for _, tk := range sortedTemplateKeys(ir.ResponseTemplates) {
			t := findResponseTemplate(r.integ.responses, ir.Key, tk)
			if t == nil {
				continue
			}
			resp := input
			resp.Body = []byte(`{}`)
			if _, err := t.Render(resp); err != nil {
				probs = append(probs, templateProblem(a.opts.File, ir.ResponseTemplates[tk], err))
			}
		}
	}
	if r.integ.typ == project.IntegrationTypeAWS && len(in.RequestTemplates) == 0 && r.key != project.RouteDefault && !strings.HasPrefix(r.key, "$") {
		probs = append(probs, problem{file: a.opts.File, line: spec.Pos.Line, warning: true,
			msg: fmt.Sprintf("websocket.routes.%s: no request template: the client's message is sent to %s as it is", r.key, target)})
	}
	if (r.key == project.RouteConnect || r.key == project.RouteDisconnect) && r.integ.typ == project.IntegrationTypeAWS && len(in.RequestTemplates) == 0 {
		probs = append(probs, problem{file: a.opts.File, line: spec.Pos.Line,
			msg: fmt.Sprintf("websocket.routes.%s: an AWS integration needs a request template (the route has no message to pass through)", r.key)})
	}
	return probs
}

func findResponseTemplate(rs []*integrationResponse, key, tk string) *mapping.Template {
	for _, r := range rs {
		if r.key == key {
			if t := r.templates[tk]; t != nil {
				return t
			}
		}
	}
	return nil
}

func sortedTemplateKeys(m map[string]project.Template) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// checkActionBody checks a rendered AWS request: a JSON object holding the
// members its action requires; DynamoDB Item and Key must be maps of
// attribute values.
func checkActionBody(target, out string) string {
	var obj map[string]json.RawMessage
	if err := json.Unmarshal([]byte(out), &obj); err != nil || obj == nil {
		return fmt.Sprintf("renders %s, which is not a JSON object for %s", shorten(out), target)
	}
	for _, m := range requiredMembers[target] {
		if _, ok := obj[m]; !ok {
			return fmt.Sprintf("the rendered request for %s lacks %s", target, m)
		}
	}
	for _, m := range []string{"Item", "Key"} {
		raw, ok := obj[m]
		if !ok || !strings.HasPrefix(target, "dynamodb:") {
			continue
		}
		var attrs map[string]map[string]json.RawMessage
		if json.Unmarshal(raw, &attrs) != nil {
			return fmt.Sprintf("%s of %s must be a map of DynamoDB attribute values ({\"S\": ...})", m, target)
		}
		for name, v := range attrs {
			if len(v) != 1 {
				return fmt.Sprintf("%s.%s of %s must be one attribute value such as {\"S\": \"x\"}", m, name, target)
			}
		}
	}
	return ""
}

func shorten(s string) string {
	s = strings.TrimSpace(s)
	if len(s) > 60 {
		s = s[:60] + "…"
	}
	return fmt.Sprintf("%q", s)
}
