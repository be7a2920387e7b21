// Package parity holds the DynamoDB parity suite: aws-sdk-go-v2 scenarios,
// one per feature of the embedded DynamoDB (tables, item operations with
// every ReturnValues, expressions, legacy parameters, query and scan,
// secondary indexes, batches, transactions, TTL, limits and streams).
//
// Every scenario is written against an endpoint URL only (see Env in
// parity_test.go), so the same scenarios can run against DynamoDB Local
// through the containers backend; TestEmbedded runs them all against the
// embedded engine. Capabilities only the embedded engine has (sweeping TTL
// on demand, moving the clock) are optional members of Env.
//
// The package has no non-test code besides this file. Its tests may import
// the AWS SDK; nothing may import this package.
package parity
