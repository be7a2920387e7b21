package streams

import (
	"encoding/json"
	"strconv"
)

// Parts are the members of a stream record with its item images already
// encoded as DynamoDB JSON. The storage engine builds a record from the
// bytes it has anyway (the new item it is about to store, the old item as
// it was stored) instead of encoding each image a second time, and builds
// it before its write transaction, leaving only the sequence number to
// fill in (SetSequence) once the transaction has drawn it.
type Parts struct {
	EventID, EventName, EventVersion, EventSource, AWSRegion string
	ApproximateCreationDateTime                              int64
	// Keys is always written ("null" when nil); NewImage and OldImage are
	// left out when nil, as Record's omitempty leaves out empty images.
	Keys, NewImage, OldImage []byte
	// SequenceNumber is written as it is; a record built before its
	// number is drawn holds FormatSequence(0) until SetSequence.
	SequenceNumber string
	SizeBytes      int64
	StreamViewType ViewType
	EventSourceARN string
	UserIdentity   *Identity
}

// AppendJSON appends the record's JSON, the same bytes Record.AppendJSON
// writes for the record these parts encode, and returns where the
// sequence number's digits start (for SetSequence).
func (p *Parts) AppendJSON(dst []byte) (out []byte, seqAt int) { return p.appendJSON(dst, false) }

func (p *Parts) appendJSON(dst []byte, api bool) ([]byte, int) {
	dst = append(dst, `{"eventID":`...)
	dst = appendQuoted(dst, p.EventID)
	dst = append(dst, `,"eventName":`...)
	dst = appendQuoted(dst, p.EventName)
	dst = append(dst, `,"eventVersion":`...)
	dst = appendQuoted(dst, p.EventVersion)
	dst = append(dst, `,"eventSource":`...)
	dst = appendQuoted(dst, p.EventSource)
	dst = append(dst, `,"awsRegion":`...)
	dst = appendQuoted(dst, p.AWSRegion)
	dst = append(dst, `,"dynamodb":{"ApproximateCreationDateTime":`...)
	dst = strconv.AppendInt(dst, p.ApproximateCreationDateTime, 10)
	dst = append(dst, `,"Keys":`...)
	if p.Keys == nil {
		dst = append(dst, "null"...)
	} else {
		dst = append(dst, p.Keys...)
	}
	if p.NewImage != nil {
		dst = append(dst, `,"NewImage":`...)
		dst = append(dst, p.NewImage...)
	}
	if p.OldImage != nil {
		dst = append(dst, `,"OldImage":`...)
		dst = append(dst, p.OldImage...)
	}
	dst = append(dst, `,"SequenceNumber":`...)
	seqAt := len(dst) + 1
	dst = appendQuoted(dst, p.SequenceNumber)
	dst = append(dst, `,"SizeBytes":`...)
	dst = strconv.AppendInt(dst, p.SizeBytes, 10)
	dst = append(dst, `,"StreamViewType":`...)
	dst = appendQuoted(dst, string(p.StreamViewType))
	dst = append(dst, '}')
	if p.EventSourceARN != "" {
		dst = append(dst, `,"eventSourceARN":`...)
		dst = appendQuoted(dst, p.EventSourceARN)
	}
	if id := p.UserIdentity; id != nil {
		typ, principal := `{"type":`, `,"principalId":`
		if api {
			typ, principal = `{"Type":`, `,"PrincipalId":`
		}
		dst = append(dst, `,"userIdentity":`...)
		dst = append(dst, typ...)
		dst = appendQuoted(dst, id.Type)
		dst = append(dst, principal...)
		dst = appendQuoted(dst, id.PrincipalID)
		dst = append(dst, '}')
	}
	return append(dst, '}'), seqAt
}

// SetSequence writes FormatSequence(n) over the 21 digits at b[at:], where
// Parts.AppendJSON reported the sequence number starts; the record must
// have been built with a 21-digit SequenceNumber (FormatSequence(0)).
func SetSequence(b []byte, at int, n uint64) {
	b[at] = '1'
	for i := at + seqDigits; i > at; i-- {
		b[i] = byte('0' + n%10)
		n /= 10
	}
}

// appendQuoted appends s as a JSON string, as encoding/json writes it.
// The record's strings (hex ids, enum values, regions, ARNs) need no
// escaping, so they are copied as they are.
func appendQuoted(dst []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c > 0x7e || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			b, _ := json.Marshal(s) // a string always marshals
			return append(dst, b...)
		}
	}
	dst = append(dst, '"')
	dst = append(dst, s...)
	return append(dst, '"')
}
