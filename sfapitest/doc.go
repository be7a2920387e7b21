// Package sfapitest runs a storage-first API project's whole sfapi stack
// inside a Go test: API Gateway, DynamoDB with streams, the pipes, Step
// Functions, EventBridge and WebSocket push, on free loopback ports, with
// fresh state, stopped by t.Cleanup.
//
//	func TestAddGopher(t *testing.T) {
//		s := sfapitest.Start(t, "../..")     // the folder holding sfapi.yaml
//		id, err := s.SubmitJob(ctx, map[string]string{"name": "Gordon", "location": "meadow"})
//		job, err := s.WaitForJob(ctx, id, sfapitest.StatusSucceeded)
//		ddb := dynamodb.NewFromConfig(s.AWSConfig()) // any AWS SDK client works
//	}
//
// Beyond the endpoints it gives tests the levers a cloud stack does not:
// a Clock that jumps (Wait states, Step Functions retry delays and DynamoDB
// TTL follow it without sleeping) and failure injection
// (ThrottleNextDynamoDBCall, FailTask, DropNextStreamBatch), so retry and
// dead-letter paths can be tested deterministically. New and Close run the
// same stack outside a test (a TestMain, an example, a tool).
//
// It is a public package: it imports the emulator (internal to the module)
// and aws-sdk-go-v2 for the aws.Config it returns, never cobra or viper.
// It does not import internal/cli.
package sfapitest
