// Package ddbapi is the wire layer of the emulator's DynamoDB and DynamoDB
// Streams: it registers the DynamoDB_20120810 and DynamoDBStreams_20120810
// services on an awsjson.Mux, decodes requests into its own structs (AWS
// field names, no SDK types), calls the ddb engine, and maps engine errors
// to AWS's "__type" codes and messages.
//
// It may import net/http (through awsjson), ddb, ddb/attr and streams. It
// must not import the AWS SDK outside tests, and holds no state of its own:
// everything lives in the engine.
package ddbapi
