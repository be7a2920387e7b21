package emulator

import (
	"slices"
	"testing"
)

func TestEnvironAndMerge(t *testing.T) {
	t.Parallel()
	ep := Endpoints{API: "http://127.0.0.1:1", AWS: "http://127.0.0.1:2", WS: "ws://127.0.0.1:3/jobs"}
	env := ep.Environ("eu-west-1")
	for _, want := range []string{
		"AWS_ENDPOINT_URL=http://127.0.0.1:2", "AWS_ENDPOINT_URL_DYNAMODB=http://127.0.0.1:2",
		"AWS_ENDPOINT_URL_DYNAMODB_STREAMS=http://127.0.0.1:2", "AWS_ENDPOINT_URL_SFN=http://127.0.0.1:2",
		"AWS_ENDPOINT_URL_EVENTBRIDGE=http://127.0.0.1:2", "AWS_ACCESS_KEY_ID=test", "AWS_SECRET_ACCESS_KEY=test",
		"AWS_REGION=eu-west-1", "AWS_DEFAULT_REGION=eu-west-1", "SFAPI_API_URL=http://127.0.0.1:1", "SFAPI_WS_URL=ws://127.0.0.1:3/jobs",
	} {
		if !slices.Contains(env, want) {
			t.Errorf("Environ lacks %s", want)
		}
	}
	base := []string{"PATH=/bin", "AWS_PROFILE=prod", "AWS_SESSION_TOKEN=x", "AWS_REGION=us-west-2", "AWS_ENDPOINT_URL_S3=http://s3", "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true", "HOME=/h"}
	got := MergeEnviron(base, []string{"AWS_REGION=eu-west-1", "X=1"})
	want := []string{"PATH=/bin", "HOME=/h", "AWS_REGION=eu-west-1", "X=1"}
	if !slices.Equal(got, want) {
		t.Fatalf("MergeEnviron = %q, want %q", got, want)
	}
}
