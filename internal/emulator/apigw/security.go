package apigw

import (
	"crypto/subtle"
	"net/http"
	"strings"
)

// errForbidden is API Gateway's answer to a method that requires an API key
// when the request has none or an unknown one (gateway response INVALID_API_KEY).
var errForbidden = gatewayError{http.StatusForbidden, "ForbiddenException", "Forbidden", "INVALID_API_KEY"}

// apiKeySchemes finds the security schemes that are API Gateway API keys:
// type apiKey, in header, name x-api-key (components.securitySchemes in
// OpenAPI 3, securityDefinitions in Swagger 2.0). The value tells whether a
// scheme is one; schemes absent from the map are not defined at all.
func apiKeySchemes(raw map[string]any) map[string]bool {
	out := map[string]bool{}
	var defs map[string]any
	if c, ok := raw["components"].(map[string]any); ok {
		defs, _ = c["securitySchemes"].(map[string]any)
	}
	if sd, ok := raw["securityDefinitions"].(map[string]any); ok {
		defs = sd
	}
	for name, v := range defs {
		s, _ := v.(map[string]any)
		typ, _ := s["type"].(string)
		in, _ := s["in"].(string)
		hdr, _ := s["name"].(string)
		_, authorizer := s["x-amazon-apigateway-authorizer"]
		out[name] = typ == "apiKey" && strings.EqualFold(in, "header") && strings.EqualFold(hdr, "x-api-key") && !authorizer
	}
	return out
}

// securityOf reads an operation's security requirements (alternatives, each
// a set of schemes): whether one of them asks for the API key, and whether
// one asks for anything the emulator does not enforce (authorizers, IAM,
// Cognito, undefined schemes).
func securityOf(reqs []any, schemes map[string]bool) (apiKey, unenforced bool) {
	for _, r := range reqs {
		m, ok := r.(map[string]any)
		if !ok {
			continue
		}
		for name := range m {
			if schemes[name] {
				apiKey = true
			} else {
				unenforced = true
			}
		}
	}
	return apiKey, unenforced
}

// checkAPIKey answers 403 Forbidden unless the request carries one of the
// configured keys in x-api-key. Keys are compared in constant time.
func (a *API) checkAPIKey(req *request) *response {
	if !req.op.apiKeyRequired {
		return nil
	}
	got := req.r.Header.Get("x-api-key")
	if got != "" {
		for _, k := range a.opts.APIKeys {
			if subtle.ConstantTimeCompare([]byte(got), []byte(k)) == 1 {
				if id, ok := req.ctx()["identity"].(map[string]any); ok {
					id["apiKey"] = got
				}
				return nil
			}
		}
	}
	a.log.Info("request without a valid API key", "requestId", req.id, "route", req.op.route, "keyPresent", got != "")
	return gatewayResponse(errForbidden)
}
