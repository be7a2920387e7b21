// Command printversion prints build.Get() so build_test.go can check that
// the -X paths in .goreleaser.yaml really reach the variables.
package main

import (
	"fmt"

	"github.com/sfapi/sfapi/internal/build"
)

func main() { fmt.Println(build.Get()) }
