// Package ddb is the emulator's DynamoDB storage engine: tables and their
// key schemas, items, global and local secondary indexes, conditional
// writes, queries and scans, batches (BatchGetItem stops at 16 MB),
// transactions (with ClientRequestToken idempotency, stored with the
// transaction it names), UpdateTable and tags, the TTL sweeper (SweepExpired,
// RunTTL) and the per-table stream logs (a disabled stream stays readable
// for 24 hours next to its replacement).
//
// All state lives in bbolt buckets of a kv.DB owned by the caller, and
// every write goes through kv.DB.Update, so an acknowledged write is on
// disk, and a conditional check and its write happen in one serialised
// transaction. Stream records are appended in the same transaction as the
// item change they describe.
//
// Transactions run one after another on kv's commit goroutine, so a
// single-item write works out before its transaction whatever does not
// depend on the stored item (a PutItem's encoded item and index entries,
// the record's keys and event id), and the record is spliced from the
// images' stored bytes rather than encoded again. Stored items and records
// keep their JSON form (records: 8-byte time, then the JSON GetRecords
// returns), so data directories of earlier versions read unchanged.
//
// ddb is pure: it imports ddb/attr, ddb/expr, streams and kv, and must not
// import net/http, the AWS SDK, or the wire layer (ddbapi). Errors are Go
// values named after DynamoDB's error codes (see Error); only ddbapi turns
// them into HTTP statuses and "__type" envelopes.
package ddb
