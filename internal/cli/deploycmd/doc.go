// Package deploycmd implements `sfapi deploy` and `sfapi destroy`: load the
// project, synthesize its CloudFormation template (internal/deploy/cfn),
// then create or update, or delete, the stack through internal/deploy,
// with AWS credentials and region from the standard SDK chain.
//
// It is the CLI edge: it may import cobra, the AWS SDK config loader and
// the command helpers; deployRun and destroyRun never see cobra or viper.
package deploycmd
