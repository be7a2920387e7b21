// Command sfapi runs storage-first serverless APIs locally. All behaviour
// lives in internal/cli so tests can run it in-process.
package main

import (
	"os"

	"github.com/sfapi/sfapi/internal/cli"
)

func main() { os.Exit(cli.Main()) }
