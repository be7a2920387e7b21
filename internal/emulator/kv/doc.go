// Package kv is the emulator's on-disk store: buckets of ordered keys held
// in memory as copy-on-write B-trees, made durable by a write-ahead log
// with group commit, and checkpointed to a snapshot file.
//
// Its transaction API is bbolt's (Tx, Bucket, Cursor, nested buckets,
// sequences; the store was bbolt until session 3, and the engines were
// written against that API), so the engines (ddb, asl, pipes, sqs, push)
// keep their buckets here and kv knows nothing of what they store.
//
// Writes: each writer applies its write, under a mutex, to the open round,
// which collects writes in one write generation (copy on write: a round
// that must be rolled back is simply dropped) and records what they changed
// as one log record. The writer that finds no commit running leads: it
// takes the round, appends its record to the log with one write and one
// fdatasync, publishes the new state to readers, answers the round's
// writers and hands the lead to a writer of the next round, which filled
// while it synced. An acknowledged write is on disk; readers (View) see
// only durable rounds, and never wait for writers.
//
// Large values (Options.InlineMax, 512 bytes by default) are not kept in
// memory once durable: they are read back from the log or the snapshot
// with a pread (far.go), so memory follows the number of keys, not the
// size of the data.
//
// Recovery loads the snapshot and replays the log after it; a torn last
// record (a round whose write never finished, so none of its writers was
// answered) is cut off. Checkpoints write a new snapshot in the background
// once the log outgrows 64 MiB (or twice the snapshot), then drop the log it
// covers. A bbolt file left by an older sfapi is converted on Open.
//
// On the project's 2-core VM an fdatasync of the log costs 0.2 to 2 ms, so
// a lone writer gets about 1,000 to 5,000 durable writes/s, 32 writers
// about 15,000 to 30,000 (BenchmarkGroupCommit).
package kv
