package devcmd

import (
	"fmt"
	"os"
	"runtime/pprof"
)

// profileEnv names a file that receives a CPU profile of the whole `sfapi
// dev` run (written at shutdown), for measuring the server under an outside
// load such as scripts/bench-dynamodb.sh: `go tool pprof FILE`.
const profileEnv = "SFAPI_CPUPROFILE"

// startProfile starts the CPU profile SFAPI_CPUPROFILE asks for, if any, and
// returns what stops it.
func startProfile() (stop func(), err error) {
	path := os.Getenv(profileEnv)
	if path == "" {
		return func() {}, nil
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", profileEnv, err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("%s: %w", profileEnv, err)
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}, nil
}
