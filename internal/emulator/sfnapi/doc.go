// Package sfnapi is the Step Functions wire layer: it registers the
// AWSStepFunctions service (AWS JSON 1.0) on an awsjson.Mux and translates
// requests and responses to and from the asl engine, including the mapping
// of engine errors to the wire "__type" codes and of timestamps to epoch
// seconds.
//
// It may import net/http (through awsjson) but not the AWS SDK; it owns no
// state of its own.
package sfnapi
