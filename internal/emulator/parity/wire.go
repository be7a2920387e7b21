package parity

import (
	"encoding/json"
	"fmt"
	"hash/crc32"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
)

// rawCall posts body to the endpoint with the AWS JSON 1.0 protocol and
// returns the status, the error code (the "__type" after its '#', if any),
// the headers and the body.
func rawCall(t *testing.T, env *Env, target, body string) (int, string, http.Header, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, env.Endpoint, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-amz-json-1.0")
	req.Header.Set("X-Amz-Target", target)
	// Any well-formed SigV4 header: the embedded engine and DynamoDB Local
	// check its presence, not the signature.
	req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/dynamodb/aws4_request, SignedHeaders=host;x-amz-date, Signature=00")
	req.Header.Set("X-Amz-Date", "20260101T000000Z")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s: %v", target, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	var e struct {
		Type string `json:"__type"`
	}
	_ = json.Unmarshal(data, &e)
	code := e.Type
	if i := strings.LastIndexByte(code, '#'); i >= 0 {
		code = code[i+1:]
	}
	return resp.StatusCode, code, resp.Header, data
}

var _ = register("wire/bad-input-and-headers", func(t *testing.T, env *Env) {
	name := createTable(t, env, "Wire", false, nil)
	tests := []struct {
		what, target, body string
		status             int
		code               string
	}{
		{"malformed JSON", "DynamoDB_20120810.PutItem", `{"TableName": "` + name + `", "Item": {`, 400, "SerializationException"},
		{"not an object", "DynamoDB_20120810.GetItem", `[1, 2]`, 400, "SerializationException"},
		{"wrong member type", "DynamoDB_20120810.GetItem", `{"TableName": "` + name + `", "Key": {"pk": {"S": 5}}}`, 400, "SerializationException"},
		{"empty attribute value", "DynamoDB_20120810.PutItem", `{"TableName": "` + name + `", "Item": {"pk": {"S": "a"}, "x": {}}}`, 400, "ValidationException"},
		{"two types in one value", "DynamoDB_20120810.PutItem", `{"TableName": "` + name + `", "Item": {"pk": {"S": "a", "N": "1"}}}`, 400, "ValidationException"},
		{"key of the wrong type", "DynamoDB_20120810.GetItem", `{"TableName": "` + name + `", "Key": {"pk": {"N": "1"}}}`, 400, "ValidationException"},
		{"missing key", "DynamoDB_20120810.GetItem", `{"TableName": "` + name + `", "Key": {}}`, 400, "ValidationException"},
		{"unknown table", "DynamoDB_20120810.GetItem", `{"TableName": "NoSuch_` + name + `", "Key": {"pk": {"S": "a"}}}`, 400, "ResourceNotFoundException"},
		{"unknown operation", "DynamoDB_20120810.FlyToTheMoon", `{}`, 400, "UnknownOperationException"},
		{"good request", "DynamoDB_20120810.GetItem", `{"TableName": "` + name + `", "Key": {"pk": {"S": "a"}}}`, 200, ""},
	}
	for _, tt := range tests {
		status, code, h, body := rawCall(t, env, tt.target, tt.body)
		if status != tt.status || code != tt.code {
			t.Errorf("%s: HTTP %d %s, want %d %s (%s)", tt.what, status, code, tt.status, tt.code, body)
			continue
		}
		// Every DynamoDB answer, errors included, carries a request id and
		// the CRC32 of its body.
		if h.Get("X-Amzn-Requestid") == "" {
			t.Errorf("%s: no x-amzn-RequestId", tt.what)
		}
		if want := strconv.FormatUint(uint64(crc32.ChecksumIEEE(body)), 10); h.Get("X-Amz-Crc32") != want {
			t.Errorf("%s: x-amz-crc32 = %q, want %s", tt.what, h.Get("X-Amz-Crc32"), want)
		}
		if ct := h.Get("Content-Type"); !strings.HasPrefix(ct, "application/x-amz-json-1.0") {
			t.Errorf("%s: Content-Type %q", tt.what, ct)
		}
	}
	// A nesting bomb is refused, not a crash.
	deep := strings.Repeat(`{"L":[`, 200) + `{"S":"x"}` + strings.Repeat(`]}`, 200)
	status, code, _, _ := rawCall(t, env, "DynamoDB_20120810.PutItem", fmt.Sprintf(`{"TableName": %q, "Item": {"pk": {"S": "d"}, "d": %s}}`, name, deep))
	if status != 400 || code != "ValidationException" {
		t.Fatalf("nesting bomb: HTTP %d %s", status, code)
	}
})
