package streams

import (
	"strconv"

	"github.com/sfapi/sfapi/internal/emulator/ddb/attr"
)

// ViewType says which item images a stream record carries.
type ViewType string

// The four StreamViewType values.
const (
	KeysOnly        ViewType = "KEYS_ONLY"
	NewImage        ViewType = "NEW_IMAGE"
	OldImage        ViewType = "OLD_IMAGE"
	NewAndOldImages ViewType = "NEW_AND_OLD_IMAGES"
)

// Valid reports whether v is one of the four view types.
func (v ViewType) Valid() bool {
	switch v {
	case KeysOnly, NewImage, OldImage, NewAndOldImages:
		return true
	}
	return false
}

// Event names of a stream record.
const (
	EventInsert = "INSERT"
	EventModify = "MODIFY"
	EventRemove = "REMOVE"
)

// Record is one stream record exactly as DynamoDB Streams GetRecords
// returns it, which is also the event Lambda and EventBridge Pipes deliver
// (Pipes add EventSourceARN).
type Record struct {
	EventID        string       `json:"eventID"`
	EventName      string       `json:"eventName"`
	EventVersion   string       `json:"eventVersion"`
	EventSource    string       `json:"eventSource"`
	AWSRegion      string       `json:"awsRegion"`
	DynamoDB       StreamRecord `json:"dynamodb"`
	EventSourceARN string       `json:"eventSourceARN,omitempty"`
	// UserIdentity is set on records of deletions the service made itself
	// (TTL expiry); nil for user writes.
	UserIdentity *Identity `json:"userIdentity,omitempty"`
}

// Identity is a record's userIdentity. Its JSON form here is the one
// Lambda and Pipes deliver ({"type":…,"principalId":…}); GetRecords spells
// the members PrincipalId and Type (see AppendAPIJSON).
type Identity struct {
	Type        string `json:"type"`
	PrincipalID string `json:"principalId"`
}

// TTLIdentity is the userIdentity of a record written by TTL expiry.
var TTLIdentity = Identity{Type: "Service", PrincipalID: "dynamodb.amazonaws.com"}

// StreamRecord is the "dynamodb" member of a Record.
type StreamRecord struct {
	// ApproximateCreationDateTime is in epoch seconds, as the JSON protocol
	// encodes timestamps (and as Lambda events show it).
	ApproximateCreationDateTime int64     `json:"ApproximateCreationDateTime"`
	Keys                        attr.Item `json:"Keys"`
	NewImage                    attr.Item `json:"NewImage,omitempty"`
	OldImage                    attr.Item `json:"OldImage,omitempty"`
	SequenceNumber              string    `json:"SequenceNumber"`
	SizeBytes                   int64     `json:"SizeBytes"`
	StreamViewType              ViewType  `json:"StreamViewType"`
}

// Change is one item change before it becomes a record. The engine makes
// no Change for a write that leaves the item as it was: DynamoDB writes no
// stream record for it.
type Change struct {
	Keys     attr.Item
	Old, New attr.Item // nil when the item did not exist before / after
}

// EventName classifies the change: INSERT, MODIFY or REMOVE.
func (c Change) EventName() string {
	switch {
	case c.Old == nil:
		return EventInsert
	case c.New == nil:
		return EventRemove
	}
	return EventModify
}

// Images returns the old and new images a record of view type v carries.
func (v ViewType) Images(c Change) (old, new attr.Item) {
	switch v {
	case NewImage:
		return nil, c.New
	case OldImage:
		return c.Old, nil
	case NewAndOldImages:
		return c.Old, c.New
	}
	return nil, nil
}

// AppendJSON appends r's JSON encoding (the same bytes json.Marshal
// produces) to dst. The engine calls it on every write, so it avoids the
// reflection and re-validation json.Marshal does around item encoders.
func (r *Record) AppendJSON(dst []byte) ([]byte, error) { return r.appendJSON(dst, false) }

// AppendAPIJSON is AppendJSON in the shape DynamoDB Streams' GetRecords
// answers: the same, except that userIdentity's members are spelled
// PrincipalId and Type, as the service model names them.
func (r *Record) AppendAPIJSON(dst []byte) ([]byte, error) { return r.appendJSON(dst, true) }

func (r *Record) appendJSON(dst []byte, api bool) ([]byte, error) {
	dst = append(dst, `{"eventID":`...)
	dst = strconv.AppendQuote(dst, r.EventID)
	dst = append(dst, `,"eventName":`...)
	dst = strconv.AppendQuote(dst, r.EventName)
	dst = append(dst, `,"eventVersion":`...)
	dst = strconv.AppendQuote(dst, r.EventVersion)
	dst = append(dst, `,"eventSource":`...)
	dst = strconv.AppendQuote(dst, r.EventSource)
	dst = append(dst, `,"awsRegion":`...)
	dst = strconv.AppendQuote(dst, r.AWSRegion)
	d := &r.DynamoDB
	dst = append(dst, `,"dynamodb":{"ApproximateCreationDateTime":`...)
	dst = strconv.AppendInt(dst, d.ApproximateCreationDateTime, 10)
	var err error
	for _, img := range []struct {
		name string
		item attr.Item
		omit bool
	}{{"Keys", d.Keys, false}, {"NewImage", d.NewImage, len(d.NewImage) == 0}, {"OldImage", d.OldImage, len(d.OldImage) == 0}} {
		if img.omit {
			continue
		}
		dst = append(dst, `,"`...)
		dst = append(dst, img.name...)
		dst = append(dst, `":`...)
		if img.item == nil {
			dst = append(dst, "null"...)
			continue
		}
		b, e := img.item.MarshalJSON()
		if e != nil {
			err = e
		}
		dst = append(dst, b...)
	}
	dst = append(dst, `,"SequenceNumber":`...)
	dst = strconv.AppendQuote(dst, d.SequenceNumber)
	dst = append(dst, `,"SizeBytes":`...)
	dst = strconv.AppendInt(dst, d.SizeBytes, 10)
	dst = append(dst, `,"StreamViewType":`...)
	dst = strconv.AppendQuote(dst, string(d.StreamViewType))
	dst = append(dst, '}')
	if r.EventSourceARN != "" {
		dst = append(dst, `,"eventSourceARN":`...)
		dst = strconv.AppendQuote(dst, r.EventSourceARN)
	}
	if id := r.UserIdentity; id != nil {
		typ, principal := `{"type":`, `,"principalId":`
		if api {
			typ, principal = `{"Type":`, `,"PrincipalId":`
		}
		dst = append(dst, `,"userIdentity":`...)
		dst = append(dst, typ...)
		dst = strconv.AppendQuote(dst, id.Type)
		dst = append(dst, principal...)
		dst = strconv.AppendQuote(dst, id.PrincipalID)
		dst = append(dst, '}')
	}
	return append(dst, '}'), err
}
