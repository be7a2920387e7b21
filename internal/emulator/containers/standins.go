package containers

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
)

// Standins are the stand-in images' references.
type Standins struct {
	DynamoDB, StepFunctions string
}

// Stand-in image repositories (tagged with a content hash).
const (
	StandinDynamoDBRepo      = "sfapi-standin/dynamodb-local"
	StandinStepFunctionsRepo = "sfapi-standin/stepfunctions-local"
)

// BuildStandins builds the stand-in images from the sfapi module at
// repoDir: a static (CGO_ENABLED=0) sfapi binary in a FROM scratch image
// per service, with the Dockerfiles of build/standin. The tag is a hash of
// the binary and the Dockerfile, so an unchanged build reuses the images
// (go build's cache makes the binary itself quick to rebuild). Progress
// lines go to progress.
func BuildStandins(ctx context.Context, repoDir string, progress io.Writer) (Standins, error) {
	if progress == nil {
		progress = io.Discard
	}
	tmp, err := os.MkdirTemp("", "sfapi-standin-")
	if err != nil {
		return Standins{}, err
	}
	defer os.RemoveAll(tmp)
	bin := filepath.Join(tmp, "sfapi")
	fmt.Fprintf(progress, "containers: building a static sfapi for the stand-in images\n")
	build := exec.CommandContext(ctx, "go", "build", "-trimpath", "-o", bin, "./cmd/sfapi")
	build.Dir = repoDir
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		return Standins{}, fmt.Errorf("go build (CGO_ENABLED=0) in %s: %w\n%s", repoDir, err, out)
	}
	binData, err := os.ReadFile(bin)
	if err != nil {
		return Standins{}, err
	}
	cli, err := dockerClient(ctx)
	if err != nil {
		return Standins{}, err
	}
	defer cli.Close()
	var out Standins
	for _, img := range []struct {
		repo, dockerfile string
		dst              *string
	}{
		{StandinDynamoDBRepo, "dynamodb-local.Dockerfile", &out.DynamoDB},
		{StandinStepFunctionsRepo, "stepfunctions-local.Dockerfile", &out.StepFunctions},
	} {
		df, err := os.ReadFile(filepath.Join(repoDir, "build", "standin", img.dockerfile))
		if err != nil {
			return Standins{}, fmt.Errorf("stand-in Dockerfile: %w", err)
		}
		h := sha256.New()
		h.Write(binData)
		h.Write(df)
		ref := img.repo + ":" + hex.EncodeToString(h.Sum(nil))[:16]
		*img.dst = ref
		if _, err := cli.ImageInspect(ctx, ref); err == nil {
			fmt.Fprintf(progress, "containers: image %s is built\n", ref)
			continue
		}
		fmt.Fprintf(progress, "containers: building %s\n", ref)
		if err := os.WriteFile(filepath.Join(tmp, "Dockerfile"), df, 0o644); err != nil {
			return Standins{}, err
		}
		cmd := exec.CommandContext(ctx, "docker", "build", "-q", "-t", ref, tmp)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		if err := cmd.Run(); err != nil {
			return Standins{}, fmt.Errorf("docker build %s: %w\n%s", ref, err, stderr.Bytes())
		}
	}
	return out, nil
}
