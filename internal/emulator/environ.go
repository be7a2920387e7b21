package emulator

import "strings"

// DummyAccessKeyID and DummySecretAccessKey are the credentials handed to
// programs talking to sfapi: it accepts any, and real ones must never be
// sent to it (or be the ones a test accidentally uses against AWS).
const (
	DummyAccessKeyID     = "test"
	DummySecretAccessKey = "test"
)

// Environ returns the environment (KEY=value) that points every AWS SDK and
// the aws CLI at ep without any endpoint in the program: AWS_ENDPOINT_URL
// and the per-service variables (the SDKs' "service-specific endpoints":
// AWS_ENDPOINT_URL_<SERVICE ID>), dummy credentials, the region, and
// SFAPI_API_URL / SFAPI_WS_URL for the project's own APIs.
func (ep Endpoints) Environ(region string) []string {
	return []string{
		"AWS_ENDPOINT_URL=" + ep.AWS,
		"AWS_ENDPOINT_URL_DYNAMODB=" + ep.AWS,
		"AWS_ENDPOINT_URL_DYNAMODB_STREAMS=" + ep.AWS,
		"AWS_ENDPOINT_URL_SFN=" + ep.AWS,
		"AWS_ENDPOINT_URL_EVENTBRIDGE=" + ep.AWS,
		"AWS_ACCESS_KEY_ID=" + DummyAccessKeyID,
		"AWS_SECRET_ACCESS_KEY=" + DummySecretAccessKey,
		"AWS_REGION=" + region,
		"AWS_DEFAULT_REGION=" + region,
		// No instance metadata lookups: there is no instance.
		"AWS_EC2_METADATA_DISABLED=true",
		"SFAPI_API_URL=" + ep.API,
		"SFAPI_AWS_URL=" + ep.AWS,
		"SFAPI_WS_URL=" + ep.WS,
	}
}

// shadowedAWSVars are variables of the parent environment that would
// override or undo Environ: a profile or session token would mix real
// credentials in, and AWS_IGNORE_CONFIGURED_ENDPOINT_URLS would make the
// SDKs ignore the endpoints.
var shadowedAWSVars = []string{"AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN", "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "AWS_ROLE_ARN", "AWS_WEB_IDENTITY_TOKEN_FILE"}

// MergeEnviron returns base without the variables Environ sets or that
// would undo them (profiles, session tokens, other AWS_ENDPOINT_URL_*),
// followed by env.
func MergeEnviron(base, env []string) []string {
	set := map[string]bool{}
	for _, kv := range env {
		k, _, _ := strings.Cut(kv, "=")
		set[k] = true
	}
	for _, k := range shadowedAWSVars {
		set[k] = true
	}
	out := make([]string, 0, len(base)+len(env))
	for _, kv := range base {
		k, _, _ := strings.Cut(kv, "=")
		if set[k] || strings.HasPrefix(k, "AWS_ENDPOINT_URL") {
			continue
		}
		out = append(out, kv)
	}
	return append(out, env...)
}
