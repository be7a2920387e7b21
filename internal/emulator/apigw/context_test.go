package apigw

import (
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"

	"github.com/sfapi/sfapi/internal/emulator/apigw/mapping"
)

// A routed request's $context reaches templates from ctxVals
// (mapping.NewContextSorted) exactly as the Go map that ctx() builds would
// (mapping.NewContext): every member, nested ones included, in order.
func TestRoutedContext(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t, loadGophers(t), gopherVars, &fakeIntegrations{})
	r := httptest.NewRequest("POST", "/dev/gophers?x=1", strings.NewReader(`{}`))
	r.Header.Set("User-Agent", "test-agent")
	op, params, reqPath := a.route(r)
	if op == nil {
		t.Fatal("POST /dev/gophers not routed")
	}
	req := a.newRequest(r, op, "req-1", []byte(`{}`), params, reqPath)
	show, err := mapping.Parse("ctx", `#foreach($k in $context.keySet())$k=$context.get($k);#end`)
	if err != nil {
		t.Fatal(err)
	}
	fast, err := show.Render(a.input(req, nil))
	if err != nil {
		t.Fatal(err)
	}
	m := req.ctx()
	if len(m) != len(contextNames) {
		t.Fatalf("ctx() has %d members, want %d", len(m), len(contextNames))
	}
	slow, err := show.Render(mapping.Input{Prepared: mapping.NewContext(m)})
	if err != nil {
		t.Fatal(err)
	}
	if fast.Output != slow.Output {
		t.Fatalf("templates see\n%s\nfrom ctxVals and\n%s\nfrom the map", fast.Output, slow.Output)
	}
	for _, want := range []string{"requestId=req-1;", "extendedRequestId=" + extendedID("req-1") + ";", "httpMethod=POST;",
		"path=/dev/gophers;", "resourcePath=/gophers;", "stage=dev;", "requestTimeEpoch=", "userAgent=test-agent"} {
		if !strings.Contains(fast.Output, want) {
			t.Errorf("context %q lacks %q", fast.Output, want)
		}
	}
	// ctx() shares the nested maps: a change through it (the API key
	// check adds identity.apiKey) is seen in ctxVals.
	m["identity"].(map[string]any)["apiKey"] = "k"
	if id := req.ctxVals[6].(map[string]any); !reflect.DeepEqual(id["apiKey"], "k") || contextNames[6] != "identity" {
		t.Fatalf("identity in ctxVals = %v", id)
	}
}
