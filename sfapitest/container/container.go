package container

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"path"
	"path/filepath"
	"strings"
	"time"

	dcontainer "github.com/moby/moby/api/types/container"
	"github.com/testcontainers/testcontainers-go"
	"github.com/testcontainers/testcontainers-go/wait"
)

// Ports of the image (Dockerfile's EXPOSE) and its folders.
const (
	APIPort    = "8080/tcp"
	AWSPort    = "4566/tcp"
	WSPort     = "8081/tcp"
	ProjectDir = "/project"
	DataDir    = "/data"
	// DefaultImage is what scripts/build-image.sh tags by default.
	DefaultImage = "sfapi:dev"
	// StartupTimeout bounds the wait for the ready lines.
	StartupTimeout = 60 * time.Second
)

// Container is a running sfapi image.
type Container struct {
	testcontainers.Container
}

// Endpoints are the container's listeners as the host reaches them.
type Endpoints struct {
	API string // http://HOST:PORT
	AWS string // http://HOST:PORT
	WS  string // ws://HOST:PORT/PATH
}

// WithProject copies the project folder dir into the container's /project
// before it starts (its .sfapi state folder excepted): it works with any
// Docker, local or remote (a CI docker:dind service included).
func WithProject(dir string) testcontainers.CustomizeRequestOption {
	return func(req *testcontainers.GenericContainerRequest) error {
		abs, err := filepath.Abs(dir)
		if err != nil {
			return fmt.Errorf("project folder: %w", err)
		}
		// One file at a time: a copied directory would land at
		// /project/<its name>.
		return filepath.WalkDir(abs, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return fmt.Errorf("project folder: %w", err)
			}
			if d.IsDir() && d.Name() == ".sfapi" {
				return fs.SkipDir
			}
			if !d.Type().IsRegular() {
				return nil
			}
			rel, err := filepath.Rel(abs, p)
			if err != nil {
				return err
			}
			req.Files = append(req.Files, testcontainers.ContainerFile{HostFilePath: p, ContainerFilePath: path.Join(ProjectDir, filepath.ToSlash(rel)), FileMode: 0o644})
			return nil
		})
	}
}

// WithProjectMount bind-mounts the project folder dir read-only at
// /project: edits on the host are seen at the next start, but the Docker
// daemon must see dir (a local daemon does).
func WithProjectMount(dir string) testcontainers.CustomizeRequestOption {
	return func(req *testcontainers.GenericContainerRequest) error {
		abs, err := filepath.Abs(dir)
		if err != nil {
			return fmt.Errorf("project folder: %w", err)
		}
		return testcontainers.WithHostConfigModifier(func(hc *dcontainer.HostConfig) {
			hc.Binds = append(hc.Binds, abs+":"+ProjectDir+":ro")
		})(req)
	}
}

// WithInMemory keeps no state on disk inside the container (faster; every
// start is fresh).
func WithInMemory() testcontainers.CustomizeRequestOption {
	return testcontainers.WithCmdArgs("--in-memory")
}

// Run starts img (DefaultImage when empty) with the options, waits until
// sfapi dev printed its ready lines, and returns the container — also
// when err is not nil, so the caller can terminate it.
func Run(ctx context.Context, img string, opts ...testcontainers.ContainerCustomizer) (*Container, error) {
	if img == "" {
		img = DefaultImage
	}
	defaults := []testcontainers.ContainerCustomizer{
		testcontainers.WithExposedPorts(APIPort, AWSPort, WSPort),
		// The ready lines come once every listener accepts connections.
		// (A port check from inside the container cannot run in a
		// FROM scratch image: there is no shell.)
		testcontainers.WithWaitStrategy(wait.ForLog("ready ws ").WithStartupTimeout(StartupTimeout)),
		testcontainers.WithLabels(map[string]string{"dev.sfapi.image": "sfapi"}),
	}
	ctr, err := testcontainers.Run(ctx, img, append(defaults, opts...)...)
	var c *Container
	if ctr != nil {
		c = &Container{Container: ctr}
	}
	if err != nil {
		return c, fmt.Errorf("run sfapi image %s: %w", img, err)
	}
	return c, nil
}

// Endpoints returns the URLs the host reaches the container's listeners
// on; the WebSocket path comes from the endpoints file sfapi dev wrote.
func (c *Container) Endpoints(ctx context.Context) (Endpoints, error) {
	var ep Endpoints
	var err error
	if ep.API, err = c.PortEndpoint(ctx, APIPort, "http"); err != nil {
		return ep, fmt.Errorf("api port: %w", err)
	}
	if ep.AWS, err = c.PortEndpoint(ctx, AWSPort, "http"); err != nil {
		return ep, fmt.Errorf("aws port: %w", err)
	}
	ws, err := c.PortEndpoint(ctx, WSPort, "ws")
	if err != nil {
		return ep, fmt.Errorf("ws port: %w", err)
	}
	path, err := c.wsPath(ctx)
	if err != nil {
		return ep, err
	}
	ep.WS = ws + path
	return ep, nil
}

// wsPath reads the WebSocket path from /data/endpoints.json (or the
// temporary folder's, with --in-memory it is still written to /data).
func (c *Container) wsPath(ctx context.Context) (string, error) {
	rc, err := c.CopyFileFromContainer(ctx, DataDir+"/endpoints.json")
	if err != nil {
		return "", fmt.Errorf("read endpoints.json: %w", err)
	}
	defer rc.Close()
	data, err := io.ReadAll(rc)
	if err != nil {
		return "", fmt.Errorf("read endpoints.json: %w", err)
	}
	var v struct {
		WS string `json:"ws"`
	}
	if err := json.Unmarshal(data, &v); err != nil {
		return "", fmt.Errorf("read endpoints.json: %w", err)
	}
	u, err := url.Parse(v.WS)
	if err != nil || !strings.HasPrefix(v.WS, "ws://") {
		return "", fmt.Errorf("endpoints.json: bad ws URL %q", v.WS)
	}
	return u.Path, nil
}
