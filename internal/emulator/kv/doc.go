// Package kv is the emulator's on-disk store: a bbolt database opened with
// fsync on every commit, plus group commit, so that many concurrent
// acknowledged writes share one fsync without any of them being answered
// before it is on disk.
//
// A commit round takes every write queued during the previous commit and
// waits, at most half a commit, for the writers the previous commit just
// answered, so concurrent writers share one fsync instead of alternating
// between two (see commitLoop). Stats reports commits, writes and commit
// time. On this project's 2-core development VM a bbolt commit costs two
// fdatasyncs, 0.5 to 2 ms each: one writer gets about 250 to 450 durable
// writes/s, 32 writers about 13,000 (BenchmarkGroupCommit).
//
// The engines (ddb, asl, pipes) each keep their own buckets in a kv.DB; kv
// knows nothing of what they store.
package kv
