package parity

import (
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sfapi/sfapi/internal/emulator/awsjson"
	"github.com/sfapi/sfapi/internal/emulator/ddb"
	"github.com/sfapi/sfapi/internal/emulator/ddbapi"
	"github.com/sfapi/sfapi/internal/emulator/kv"
)

// clock is the embedded engine's movable clock.
type clock struct {
	mu  sync.Mutex
	off time.Duration
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.off)
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.off += d
	c.mu.Unlock()
}

// embedded starts the engine behind an httptest server.
func embedded(t *testing.T) *Env {
	t.Helper()
	store, err := kv.Open(filepath.Join(t.TempDir(), "parity.db"), kv.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = store.Close() })
	clk := &clock{}
	e, err := ddb.Open(store, ddb.Options{Logger: slog.New(slog.DiscardHandler), Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	mux := awsjson.NewMux(slog.New(slog.DiscardHandler))
	ddbapi.Register(mux, e)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	env := NewEnv(srv.URL)
	env.Sweep, env.Advance, env.Now = e.SweepExpired, clk.Advance, clk.Now
	return env
}

// TestEmbedded runs every scenario against the embedded engine, which
// declares no deviation. Scenarios that move the clock get an engine of
// their own.
func TestEmbedded(t *testing.T) {
	t.Parallel()
	Run(t, embedded(t), embedded)
}

// EndpointVar names the endpoint TestEndpoint runs against; TargetVar
// says what serves it ("dynamodb-local" declares DynamoDBLocal's
// deviations; anything else is held to AWS's behaviour).
const (
	EndpointVar = "SFAPI_PARITY_DYNAMODB_ENDPOINT"
	TargetVar   = "SFAPI_PARITY_DYNAMODB_TARGET"
)

// TestEndpoint runs every scenario that needs no embedded capability
// against the endpoint in $SFAPI_PARITY_DYNAMODB_ENDPOINT (DynamoDB Local,
// a running `sfapi dev`, AWS itself). Without it the test is skipped:
// TestEmbedded is the always-on run.
func TestEndpoint(t *testing.T) {
	endpoint := os.Getenv(EndpointVar)
	if endpoint == "" {
		t.Skip(EndpointVar + " is not set: no endpoint to run the parity scenarios against")
	}
	var devs []Deviation
	if strings.EqualFold(os.Getenv(TargetVar), "dynamodb-local") {
		devs = DynamoDBLocal
	}
	Run(t, NewEnv(endpoint, devs...), nil)
}

// TestRunAgainstPlainEndpoint checks Run's endpoint path as the
// containers backend uses it: a plain endpoint with no embedded capabilities. The scenarios
// that need the clock or the sweeper skip; every other one runs.
func TestRunAgainstPlainEndpoint(t *testing.T) {
	t.Parallel()
	emb := embedded(t)
	plain := NewEnv(emb.Endpoint)
	Run(t, plain, nil)
}
