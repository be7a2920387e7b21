package containers

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"time"
)

// The readiness calls: one real API call each, as an SDK would make it.
// DynamoDB Local reads the access key from the Authorization header (and
// does not verify the signature); the stand-ins ignore it.
func dynamoDBReady(ctx context.Context, ep string) error {
	return apiCall(ctx, ep, "dynamodb", "application/x-amz-json-1.0", "DynamoDB_20120810.ListTables", `{"Limit":1}`)
}

func stepFunctionsReady(ctx context.Context, ep string) error {
	return apiCall(ctx, ep, "states", "application/x-amz-json-1.0", "AWSStepFunctions.ListStateMachines", `{"maxResults":1}`)
}

var readyClient = &http.Client{Timeout: 5 * time.Second}

func apiCall(ctx context.Context, ep, service, contentType, target, body string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, ep+"/", bytes.NewReader([]byte(body)))
	if err != nil {
		return err
	}
	now := time.Now().UTC()
	req.Header.Set("Content-Type", contentType)
	req.Header.Set("X-Amz-Target", target)
	req.Header.Set("X-Amz-Date", now.Format("20060102T150405Z"))
	req.Header.Set("Authorization", fmt.Sprintf("AWS4-HMAC-SHA256 Credential=sfapi/%s/us-east-1/%s/aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature=%064d",
		now.Format("20060102"), service, 0))
	resp, err := readyClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s answered %d: %s", target, resp.StatusCode, bytes.TrimSpace(out))
	}
	return nil
}
