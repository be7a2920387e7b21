// Package parity holds the DynamoDB parity suite: aws-sdk-go-v2 scenarios,
// one per feature of the embedded DynamoDB (tables, item operations with
// every ReturnValues, expressions, legacy parameters, query and scan,
// secondary indexes, batches, transactions, TTL, limits and streams).
//
// Every scenario is written against an endpoint URL only (Env), so the
// same scenarios run against the embedded engine (TestEmbedded, always),
// against any endpoint named by $SFAPI_PARITY_DYNAMODB_ENDPOINT
// (TestEndpoint), and from other packages' tests through Run (the
// containers backend runs it against DynamoDB Local). Scenarios assert
// AWS's behaviour; an endpoint declares its known departures from it as
// Deviations, and each one is described in docs/compat.md. Capabilities
// only the embedded engine has (moving the clock, sweeping TTL on demand)
// are optional members of Env; scenarios that need them skip without.
//
// The scenarios are non-test files so that other packages' tests can run
// them; the package is for tests only: it imports testing and the AWS SDK,
// and only _test.go files may import it.
package parity
