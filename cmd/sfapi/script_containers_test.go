package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/sfapi/sfapi/internal/emulator/containers"
)

func init() {
	scriptCommands["standins"] = cmdStandins
}

var (
	dockerOnce sync.Once
	dockerErr  error

	standinsOnce sync.Once
	standinImgs  containers.Standins
	standinsErr  error
)

// dockerCondition is [docker]: a Docker daemon answers. Under CI=true a
// missing daemon is an error rather than a skip: CI must run these.
func dockerCondition() (bool, error) {
	dockerOnce.Do(func() {
		// sfapi sets it too; the scripts' own testcontainers calls (the
		// standins command) run in this process.
		if os.Getenv("TESTCONTAINERS_RYUK_DISABLED") == "" {
			_ = os.Setenv("TESTCONTAINERS_RYUK_DISABLED", "true")
		}
		dockerErr = containers.Available(context.Background())
	})
	if dockerErr != nil && os.Getenv("CI") == "true" {
		return false, fmt.Errorf("Docker is required under CI=true: %w", dockerErr)
	}
	if dockerErr != nil {
		fmt.Fprintf(os.Stderr, "SKIPPING containers scripts: Docker is not available: %v\n", dockerErr)
	}
	return dockerErr == nil, nil
}

// standins builds (once per test run, and only when the sfapi source
// changed: the tags are content hashes) the stand-in images of DynamoDB
// Local and Step Functions Local, and sets DDB_IMAGE and SFN_IMAGE.
func cmdStandins(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 0 {
		ts.Fatalf("usage: standins")
	}
	standinsOnce.Do(func() {
		root, err := filepath.Abs(filepath.Join("..", ".."))
		if err != nil {
			standinsErr = err
			return
		}
		standinImgs, standinsErr = containers.BuildStandins(context.Background(), root, nil)
	})
	if standinsErr != nil {
		ts.Fatalf("build the stand-in images: %v", standinsErr)
	}
	ts.Setenv("DDB_IMAGE", standinImgs.DynamoDB)
	ts.Setenv("SFN_IMAGE", standinImgs.StepFunctions)
}
