package streams

import (
	"errors"
	"fmt"
	"hash/fnv"
	"strconv"
	"strings"
	"time"
)

// Retention is how long DynamoDB keeps stream records.
const Retention = 24 * time.Hour

// seqBase makes every sequence number 21 digits long, like AWS's, so that
// string order equals numeric order.
const seqDigits = 20

// ErrSequence is returned for a malformed sequence number.
var ErrSequence = errors.New("invalid sequence number")

// FormatSequence renders the n-th record of a stream (n ≥ 1) as a 21-digit
// decimal string; later records have larger numbers in both numeric and
// string order.
func FormatSequence(n uint64) string {
	var b [seqDigits + 1]byte
	SetSequence(b[:], 0, n)
	return string(b[:])
}

// ParseSequence is the inverse of FormatSequence.
func ParseSequence(s string) (uint64, error) {
	if len(s) != seqDigits+1 || s[0] != '1' {
		return 0, ErrSequence
	}
	n, err := strconv.ParseUint(s[1:], 10, 64)
	if err != nil {
		return 0, ErrSequence
	}
	return n, nil
}

// ShardID returns the stable id of a stream's single shard, shaped like
// AWS's "shardId-00000001700000000000-1a2b3c4d": creation time in
// milliseconds, zero padded, and a hash of the stream ARN.
func ShardID(streamARN string, created time.Time) string {
	h := fnv.New32a()
	_, _ = h.Write([]byte(streamARN))
	return fmt.Sprintf("shardId-%020d-%08x", created.UnixMilli(), h.Sum32())
}

// Label formats a stream label (the timestamp at the end of a stream ARN)
// as AWS does: ISO 8601 with milliseconds, no zone.
func Label(t time.Time) string {
	return t.UTC().Format("2006-01-02T15:04:05.000")
}

// TableFromARN returns the table name of a stream ARN
// "arn:aws:dynamodb:REGION:ACCOUNT:table/NAME/stream/LABEL".
func TableFromARN(streamARN string) (string, bool) {
	_, rest, ok := strings.Cut(streamARN, ":table/")
	if !ok {
		return "", false
	}
	name, _, ok := strings.Cut(rest, "/stream/")
	return name, ok && name != ""
}
