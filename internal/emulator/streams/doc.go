// Package streams owns the vocabulary of a DynamoDB stream: the change
// record (the shape GetRecords returns and Lambda/Pipes deliver), view
// types, shard ids, sequence-number formatting and the opaque shard
// iterator with its 15-minute expiry.
//
// It stores nothing: the storage engine (ddb) appends records to its own
// bbolt buckets in the same transaction as the item write, and the wire
// layer (ddbapi) and the pipes read them back through the engine. streams
// imports only the standard library and ddb/attr; it must not import ddb,
// net/http or the AWS SDK.
package streams
