// Package wsapi runs a WebSocket API the way API Gateway runs one
// (AWS::ApiGatewayV2 with ProtocolType WEBSOCKET), from the manifest's
// websocket.routes: the route selection expression ($request.body.action
// and other body paths), the $connect, $disconnect, $default and custom
// routes, AWS (DynamoDB, Step Functions, EventBridge) and MOCK
// integrations with VTL request templates (package mapping) chosen by a
// template selection expression, passthrough behaviour, integration
// responses selected by status code, and route responses for two-way
// routes.
//
// The transport is package push/ws: its Server calls an API (ws.Routes) on
// every handshake, message and close, and owns the connection limits (32 KB
// frames, 10-minute idle timeout, 2-hour maximum duration) and the
// @connections management API. A failed $connect integration refuses the
// upgrade with the integration's status; an unroutable message gets API
// Gateway's {"message": "Forbidden", "connectionId", "requestId"}, a failed
// integration {"message": "Internal server error", ...}.
//
// Templates see the WebSocket $context: connectionId, connectedAt,
// routeKey, eventType (CONNECT, MESSAGE, DISCONNECT), messageId (messages
// only), requestId, extendedRequestId, requestTime, requestTimeEpoch,
// domainName, stage, apiId, messageDirection, identity.sourceIp,
// identity.userAgent, and on $disconnect disconnectStatusCode and
// disconnectReason. $input.params() holds the handshake's headers and query
// string on $connect only, as on AWS.
//
// Check renders every template with a sample event for `sfapi validate`.
//
// wsapi may import apigw (for Problem), apigw/mapping, push/ws and
// project. It must not import net/http servers of its own, the AWS SDK,
// cobra or viper, or the engines (the emulator binds Integrations).
package wsapi
