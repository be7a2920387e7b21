package emulator_test

import (
	"io"
	"net/http"
	"strings"
	"testing"
)

// TestAWSPortServesManagementAPI: the AWS port runs awsjson's fasthttp
// front, which hands /@connections/ paths to the push API's net/http
// handler; an unknown connection answers API Gateway's 410 GoneException,
// and the AWS JSON services still answer next to it.
func TestAWSPortServesManagementAPI(t *testing.T) {
	ep, _ := startGophers(t, t.TempDir(), true)
	resp, err := http.Post(ep.AWS+"/dev/@connections/nobody", "application/json", strings.NewReader(`{"m":1}`))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusGone || resp.Header.Get("x-amzn-ErrorType") != "GoneException" {
		t.Fatalf("POST @connections/nobody = %d %s %v, want 410 GoneException", resp.StatusCode, body, resp.Header)
	}
	resp, err = http.Get(ep.AWS + "/")
	if err != nil {
		t.Fatal(err)
	}
	body, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.HasPrefix(string(body), "healthy: dynamodb.") {
		t.Fatalf("GET / = %d %q, want the health line", resp.StatusCode, body)
	}
}
