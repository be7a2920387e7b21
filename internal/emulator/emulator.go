package emulator

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/sfapi/sfapi/internal/emulator/apigw"
	"github.com/sfapi/sfapi/internal/emulator/apigw/wsapi"
	"github.com/sfapi/sfapi/internal/emulator/asl"
	"github.com/sfapi/sfapi/internal/emulator/awsjson"
	"github.com/sfapi/sfapi/internal/emulator/ddb"
	"github.com/sfapi/sfapi/internal/emulator/ddbapi"
	"github.com/sfapi/sfapi/internal/emulator/eventsapi"
	"github.com/sfapi/sfapi/internal/emulator/kv"
	"github.com/sfapi/sfapi/internal/emulator/logtap"
	"github.com/sfapi/sfapi/internal/emulator/pipes"
	"github.com/sfapi/sfapi/internal/emulator/pipes/pipesapi"
	"github.com/sfapi/sfapi/internal/emulator/push"
	"github.com/sfapi/sfapi/internal/emulator/push/ws"
	"github.com/sfapi/sfapi/internal/emulator/sfnapi"
	"github.com/sfapi/sfapi/internal/project"
)

// Options configure an Emulator.
type Options struct {
	Project *project.Project
	// DataDir holds the stores; created if missing.
	DataDir string
	// InMemory keeps nothing across restarts (stores in a temp dir, no fsync).
	InMemory bool
	// Reset deletes the stores in DataDir before starting.
	Reset bool
	// Listener addresses (host:port; port 0 picks a free port; an empty
	// host means 127.0.0.1).
	APIAddr, AWSAddr, WSAddr string
	Logger                   *slog.Logger
	Now                      func() time.Time
	// MockConfig is a Step Functions Local MockConfigFile whose mocked
	// responses answer Task states; TestCase selects the test case used
	// when a state machine ARN carries no "#TestCase" suffix.
	MockConfig string
	TestCase   string
	// Backend, when set, serves DynamoDB, its streams and Step Functions
	// instead of the embedded engines (the containers backend).
	Backend Backend
	// Sleep replaces the timer of Wait states and retry delays (nil: real
	// time); sfapitest passes its controllable clock's, with Now.
	Sleep func(ctx context.Context, d time.Duration) error
	// Faults injects failures for tests (nil: none); see faults.go.
	Faults *Faults
}

// Emulator is the embedded backend of `sfapi dev`.
type Emulator struct {
	opts Options
	log  *slog.Logger

	stores   []*kv.DB
	ddb      *ddb.Engine
	sfn      *asl.Engine
	router   *push.Router
	hub      *push.Hub
	events   *push.EventLog
	pipeSet  *pipes.Set
	mux      *awsjson.Mux
	api      http.Handler
	wsServer *ws.Server
	sqs      queues
	warnings []string

	// apiSwap serves the REST API; Reload swaps what it serves. current is
	// the project the swappable parts were last built from.
	apiSwap  *swapHandler
	tap      *logtap.Tap
	logsPath string
	logsStop chan struct{}
	current  *project.Project
	reloadMu sync.Mutex

	servers   []*http.Server
	awsServer *awsjson.Server
	pipes     sync.WaitGroup
	stopPipes context.CancelFunc
	started   bool
}

// New checks the options; Start does the work.
func New(opts Options) (*Emulator, error) {
	if opts.Project == nil {
		return nil, errors.New("emulator: a project is required")
	}
	if opts.DataDir == "" {
		opts.DataDir = filepath.Join(opts.Project.Dir, ".sfapi")
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	for _, a := range []*string{&opts.APIAddr, &opts.AWSAddr, &opts.WSAddr} {
		n, err := NormalizeAddr(*a)
		if err != nil {
			return nil, err
		}
		*a = n
	}
	// Every component logs through the tap, so `sfapi logs` can follow
	// them at debug level while the console stays at its own level.
	tap := logtap.New(opts.Logger.Handler())
	return &Emulator{opts: opts, log: slog.New(tap), tap: tap}, nil
}

// NormalizeAddr checks a listener address and fills in the default host
// 127.0.0.1 (sfapi never listens beyond loopback unless told to).
func NormalizeAddr(addr string) (string, error) {
	if addr == "" {
		return "127.0.0.1:0", nil
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "", fmt.Errorf("want host:port: %w", err)
	}
	if host == "" {
		host = "127.0.0.1"
	}
	return net.JoinHostPort(host, port), nil
}

// Warnings lists things of the project that cannot run locally (for
// example aws_proxy Lambda routes); `sfapi dev` prints them at start.
func (e *Emulator) Warnings() []string { return e.warnings }

// Start opens the stores, provisions the project, binds the three
// listeners, resumes unfinished executions and starts the pipes. It
// returns once every listener accepts connections.
func (e *Emulator) Start(ctx context.Context) (ep Endpoints, err error) {
	if e.started {
		return ep, errors.New("emulator: already started")
	}
	e.started = true
	defer func() {
		if err != nil {
			e.closeStores()
		}
	}()
	if err := e.openStores(); err != nil {
		return ep, err
	}
	if err := e.buildEngines(); err != nil {
		return ep, err
	}
	if err := e.provision(ctx); err != nil {
		return ep, err
	}
	apiLn, awsLn, wsLn, err := e.listen()
	if err != nil {
		return ep, err
	}
	ep = Endpoints{
		API: "http://" + apiLn.Addr().String(),
		AWS: "http://" + awsLn.Addr().String(),
		WS:  "ws://" + wsLn.Addr().String() + e.opts.Project.WebSocketPath(),
		PID: os.Getpid(),
	}
	e.sqs.setBase(ep.AWS)
	e.apiSwap = newSwapHandler(e.api)
	e.current = e.opts.Project
	e.serve(apiLn, e.apiSwap)
	e.serveAWS(awsLn)
	e.serve(wsLn, e.wsServer)
	if err := e.sfn.Start(ctx); err != nil {
		return ep, fmt.Errorf("resume executions: %w", err)
	}
	if err := e.startPipes(); err != nil {
		return ep, err
	}
	if ep.Logs, err = e.serveLogs(); err != nil {
		return ep, err
	}
	if err := writeEndpoints(e.opts.DataDir, ep); err != nil {
		return ep, err
	}
	return ep, nil
}

// openStores opens one kv database per engine in the data dir.
func (e *Emulator) openStores() error {
	dir := e.opts.DataDir
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("create data dir: %w", err)
	}
	// A stale endpoints file must not point clients at a dead process.
	_ = os.Remove(filepath.Join(dir, EndpointsFile))
	if e.opts.Reset {
		for _, name := range []string{"dynamodb.db", "stepfunctions.db", "pipes.db"} {
			if err := os.RemoveAll(filepath.Join(dir, name)); err != nil {
				return fmt.Errorf("reset: %w", err)
			}
		}
	}
	for _, name := range []string{"dynamodb.db", "stepfunctions.db", "pipes.db"} {
		opts := kv.Options{InMemory: e.opts.InMemory}
		if name != "dynamodb.db" {
			// Execution histories and the glue's logs are written far more
			// than they are read: from 128 bytes on, their values are kept
			// in the files only (BenchmarkGophersJobs: 30 KB of heap per
			// job instead of 44). DynamoDB items keep kv's default, so
			// reading an item of a few hundred bytes costs no pread.
			opts.InlineMax = kv.WriteMostlyInlineMax
		}
		db, err := kv.Open(filepath.Join(dir, name), opts)
		if err != nil {
			return err
		}
		e.stores = append(e.stores, db)
	}
	return nil
}

func (e *Emulator) closeStores() {
	if e.events != nil {
		// Persist the queued push events before pipes.db closes.
		e.events.Close()
		e.events = nil
	}
	for _, db := range e.stores {
		if err := db.Close(); err != nil {
			e.log.Error("close store", "path", db.Path(), "err", err)
		}
	}
	e.stores = nil
}

func (e *Emulator) buildEngines() error {
	p := e.opts.Project
	var err error
	e.ddb, err = ddb.Open(e.stores[0], ddb.Options{Region: p.Region(), AccountID: p.AccountID(), Logger: e.log.With("component", "ddb"), Now: e.opts.Now})
	if err != nil {
		return fmt.Errorf("open dynamodb: %w", err)
	}
	e.mux = awsjson.NewMux(e.log.With("component", "aws"))
	tk := &tasks{mux: e.mux}
	var mocks *asl.MockConfig
	if e.opts.MockConfig != "" {
		if mocks, err = asl.LoadMockConfig(e.opts.MockConfig); err != nil {
			return err
		}
	}
	e.sfn, err = asl.NewEngine(asl.Options{Store: e.stores[1], Tasks: e.opts.Faults.wrapTasks(tk), Logger: e.log, Now: e.opts.Now, Sleep: e.opts.Sleep, Region: p.Region(), AccountID: p.AccountID(),
		Mocks: mocks, DefaultTestCase: e.opts.TestCase})
	if err != nil {
		return fmt.Errorf("open step functions: %w", err)
	}
	tk.sfn = e.sfn
	// The push event log shares pipes.db: it is glue state, like the
	// pipes' checkpoints.
	e.events, err = push.OpenEventLog(e.stores[2], push.EventLogOptions{Now: e.opts.Now, Logger: e.log.With("component", "push")})
	if err != nil {
		return err
	}
	e.hub = push.NewHubWithOptions(push.HubOptions{Log: e.events, Logger: e.log.With("component", "push"), Now: e.opts.Now})
	e.router = push.NewRouter(push.RouterOptions{Region: p.Region(), AccountID: p.AccountID(), Hub: e.hub, Logger: e.log.With("component", "events"), Now: e.opts.Now})
	tk.router = e.router
	if err := e.router.OpenArchives(e.stores[2]); err != nil {
		return err
	}
	ddbapi.Register(e.mux, e.ddb)
	if e.opts.Backend == nil {
		// The mux's DynamoDB stays the engine's own: tasks may skip it.
		tk.ddb = ddbapi.NewDirect(e.ddb)
	}
	sfnapi.Register(e.mux, e.sfn)
	eventsapi.Register(e.mux, e.router)
	if e.opts.Backend != nil {
		e.opts.Backend.Register(e.mux)
	}
	// startPipes fills the set; the queue API answers from the start.
	e.pipeSet = pipes.NewSet(pipes.NewStore(e.stores[2]))
	pipesapi.Register(e.mux, e.pipeSet)
	if err := e.bindSQS(); err != nil {
		return err
	}

	wsOpts := ws.Options{Path: p.WebSocketPath(), Logger: e.log.With("component", "ws"), Now: e.opts.Now}
	// websocket.routes: $connect/$disconnect/message routes as API Gateway runs them.
	wsAPI, err := wsapi.New(wsapi.Options{Spec: p.Manifest.WebSocket, Integrations: integrations{mux: e.mux}, Stage: p.Stage(),
		Region: p.Region(), AccountID: p.AccountID(), Logger: e.log, Now: e.opts.Now})
	if err != nil {
		return err
	}
	if wsAPI.Enabled() {
		wsOpts.Routes = wsAPI
	}
	e.wsServer = ws.NewServer(e.hub, wsOpts)
	tk.ws = e.wsServer

	api, warnings, err := e.buildAPI(p)
	if err != nil {
		return err
	}
	e.api = api
	e.warnings = append(e.warnings, warnings...)
	return nil
}

// buildAPI builds the REST front of project p (Start, and Reload on an
// edit) with its warnings.
func (e *Emulator) buildAPI(p *project.Project) (http.Handler, []string, error) {
	doc, lines, err := p.OpenAPI()
	if errors.Is(err, project.ErrNoAPI) {
		// A project may be only tables and state machines; its REST
		// listener still answers, as a stage with no resources would.
		return noAPI{}, []string{"the project has no api section: the REST API answers 403 to every request"}, nil
	}
	if err != nil {
		return nil, nil, err
	}
	api, err := apigw.New(apigw.Options{
		Doc: doc, File: p.OpenAPIFile(), Lines: lines, Stage: p.Stage(),
		Integrations: e.opts.Faults.wrapIntegrations(integrations{mux: e.mux}),
		APIKeys:      p.Manifest.API.APIKeys,
		Logger:       e.log.With("component", "apigw"),
		Now:          e.opts.Now,
		Region:       p.Region(), AccountID: p.AccountID(),
	})
	if err != nil {
		return nil, nil, err
	}
	return api, api.Warnings(), nil
}

// noAPI is the REST listener of a project without an API: API Gateway's
// answer for a route that does not exist.
type noAPI struct{}

func (noAPI) ServeHTTP(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("x-amzn-ErrorType", "MissingAuthenticationTokenException")
	w.WriteHeader(http.StatusForbidden)
	_, _ = w.Write([]byte(`{"message":"Missing Authentication Token"}` + "\n"))
}

func (e *Emulator) listen() (api, aws, wsl net.Listener, err error) {
	var lns []net.Listener
	for _, addr := range []string{e.opts.APIAddr, e.opts.AWSAddr, e.opts.WSAddr} {
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			for _, l := range lns {
				l.Close()
			}
			return nil, nil, nil, fmt.Errorf("listen on %s: %w", addr, err)
		}
		lns = append(lns, ln)
	}
	return lns[0], lns[1], lns[2], nil
}

func (e *Emulator) serve(ln net.Listener, h http.Handler) {
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, ErrorLog: slog.NewLogLogger(e.log.Handler(), slog.LevelDebug)}
	e.servers = append(e.servers, srv)
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			e.log.Error("server stopped", "addr", ln.Addr().String(), "err", err)
		}
	}()
}

// serveAWS serves the AWS JSON services and, on paths holding
// "/@connections/", the API Gateway management API of the push API. The AWS
// port is the hot one (every SDK call), so it runs awsjson's fasthttp front
// rather than net/http (see awsjson.Server).
func (e *Emulator) serveAWS(ln net.Listener) {
	e.awsServer = awsjson.NewServer(e.mux, awsjson.ServerOptions{
		Other:     e.wsServer,
		OtherPath: func(path string) bool { return strings.Contains(path, "/@connections/") },
		Query:     e.sqs.query,
		Logger:    e.log.With("component", "aws"),
	})
	go func() {
		if err := e.awsServer.Serve(ln); err != nil {
			e.log.Error("server stopped", "addr", ln.Addr().String(), "err", err)
		}
	}()
}

// Shutdown stops the listeners, then the pipes, the executions and the push
// hub, and closes the stores. Running executions stay RUNNING on disk and
// resume at the next Start.
func (e *Emulator) Shutdown(ctx context.Context) error {
	e.stopLogs()
	var g errgroup.Group
	for _, srv := range e.servers {
		g.Go(func() error { return srv.Shutdown(ctx) })
	}
	if e.awsServer != nil {
		g.Go(func() error { return e.awsServer.Shutdown(ctx) })
	}
	if e.wsServer != nil {
		g.Go(func() error { return e.wsServer.Shutdown(ctx) })
	}
	err := g.Wait()
	if e.stopPipes != nil {
		e.stopPipes()
		e.pipes.Wait()
	}
	if e.sfn != nil {
		if serr := e.sfn.Shutdown(ctx); serr != nil && err == nil {
			err = serr
		}
	}
	if e.router != nil {
		// Background deliveries (and their retries) end before the hub
		// closes, so none publishes to a closed hub.
		if rerr := e.router.Close(ctx); rerr != nil && err == nil {
			err = rerr
		}
	}
	if e.hub != nil {
		e.hub.Close()
	}
	e.closeStores()
	e.removeLogsSocket()
	_ = os.Remove(filepath.Join(e.opts.DataDir, EndpointsFile))
	return err
}

// Mux returns the in-process AWS endpoint (tests and benchmarks call it
// without a network).
func (e *Emulator) Mux() *awsjson.Mux { return e.mux }
