// Package pipes owns the event-source mapping between a table's stream and
// a target: it polls a Source, drops records no filter accepts, batches,
// shapes the target input, invokes the Target, and moves the checkpoint
// only after the target accepted the batch (in the background, coalesced:
// checkpoint.go). Failed batches are retried, bisected and finally parked
// in a persisted on-failure queue, so no record is ever lost silently; a
// target's partial batch response (PartialFailure) accepts the records
// before the first failed one and retries from it.
//
// Records and target inputs are JSON documents; pipes does not know what a
// DynamoDB item, a state machine or an event bus is. The emulator binds a
// Source to the ddb stream and a Target to asl or the event bus. It must not
// import net/http, the AWS SDK, cobra or viper.
package pipes
