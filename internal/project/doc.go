// Package project owns the model of an sfapi project directory: the manifest
// sfapi.yaml, the OpenAPI file it names and the Amazon States Language files
// it names. Load reads all of them strictly (unknown fields, wrong types,
// bad enum values, dangling references and missing files are errors carrying
// file:line:col) and returns a typed Project with defaults applied.
//
// The package also evaluates the CloudFormation-style references those files
// contain (Fn::Sub, Ref, Fn::GetAtt, Fn::Join, ${Name} definition
// substitutions) for local use, so the emulator can run files written for AWS
// unmodified while deploy/cfn turns the same manifest into a template.
//
// It is pure: standard library plus gopkg.in/yaml.v3 (yaml.Node keeps the
// line of every value). It must not import net/http, the AWS SDK, kin-openapi
// or anything under internal/emulator; the API Gateway front interprets the
// OpenAPI semantics from the resolved JSON document returned by
// Project.OpenAPI.
package project
