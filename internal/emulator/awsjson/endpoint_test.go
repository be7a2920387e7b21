package awsjson

import (
	"context"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go/logging"
)

const health = "healthy: dynamodb.us-east-1.amazonaws.com "

// endpointMux serves a DynamoDB-like service (CRC32, health line, DynamoDB
// request ids) next to a plain one, as the emulator's AWS endpoint does.
func endpointMux() *Mux {
	m := NewMux(nil)
	m.Register(&Service{
		TargetPrefix: "DynamoDB_20120810", ContentType: "application/x-amz-json-1.0",
		ErrorTypePrefix: "com.amazonaws.dynamodb.v20120810#",
		ResponseCRC32:   true, HealthCheck: health, RequestID: DynamoDBRequestID,
		Operations: map[string]Operation{
			"GetItem": func(_ context.Context, body []byte) (any, error) {
				var in struct{ TableName string }
				if err := Decode(body, &in); err != nil {
					return nil, err
				}
				// Non-ASCII and escaped text: the checksum covers the bytes
				// as sent.
				return map[string]any{"Item": map[string]any{"pk": map[string]string{"S": "k1"}, "note": map[string]string{"S": "héllo <wörld> \u2028"}}}, nil
			},
			"DeleteTable": func(context.Context, []byte) (any, error) {
				return nil, Errorf("ResourceNotFoundException", "Requested resource not found")
			},
		},
	})
	m.Register(&Service{
		TargetPrefix: "AWSStepFunctions", ContentType: "application/x-amz-json-1.0",
		Operations: map[string]Operation{
			"ListStateMachines": func(context.Context, []byte) (any, error) { return map[string]any{"stateMachines": []any{}}, nil },
		},
	})
	return m
}

// warnings collects what the SDK logs: aws-sdk-go-v2 verifies x-amz-crc32
// when it closes the response body and reports a mismatch as a warning.
type warnings struct {
	mu  sync.Mutex
	log []string
}

func (w *warnings) Logf(_ logging.Classification, format string, v ...any) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.log = append(w.log, fmt.Sprintf(format, v...))
}

func (w *warnings) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return strings.Join(w.log, "\n")
}

func ddbClient(url string, log logging.Logger) *dynamodb.Client {
	return dynamodb.New(dynamodb.Options{
		Region: "us-east-1", BaseEndpoint: aws.String(url),
		Credentials:      credentials.NewStaticCredentialsProvider("AKID", "SECRET", ""),
		RetryMaxAttempts: 1, Logger: log,
	})
}

// TestSDKValidatesCRC32 proves the x-amz-crc32 header is the checksum the
// SDK expects: calls succeed without a checksum warning, and the same
// responses with a wrong checksum draw one, so the SDK really checks it.
func TestSDKValidatesCRC32(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(endpointMux())
	defer srv.Close()
	var logged warnings
	client := ddbClient(srv.URL, &logged)
	ctx := context.Background()
	out, err := client.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String("T"), Key: map[string]types.AttributeValue{"pk": &types.AttributeValueMemberS{Value: "k1"}}})
	if err != nil {
		t.Fatalf("GetItem with a valid checksum: %v", err)
	}
	if s, ok := out.Item["note"].(*types.AttributeValueMemberS); !ok || s.Value != "héllo <wörld> \u2028" {
		t.Fatalf("item = %#v", out.Item)
	}
	_, err = client.DeleteTable(ctx, &dynamodb.DeleteTableInput{TableName: aws.String("T")})
	if _, ok := errors.AsType[*types.ResourceNotFoundException](err); !ok {
		t.Fatalf("error response with a valid checksum: got %v, want ResourceNotFoundException", err)
	}
	if strings.Contains(logged.String(), "checksum") {
		t.Fatalf("the SDK rejected our checksum: %s", logged.String())
	}

	corrupt := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := httptest.NewRecorder()
		endpointMux().ServeHTTP(rec, r)
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		crc, _ := strconv.ParseUint(rec.Header().Get("x-amz-crc32"), 10, 32)
		w.Header().Set("x-amz-crc32", strconv.FormatUint(crc^1, 10))
		w.WriteHeader(rec.Code)
		_, _ = w.Write(rec.Body.Bytes())
	}))
	defer corrupt.Close()
	var corrupted warnings
	_, _ = ddbClient(corrupt.URL, &corrupted).GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String("T"), Key: map[string]types.AttributeValue{"pk": &types.AttributeValueMemberS{Value: "k1"}}})
	if !strings.Contains(corrupted.String(), "did not match expected checksum") {
		t.Fatalf("GetItem with a wrong checksum: the SDK logged %q, want a checksum mismatch", corrupted.String())
	}
}

func TestEndpointHeaders(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(endpointMux())
	defer srv.Close()
	ddbID := regexp.MustCompile(`^[0-9A-Z]{52}$`)
	uuidID := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)
	tests := []struct {
		name, method, target, body string
		status                     int
		wantBody                   string
		crc                        bool
		id                         *regexp.Regexp
	}{
		{"health", http.MethodGet, "", "", 200, health, true, ddbID},
		{"dynamodb ok", http.MethodPost, "DynamoDB_20120810.GetItem", "{}", 200, `"Item"`, true, ddbID},
		{"dynamodb error", http.MethodPost, "DynamoDB_20120810.DeleteTable", "{}", 400, "ResourceNotFoundException", true, ddbID},
		{"dynamodb malformed", http.MethodPost, "DynamoDB_20120810.GetItem", "{", 400, "SerializationException", true, ddbID},
		{"dynamodb unknown op", http.MethodPost, "DynamoDB_20120810.Nope", "{}", 400, "UnknownOperationException", true, ddbID},
		{"step functions", http.MethodPost, "AWSStepFunctions.ListStateMachines", "{}", 200, `"stateMachines"`, false, uuidID},
		{"no target", http.MethodPost, "", "{}", 400, "UnknownOperationException", false, uuidID},
		{"put", http.MethodPut, "", "", 400, "UnknownOperationException", false, uuidID},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequest(tt.method, srv.URL+"/", strings.NewReader(tt.body))
			if tt.target != "" {
				req.Header.Set("X-Amz-Target", tt.target)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tt.status || !strings.Contains(string(body), tt.wantBody) {
				t.Fatalf("got %d %q, want %d containing %q", resp.StatusCode, body, tt.status, tt.wantBody)
			}
			if id := resp.Header.Get("x-amzn-RequestId"); !tt.id.MatchString(id) {
				t.Errorf("x-amzn-RequestId = %q, want %v", id, tt.id)
			}
			crc := resp.Header.Get("x-amz-crc32")
			if !tt.crc {
				if crc != "" {
					t.Errorf("x-amz-crc32 = %q on a service that sends none", crc)
				}
				return
			}
			if want := strconv.FormatUint(uint64(crc32.ChecksumIEEE(body)), 10); crc != want {
				t.Errorf("x-amz-crc32 = %q, want %s", crc, want)
			}
		})
	}
}

func TestNoHealthCheckWithoutService(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(testMux())
	defer srv.Close()
	resp, err := http.Get(srv.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("GET / without a health service = %d, want 400", resp.StatusCode)
	}
}
