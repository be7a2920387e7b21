// Package cfn turns a loaded sfapi project (internal/project) into an AWS
// CloudFormation template: the tables, the REST API built from the OpenAPI
// file as written (its Fn::Sub and Ref left for CloudFormation to resolve),
// the state machines with their definition substitutions, the pipes, the
// rules, the WebSocket push API and one least-privilege IAM role per
// integration. It also checks a template against a CloudFormation resource
// specification (Spec), so a typo in a resource type or property fails a
// test rather than a deployment.
//
// It is pure: it reads the project's files through the Project it is given
// and returns data. It must not import net/http, the AWS SDK, cobra or
// viper; internal/deploy sends what it builds to CloudFormation.
package cfn
