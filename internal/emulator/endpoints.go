package emulator

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
)

// EndpointsFile is the file, inside the data dir, where a running `sfapi
// dev` publishes its endpoints so other commands (and test scripts) find it
// from the project folder without flags.
const EndpointsFile = "endpoints.json"

// Endpoints are the base URLs of the three listeners.
type Endpoints struct {
	API string `json:"api"` // http://127.0.0.1:PORT
	AWS string `json:"aws"` // http://127.0.0.1:PORT
	WS  string `json:"ws"`  // ws://127.0.0.1:PORT/PATH
	PID int    `json:"pid"`
	// Logs is the Unix socket streaming log records as JSON lines on
	// LogsPath (`sfapi logs`).
	Logs string `json:"logs,omitempty"`
}

func writeEndpoints(dataDir string, ep Endpoints) error {
	data, err := json.MarshalIndent(ep, "", "  ")
	if err != nil {
		return err
	}
	path := filepath.Join(dataDir, EndpointsFile)
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, append(data, '\n'), 0o644); err != nil {
		return fmt.Errorf("write %s: %w", tmp, err)
	}
	// Rename so a reader never sees a half-written file.
	return os.Rename(tmp, path)
}

// ReadEndpoints returns the endpoints a running `sfapi dev` published in
// dataDir.
func ReadEndpoints(dataDir string) (Endpoints, error) {
	var ep Endpoints
	data, err := os.ReadFile(filepath.Join(dataDir, EndpointsFile))
	if err != nil {
		return ep, err
	}
	if err := json.Unmarshal(data, &ep); err != nil {
		return ep, fmt.Errorf("read %s: %w", EndpointsFile, err)
	}
	return ep, nil
}
