// Package pipesapi is sfapi's own wire API over the pipes' on-failure
// queues: an AWS JSON 1.1 service with target prefix "SfapiPipes" on the
// emulator's AWS endpoint (no AWS service has these operations; Pipes sends
// failed batches to an SQS/SNS destination instead). `sfapi jobs redrive`
// calls it.
//
//	SfapiPipes.ListPipes       {}                                  -> {"Pipes": [name...]}
//	SfapiPipes.ListFailures    {"PipeName"?}                       -> {"Failures": [Failure...]}
//	SfapiPipes.RedriveFailures {"PipeName"?, "FailureIds"?, "DryRun"?}
//	                           -> {"Redriven": [Result...], "Failed": [Result...]}
//
// Without PipeName the operations cover every pipe; FailureIds (which
// needs PipeName) narrows a redrive to those entries. A Failure is
// pipes.Failure as JSON (id, pipe, condition, errorMessage,
// approximateInvokeCount, timestamp, start/endSequenceNumber, batchSize,
// records). Unknown pipes and failure ids answer
// ResourceNotFoundException. Redrive sends each batch through the pipe's
// target once and dequeues it only when the target accepted it; with
// DryRun nothing is sent and Redriven lists what would be.
//
// This package may import net/http (through awsjson) and pipes; it must
// not import the AWS SDK or other engines.
package pipesapi
