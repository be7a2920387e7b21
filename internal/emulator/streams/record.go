package streams

import (
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
	d := &r.DynamoDB
	p := Parts{
		EventID: r.EventID, EventName: r.EventName, EventVersion: r.EventVersion, EventSource: r.EventSource, AWSRegion: r.AWSRegion,
		ApproximateCreationDateTime: d.ApproximateCreationDateTime, SequenceNumber: d.SequenceNumber, SizeBytes: d.SizeBytes,
		StreamViewType: d.StreamViewType, EventSourceARN: r.EventSourceARN, UserIdentity: r.UserIdentity,
	}
	var err error
	image := func(it attr.Item, omitEmpty bool) []byte {
		if it == nil || omitEmpty && len(it) == 0 {
			return nil
		}
		b, e := it.MarshalJSON()
		if e != nil && err == nil {
			err = e
		}
		return b
	}
	p.Keys, p.NewImage, p.OldImage = image(d.Keys, false), image(d.NewImage, true), image(d.OldImage, true)
	dst, _ = p.appendJSON(dst, api)
	return dst, err
}
