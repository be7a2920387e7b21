// Package sqs is the emulator's durable Amazon SQS engine: standard queues
// with their attributes (visibility timeout, retention, delay, long-poll
// wait), messages with message attributes, receipt handles, visibility and
// AWS's MD5 digests of bodies and message attributes.
//
// Queues and messages live in a kv.DB (the emulator gives it pipes.db, the
// glue store, under buckets named "sqs.*"); a send returns only once the
// message is on disk, and a receive or a visibility change is written
// before it is answered, so a restart loses nothing that was acknowledged.
// Everything is also held in memory for reads; the store is read once, at
// Open. Time comes from Options.Now so that visibility, delay and retention
// can be tested without sleeping.
//
// sqs knows nothing of any wire protocol: the sqsapi package speaks AWS's
// JSON and query protocols over it. It must not import net/http, the AWS
// SDK, cobra or viper.
package sqs
