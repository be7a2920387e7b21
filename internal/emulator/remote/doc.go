// Package remote binds sfapi's glue to DynamoDB, DynamoDB Streams and Step
// Functions running elsewhere (DynamoDB Local and Step Functions Local in
// the containers backend, or their sfapi stand-ins): it implements
// emulator.Backend.
//
// It owns: forwarding AWS JSON calls over HTTP with SigV4 (Forwarder, and
// the forwarding awsjson services put on sfapi's mux), the pipe source
// over the Streams API (StreamSource: DescribeStream, GetShardIterator,
// GetRecords, shard changes, position by sequence number), the
// state-machine targets over the Step Functions API, and provisioning of
// the manifest's tables and state machines through aws-sdk-go-v2.
//
// It is a wire/adapter package: it may import net/http and aws-sdk-go-v2.
// It must not import the engines (ddb, asl), the CLI or testcontainers;
// Docker is internal/emulator/containers' business.
package remote
