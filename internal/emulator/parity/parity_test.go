package parity

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"
	"github.com/aws/smithy-go"

	"github.com/sfapi/sfapi/internal/emulator/awsjson"
	"github.com/sfapi/sfapi/internal/emulator/ddb"
	"github.com/sfapi/sfapi/internal/emulator/ddbapi"
	"github.com/sfapi/sfapi/internal/emulator/kv"
)

// Env is what a scenario runs against: an endpoint, and optional
// capabilities of the embedded engine.
type Env struct {
	Endpoint string
	DB       *dynamodb.Client
	Streams  *dynamodbstreams.Client
	// Sweep runs the TTL sweeper at now (nil where TTL cannot be forced).
	Sweep func(ctx context.Context, now time.Time) (int, error)
	// Advance moves the server clock forward (nil where it cannot).
	Advance func(d time.Duration)
	// Now is the server clock.
	Now func() time.Time

	seq atomic.Int64
}

// NewEnv builds SDK clients for endpoint with dummy credentials.
func NewEnv(endpoint string) *Env {
	cfg := aws.Config{Region: "us-east-1", Credentials: credentials.NewStaticCredentialsProvider("AKID", "SECRET", "")}
	return &Env{
		Endpoint: endpoint,
		DB:       dynamodb.NewFromConfig(cfg, func(o *dynamodb.Options) { o.BaseEndpoint = aws.String(endpoint) }),
		Streams:  dynamodbstreams.NewFromConfig(cfg, func(o *dynamodbstreams.Options) { o.BaseEndpoint = aws.String(endpoint) }),
		Now:      time.Now,
	}
}

// Table returns a table name unique within the run.
func (e *Env) Table(prefix string) string {
	return fmt.Sprintf("%s_%d_%d", prefix, time.Now().UnixNano()%1e6, e.seq.Add(1))
}

// scenario is one feature's parity check.
type scenario struct {
	name string
	run  func(t *testing.T, env *Env)
}

// scenarios lists every scenario; each file of the package adds its own.
var (
	scenariosMu sync.Mutex
	scenarios   []scenario
)

func register(name string, run func(t *testing.T, env *Env)) bool {
	scenariosMu.Lock()
	defer scenariosMu.Unlock()
	scenarios = append(scenarios, scenario{name, run})
	return true
}

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

// TestEmbedded runs every scenario against the embedded engine. Scenarios
// that move the clock get an engine of their own.
func TestEmbedded(t *testing.T) {
	t.Parallel()
	shared := embedded(t)
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			t.Parallel()
			env := shared
			if strings.HasPrefix(sc.name, "clock/") {
				env = embedded(t)
			}
			sc.run(t, env)
		})
	}
}

// Helpers shared by the scenarios.

func s(v string) types.AttributeValue     { return &types.AttributeValueMemberS{Value: v} }
func n(v string) types.AttributeValue     { return &types.AttributeValueMemberN{Value: v} }
func b(v []byte) types.AttributeValue     { return &types.AttributeValueMemberB{Value: v} }
func ss(v ...string) types.AttributeValue { return &types.AttributeValueMemberSS{Value: v} }
func ns(v ...string) types.AttributeValue { return &types.AttributeValueMemberNS{Value: v} }
func l(v ...types.AttributeValue) types.AttributeValue {
	return &types.AttributeValueMemberL{Value: v}
}
func m(v map[string]types.AttributeValue) types.AttributeValue {
	return &types.AttributeValueMemberM{Value: v}
}
func boolean(v bool) types.AttributeValue { return &types.AttributeValueMemberBOOL{Value: v} }

type item = map[string]types.AttributeValue

// show renders an attribute value or item compactly and deterministically,
// so comparisons ignore SDK pointer identity.
func show(v any) string {
	switch x := v.(type) {
	case nil:
		return "<nil>"
	case item:
		if x == nil {
			return "<nil>"
		}
		return show(&types.AttributeValueMemberM{Value: x})
	case *types.AttributeValueMemberS:
		return fmt.Sprintf("%q", x.Value)
	case *types.AttributeValueMemberN:
		return x.Value
	case *types.AttributeValueMemberB:
		return fmt.Sprintf("b%q", x.Value)
	case *types.AttributeValueMemberBOOL:
		return fmt.Sprint(x.Value)
	case *types.AttributeValueMemberNULL:
		return "null"
	case *types.AttributeValueMemberSS:
		return fmt.Sprintf("SS%q", sortedCopy(x.Value))
	case *types.AttributeValueMemberNS:
		return fmt.Sprintf("NS%v", sortedCopy(x.Value))
	case *types.AttributeValueMemberBS:
		return fmt.Sprintf("BS%q", x.Value)
	case *types.AttributeValueMemberL:
		parts := make([]string, len(x.Value))
		for i, e := range x.Value {
			parts[i] = show(e)
		}
		return "[" + strings.Join(parts, ",") + "]"
	case *types.AttributeValueMemberM:
		keys := make([]string, 0, len(x.Value))
		for k := range x.Value {
			keys = append(keys, k)
		}
		sortStrings(keys)
		parts := make([]string, len(keys))
		for i, k := range keys {
			parts[i] = k + ":" + show(x.Value[k])
		}
		return "{" + strings.Join(parts, ",") + "}"
	}
	return fmt.Sprintf("%T", v)
}

func sortedCopy(v []string) []string {
	out := append([]string(nil), v...)
	sortStrings(out)
	return out
}

func sortStrings(v []string) {
	for i := 1; i < len(v); i++ {
		for j := i; j > 0 && v[j] < v[j-1]; j-- {
			v[j], v[j-1] = v[j-1], v[j]
		}
	}
}

// wantItem fails unless got renders as want.
func wantItem(t *testing.T, what string, got item, want string) {
	t.Helper()
	if g := show(got); g != want {
		t.Fatalf("%s = %s, want %s", what, g, want)
	}
}

// wantErr fails unless err is an API error with code and a message
// containing msg. Request ids and other metadata are ignored.
func wantErr(t *testing.T, what string, err error, code, msg string) {
	t.Helper()
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("%s: err = %v, want %s", what, err, code)
	}
	if ae.ErrorCode() != code || !strings.Contains(ae.ErrorMessage(), msg) {
		t.Fatalf("%s: err = %s: %s, want %s containing %q", what, ae.ErrorCode(), ae.ErrorMessage(), code, msg)
	}
}

func must[T any](t *testing.T, what string) func(T, error) T {
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		return v
	}
}

func ks(names ...string) []types.KeySchemaElement {
	out := []types.KeySchemaElement{{AttributeName: aws.String(names[0]), KeyType: types.KeyTypeHash}}
	if len(names) > 1 {
		out = append(out, types.KeySchemaElement{AttributeName: aws.String(names[1]), KeyType: types.KeyTypeRange})
	}
	return out
}

func defs(kv ...string) []types.AttributeDefinition {
	var out []types.AttributeDefinition
	for i := 0; i+1 < len(kv); i += 2 {
		out = append(out, types.AttributeDefinition{AttributeName: aws.String(kv[i]), AttributeType: types.ScalarAttributeType(kv[i+1])})
	}
	return out
}

// createTable creates a pay-per-request table pk (S) [+ sk (N)], with
// optional tweaks, and returns its name.
func createTable(t *testing.T, env *Env, prefix string, withSort bool, tweak func(*dynamodb.CreateTableInput)) string {
	t.Helper()
	name := env.Table(prefix)
	in := &dynamodb.CreateTableInput{TableName: aws.String(name), KeySchema: ks("pk"), AttributeDefinitions: defs("pk", "S"), BillingMode: types.BillingModePayPerRequest}
	if withSort {
		in.KeySchema, in.AttributeDefinitions = ks("pk", "sk"), defs("pk", "S", "sk", "N")
	}
	if tweak != nil {
		tweak(in)
	}
	must[*dynamodb.CreateTableOutput](t, "create "+name)(env.DB.CreateTable(context.Background(), in))
	return name
}

func put(t *testing.T, env *Env, table string, it item) {
	t.Helper()
	must[*dynamodb.PutItemOutput](t, "put")(env.DB.PutItem(context.Background(), &dynamodb.PutItemInput{TableName: aws.String(table), Item: it}))
}

func get(t *testing.T, env *Env, table string, key item) item {
	t.Helper()
	out := must[*dynamodb.GetItemOutput](t, "get")(env.DB.GetItem(context.Background(), &dynamodb.GetItemInput{TableName: aws.String(table), Key: key, ConsistentRead: aws.Bool(true)}))
	return out.Item
}

// asErr is errors.As for SDK error types.
func asErr[T error](err error, target *T) bool { return errors.As(err, target) }
