package cfn

import (
	"fmt"
	"regexp"
	"strings"
	"unicode"

	"github.com/sfapi/sfapi/internal/project"
)

// Connection lifetime: API Gateway closes a WebSocket after two hours, so a
// connection item whose $disconnect never ran expires through the table's
// TTL shortly after.
const connectionTTLSeconds = 7200

// webSocket adds the WebSocket API. $connect and $disconnect are AWS
// service integrations that write and delete the connection in the
// connections table — no Lambda. Messages reach clients through the push
// machines (pushMachine).
func (s *synth) webSocket() error {
	channel := s.wsChannel()
	if err := s.add(ConnectionsTableID, Resource{Type: "AWS::DynamoDB::Table", Properties: map[string]any{
		"BillingMode": "PAY_PER_REQUEST",
		"AttributeDefinitions": []any{
			map[string]any{"AttributeName": "channel", "AttributeType": "S"},
			map[string]any{"AttributeName": "connectionId", "AttributeType": "S"},
		},
		"KeySchema": []any{
			map[string]any{"AttributeName": "channel", "KeyType": "HASH"},
			map[string]any{"AttributeName": "connectionId", "KeyType": "RANGE"},
		},
		"TimeToLiveSpecification": map[string]any{"AttributeName": "expiresAt", "Enabled": true},
	}}); err != nil {
		return err
	}
	ws := s.p.Manifest.WebSocket
	selection := ws.RouteSelectionExpression
	if selection == "" {
		selection = project.DefaultRouteSelectionExpression
	}
	if err := s.add("WebSocketApi", Resource{Type: "AWS::ApiGatewayV2::Api", Properties: map[string]any{
		"Name":                     Sub("${AWS::StackName}-ws"),
		"ProtocolType":             "WEBSOCKET",
		"RouteSelectionExpression": selection,
	}}); err != nil {
		return err
	}
	connect := fmt.Sprintf(`#set($expiresAt = $context.requestTimeEpoch / 1000 + %d)
{
  "TableName": "${%s}",
  "Item": {
    "channel": {"S": "%s"},
    "connectionId": {"S": "$context.connectionId"},
#if("$!input.params('jobId')" != "")
    "jobId": {"S": "$util.escapeJavaScript($input.params('jobId'))"},
#end
    "expiresAt": {"N": "$expiresAt"}
  }
}`, connectionTTLSeconds, ConnectionsTableID, channel)
	disconnect := fmt.Sprintf(`{
  "TableName": "${%s}",
  "Key": {
    "channel": {"S": "%s"},
    "connectionId": {"S": "$context.connectionId"}
  }
}`, ConnectionsTableID, channel)
	routes := []struct{ name, key, action, tmpl string }{
		{"Connect", "$connect", "PutItem", connect},
		{"Disconnect", "$disconnect", "DeleteItem", disconnect},
	}
	var routeIDs []string
	var routeContent []any
	for _, r := range routes {
		if _, mine := ws.Routes[r.key]; mine {
			// The project's own route takes the key (see userRoutes).
			continue
		}
		roleID, integID, routeID := "WebSocket"+r.name+"Role", "WebSocket"+r.name+"Integration", "WebSocket"+r.name+"Route"
		p := newPerms()
		p.allow("dynamodb:"+r.action, tableArn(ConnectionsTableID))
		if err := s.add(roleID, role(principalAPIGateway, "websocket-"+strings.ToLower(r.name), nil, p)); err != nil {
			return err
		}
		integ := map[string]any{
			"ApiId":                       Ref("WebSocketApi"),
			"IntegrationType":             "AWS",
			"IntegrationMethod":           "POST",
			"IntegrationUri":              Sub("arn:${AWS::Partition}:apigateway:${AWS::Region}:dynamodb:action/" + r.action),
			"CredentialsArn":              GetAtt(roleID, "Arn"),
			"PassthroughBehavior":         "NEVER",
			"TemplateSelectionExpression": "\\$default",
			"RequestTemplates":            map[string]any{"$default": Sub(r.tmpl)},
		}
		if err := s.add(integID, Resource{Type: "AWS::ApiGatewayV2::Integration", Properties: integ}); err != nil {
			return err
		}
		route := map[string]any{
			"ApiId":             Ref("WebSocketApi"),
			"RouteKey":          r.key,
			"AuthorizationType": "NONE",
			"Target":            Sub("integrations/${" + integID + "}"),
		}
		if err := s.add(routeID, Resource{Type: "AWS::ApiGatewayV2::Route", Properties: route}); err != nil {
			return err
		}
		routeIDs = append(routeIDs, routeID)
		routeContent = append(routeContent, integ, route)
	}
	ids, content, err := s.userRoutes()
	if err != nil {
		return err
	}
	routeIDs, routeContent = append(routeIDs, ids...), append(routeContent, content...)
	// Like the REST API: a new deployment whenever the routes change.
	depID := "WebSocketDeployment" + contentHash(routeContent)
	if err := s.add(depID, Resource{Type: "AWS::ApiGatewayV2::Deployment", DependsOn: routeIDs, Properties: map[string]any{
		"ApiId": Ref("WebSocketApi"),
	}}); err != nil {
		return err
	}
	if err := s.logGroup("WebSocketAccessLogs", nil); err != nil {
		return err
	}
	if err := s.add("WebSocketStage", Resource{Type: "AWS::ApiGatewayV2::Stage", Properties: map[string]any{
		"ApiId":        Ref("WebSocketApi"),
		"StageName":    s.stage,
		"DeploymentId": Ref(depID),
		"AccessLogSettings": map[string]any{
			"DestinationArn": GetAtt("WebSocketAccessLogs", "Arn"),
			"Format":         wsAccessLogFormat,
		},
	}}); err != nil {
		return err
	}
	s.t.Outputs["WebSocketUrl"] = Output{Description: "WebSocket URL (push channel " + channel + ")", Value: Sub("wss://${WebSocketApi}.execute-api.${AWS::Region}.${AWS::URLSuffix}/" + s.stage)}
	return nil
}

const wsAccessLogFormat = `{"requestId":"$context.requestId","connectionId":"$context.connectionId","eventType":"$context.eventType","routeKey":"$context.routeKey","status":"$context.status","requestTime":"$context.requestTime","integrationError":"$context.integrationErrorMessage"}`

// wsChannel is the push channel WebSocket clients subscribe to: the last
// segment of the websocket path, as sfapi dev names it.
func (s *synth) wsChannel() string {
	path := s.p.WebSocketPath()
	return path[strings.LastIndexByte(path, '/')+1:]
}

// pushMachine returns the logical ID of the EXPRESS state machine that
// delivers an event to every connection of channel, adding it on first
// use. It queries the connections table and posts to each connection
// through API Gateway's @connections API (apigateway:invoke, signed with
// the machine's role), keeping the ?jobId= filter sfapi dev applies.
func (s *synth) pushMachine(channel string) (string, error) {
	if id, ok := s.channels[channel]; ok {
		return id, nil
	}
	id := "Push" + logicalPart(channel)
	p := newPerms()
	p.allow("dynamodb:Query", tableArn(ConnectionsTableID))
	p.allow("execute-api:ManageConnections", Sub("arn:${AWS::Partition}:execute-api:${AWS::Region}:${AWS::AccountId}:${WebSocketApi}/"+s.stage+"/POST/@connections/*"))
	subs := map[string]any{
		"ConnectionsTable": Ref(ConnectionsTableID),
		"Channel":          channel,
		"ApiEndpoint":      Sub("${WebSocketApi}.execute-api.${AWS::Region}.${AWS::URLSuffix}"),
		"Stage":            s.stage,
	}
	if err := s.stateMachine(id, nil, "EXPRESS", pushDefinition(), subs, p, "ERROR"); err != nil {
		return "", err
	}
	if s.channels == nil {
		s.channels = map[string]string{}
	}
	s.channels[channel] = id
	return id, nil
}

// logicalPart turns a channel name into letters and digits for a logical
// ID: "job-events" → "JobEvents".
func logicalPart(s string) string {
	var b strings.Builder
	up := true
	for _, r := range s {
		if r > unicode.MaxASCII || !(unicode.IsLetter(r) || unicode.IsDigit(r)) {
			up = true
			continue
		}
		if up {
			r = unicode.ToUpper(r)
			up = false
		}
		b.WriteRune(r)
	}
	if b.Len() == 0 {
		return "Channel"
	}
	return b.String()
}

func pushDefinition() map[string]any {
	return map[string]any{
		"Comment": "sfapi push path: sends the input event to every WebSocket connection of channel ${Channel}.",
		"StartAt": "Wrap",
		"States": map[string]any{
			"Wrap": map[string]any{
				"Type":       "Pass",
				"Parameters": map[string]any{"event.$": "$"},
				"Next":       "FindConnections",
			},
			"FindConnections": map[string]any{
				"Type":     "Task",
				"Resource": "arn:aws:states:::aws-sdk:dynamodb:query",
				"Parameters": map[string]any{
					"TableName":                 "${ConnectionsTable}",
					"KeyConditionExpression":    "#channel = :channel",
					"ExpressionAttributeNames":  map[string]any{"#channel": "channel"},
					"ExpressionAttributeValues": map[string]any{":channel": map[string]any{"S": "${Channel}"}},
				},
				"ResultSelector": map[string]any{"items.$": "$.Items"},
				"ResultPath":     "$.connections",
				"Next":           "Send",
			},
			"Send": map[string]any{
				"Type":           "Map",
				"ItemsPath":      "$.connections.items",
				"MaxConcurrency": 40,
				"ItemSelector": map[string]any{
					"event.$":      "$.event",
					"connection.$": "$$.Map.Item.Value",
				},
				"ItemProcessor": map[string]any{
					"ProcessorConfig": map[string]any{"Mode": "INLINE"},
					"StartAt":         "Filtered",
					"States": map[string]any{
						"Filtered": map[string]any{
							"Type":    "Choice",
							"Choices": []any{map[string]any{"Variable": "$.connection.jobId.S", "IsPresent": false, "Next": "Post"}},
							"Default": "EventHasJob",
						},
						"EventHasJob": map[string]any{
							"Type":    "Choice",
							"Choices": []any{map[string]any{"Variable": "$.event.detail.jobId", "IsString": true, "Next": "SameJob"}},
							"Default": "Skip",
						},
						"SameJob": map[string]any{
							"Type":    "Choice",
							"Choices": []any{map[string]any{"Variable": "$.event.detail.jobId", "StringEqualsPath": "$.connection.jobId.S", "Next": "Post"}},
							"Default": "Skip",
						},
						"Post": map[string]any{
							"Type":     "Task",
							"Resource": "arn:aws:states:::apigateway:invoke",
							"Parameters": map[string]any{
								"ApiEndpoint":   "${ApiEndpoint}",
								"Method":        "POST",
								"Stage":         "${Stage}",
								"Path.$":        "States.Format('/@connections/{}', $.connection.connectionId.S)",
								"RequestBody.$": "$.event",
								"AuthType":      "IAM_ROLE",
							},
							// A connection that went away must not fail the
							// delivery to the others.
							"Catch": []any{map[string]any{"ErrorEquals": []any{"States.ALL"}, "Next": "Skip"}},
							"End":   true,
						},
						"Skip": map[string]any{"Type": "Succeed"},
					},
				},
				"ResultPath": nil,
				"End":        true,
			},
		},
	}
}

// wsActionRE matches an AWS integration URI as written (an Fn::Sub string):
// arn:PARTITION:apigateway:REGION:SERVICE:action/ACTION.
var wsActionRE = regexp.MustCompile(`^arn:[^:]+:apigateway:[^:]+:([a-z0-9-]+):action/([A-Za-z0-9]+)$`)

// userRoutes adds the project's own WebSocket routes (websocket.routes),
// each with its integration, integration responses and, for two-way
// routes, a $default route response. An AWS integration gets a role of its
// own allowed exactly its action on the tables its request templates
// reference. A project $connect or $disconnect replaces the generated one:
// the push channel's connections table is then the project's to fill.
func (s *synth) userRoutes() (ids []string, content []any, err error) {
	routes := s.p.Manifest.WebSocket.Routes
	for _, key := range sortedKeys(routes) {
		r := routes[key]
		name := "WebSocketRoute" + routeLogicalPart(key)
		in := r.Integration
		integ := map[string]any{
			"ApiId":           Ref("WebSocketApi"),
			"IntegrationType": in.IntegrationType,
		}
		if in.PassthroughBehavior != "" {
			integ["PassthroughBehavior"] = in.PassthroughBehavior
		}
		if in.TemplateSelectionExpression != "" {
			integ["TemplateSelectionExpression"] = in.TemplateSelectionExpression
		}
		if in.TimeoutInMillis > 0 {
			integ["TimeoutInMillis"] = in.TimeoutInMillis
		}
		if len(in.RequestTemplates) > 0 {
			tmpls := map[string]any{}
			for _, k := range sortedKeys(in.RequestTemplates) {
				tmpls[k] = Sub(in.RequestTemplates[k].Raw)
			}
			integ["RequestTemplates"] = tmpls
		}
		if in.IntegrationType == project.IntegrationTypeAWS {
			m := wsActionRE.FindStringSubmatch(strings.NewReplacer("${AWS::Partition}", "aws", "${AWS::Region}", "region").Replace(in.RawIntegrationURI))
			if m == nil {
				return nil, nil, fmt.Errorf("websocket route %s: integrationUri %q is not an AWS service action ARN", key, in.RawIntegrationURI)
			}
			service, action := m[1], m[2]
			if service != "dynamodb" {
				return nil, nil, fmt.Errorf("websocket route %s: sfapi deploy cannot derive permissions for %s integrations", key, service)
			}
			refs := map[string]bool{}
			for _, t := range in.RequestTemplates {
				for _, n := range subNames(t.Raw) {
					id, _, _ := strings.Cut(n, ".")
					refs[id] = true
				}
			}
			p := newPerms()
			for _, ref := range sortedKeys(refs) {
				if _, ok := s.p.Manifest.Tables[ref]; ok {
					p.allow("dynamodb:"+action, tableArn(ref))
				}
			}
			if len(p.res) == 0 {
				return nil, nil, fmt.Errorf("websocket route %s: the request templates reference no table of the project (write ${TableLogicalId}), so its permissions cannot be derived", key)
			}
			roleID := name + "Role"
			if err := s.add(roleID, role(principalAPIGateway, "websocket-"+strings.ToLower(routeLogicalPart(key)), nil, p)); err != nil {
				return nil, nil, err
			}
			integ["IntegrationMethod"] = "POST"
			integ["IntegrationUri"] = Sub(in.RawIntegrationURI)
			integ["CredentialsArn"] = GetAtt(roleID, "Arn")
		}
		integID := name + "Integration"
		if err := s.add(integID, Resource{Type: "AWS::ApiGatewayV2::Integration", Properties: integ}); err != nil {
			return nil, nil, err
		}
		content = append(content, integ)
		for i, ir := range in.IntegrationResponses {
			props := map[string]any{
				"ApiId":                  Ref("WebSocketApi"),
				"IntegrationId":          Ref(integID),
				"IntegrationResponseKey": ir.Key,
			}
			if ir.TemplateSelectionExpression != "" {
				props["TemplateSelectionExpression"] = ir.TemplateSelectionExpression
			}
			if len(ir.ResponseTemplates) > 0 {
				tmpls := map[string]any{}
				for _, k := range sortedKeys(ir.ResponseTemplates) {
					tmpls[k] = Sub(ir.ResponseTemplates[k].Raw)
				}
				props["ResponseTemplates"] = tmpls
			}
			if err := s.add(fmt.Sprintf("%sIntegrationResponse%d", name, i+1), Resource{Type: "AWS::ApiGatewayV2::IntegrationResponse", Properties: props}); err != nil {
				return nil, nil, err
			}
			content = append(content, props)
		}
		route := map[string]any{
			"ApiId":             Ref("WebSocketApi"),
			"RouteKey":          key,
			"AuthorizationType": "NONE",
			"Target":            Sub("integrations/${" + integID + "}"),
		}
		if r.RouteResponseSelectionExpression != "" {
			route["RouteResponseSelectionExpression"] = r.RouteResponseSelectionExpression
		}
		if err := s.add(name, Resource{Type: "AWS::ApiGatewayV2::Route", Properties: route}); err != nil {
			return nil, nil, err
		}
		ids = append(ids, name)
		content = append(content, route)
		if r.RouteResponseSelectionExpression != "" {
			rr := map[string]any{"ApiId": Ref("WebSocketApi"), "RouteId": Ref(name), "RouteResponseKey": "$default"}
			if err := s.add(name+"Response", Resource{Type: "AWS::ApiGatewayV2::RouteResponse", Properties: rr}); err != nil {
				return nil, nil, err
			}
			ids = append(ids, name+"Response")
			content = append(content, rr)
		}
	}
	return ids, content, nil
}

// routeLogicalPart names a route in logical IDs: "$connect" → "Connect",
// "sendMessage" → "SendMessage", "$default" → "Default".
func routeLogicalPart(key string) string { return logicalPart(key) }
