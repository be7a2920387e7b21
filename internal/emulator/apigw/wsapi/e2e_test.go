package wsapi_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/coder/websocket"

	"github.com/sfapi/sfapi/internal/emulator"
	"github.com/sfapi/sfapi/internal/emulator/push/ws"
	"github.com/sfapi/sfapi/internal/project"
)

// startChat runs `sfapi dev` on testdata/chat in process.
func startChat(t *testing.T) (emulator.Endpoints, *emulator.Emulator) {
	t.Helper()
	p, err := project.Load("testdata/chat")
	if err != nil {
		t.Fatal(err)
	}
	em, err := emulator.New(emulator.Options{Project: p, DataDir: t.TempDir(), InMemory: true})
	if err != nil {
		t.Fatal(err)
	}
	ep, err := em.Start(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = em.Shutdown(ctx)
	})
	return ep, em
}

func getConnection(t *testing.T, em *emulator.Emulator, id string) map[string]any {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"TableName": "Connections", "Key": map[string]any{"connectionId": map[string]string{"S": id}}, "ConsistentRead": true})
	resp := em.Mux().Invoke(context.Background(), "DynamoDB_20120810.GetItem", body)
	if resp.Status != 200 {
		t.Fatalf("GetItem: %d %s", resp.Status, resp.Body)
	}
	var out struct{ Item map[string]any }
	if err := json.Unmarshal(resp.Body, &out); err != nil {
		t.Fatal(err)
	}
	return out.Item
}

// signed calls the @connections API as the SDK's apigatewaymanagementapi
// client does: SigV4 for execute-api, on the AWS endpoint with the stage.
func signed(t *testing.T, method, url string, body []byte) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(body)
	creds := aws.Credentials{AccessKeyID: "AKIDLOCAL", SecretAccessKey: "local"}
	if err := v4.NewSigner().SignHTTP(context.Background(), creds, req, hex.EncodeToString(sum[:]), "execute-api", "us-east-1", time.Now()); err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return resp, data
}

func TestStorageFirstConnectionsThroughTheEmulator(t *testing.T) {
	t.Parallel()
	ep, em := startChat(t)
	if !strings.HasSuffix(ep.WS, "/chat") {
		t.Fatalf("WS endpoint %s", ep.WS)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, resp, err := websocket.Dial(ctx, ep.WS+"?room=blue", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.CloseNow()
	id := resp.Header.Get(ws.ConnectionIDHeader)

	// $connect stored the connection before the handshake completed.
	item := getConnection(t, em, id)
	if item == nil || item["room"].(map[string]any)["S"] != "blue" || item["sourceIp"].(map[string]any)["S"] != "127.0.0.1" {
		t.Fatalf("stored connection = %v", item)
	}

	// A two-way route reads it back.
	if err := c.Write(ctx, websocket.MessageText, []byte(`{"action":"whoami"}`)); err != nil {
		t.Fatal(err)
	}
	_, data, err := c.Read(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if string(data) != `{"room": "blue", "route": "whoami"}` {
		t.Fatalf("whoami → %s", data)
	}

	// @connections on the AWS endpoint: POST, GET, DELETE, then 410.
	base := ep.AWS + "/dev/@connections/" + id
	if r, b := signed(t, "POST", base, []byte(`{"hello":"there"}`)); r.StatusCode != 200 {
		t.Fatalf("POST = %d %s", r.StatusCode, b)
	}
	if _, data, err = c.Read(ctx); err != nil || string(data) != `{"hello":"there"}` {
		t.Fatalf("posted message = %s, %v", data, err)
	}
	r, b := signed(t, "GET", base, nil)
	var info struct {
		ConnectedAt  time.Time `json:"connectedAt"`
		LastActiveAt time.Time `json:"lastActiveAt"`
		Identity     struct {
			SourceIP  string `json:"sourceIp"`
			UserAgent string `json:"userAgent"`
		} `json:"identity"`
	}
	if err := json.Unmarshal(b, &info); err != nil || r.StatusCode != 200 || info.Identity.SourceIP != "127.0.0.1" || info.ConnectedAt.IsZero() ||
		info.LastActiveAt.Before(info.ConnectedAt) {
		t.Fatalf("GET = %d %s (%v)", r.StatusCode, b, err)
	}
	if r, b := signed(t, "DELETE", base, nil); r.StatusCode != 204 {
		t.Fatalf("DELETE = %d %s", r.StatusCode, b)
	}
	if _, _, err := c.Read(ctx); websocket.CloseStatus(err) == -1 {
		t.Fatalf("read after DELETE: %v, want a close", err)
	}
	// $disconnect deleted the item; the connection is gone.
	deadline := time.Now().Add(5 * time.Second)
	for getConnection(t, em, id) != nil {
		if time.Now().After(deadline) {
			t.Fatal("$disconnect did not delete the connection item")
		}
		time.Sleep(10 * time.Millisecond)
	}
	r, b = signed(t, "POST", base, []byte(`{}`))
	if r.StatusCode != 410 || r.Header.Get("x-amzn-ErrorType") != "GoneException" {
		t.Fatalf("POST after close = %d %s", r.StatusCode, b)
	}
}
