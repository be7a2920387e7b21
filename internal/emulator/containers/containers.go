package containers

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httputil"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/moby/moby/api/types/container"
	dnetwork "github.com/moby/moby/api/types/network"
	"github.com/moby/moby/client"
	"github.com/testcontainers/testcontainers-go"
	tclog "github.com/testcontainers/testcontainers-go/log"
	"github.com/testcontainers/testcontainers-go/network"
	"github.com/testcontainers/testcontainers-go/wait"
)

// Default images: AWS's own local engines.
const (
	DefaultDynamoDBImage      = "amazon/dynamodb-local:latest"
	DefaultStepFunctionsImage = "amazon/aws-stepfunctions-local:latest"
)

// Labels put on every container and network sfapi creates.
const (
	LabelProject = "sfapi.project" // absolute project directory
	LabelSession = "sfapi.session" // id of the sfapi dev run that created it
	LabelRole    = "sfapi.role"    // dynamodb, stepfunctions, network
	// LabelEvents records the EventBridge endpoint a Step Functions Local
	// container was created with: a reused container is kept only when
	// this run can serve that endpoint again.
	LabelEvents = "sfapi.events"
)

// Ports inside the containers.
const (
	DynamoDBPort      = "8000/tcp"
	StepFunctionsPort = "8083/tcp"
)

// ReadyTimeout bounds the wait for one container to answer.
const ReadyTimeout = 2 * time.Minute

// Options configure Start.
type Options struct {
	// ProjectDir is the project's directory (made absolute); it labels
	// and names what is created.
	ProjectDir string
	// Region and AccountID are Step Functions Local's AWS_DEFAULT_REGION
	// and AWS_ACCOUNT_ID: the project's, so its state machine ARNs match.
	Region, AccountID string
	// Images; empty means the defaults.
	DynamoDBImage, StepFunctionsImage string
	// Reuse keeps the containers (and network) when Close runs, and
	// adopts those a previous run kept.
	Reuse bool
	// SessionID labels this run's resources; empty picks one.
	SessionID string
	// Progress receives one line per step (image, start, wait, ready).
	Progress io.Writer
	Logger   *slog.Logger
}

// Stack is a running pair of containers.
type Stack struct {
	// DynamoDB and StepFunctions are the endpoints as the host sees them.
	DynamoDB, StepFunctions string
	// Network is the private network's name; EventsEndpoint the URL Step
	// Functions Local sends events:putEvents to (the relay).
	Network, EventsEndpoint string
	// Reused is true when the containers of an earlier run were adopted.
	Reused bool

	opts       Options
	cli        *client.Client
	containers []string // ids to remove on Close (when not reused)
	networkID  string
	relay      *relay
	closeOnce  sync.Once
}

// quietOnce silences testcontainers' own logging (its banner would
// interleave with sfapi dev's progress lines) and its reaper container:
// sfapi removes what it creates by label instead, which a crash does not
// defeat (`sfapi dev --clean`), and --reuse needs containers that outlive
// the process. The reaper is off through TESTCONTAINERS_RYUK_DISABLED,
// read once by testcontainers' config.
var quietOnce sync.Once

func quiet() {
	quietOnce.Do(func() {
		tclog.SetDefault(tclog.NewNoopLogger())
		if os.Getenv("TESTCONTAINERS_RYUK_DISABLED") == "" {
			_ = os.Setenv("TESTCONTAINERS_RYUK_DISABLED", "true")
		}
	})
}

// dockerClient connects to the Docker daemon testcontainers finds
// (DOCKER_HOST, the socket, ~/.testcontainers.properties).
func dockerClient(ctx context.Context) (*client.Client, error) {
	quiet()
	dc, err := testcontainers.NewDockerClientWithOpts(ctx)
	if err != nil {
		return nil, fmt.Errorf("docker: %w", err)
	}
	return dc.Client, nil
}

// Available reports whether a Docker daemon answers.
func Available(ctx context.Context) error {
	cli, err := dockerClient(ctx)
	if err != nil {
		return err
	}
	defer cli.Close()
	if _, err := cli.Ping(ctx, client.PingOptions{}); err != nil {
		return fmt.Errorf("docker daemon: %w", err)
	}
	return nil
}

// projectKey names the project's resources: a short hash of its path.
func projectKey(abs string) string {
	sum := sha256.Sum256([]byte(abs))
	return hex.EncodeToString(sum[:4])
}

func newSessionID() string {
	var b [6]byte
	sum := sha256.Sum256([]byte(strconv.FormatInt(time.Now().UnixNano(), 10) + strconv.Itoa(os.Getpid())))
	copy(b[:], sum[:])
	return hex.EncodeToString(b[:])
}

// Start creates (or, with Reuse, adopts) the network and both containers,
// starts the EventBridge relay, and returns once both answer an API call.
// On error everything it created is removed again.
func Start(ctx context.Context, opts Options) (st *Stack, err error) {
	if opts.ProjectDir == "" {
		return nil, errors.New("containers: a project directory is required")
	}
	abs, err := filepath.Abs(opts.ProjectDir)
	if err != nil {
		return nil, err
	}
	opts.ProjectDir = abs
	if opts.DynamoDBImage == "" {
		opts.DynamoDBImage = DefaultDynamoDBImage
	}
	if opts.StepFunctionsImage == "" {
		opts.StepFunctionsImage = DefaultStepFunctionsImage
	}
	if opts.SessionID == "" {
		opts.SessionID = newSessionID()
	}
	if opts.Progress == nil {
		opts.Progress = io.Discard
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	cli, err := dockerClient(ctx)
	if err != nil {
		return nil, err
	}
	if _, err := cli.Ping(ctx, client.PingOptions{}); err != nil {
		cli.Close()
		return nil, fmt.Errorf("docker daemon: %w", err)
	}
	st = &Stack{opts: opts, cli: cli}
	defer func() {
		if err != nil {
			// Reused resources stay; this run's own go.
			st.remove(context.WithoutCancel(ctx), true)
			st = nil
		}
	}()
	if err := st.ensureNetwork(ctx); err != nil {
		return st, err
	}
	gw, err := st.gateway(ctx)
	if err != nil {
		return st, err
	}
	existing, err := st.list(ctx)
	if err != nil {
		return st, err
	}
	// The relay listens on the network's gateway address: reachable from
	// the containers, not from other machines. A reused Step Functions
	// container keeps its endpoint, so the relay binds that port again.
	wantEvents := ""
	if c, ok := existing["stepfunctions"]; ok && opts.Reuse {
		wantEvents = c.Labels[LabelEvents]
	}
	st.relay, err = newRelay(gw, wantEvents)
	if err != nil {
		return st, err
	}
	st.EventsEndpoint = st.relay.url

	ddbLabels := st.labels("dynamodb", nil)
	if st.DynamoDB, err = st.ensure(ctx, existing["dynamodb"], "dynamodb-local", opts.DynamoDBImage, DynamoDBPort, ddbLabels,
		[]testcontainers.ContainerCustomizer{
			testcontainers.WithCmd("-jar", "DynamoDBLocal.jar", "-sharedDb", "-inMemory"),
			network.WithNetworkName([]string{"dynamodb"}, st.Network),
		}, dynamoDBReady); err != nil {
		return st, err
	}
	sfnLabels := st.labels("stepfunctions", map[string]string{LabelEvents: st.EventsEndpoint})
	if st.StepFunctions, err = st.ensure(ctx, existing["stepfunctions"], "stepfunctions-local", opts.StepFunctionsImage, StepFunctionsPort, sfnLabels,
		[]testcontainers.ContainerCustomizer{
			testcontainers.WithEnv(map[string]string{
				"AWS_DEFAULT_REGION":    opts.Region,
				"AWS_ACCOUNT_ID":        opts.AccountID,
				"AWS_ACCESS_KEY_ID":     "sfapi",
				"AWS_SECRET_ACCESS_KEY": "sfapi",
				"DYNAMODB_ENDPOINT":     "http://dynamodb:8000",
				"EVENTBRIDGE_ENDPOINT":  st.EventsEndpoint,
				// sfapi's AWS endpoint serves SQS too (both protocols).
				"SQS_ENDPOINT": st.EventsEndpoint,
			}),
			network.WithNetworkName([]string{"stepfunctions"}, st.Network),
		}, stepFunctionsReady); err != nil {
		return st, err
	}
	return st, nil
}

// SetEventsTarget points the relay at sfapi's AWS endpoint (known once
// the emulator listens); until then Step Functions Local's events calls
// wait (at most relayHold, then 503).
func (s *Stack) SetEventsTarget(awsEndpoint string) error {
	u, err := url.Parse(awsEndpoint)
	if err != nil || u.Host == "" {
		return fmt.Errorf("events target %q: want a URL", awsEndpoint)
	}
	s.relay.target.Store(u)
	s.relay.once.Do(func() { close(s.relay.ready) })
	return nil
}

// Close stops the relay and removes the containers and the network,
// unless Reuse keeps them for the next run.
func (s *Stack) Close(ctx context.Context) error {
	var err error
	s.closeOnce.Do(func() {
		if s.relay != nil {
			s.relay.close()
		}
		if s.opts.Reuse {
			s.progress("keeping the containers for the next run (--reuse); sfapi dev --clean removes them")
		} else {
			s.progress("removing the containers and network %s", s.Network)
			err = s.remove(ctx, false)
		}
		s.cli.Close()
	})
	return err
}

// Project returns the labels' project directory.
func (s *Stack) Project() string { return s.opts.ProjectDir }

// Session returns this run's session id.
func (s *Stack) Session() string { return s.opts.SessionID }

func (s *Stack) progress(format string, args ...any) {
	fmt.Fprintf(s.opts.Progress, "containers: "+format+"\n", args...)
}

func (s *Stack) labels(role string, extra map[string]string) map[string]string {
	l := map[string]string{LabelProject: s.opts.ProjectDir, LabelSession: s.opts.SessionID, LabelRole: role}
	for k, v := range extra {
		l[k] = v
	}
	return l
}

// name is the fixed name of a kept resource; a run without Reuse gets
// names of its own, so it never collides with kept containers.
func (s *Stack) name(role string) string {
	n := "sfapi-" + projectKey(s.opts.ProjectDir) + "-" + role
	if !s.opts.Reuse {
		n += "-" + s.opts.SessionID
	}
	return n
}

func (s *Stack) ensureNetwork(ctx context.Context) error {
	name := s.name("net")
	if s.opts.Reuse {
		nets, err := s.cli.NetworkList(ctx, client.NetworkListOptions{Filters: make(client.Filters).Add("name", name).Add("label", LabelProject+"="+s.opts.ProjectDir)})
		if err != nil {
			return fmt.Errorf("list networks: %w", err)
		}
		for _, n := range nets.Items {
			if n.Name == name {
				s.Network, s.networkID = n.Name, ""
				s.progress("reusing network %s", name)
				return nil
			}
		}
	}
	labels := s.labels("network", nil)
	testcontainers.AddGenericLabels(labels)
	res, err := s.cli.NetworkCreate(ctx, name, client.NetworkCreateOptions{Driver: "bridge", Labels: labels})
	if err != nil {
		return fmt.Errorf("create network %s: %w", name, err)
	}
	s.Network, s.networkID = name, res.ID
	s.progress("created network %s", name)
	return nil
}

// gateway returns the host's address on the private network.
func (s *Stack) gateway(ctx context.Context) (string, error) {
	res, err := s.cli.NetworkInspect(ctx, s.Network, client.NetworkInspectOptions{})
	if err != nil {
		return "", fmt.Errorf("inspect network %s: %w", s.Network, err)
	}
	for _, c := range res.Network.IPAM.Config {
		if c.Gateway.IsValid() && c.Gateway.Is4() {
			return c.Gateway.String(), nil
		}
	}
	return "", fmt.Errorf("network %s has no IPv4 gateway", s.Network)
}

// list returns the project's containers by role (running or not).
func (s *Stack) list(ctx context.Context) (map[string]container.Summary, error) {
	res, err := s.cli.ContainerList(ctx, client.ContainerListOptions{All: true, Filters: make(client.Filters).Add("label", LabelProject+"="+s.opts.ProjectDir)})
	if err != nil {
		return nil, fmt.Errorf("list containers: %w", err)
	}
	out := map[string]container.Summary{}
	for _, c := range res.Items {
		for _, n := range c.Names {
			if n == "/"+s.name(c.Labels[LabelRole]) {
				out[c.Labels[LabelRole]] = c
			}
		}
	}
	return out, nil
}

// readyFunc makes one real API call to endpoint.
type readyFunc func(ctx context.Context, endpoint string) error

// ensure adopts cur when Reuse allows it, else creates the container, and
// returns its host endpoint once ready answers.
func (s *Stack) ensure(ctx context.Context, cur container.Summary, what, image, port string, labels map[string]string,
	custom []testcontainers.ContainerCustomizer, ready readyFunc) (string, error) {
	portNum, _ := strconv.Atoi(port[:len(port)-len("/tcp")])
	if s.opts.Reuse && cur.ID != "" {
		if cur.State == container.StateRunning && cur.Image == image && sameLabels(cur.Labels, labels, LabelEvents) {
			for _, p := range cur.Ports {
				if int(p.PrivatePort) == portNum && p.PublicPort != 0 {
					ep := "http://127.0.0.1:" + strconv.Itoa(int(p.PublicPort))
					s.progress("reusing %s (%s) at %s", what, image, ep)
					if err := waitReady(ctx, what, ep, ready); err != nil {
						return "", err
					}
					s.Reused = true
					return ep, nil
				}
			}
		}
		s.progress("replacing the kept %s container (image, settings or state changed)", what)
		if _, err := s.cli.ContainerRemove(ctx, cur.ID, client.ContainerRemoveOptions{Force: true}); err != nil {
			return "", fmt.Errorf("remove %s: %w", what, err)
		}
	}
	if _, err := s.cli.ImageInspect(ctx, image); err != nil {
		s.progress("pulling %s", image)
	} else {
		s.progress("using image %s", image)
	}
	s.progress("starting %s", what)
	testcontainers.AddGenericLabels(labels)
	opts := append([]testcontainers.ContainerCustomizer{
		testcontainers.WithName(s.name(labels[LabelRole])),
		testcontainers.WithLabels(labels),
		testcontainers.WithExposedPorts(port),
		// Published on loopback only: the engines take any credentials.
		testcontainers.WithHostConfigModifier(func(hc *container.HostConfig) {
			hc.PortBindings = dnetwork.PortMap{dnetwork.MustParsePort(port): {{HostIP: netip.AddrFrom4([4]byte{127, 0, 0, 1}), HostPort: "0"}}}
		}),
		// testcontainers only waits for the port mapping: its own checks
		// dial the daemon's host address (a gateway when sfapi itself runs
		// in a container), which a loopback binding does not answer, and
		// exec a shell the stand-in images lack. waitReady then dials the
		// port and makes a real API call.
		testcontainers.WithWaitStrategyAndDeadline(ReadyTimeout, wait.ForListeningPort(port).SkipInternalCheck().SkipExternalCheck()),
	}, custom...)
	c, err := testcontainers.Run(ctx, image, opts...)
	if c != nil {
		s.containers = append(s.containers, c.GetContainerID())
	}
	if err != nil {
		return "", fmt.Errorf("start %s (%s): %w", what, image, err)
	}
	mp, err := c.MappedPort(ctx, port)
	if err != nil {
		return "", fmt.Errorf("%s: mapped port: %w", what, err)
	}
	ep := "http://127.0.0.1:" + strconv.Itoa(int(mp.Num()))
	s.progress("waiting for %s to be ready at %s", what, ep)
	if err := waitReady(ctx, what, ep, ready); err != nil {
		return "", err
	}
	return ep, nil
}

func sameLabels(have, want map[string]string, keys ...string) bool {
	for _, k := range keys {
		if have[k] != want[k] {
			return false
		}
	}
	return true
}

// waitReady calls ready until it succeeds or ReadyTimeout passes.
func waitReady(ctx context.Context, what, ep string, ready readyFunc) error {
	ctx, cancel := context.WithTimeout(ctx, ReadyTimeout)
	defer cancel()
	var last error
	host := strings.TrimPrefix(ep, "http://")
	for {
		cctx, ccancel := context.WithTimeout(ctx, 5*time.Second)
		// The listening port first, then one real API call.
		var conn net.Conn
		if conn, last = (&net.Dialer{}).DialContext(cctx, "tcp", host); last == nil {
			conn.Close()
			last = ready(cctx, ep)
		}
		ccancel()
		if last == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%s at %s did not become ready: %w", what, ep, last)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// remove deletes this run's containers and network; with ownOnly false
// (Close without Reuse) also adopted ones.
func (s *Stack) remove(ctx context.Context, ownOnly bool) error {
	var errs []error
	ids := s.containers
	if !ownOnly {
		cur, err := s.list(ctx)
		if err == nil {
			for _, c := range cur {
				ids = append(ids, c.ID)
			}
		}
	}
	seen := map[string]bool{}
	for _, id := range ids {
		if seen[id] {
			continue
		}
		seen[id] = true
		if _, err := s.cli.ContainerRemove(ctx, id, client.ContainerRemoveOptions{Force: true, RemoveVolumes: true}); err != nil && !isNotFound(err) {
			errs = append(errs, fmt.Errorf("remove container %.12s: %w", id, err))
		}
	}
	if s.Network != "" && (s.networkID != "" || !ownOnly) {
		if _, err := s.cli.NetworkRemove(ctx, s.Network, client.NetworkRemoveOptions{}); err != nil && !isNotFound(err) {
			errs = append(errs, fmt.Errorf("remove network %s: %w", s.Network, err))
		}
	}
	return errors.Join(errs...)
}

func isNotFound(err error) bool {
	return cerrdefs.IsNotFound(err)
}

// Cleaned is what Clean removed.
type Cleaned struct {
	Containers []string // names
	Networks   []string
}

// Clean removes every container and network labelled with the project
// (what a crash or --reuse left behind).
func Clean(ctx context.Context, projectDir string) (Cleaned, error) {
	var out Cleaned
	abs, err := filepath.Abs(projectDir)
	if err != nil {
		return out, err
	}
	cli, err := dockerClient(ctx)
	if err != nil {
		return out, err
	}
	defer cli.Close()
	f := make(client.Filters).Add("label", LabelProject+"="+abs)
	cs, err := cli.ContainerList(ctx, client.ContainerListOptions{All: true, Filters: f})
	if err != nil {
		return out, fmt.Errorf("list containers: %w", err)
	}
	var errs []error
	for _, c := range cs.Items {
		name := c.ID[:12]
		if len(c.Names) > 0 {
			name = c.Names[0][1:]
		}
		if _, err := cli.ContainerRemove(ctx, c.ID, client.ContainerRemoveOptions{Force: true, RemoveVolumes: true}); err != nil && !isNotFound(err) {
			errs = append(errs, fmt.Errorf("remove container %s: %w", name, err))
			continue
		}
		out.Containers = append(out.Containers, name)
	}
	ns, err := cli.NetworkList(ctx, client.NetworkListOptions{Filters: f})
	if err != nil {
		return out, errors.Join(append(errs, fmt.Errorf("list networks: %w", err))...)
	}
	for _, n := range ns.Items {
		if _, err := cli.NetworkRemove(ctx, n.ID, client.NetworkRemoveOptions{}); err != nil && !isNotFound(err) {
			errs = append(errs, fmt.Errorf("remove network %s: %w", n.Name, err))
			continue
		}
		out.Networks = append(out.Networks, n.Name)
	}
	return out, errors.Join(errs...)
}

// relay forwards Step Functions Local's EventBridge calls to sfapi's AWS
// endpoint. sfapi listens on loopback; the containers reach the host at
// their network's gateway address, where the relay listens.
type relay struct {
	url    string
	srv    *http.Server
	target atomic.Pointer[url.URL]
	ready  chan struct{} // closed once target is set
	once   sync.Once
}

// relayHold bounds how long the relay holds a call that arrives before
// sfapi's endpoint is known.
const relayHold = 30 * time.Second

func newRelay(gateway, want string) (*relay, error) {
	addr := net.JoinHostPort(gateway, "0")
	if u, err := url.Parse(want); want != "" && err == nil && u.Hostname() == gateway {
		addr = u.Host
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil && addr != net.JoinHostPort(gateway, "0") {
		// The kept port is taken: a new one (the Step Functions container
		// is then recreated, its label no longer matching).
		ln, err = net.Listen("tcp", net.JoinHostPort(gateway, "0"))
	}
	if err != nil {
		return nil, fmt.Errorf("listen on the docker network gateway %s: %w", gateway, err)
	}
	r := &relay{url: "http://" + ln.Addr().String(), ready: make(chan struct{})}
	proxy := &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			if t := r.target.Load(); t != nil {
				pr.SetURL(t)
			}
		},
	}
	r.srv = &http.Server{ReadHeaderTimeout: 10 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if r.target.Load() == nil {
			// sfapi is still starting (executions can begin before its
			// endpoint is known): hold the call a while rather than fail
			// the task.
			t := time.NewTimer(relayHold)
			select {
			case <-r.ready:
			case <-req.Context().Done():
			case <-t.C:
			}
			t.Stop()
		}
		if r.target.Load() == nil {
			w.Header().Set("Content-Type", "application/x-amz-json-1.1")
			w.WriteHeader(http.StatusServiceUnavailable)
			_, _ = io.WriteString(w, `{"__type":"ServiceUnavailable","message":"sfapi is still starting"}`)
			return
		}
		proxy.ServeHTTP(w, req)
	})}
	go func() { _ = r.srv.Serve(ln) }()
	return r, nil
}

func (r *relay) close() {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	_ = r.srv.Shutdown(ctx)
}
