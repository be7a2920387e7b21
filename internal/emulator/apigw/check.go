package apigw

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"sort"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/sfapi/sfapi/internal/emulator/apigw/mapping"
	"github.com/sfapi/sfapi/internal/emulator/ddb/attr"
)

// Problem is one finding of Check.
type Problem struct {
	File string
	Line int // 0 when unknown
	// Warning marks findings that do not stop `sfapi dev` (a route that
	// cannot run locally, a setting API Gateway would reject).
	Warning bool
	Message string
}

func (p Problem) String() string {
	if p.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", fileName(p.File), p.Line, p.Message)
	}
	return fmt.Sprintf("%s: %s", fileName(p.File), p.Message)
}

// Check loads the document as New does and then goes further than New can
// without traffic: it renders every request and response mapping template
// with a sample request (a body synthesised from the operation's request
// schema, path and required parameters filled), and reports templates that
// fail to render, aws request templates whose output is not valid input for
// the integration's action, unknown $util and $context members, and
// integrations whose uri or action is wrong or not emulated. Problems are
// sorted by line; an empty result means the API is clean. opts.Source, when
// set, lets template lines be placed exactly in the file.
func Check(opts Options) []Problem {
	a, p, err := build(opts)
	if err != nil {
		return []Problem{{File: opts.File, Message: err.Error()}}
	}
	c := &checker{a: a, p: p, src: strings.Split(string(opts.Source), "\n")}
	for _, op := range a.ops {
		c.operation(op)
	}
	var out []Problem
	sortLocated(p.errs)
	sortLocated(p.warnings)
	for _, l := range p.errs {
		out = append(out, Problem{File: opts.File, Line: l.line, Message: l.msg})
	}
	for _, l := range p.warnings {
		out = append(out, Problem{File: opts.File, Line: l.line, Warning: true, Message: l.msg})
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Line < out[j].Line })
	return out
}

type checker struct {
	a   *API
	p   *problems
	src []string // source lines, when known
}

func (c *checker) operation(op *operation) {
	in := op.integ
	if in == nil {
		return
	}
	if in.typ == typeAWS && in.action != "" && supportedServices[in.service] && !strings.HasPrefix(in.action, "path/") {
		if _, ok := awsActions[in.service][in.action]; !ok {
			c.p.errorf(pointer(op.ptr, "x-amazon-apigateway-integration", "uri"), "%s: %s has no action %q that the emulator runs (%s)",
				op.route, in.service, in.action, strings.Join(sortedKeys(awsActions[in.service]), ", "))
		}
	}
	for _, ts := range in.requestSources {
		c.members(op, ts)
		out, ok := c.renderRequest(op, ts)
		// SQS takes form-encoded bodies (Action=SendMessage&...), not JSON.
		if ok && in.typ == typeAWS && in.service != "sqs" {
			c.awsBody(op, ts, out)
		}
		if ok && in.typ == typeMock {
			if _, err := mockStatus([]byte(out), true); err != nil {
				c.p.errorf(ts.ptr, "%s requestTemplates[%s]: mock integration output: %v", op.route, ts.contentType, err)
			}
		}
	}
	responses := append([]*integrationResponse(nil), in.responses...)
	if in.defaultResponse != nil {
		responses = append(responses, in.defaultResponse)
	}
	for _, ir := range responses {
		for _, ts := range ir.sources {
			c.members(op, ts)
			c.renderResponse(op, ir, ts)
		}
	}
}

// sampleRequest builds the request Check renders templates with.
func (c *checker) sampleRequest(op *operation, ctype string) *request {
	body := sampleBody(op, ctype)
	path := samplePath(op.path)
	r := httptest.NewRequest(samplemethod(op.method), "http://localhost"+path, bytes.NewReader(body))
	r.Header.Set("Content-Type", ctype)
	r.Header.Set("User-Agent", "sfapi-validate")
	q := r.URL.Query()
	for _, rp := range op.required {
		switch rp.in {
		case "query":
			q.Set(rp.name, "sample")
		case "header":
			r.Header.Set(rp.name, "sample")
		}
	}
	r.URL.RawQuery = q.Encode()
	params := map[string]string{}
	for _, seg := range strings.Split(op.path, "/") {
		if strings.HasPrefix(seg, "{") {
			name := strings.TrimSuffix(strings.Trim(seg, "{}"), "+")
			params[name] = "sample-" + name
		}
	}
	return c.a.newRequest(r, op, "00000000-0000-4000-8000-000000000000", body, params, path)
}

func samplemethod(m string) string {
	if m == methodAny {
		return http.MethodPost
	}
	return m
}

func samplePath(resourcePath string) string {
	segs := strings.Split(resourcePath, "/")
	for i, s := range segs {
		if strings.HasPrefix(s, "{") {
			segs[i] = "sample-" + strings.TrimSuffix(strings.Trim(s, "{}"), "+")
		}
	}
	return strings.Join(segs, "/")
}

func (c *checker) renderRequest(op *operation, ts templateSource) (string, bool) {
	req := c.sampleRequest(op, ts.contentType)
	out, err := op.integ.requestTemplates[ts.contentType].Render(c.a.input(req, req.body))
	if err != nil {
		c.renderError(op, ts, "requestTemplates", err)
		return "", false
	}
	return out.Output, true
}

func (c *checker) renderResponse(op *operation, ir *integrationResponse, ts templateSource) {
	req := c.sampleRequest(op, "application/json")
	out, err := ir.templates[ts.contentType].Render(c.a.input(req, sampleIntegrationResponse(op.integ)))
	if err != nil {
		c.renderError(op, ts, "responseTemplates", err)
		return
	}
	if out.StatusOverride != 0 && (out.StatusOverride < 100 || out.StatusOverride > 599) {
		c.p.errorf(ts.ptr, "%s responseTemplates[%s]: $context.responseOverride.status %d is not an HTTP status", op.route, ts.contentType, out.StatusOverride)
	}
}

// sampleIntegrationResponse is the integration body response templates are
// rendered with: what the action answers on success, minimally.
func sampleIntegrationResponse(in *integration) []byte {
	if in.typ == typeAWS {
		action := in.action
		if in.service == "sqs" && strings.HasPrefix(action, "path/") {
			// The path form's body names the action; SendMessage is the
			// documented use.
			action = "SendMessage"
		}
		if a, ok := awsActions[in.service][action]; ok && a.sample != "" {
			return []byte(a.sample)
		}
	}
	return []byte(`{}`)
}

func (c *checker) renderError(op *operation, ts templateSource, what string, err error) {
	var me *mapping.Error
	if errors.As(err, &me) {
		c.at(ts, me.Line, "%s %s[%s]: line %d, column %d: %s (rendered with a sample request)", op.route, what, ts.contentType, me.Line, me.Col, me.Msg)
		return
	}
	c.p.errorf(ts.ptr, "%s %s[%s]: %v (rendered with a sample request)", op.route, what, ts.contentType, err)
}

// at reports an error at line n (1-based) of a template.
func (c *checker) at(ts templateSource, n int, format string, args ...any) {
	c.p.errs = append(c.p.errs, located{c.templateLine(ts, n), fmt.Sprintf(format, args...)})
}

// templateLine maps line n of a template to a line of the source file. The
// template's key has a line; a block scalar (`|`) starts on a following
// line, after any Fn::Sub / list markers, and keeps the template's lines.
func (c *checker) templateLine(ts templateSource, n int) int {
	key := c.p.line(ts.ptr)
	if key <= 0 || key > len(c.src) || len(c.src) < 2 {
		return key
	}
	if n < 1 {
		n = 1
	}
	// An inline value on the key's line (quoted or plain) is one line.
	if _, after, ok := strings.Cut(c.src[key-1], ": "); ok {
		v := strings.TrimSpace(after)
		if v != "" && !blockIndicator(v) && v != "Fn::Sub:" {
			return key
		}
	}
	for i := key; i < len(c.src) && i < key+4; i++ {
		t := strings.TrimSpace(c.src[i])
		t = strings.TrimSpace(strings.TrimPrefix(t, "- "))
		t = strings.TrimSpace(strings.TrimPrefix(t, "Fn::Sub:"))
		if t == "" || blockIndicator(t) {
			continue
		}
		return i + n // c.src[i] is file line i+1, the template's line 1
	}
	return key
}

func blockIndicator(v string) bool {
	return v != "" && (v[0] == '|' || v[0] == '>') && len(v) <= 3
}

var (
	utilRE    = regexp.MustCompile(`\$!?\{?util\.([A-Za-z_][A-Za-z0-9_]*)`)
	contextRE = regexp.MustCompile(`\$!?\{?context\.([A-Za-z_][A-Za-z0-9_]*)(?:\.([A-Za-z_][A-Za-z0-9_]*))?`)
)

// knownUtil are API Gateway's $util functions.
var knownUtil = map[string]bool{
	"escapeJavaScript": true, "parseJson": true, "urlEncode": true, "urlDecode": true,
	"base64Encode": true, "base64Decode": true,
}

// knownContext are the $context members API Gateway defines for REST APIs;
// a value of true means any member below it is allowed.
var knownContext = map[string]bool{
	"accountId": false, "apiId": false, "authorizer": true, "awsEndpointRequestId": false,
	"deploymentId": false, "domainName": false, "domainPrefix": false, "error": true,
	"extendedRequestId": false, "httpMethod": false, "identity": false, "integration": true,
	"integrationLatency": false, "integrationStatus": false, "isCanaryRequest": false, "path": false,
	"protocol": false, "requestId": false, "requestOverride": true, "responseOverride": true,
	"requestTime": false, "requestTimeEpoch": false, "resourceId": false, "resourcePath": false,
	"stage": false, "wafResponseCode": false, "webaclArn": false, "responseLatency": false,
	"responseLength": false, "status": false, "xrayTraceId": false,
}

var knownIdentity = map[string]bool{
	"accountId": true, "apiKey": true, "apiKeyId": true, "caller": true, "clientCert": true,
	"cognitoAuthenticationProvider": true, "cognitoAuthenticationType": true, "cognitoIdentityId": true,
	"cognitoIdentityPoolId": true, "principalOrgId": true, "sourceIp": true, "user": true,
	"userAgent": true, "userArn": true, "vpceId": true, "vpcId": true,
}

// members reports $util and $context references API Gateway does not
// define: they render as nothing there, which hides typos.
func (c *checker) members(op *operation, ts templateSource) {
	for i, line := range strings.Split(ts.src, "\n") {
		for _, m := range utilRE.FindAllStringSubmatch(line, -1) {
			if !knownUtil[m[1]] {
				c.at(ts, i+1, "%s template[%s]: line %d: unknown $util member %q (API Gateway has %s)", op.route, ts.contentType, i+1, m[1], strings.Join(sortedKeys(knownUtil), ", "))
			}
		}
		for _, m := range contextRE.FindAllStringSubmatch(line, -1) {
			open, ok := knownContext[m[1]]
			switch {
			case !ok:
				c.at(ts, i+1, "%s template[%s]: line %d: unknown $context member %q", op.route, ts.contentType, i+1, m[1])
			case m[1] == "identity" && m[2] != "" && !knownIdentity[m[2]]:
				c.at(ts, i+1, "%s template[%s]: line %d: unknown $context.identity member %q", op.route, ts.contentType, i+1, m[2])
			case !open && m[1] != "identity" && m[2] != "" && !isJavaMethodCall(line, m[0]):
				c.at(ts, i+1, "%s template[%s]: line %d: $context.%s has no member %q", op.route, ts.contentType, i+1, m[1], m[2])
			}
		}
	}
}

// isJavaMethodCall tells `$context.requestId.length()` (a String method)
// from `$context.requestId.oops`.
func isJavaMethodCall(line, match string) bool {
	i := strings.Index(line, match)
	return i >= 0 && strings.HasPrefix(line[i+len(match):], "(")
}

// awsAction describes what an action needs in its request body.
type awsAction struct {
	required []string // top-level members
	items    []string // members holding a DynamoDB item or key (attr.Item)
	sample   string   // a minimal successful response
}

// awsActions lists the actions the emulator's services answer that a
// storage-first API calls, with their required members.
var awsActions = map[string]map[string]awsAction{
	"dynamodb": {
		"PutItem":            {required: []string{"TableName", "Item"}, items: []string{"Item"}, sample: `{}`},
		"GetItem":            {required: []string{"TableName", "Key"}, items: []string{"Key"}, sample: `{"Item": {"pk": {"S": "sample"}}}`},
		"UpdateItem":         {required: []string{"TableName", "Key"}, items: []string{"Key"}, sample: `{"Attributes": {"pk": {"S": "sample"}}}`},
		"DeleteItem":         {required: []string{"TableName", "Key"}, items: []string{"Key"}, sample: `{}`},
		"Query":              {required: []string{"TableName"}, sample: `{"Items": [{"pk": {"S": "sample"}}], "Count": 1, "ScannedCount": 1}`},
		"Scan":               {required: []string{"TableName"}, sample: `{"Items": [{"pk": {"S": "sample"}}], "Count": 1, "ScannedCount": 1}`},
		"BatchGetItem":       {required: []string{"RequestItems"}, sample: `{"Responses": {}}`},
		"BatchWriteItem":     {required: []string{"RequestItems"}, sample: `{"UnprocessedItems": {}}`},
		"TransactWriteItems": {required: []string{"TransactItems"}, sample: `{}`},
		"TransactGetItems":   {required: []string{"TransactItems"}, sample: `{"Responses": []}`},
	},
	"states": {
		"StartExecution":     {required: []string{"stateMachineArn"}, sample: `{"executionArn": "arn:aws:states:us-east-1:000000000000:execution:m:e", "startDate": 1.7e9}`},
		"StartSyncExecution": {required: []string{"stateMachineArn"}, sample: `{"executionArn": "arn:aws:states:us-east-1:000000000000:express:m:e", "status": "SUCCEEDED", "output": "{}"}`},
		"DescribeExecution":  {required: []string{"executionArn"}, sample: `{"executionArn": "arn:aws:states:us-east-1:000000000000:execution:m:e", "status": "RUNNING"}`},
		"StopExecution":      {required: []string{"executionArn"}, sample: `{"stopDate": 1.7e9}`},
		"SendTaskSuccess":    {required: []string{"taskToken", "output"}, sample: `{}`},
		"SendTaskFailure":    {required: []string{"taskToken"}, sample: `{}`},
		"SendTaskHeartbeat":  {required: []string{"taskToken"}, sample: `{}`},
	},
	"events": {
		"PutEvents": {required: []string{"Entries"}, sample: `{"FailedEntryCount": 0, "Entries": [{"EventId": "sample"}]}`},
	},
	// SQS answers API Gateway with the query protocol's response as JSON.
	"sqs": {
		"SendMessage":        {sample: `{"SendMessageResponse": {"SendMessageResult": {"MessageId": "sample", "MD5OfMessageBody": "sample"}, "ResponseMetadata": {"RequestId": "sample"}}}`},
		"SendMessageBatch":   {sample: `{"SendMessageBatchResponse": {"SendMessageBatchResult": {"Successful": [], "Failed": []}, "ResponseMetadata": {"RequestId": "sample"}}}`},
		"ReceiveMessage":     {sample: `{"ReceiveMessageResponse": {"ReceiveMessageResult": {"Messages": []}, "ResponseMetadata": {"RequestId": "sample"}}}`},
		"DeleteMessage":      {sample: `{"DeleteMessageResponse": {"ResponseMetadata": {"RequestId": "sample"}}}`},
		"GetQueueUrl":        {sample: `{"GetQueueUrlResponse": {"GetQueueUrlResult": {"QueueUrl": "sample"}, "ResponseMetadata": {"RequestId": "sample"}}}`},
		"DeleteMessageBatch": {}, "ChangeMessageVisibility": {}, "ChangeMessageVisibilityBatch": {},
		"GetQueueAttributes": {}, "PurgeQueue": {},
	},
}

// awsBody checks a rendered aws request template against its action.
func (c *checker) awsBody(op *operation, ts templateSource, out string) {
	in := op.integ
	if strings.TrimSpace(out) == "" {
		c.at(ts, 1, "%s requestTemplates[%s]: renders an empty body; %s:%s needs a JSON object", op.route, ts.contentType, in.service, in.action)
		return
	}
	var body map[string]json.RawMessage
	if err := json.Unmarshal([]byte(out), &body); err != nil {
		line := 1
		var se *json.SyntaxError
		if errors.As(err, &se) {
			line = 1 + strings.Count(out[:min(int(se.Offset), len(out))], "\n")
		}
		c.at(ts, line, "%s requestTemplates[%s]: output is not a JSON object (%v) near output line %d: %s", op.route, ts.contentType, err, line, outputLine(out, line))
		return
	}
	act, ok := awsActions[in.service][in.action]
	if !ok {
		return
	}
	var missing []string
	for _, f := range act.required {
		if v, ok := body[f]; !ok || string(v) == "null" || string(v) == `""` {
			missing = append(missing, f)
		}
	}
	if len(missing) > 0 {
		c.at(ts, 1, "%s requestTemplates[%s]: %s:%s request has no %s", op.route, ts.contentType, in.service, in.action, strings.Join(missing, ", "))
	}
	for _, f := range act.items {
		raw, ok := body[f]
		if !ok {
			continue
		}
		var it attr.Item
		if err := json.Unmarshal(raw, &it); err != nil {
			c.at(ts, lineOf(ts.src, `"`+f+`"`), "%s requestTemplates[%s]: %s is not a DynamoDB item: %v", op.route, ts.contentType, f, err)
		}
	}
}

// lineOf finds the first template line containing s (1 when absent).
func lineOf(src, s string) int {
	if i := strings.Index(src, s); i >= 0 {
		return 1 + strings.Count(src[:i], "\n")
	}
	return 1
}

func outputLine(out string, n int) string {
	lines := strings.Split(out, "\n")
	if n < 1 || n > len(lines) {
		return ""
	}
	return strings.TrimSpace(lines[n-1])
}

// sampleBody synthesises a request body for ctype from the operation's
// request schema: required properties, the first enum value, a string that
// matches a pattern when one is cheap to build. Without a schema it is {}.
func sampleBody(op *operation, ctype string) []byte {
	schema := op.bodySchemas[ctype]
	if schema == nil {
		schema = op.bodySchemas["$default"]
	}
	if schema == nil {
		if ctype == "application/json" || strings.HasSuffix(ctype, "+json") {
			return []byte(`{}`)
		}
		return []byte("sample")
	}
	v := sampleValue(schema, "sample", 0)
	b, err := json.Marshal(v)
	if err != nil {
		return []byte(`{}`)
	}
	return b
}

func sampleValue(s *openapi3.Schema, name string, depth int) any {
	if s == nil || depth > 16 {
		return nil
	}
	if s.Example != nil {
		return s.Example
	}
	if s.Default != nil {
		return s.Default
	}
	if len(s.Enum) > 0 {
		return s.Enum[0]
	}
	for _, group := range []openapi3.SchemaRefs{s.AllOf, s.OneOf, s.AnyOf} {
		if len(group) > 0 && group[0].Value != nil && s.Type == nil {
			if len(s.AllOf) > 0 {
				merged := map[string]any{}
				for _, r := range s.AllOf {
					if m, ok := sampleValue(r.Value, name, depth+1).(map[string]any); ok {
						for k, v := range m {
							merged[k] = v
						}
					}
				}
				return merged
			}
			return sampleValue(group[0].Value, name, depth+1)
		}
	}
	switch {
	case s.Type.Is("object") || (s.Type == nil && len(s.Properties) > 0):
		m := map[string]any{}
		for _, k := range s.Required {
			if p := s.Properties[k]; p != nil {
				m[k] = sampleValue(p.Value, k, depth+1)
			} else {
				m[k] = "sample"
			}
		}
		return m
	case s.Type.Is("array"):
		var item any = "sample"
		if s.Items != nil {
			item = sampleValue(s.Items.Value, name, depth+1)
		}
		n := max(int(s.MinItems), 1)
		out := make([]any, n)
		for i := range out {
			out[i] = item
		}
		return out
	case s.Type.Is("integer"), s.Type.Is("number"):
		if s.Min != nil {
			return *s.Min
		}
		if s.Max != nil && *s.Max < 1 {
			return *s.Max
		}
		return 1
	case s.Type.Is("boolean"):
		return true
	case s.Type.Is("string"):
		return sampleString(s, name)
	}
	return "sample"
}

func sampleString(s *openapi3.Schema, name string) string {
	switch s.Format {
	case "date-time":
		return "2026-01-02T03:04:05Z"
	case "date":
		return "2026-01-02"
	case "email":
		return "sample@example.com"
	case "uuid":
		return "00000000-0000-4000-8000-000000000000"
	case "uri":
		return "https://example.com/sample"
	case "byte":
		return "c2FtcGxl"
	}
	v := "sample-" + name
	if s.Pattern != "" {
		if p, ok := samplePattern(s.Pattern); ok {
			v = p
			if re, err := regexp.Compile(s.Pattern); err == nil && re.MatchString(v+"a") && len(v) < int(s.MinLength) {
				for len(v) < int(s.MinLength) && re.MatchString(v+"a") {
					v += "a"
				}
			}
			return v
		}
	}
	for uint64(len(v)) < s.MinLength {
		v += "x"
	}
	if s.MaxLength != nil && uint64(len(v)) > *s.MaxLength {
		v = v[:*s.MaxLength]
	}
	return v
}
