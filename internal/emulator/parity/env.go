package parity

import (
	"context"
	"errors"
	"fmt"
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
)

// Env is what a scenario runs against: an endpoint, the known deviations
// of what serves it, and optional capabilities of the embedded engine.
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
	// Deviations are the endpoint's known departures from AWS: a scenario
	// asserts AWS's behaviour except where the endpoint declares otherwise
	// (see Deviation, DynamoDBLocal).
	Deviations []Deviation

	// run prefixes every table name, so tables of one run sort together
	// and never collide with tables already on the endpoint.
	run string
	seq atomic.Int64
}

// Deviation names a known way an endpoint departs from AWS. docs/compat.md
// describes each one.
type Deviation string

// Known deviations.
const (
	// StreamShardLayout: the endpoint may split a stream into more than the
	// one open shard a lightly written AWS stream has.
	StreamShardLayout Deviation = "stream-shard-layout"
	// ErrorWording: the endpoint's error messages differ from AWS's
	// wording; only error codes are compared.
	ErrorWording Deviation = "error-wording"
	// NoBatchGetSizeLimit: BatchGetItem never stops at AWS's 16 MB response
	// limit, so UnprocessedKeys stays empty.
	NoBatchGetSizeLimit Deviation = "no-batch-get-size-limit"
	// LocalRegion: stream records and ARNs name the region "ddblocal", as
	// DynamoDB Local writes them, instead of the client's region.
	LocalRegion Deviation = "local-region"
)

// DynamoDBLocal are the deviations AWS documents for DynamoDB Local
// ("DynamoDB local usage notes") that the scenarios touch. It is a
// starting list: a run against the container may show more, and each one
// found belongs here and in docs/compat.md.
var DynamoDBLocal = []Deviation{StreamShardLayout, ErrorWording, NoBatchGetSizeLimit, LocalRegion}

// Has reports whether the endpoint declares deviation d, logging it when
// it does so the skipped assertion is visible in -v output.
func (e *Env) Has(t *testing.T, d Deviation) bool {
	t.Helper()
	for _, x := range e.Deviations {
		if x == d {
			t.Logf("known deviation %s: AWS's behaviour not asserted", d)
			return true
		}
	}
	return false
}

// NewEnv builds SDK clients for endpoint with dummy credentials.
func NewEnv(endpoint string, deviations ...Deviation) *Env {
	cfg := aws.Config{Region: "us-east-1", Credentials: credentials.NewStaticCredentialsProvider("AKID", "SECRET", "")}
	return &Env{
		Endpoint:   endpoint,
		DB:         dynamodb.NewFromConfig(cfg, func(o *dynamodb.Options) { o.BaseEndpoint = aws.String(endpoint) }),
		Streams:    dynamodbstreams.NewFromConfig(cfg, func(o *dynamodbstreams.Options) { o.BaseEndpoint = aws.String(endpoint) }),
		Now:        time.Now,
		Deviations: deviations,
		run:        fmt.Sprintf("P%x", time.Now().UnixNano()),
	}
}

// Table returns a table name unique to this run and call. Names of a run
// share the run's prefix (see RunPrefix).
func (e *Env) Table(prefix string) string {
	return fmt.Sprintf("%s_%s_%d", e.run, prefix, e.seq.Add(1))
}

// RunPrefix is the prefix of every table name this Env makes.
func (e *Env) RunPrefix() string { return e.run }

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

// Scenarios returns the names of every scenario, in registration order.
func Scenarios() []string {
	scenariosMu.Lock()
	defer scenariosMu.Unlock()
	out := make([]string, len(scenarios))
	for i, sc := range scenarios {
		out[i] = sc.name
	}
	return out
}

// Run runs every scenario against env, each as a parallel subtest. A
// scenario that needs a capability env lacks (moving the clock, sweeping
// TTL on demand) skips itself, naming the capability. fresh, if not nil,
// gives a scenario that moves the clock an Env of its own.
//
// This is the entry point for other packages' tests (the containers
// backend runs it against DynamoDB Local):
//
//	parity.Run(t, parity.NewEnv(endpoint, parity.DynamoDBLocal...), nil)
func Run(t *testing.T, env *Env, fresh func(t *testing.T) *Env) {
	t.Helper()
	scenariosMu.Lock()
	all := append([]scenario(nil), scenarios...)
	scenariosMu.Unlock()
	for _, sc := range all {
		t.Run(sc.name, func(t *testing.T) {
			t.Parallel()
			e := env
			if fresh != nil && strings.HasPrefix(sc.name, "clock/") {
				e = fresh(t)
			}
			sc.run(t, e)
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
// containing msg (AWS's wording; only the code is compared on an endpoint
// with the ErrorWording deviation). Request ids and other metadata are
// ignored.
func (e *Env) wantErr(t *testing.T, what string, err error, code, msg string) {
	t.Helper()
	if msg != "" && e.Has(t, ErrorWording) {
		msg = ""
	}
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
	waitTableActive(t, env, name)
	return name
}

// waitTableActive waits until DescribeTable says ACTIVE: at once on the
// embedded engine and DynamoDB Local, after a while on AWS.
func waitTableActive(t *testing.T, env *Env, name string) {
	t.Helper()
	for range 600 {
		d := must[*dynamodb.DescribeTableOutput](t, "describe "+name)(env.DB.DescribeTable(context.Background(), &dynamodb.DescribeTableInput{TableName: aws.String(name)}))
		if d.Table.TableStatus == types.TableStatusActive {
			return
		}
		waitABit()
	}
	t.Fatalf("table %s never became ACTIVE", name)
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
