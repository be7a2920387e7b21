package streams

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"time"
)

// IteratorTTL is how long a shard iterator stays valid.
const IteratorTTL = 15 * time.Minute

// IteratorType is a GetShardIterator ShardIteratorType.
type IteratorType string

// The four iterator types.
const (
	TrimHorizon         IteratorType = "TRIM_HORIZON"
	Latest              IteratorType = "LATEST"
	AtSequenceNumber    IteratorType = "AT_SEQUENCE_NUMBER"
	AfterSequenceNumber IteratorType = "AFTER_SEQUENCE_NUMBER"
)

// Iterator errors; the wire layer maps them to ExpiredIteratorException and
// ValidationException.
var (
	ErrExpiredIterator = errors.New("Iterator expired. The iterator was created over 15 minutes ago.")
	ErrInvalidIterator = errors.New("Invalid ShardIterator")
)

// Iterator is a decoded shard iterator: a position in one shard. After is
// the sequence number of the last record already seen ("" = before the
// oldest record).
type Iterator struct {
	StreamARN string    `json:"a"`
	ShardID   string    `json:"s"`
	After     string    `json:"p"`
	Issued    time.Time `json:"t"`
}

// StartPosition returns the position ("after" sequence number) an iterator of type
// t starts at. latest is the newest record's sequence number in the shard
// ("" if empty).
func StartPosition(t IteratorType, seq, latest string) (string, error) {
	switch t {
	case TrimHorizon:
		return "", nil
	case Latest:
		return latest, nil
	case AfterSequenceNumber, AtSequenceNumber:
		n, err := ParseSequence(seq)
		if err != nil {
			return "", err
		}
		if t == AfterSequenceNumber {
			return seq, nil
		}
		if n <= 1 {
			return "", nil
		}
		return FormatSequence(n - 1), nil
	}
	return "", errors.New("invalid ShardIteratorType")
}

// Encode returns the opaque string form of it.
func (it Iterator) Encode() string {
	b, _ := json.Marshal(it) // plain strings and a time always marshal
	return base64.RawURLEncoding.EncodeToString(b)
}

// DecodeIterator parses an iterator made by Encode and checks its age
// against now.
func DecodeIterator(s string, now time.Time) (Iterator, error) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return Iterator{}, ErrInvalidIterator
	}
	var it Iterator
	if err := json.Unmarshal(b, &it); err != nil || it.StreamARN == "" || it.ShardID == "" {
		return Iterator{}, ErrInvalidIterator
	}
	if it.After != "" {
		if _, err := ParseSequence(it.After); err != nil {
			return Iterator{}, ErrInvalidIterator
		}
	}
	if now.Sub(it.Issued) > IteratorTTL {
		return Iterator{}, ErrExpiredIterator
	}
	return it, nil
}
