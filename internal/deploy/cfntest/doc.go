// Package cfntest is a local stand-in for AWS CloudFormation, for tests:
// an http.Handler speaking the real CloudFormation query protocol
// (form-encoded Action=...&Version=2010-05-15, XML responses, XML error
// envelopes) for CreateChangeSet, DescribeChangeSet, ExecuteChangeSet,
// DeleteChangeSet, DescribeStacks, DescribeStackEvents and DeleteStack,
// so the real aws-sdk-go-v2 client — waiters included — can drive it.
//
// Stacks do not create anything. Executing a change set queues the stack
// events CloudFormation would emit; each DescribeStacks or
// DescribeStackEvents call reveals the next few (EventsPerPoll), so a deployment takes a
// few polls and tests need no clock. Server.FailNext scripts the next
// execution to fail on one resource and roll back; a template without
// changes gives the FAILED "didn't contain changes" change set AWS gives.
//
// It may import net/http and encoding/xml; it must not import the AWS SDK
// (tests drive it through the SDK, it must not lean on it).
package cfntest
