// Package datacmd implements `sfapi data export|import`: the items of a
// running sfapi dev's tables as JSON lines, {"table": NAME, "item": {...}}
// with the item in DynamoDB JSON, read with paged Scans and written back
// with BatchWriteItem (25 items a call, UnprocessedItems retried). The
// format is lossless, so an export seeds another dev stack or travels with
// a bug report.
//
// It also owns what `sfapi tables` shares with it: locating the DynamoDB
// endpoint (Locator, Client) and converting between the SDK's attribute
// values and attr.Value (FromSDK, ToSDK).
//
// It is CLI edge code: it may import cobra and the AWS SDK. It must not be
// imported by anything but internal/cli and its command packages.
package datacmd
