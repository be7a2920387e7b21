// Package attr owns the DynamoDB AttributeValue domain type: the ten
// attribute types (S, N, B, BOOL, NULL, M, L, SS, NS, BS), their
// DynamoDB-JSON wire codec ({"S":"x"}), number canonicalisation and the
// ordering DynamoDB uses for key comparisons.
//
// It is a leaf package: it imports only the standard library, so the
// expression language, the storage engine, the stream log and the wire
// layers can all share one value type without depending on each other or on
// the AWS SDK.
package attr
