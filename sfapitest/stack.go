package sfapitest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/sfapi/sfapi/internal/emulator"
	"github.com/sfapi/sfapi/internal/project"
)

// Endpoints are the base URLs of a running stack.
type Endpoints struct {
	API string // the project's REST API: http://127.0.0.1:PORT
	AWS string // DynamoDB, DynamoDB Streams, Step Functions, EventBridge
	WS  string // WebSocket push: ws://127.0.0.1:PORT/PATH
}

// Option configures New and Start.
type Option func(*options)

type options struct {
	dataDir string
	logger  *slog.Logger
}

// WithDataDir keeps the stack's state on disk in dir (durable, fsync'ed, as
// `sfapi dev` does) instead of a throwaway in-memory store; a later stack
// on the same dir resumes it.
func WithDataDir(dir string) Option { return func(o *options) { o.dataDir = dir } }

// WithLogger sends the emulator's logs to l (default: discarded).
func WithLogger(l *slog.Logger) Option { return func(o *options) { o.logger = l } }

// ShutdownTimeout bounds Close.
const ShutdownTimeout = 10 * time.Second

// Stack is a running project.
type Stack struct {
	em      *emulator.Emulator
	proj    *project.Project
	ep      emulator.Endpoints
	clock   *Clock
	faults  *emulator.Faults
	cfg     aws.Config
	http    *http.Client
	jobs    jobRouting
	routeOK error // why jobs cannot be read, when they cannot
	create  string
	tmpDir  string

	closeOnce sync.Once
	closeErr  error
	done      chan struct{} // closed by Close: event streams end
}

// Start runs the project in projectDir (the folder holding sfapi.yaml) for
// the test t: fresh state, free ports, stopped by t.Cleanup. It fails t
// when the project does not load or the stack cannot start.
func Start(t testing.TB, projectDir string, opts ...Option) *Stack {
	t.Helper()
	s, err := New(context.Background(), projectDir, opts...)
	if err != nil {
		t.Fatalf("sfapitest: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("sfapitest: stop stack: %v", err)
		}
	})
	return s
}

// New runs the project in projectDir until Close; Start is New for a test.
func New(ctx context.Context, projectDir string, opts ...Option) (*Stack, error) {
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	proj, err := project.Load(projectDir)
	if err != nil {
		return nil, fmt.Errorf("load project %s: %w", projectDir, err)
	}
	s := &Stack{proj: proj, clock: newClock(), faults: &emulator.Faults{}, done: make(chan struct{})}
	eopts := emulator.Options{
		Project: proj, DataDir: o.dataDir,
		APIAddr: "127.0.0.1:0", AWSAddr: "127.0.0.1:0", WSAddr: "127.0.0.1:0",
		Logger: o.logger, Now: s.clock.Now, Sleep: s.clock.Sleep, Faults: s.faults,
	}
	if o.dataDir == "" {
		// Fresh state every time, and no fsync: a test's stack never
		// outlives it.
		if s.tmpDir, err = os.MkdirTemp("", "sfapitest-"); err != nil {
			return nil, fmt.Errorf("create data dir: %w", err)
		}
		eopts.DataDir, eopts.InMemory = s.tmpDir, true
	}
	if s.em, err = emulator.New(eopts); err != nil {
		s.removeTmp()
		return nil, err
	}
	if s.ep, err = s.em.Start(ctx); err != nil {
		s.removeTmp()
		return nil, fmt.Errorf("start stack: %w", err)
	}
	s.clock.afterAdvance = func() {
		ctx, cancel := context.WithTimeout(context.Background(), ShutdownTimeout)
		defer cancel()
		_, _ = s.em.SweepTTL(ctx)
	}
	s.http = &http.Client{Transport: &faultTransport{faults: s.faults, next: http.DefaultTransport}}
	s.cfg = aws.Config{
		Region:       proj.Region(),
		Credentials:  credentials.NewStaticCredentialsProvider(emulator.DummyAccessKeyID, emulator.DummySecretAccessKey, ""),
		BaseEndpoint: aws.String(s.ep.AWS),
		HTTPClient:   s.http,
	}
	s.jobs, s.routeOK = routing(proj)
	s.create, _ = proj.JobCreatePath()
	return s, nil
}

// Close stops the stack and removes its throwaway state; it is safe to call
// more than once.
func (s *Stack) Close() error {
	s.closeOnce.Do(func() {
		close(s.done)
		ctx, cancel := context.WithTimeout(context.Background(), ShutdownTimeout)
		defer cancel()
		s.closeErr = s.em.Shutdown(ctx)
		s.removeTmp()
	})
	return s.closeErr
}

func (s *Stack) removeTmp() {
	if s.tmpDir != "" {
		_ = os.RemoveAll(s.tmpDir)
	}
}

// Endpoints returns the stack's base URLs.
func (s *Stack) Endpoints() Endpoints { return Endpoints{API: s.ep.API, AWS: s.ep.AWS, WS: s.ep.WS} }

// AWSConfig returns a configuration every aws-sdk-go-v2 client can be built
// from (dynamodb.NewFromConfig, sfn.NewFromConfig, ...): the stack's
// endpoint, its region and dummy credentials. Its HTTP client honours
// ThrottleNextDynamoDBCall.
func (s *Stack) AWSConfig() aws.Config { return s.cfg.Copy() }

// Env returns the environment (KEY=value) that points a child process
// (another language's SDK, the aws CLI) at the stack, as `sfapi test` sets
// it: AWS_ENDPOINT_URL and the per-service variables, dummy credentials,
// AWS_REGION, SFAPI_API_URL and SFAPI_WS_URL.
func (s *Stack) Env() []string { return s.ep.Environ(s.proj.Region()) }

// Clock returns the stack's controllable clock.
func (s *Stack) Clock() *Clock { return s.clock }

// Region is the project's region.
func (s *Stack) Region() string { return s.proj.Region() }

// ThrottleNextDynamoDBCall makes the next DynamoDB call fail with
// ProvisionedThroughputExceededException, whoever makes it: an API
// Gateway integration, a Task state (whose error is then
// DynamoDB.ProvisionedThroughputExceededException) or a client built from
// AWSConfig (whose SDK retries it by default). Calls add up.
func (s *Stack) ThrottleNextDynamoDBCall() { s.faults.ThrottleNextDynamoDBCall() }

// FailTask makes every Task state named state fail with errName and cause
// (as if its resource had failed) until ClearFaults, so Retry and Catch
// paths run.
func (s *Stack) FailTask(state, errName, cause string) { s.faults.FailTask(state, errName, cause) }

// DropNextStreamBatch loses the next batch a pipe delivers from a table's
// stream on its way to the target: the pipe sees a failed invocation and
// retries it, or (after maximumRetryAttempts) parks it in its on-failure
// queue, which DeadLetters lists. Calls add up.
func (s *Stack) DropNextStreamBatch() { s.faults.DropNextStreamBatch() }

// ClearFaults removes every pending injected failure.
func (s *Stack) ClearFaults() { s.faults.Clear() }

// DeadLetter is one batch a pipe gave up on (its on-failure queue entry).
type DeadLetter struct {
	ID        string
	Pipe      string
	Condition string // e.g. TargetInvocationFailed
	Error     string
	Attempts  int
	Records   []json.RawMessage // the DynamoDB stream records
}

// DeadLetters lists the on-failure queue of the pipe with that logical ID.
func (s *Stack) DeadLetters(pipe string) ([]DeadLetter, error) {
	fs, err := s.em.PipeFailures(pipe)
	if err != nil {
		return nil, fmt.Errorf("read dead letters of %s: %w", pipe, err)
	}
	out := make([]DeadLetter, len(fs))
	for i, f := range fs {
		out[i] = DeadLetter{ID: f.ID, Pipe: f.Pipe, Condition: f.Condition, Error: f.ErrorMessage, Attempts: f.InvokeCount, Records: f.Records}
	}
	return out, nil
}

// faultTransport answers a pending throttle to the DynamoDB requests of
// the clients built from AWSConfig.
type faultTransport struct {
	faults *emulator.Faults
	next   http.RoundTripper
}

func (t *faultTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if strings.HasPrefix(r.Header.Get("X-Amz-Target"), "DynamoDB_20120810.") && t.faults.TakeThrottle() {
		if r.Body != nil {
			_, _ = io.Copy(io.Discard, r.Body)
			r.Body.Close()
		}
		body := emulator.ThrottleBody()
		h := http.Header{}
		h.Set("Content-Type", "application/x-amz-json-1.0")
		h.Set("X-Amzn-Requestid", "sfapitest-throttle")
		return &http.Response{
			Status: "400 Bad Request", StatusCode: http.StatusBadRequest, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
			Header: h, Body: io.NopCloser(bytes.NewReader(body)), ContentLength: int64(len(body)), Request: r,
		}, nil
	}
	return t.next.RoundTrip(r)
}

// errNoJobs explains why a project's jobs cannot be read.
var errNoJobs = errors.New("the project has no job table (no pipe takes a table's stream to a state machine)")
