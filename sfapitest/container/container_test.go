package container_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/testcontainers/testcontainers-go"

	"github.com/sfapi/sfapi/sfapitest/container"
)

// image returns the sfapi image to test: $SFAPI_TEST_IMAGE when CI built it
// already, else one built from this checkout by scripts/build-image.sh.
// Without Docker the test skips loudly, except under CI=true, where
// Docker is part of the contract and its absence fails the test.
func image(t *testing.T) string {
	t.Helper()
	unavailable := func(format string, args ...any) {
		t.Helper()
		msg := fmt.Sprintf(format, args...)
		if os.Getenv("CI") == "true" {
			t.Fatalf("Docker is required in CI: %s", msg)
		}
		t.Skipf("SKIPPED — NO DOCKER: %s (the sfapi image is not tested)", msg)
	}
	if os.Getenv("TESTCONTAINERS_RYUK_DISABLED") == "" {
		// Ryuk's image cannot be pulled here; the test terminates its own
		// container.
		t.Setenv("TESTCONTAINERS_RYUK_DISABLED", "true")
	}
	if os.Getenv("TESTCONTAINERS_HOST_OVERRIDE") == "" && localDaemon() {
		// testcontainers sees /.dockerenv and would reach the ports
		// through the default gateway; this daemon's ports are here.
		t.Setenv("TESTCONTAINERS_HOST_OVERRIDE", "127.0.0.1")
	}
	if _, err := exec.LookPath("docker"); err != nil {
		unavailable("no docker CLI on PATH")
	}
	if out, err := exec.Command("docker", "info", "--format", "{{.ServerVersion}}").CombinedOutput(); err != nil {
		unavailable("docker info: %v: %s", err, bytes.TrimSpace(out))
	}
	if img := os.Getenv("SFAPI_TEST_IMAGE"); img != "" {
		return img
	}
	const img = "sfapi:containertest"
	cmd := exec.Command("bash", "../../scripts/build-image.sh", img)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("scripts/build-image.sh: %v\n%s", err, out)
	}
	return img
}

func TestImageRunsGophersJob(t *testing.T) {
	img := image(t)
	for _, tc := range []struct {
		name    string
		project testcontainers.CustomizeRequestOption
	}{
		{"mounted", container.WithProjectMount("../../examples/gophers")},
		{"copied", container.WithProject("../../examples/gophers")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			c, err := container.Run(ctx, img, tc.project, container.WithInMemory())
			testcontainers.CleanupContainer(t, c)
			if err != nil {
				t.Fatal(err)
			}
			ep, err := c.Endpoints(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(ep.WS, "ws://") || !strings.HasSuffix(ep.WS, "/jobs") {
				t.Fatalf("ws endpoint = %q, want ws://HOST:PORT/jobs", ep.WS)
			}
			resp, err := http.Post(ep.API+"/gophers", "application/json", strings.NewReader(`{"name": "Gordon", "location": "meadow"}`))
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusAccepted {
				t.Fatalf("POST /gophers = %d %s, want 202", resp.StatusCode, body)
			}
			var job struct{ ID string }
			if err := json.Unmarshal(body, &job); err != nil || job.ID == "" {
				t.Fatalf("202 body %s has no id (%v)", body, err)
			}
			var last string
			for ctx.Err() == nil {
				resp, err := http.Get(ep.API + "/jobs/" + job.ID)
				if err != nil {
					t.Fatal(err)
				}
				data, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				var st struct{ Status string }
				_ = json.Unmarshal(data, &st)
				last = string(data)
				if st.Status == "Succeeded" {
					break
				}
				if st.Status == "Failed" {
					t.Fatalf("job failed: %s", data)
				}
				time.Sleep(50 * time.Millisecond)
			}
			if ctx.Err() != nil {
				t.Fatalf("job did not succeed: last answer %s", last)
			}
			// The AWS endpoint answers too (DynamoDB's health line).
			resp, err = http.Get(ep.AWS + "/")
			if err != nil {
				t.Fatal(err)
			}
			health, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if !strings.HasPrefix(string(health), "healthy: dynamodb.") {
				t.Fatalf("GET / on the AWS port = %q", health)
			}
		})
	}
}

// localDaemon reports whether the Docker daemon runs in this machine's
// network namespace (its docker0 bridge is here), even when this machine is
// itself a container.
func localDaemon() bool {
	if h := os.Getenv("DOCKER_HOST"); h != "" && !strings.HasPrefix(h, "unix://") {
		return false
	}
	_, err := net.InterfaceByName("docker0")
	return err == nil
}
