package streams

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/sfapi/sfapi/internal/emulator/ddb/attr"
)

// DecodeRecord decodes a record's JSON (Record.AppendJSON's or
// json.Marshal's form): the same Record json.Unmarshal returns, or its
// error.
//
// Stream readers decode every record they read, and encoding/json spent
// most of that time finding each member by reflection and scanning each
// image twice (once to find its end, once in attr's decoder). Records the
// engine wrote have one fixed layout, so a reader that expects exactly that
// layout decodes them in one pass; anything else (other member order,
// whitespace, escapes, unknown members) goes to encoding/json.
func DecodeRecord(data []byte) (Record, error) {
	if r, ok := decodeFast(data); ok {
		return r, nil
	}
	var r Record
	if err := json.Unmarshal(data, &r); err != nil {
		return Record{}, fmt.Errorf("decode stream record: %w", err)
	}
	return r, nil
}

// recordReader reads the layout Parts.appendJSON writes, member by member.
type recordReader struct {
	data []byte
	pos  int
	ok   bool
}

// lit consumes s or fails the read.
func (r *recordReader) lit(s string) {
	if !r.ok || !bytes.HasPrefix(r.data[r.pos:], []byte(s)) {
		r.ok = false
		return
	}
	r.pos += len(s)
}

// peekLit reports whether s comes next, consuming it if so.
func (r *recordReader) peekLit(s string) bool {
	if r.ok && bytes.HasPrefix(r.data[r.pos:], []byte(s)) {
		r.pos += len(s)
		return true
	}
	return false
}

// str reads a JSON string without escapes, made of printable ASCII (the
// bytes appendQuoted copies as they are; the other strings take the slow
// path, which unescapes them).
func (r *recordReader) str() string {
	if !r.ok || r.pos >= len(r.data) || r.data[r.pos] != '"' {
		r.ok = false
		return ""
	}
	for i := r.pos + 1; i < len(r.data); i++ {
		c := r.data[i]
		if c == '"' {
			s := string(r.data[r.pos+1 : i])
			r.pos = i + 1
			return s
		}
		if c < 0x20 || c > 0x7e || c == '\\' {
			break
		}
	}
	r.ok = false
	return ""
}

// int reads a JSON integer as strconv writes it.
func (r *recordReader) int() int64 {
	if !r.ok {
		return 0
	}
	end := r.pos
	if end < len(r.data) && r.data[end] == '-' {
		end++
	}
	for end < len(r.data) && r.data[end] >= '0' && r.data[end] <= '9' {
		end++
	}
	n, err := strconv.ParseInt(string(r.data[r.pos:end]), 10, 64)
	// encoding/json rejects leading zeros ("01") and "-0" decodes to 0 like
	// ParseInt; strconv's own output never has either, so require its form.
	if err != nil || strconv.FormatInt(n, 10) != string(r.data[r.pos:end]) {
		r.ok = false
		return 0
	}
	r.pos = end
	return n
}

// item reads an image: a DynamoDB-JSON map, decoded where it lies.
func (r *recordReader) item() attr.Item {
	if !r.ok || r.pos >= len(r.data) || r.data[r.pos] != '{' {
		r.ok = false
		return nil
	}
	it, n, err := attr.DecodeItemPrefix(r.data[r.pos:])
	if err != nil {
		r.ok = false
		return nil
	}
	r.pos += n
	return it
}

func decodeFast(data []byte) (Record, bool) {
	var rec Record
	r := &recordReader{data: data, ok: true}
	r.lit(`{"eventID":`)
	rec.EventID = r.str()
	r.lit(`,"eventName":`)
	rec.EventName = r.str()
	r.lit(`,"eventVersion":`)
	rec.EventVersion = r.str()
	r.lit(`,"eventSource":`)
	rec.EventSource = r.str()
	r.lit(`,"awsRegion":`)
	rec.AWSRegion = r.str()
	d := &rec.DynamoDB
	r.lit(`,"dynamodb":{"ApproximateCreationDateTime":`)
	d.ApproximateCreationDateTime = r.int()
	r.lit(`,"Keys":`)
	d.Keys = r.item()
	if r.peekLit(`,"NewImage":`) {
		d.NewImage = r.item()
	}
	if r.peekLit(`,"OldImage":`) {
		d.OldImage = r.item()
	}
	r.lit(`,"SequenceNumber":`)
	d.SequenceNumber = r.str()
	r.lit(`,"SizeBytes":`)
	d.SizeBytes = r.int()
	r.lit(`,"StreamViewType":`)
	d.StreamViewType = ViewType(r.str())
	r.lit(`}`)
	if r.peekLit(`,"eventSourceARN":`) {
		rec.EventSourceARN = r.str()
	}
	if r.peekLit(`,"userIdentity":{"type":`) {
		id := &Identity{Type: r.str()}
		r.lit(`,"principalId":`)
		id.PrincipalID = r.str()
		r.lit(`}`)
		rec.UserIdentity = id
	}
	r.lit(`}`)
	if !r.ok || r.pos != len(data) {
		return Record{}, false
	}
	return rec, true
}
