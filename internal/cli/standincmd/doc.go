// Package standincmd implements the hidden `sfapi standin` commands: the
// entrypoints of the stand-in images the containers backend's tests run
// instead of amazon/dynamodb-local and amazon/aws-stepfunctions-local
// (which cannot be pulled here). Each serves one AWS service from sfapi's
// embedded engines, with the command line or environment of the image it
// stands in for:
//
//	sfapi standin dynamodb-local -jar DynamoDBLocal.jar -sharedDb -inMemory -port 8000
//	sfapi standin stepfunctions-local   (AWS_DEFAULT_REGION, DYNAMODB_ENDPOINT, ... on 8083)
//
// It owns the parsing of DynamoDB Local's Java-style command line and of
// Step Functions Local's environment. It must not import testcontainers
// (it runs inside the container).
package standincmd
