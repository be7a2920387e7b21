// Package tablescmd implements `sfapi tables list` and `sfapi tables scan
// NAME`: a quick look at the tables of a running sfapi dev through its
// DynamoDB API, as a readable table (one column per attribute, key
// attributes first) or as DynamoDB JSON/YAML.
//
// It is CLI edge code: it may import cobra and the AWS SDK, and reuses
// datacmd's endpoint Locator and attribute conversion. It must not be
// imported by anything but internal/cli.
package tablescmd
