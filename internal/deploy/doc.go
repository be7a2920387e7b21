// Package deploy puts a synthesized template (internal/deploy/cfn) into an
// AWS CloudFormation stack and takes it down again: it creates a change
// set, shows the changes as a diff, asks for confirmation, executes it and
// follows the stack events until the stack settles, reporting the first
// failure and the rollback's end state; an unchanged template reports "no
// changes". Destroy asks, deletes and follows the deletion the same way.
//
// It talks to CloudFormation through the API interface, which the
// aws-sdk-go-v2 client satisfies; tests point that client at
// internal/deploy/cfntest. It may import the AWS SDK and deploy/cfn; it
// must not import net/http, cobra or viper, and it prints only to the
// writers it is given.
package deploy
