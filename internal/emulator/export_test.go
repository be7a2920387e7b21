package emulator

import (
	"path/filepath"

	"github.com/sfapi/sfapi/internal/emulator/asl"
	"github.com/sfapi/sfapi/internal/emulator/kv"
)

// StoreStats returns the group-commit counters of the emulator's stores by
// file name (dynamodb.db, stepfunctions.db, pipes.db), for benchmarks that
// report where durable writes go.
func StoreStats(e *Emulator) map[string]kv.Stats {
	out := make(map[string]kv.Stats, len(e.stores))
	for _, db := range e.stores {
		out[filepath.Base(db.Path())] = db.Stats()
	}
	return out
}

// Engine returns the emulator's Step Functions engine, for benchmarks that
// wait for an execution to finish without polling DescribeExecution.
func Engine(e *Emulator) *asl.Engine { return e.sfn }
