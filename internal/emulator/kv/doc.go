// Package kv is the emulator's on-disk store: a bbolt database opened with
// fsync on every commit, plus group commit, so that many concurrent
// acknowledged writes share one fsync without any of them being answered
// before it is on disk.
//
// The engines (ddb, asl, pipes) each keep their own buckets in a kv.DB; kv
// knows nothing of what they store.
package kv
