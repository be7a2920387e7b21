package streams

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/sfapi/sfapi/internal/emulator/ddb/attr"
)

// sequenceCases and badSequences are TestSequenceNumbers' table; they also
// seed FuzzParseSequence.
var (
	sequenceCases = []uint64{1, 2, 9, 10, 99, 1000, 1 << 40, 1<<64 - 1}
	badSequences  = []string{"", "1", "x00000000000000000001", "200000000000000000001", "1000000000000000000001",
		"1+0000000000000000001", "1-0000000000000000001", "199999999999999999999"}
)

func TestSequenceNumbers(t *testing.T) {
	t.Parallel()
	prev := ""
	for _, n := range sequenceCases {
		s := FormatSequence(n)
		if len(s) != 21 {
			t.Fatalf("FormatSequence(%d) = %q: want 21 digits", n, s)
		}
		if s <= prev {
			t.Fatalf("FormatSequence(%d) = %q not after %q", n, s, prev)
		}
		got, err := ParseSequence(s)
		if err != nil || got != n {
			t.Fatalf("ParseSequence(%q) = %d, %v", s, got, err)
		}
		prev = s
	}
	for _, bad := range badSequences {
		if _, err := ParseSequence(bad); err == nil {
			t.Errorf("ParseSequence(%q) succeeded", bad)
		}
	}
}

func TestShardIDAndARN(t *testing.T) {
	t.Parallel()
	arn := "arn:aws:dynamodb:us-east-1:000000000000:table/Gophers/stream/2026-01-02T03:04:05.000"
	created := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	id := ShardID(arn, created)
	if id != ShardID(arn, created) || !strings.HasPrefix(id, "shardId-") || len(id) != len("shardId-00000001700000000000-1a2b3c4d") {
		t.Fatalf("ShardID = %q", id)
	}
	if name, ok := TableFromARN(arn); !ok || name != "Gophers" {
		t.Fatalf("TableFromARN = %q, %v", name, ok)
	}
	if _, ok := TableFromARN("arn:aws:dynamodb:us-east-1:0:table/x"); ok {
		t.Fatalf("TableFromARN accepted a table ARN")
	}
	if got := Label(created); got != "2026-01-02T03:04:05.000" {
		t.Fatalf("Label = %q", got)
	}
}

// badIterators is TestIterator's table of malformed iterators; it also
// seeds FuzzDecodeIterator.
func badIterators(now time.Time) []string {
	return []string{"", "!!!", "e30", Iterator{StreamARN: "a", ShardID: "s", After: "12", Issued: now}.Encode(),
		Iterator{StreamARN: "", ShardID: "s", Issued: now}.Encode()}
}

func TestIterator(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	it := Iterator{StreamARN: "arn:x:table/T/stream/L", ShardID: "shardId-1", After: FormatSequence(5), Issued: now}
	got, err := DecodeIterator(it.Encode(), now.Add(IteratorTTL))
	if err != nil || got.After != it.After || got.StreamARN != it.StreamARN || got.ShardID != it.ShardID {
		t.Fatalf("round trip = %+v, %v", got, err)
	}
	if _, err := DecodeIterator(it.Encode(), now.Add(IteratorTTL+time.Second)); !errors.Is(err, ErrExpiredIterator) {
		t.Fatalf("expired iterator: err = %v", err)
	}
	for _, bad := range badIterators(now) {
		if _, err := DecodeIterator(bad, now); !errors.Is(err, ErrInvalidIterator) {
			t.Errorf("DecodeIterator(%q) err = %v, want invalid", bad, err)
		}
	}
}

// startPositionCases is TestStartPosition's table; it also seeds
// FuzzStartPosition.
var startPositionCases = func() []struct {
	typ     IteratorType
	seq     string
	latest  string
	want    string
	wantErr bool
} {
	s5 := FormatSequence(5)
	return []struct {
		typ     IteratorType
		seq     string
		latest  string
		want    string
		wantErr bool
	}{
		{TrimHorizon, "", s5, "", false},
		{Latest, "", s5, s5, false},
		{AfterSequenceNumber, s5, "", s5, false},
		{AtSequenceNumber, s5, "", FormatSequence(4), false},
		{AtSequenceNumber, FormatSequence(1), "", "", false},
		{AtSequenceNumber, "bogus", "", "", true},
		{AfterSequenceNumber, "", "", "", true},
		{"SIDEWAYS", "", "", "", true},
	}
}()

func TestStartPosition(t *testing.T) {
	t.Parallel()
	for _, tt := range startPositionCases {
		got, err := StartPosition(tt.typ, tt.seq, tt.latest)
		if (err != nil) != tt.wantErr || got != tt.want {
			t.Errorf("StartPosition(%s, %q) = %q, %v; want %q, err %v", tt.typ, tt.seq, got, err, tt.want, tt.wantErr)
		}
	}
}

func TestRecordJSONShape(t *testing.T) {
	t.Parallel()
	c := Change{Keys: attr.Item{"pk": attr.String("a")}, Old: attr.Item{"pk": attr.String("a"), "v": attr.Int(1)}, New: attr.Item{"pk": attr.String("a"), "v": attr.Int(2)}}
	if c.EventName() != EventModify || (Change{New: c.New}).EventName() != EventInsert || (Change{Old: c.Old}).EventName() != EventRemove {
		t.Fatalf("event names wrong")
	}
	for _, tt := range []struct {
		v        ViewType
		old, new bool
	}{{KeysOnly, false, false}, {NewImage, false, true}, {OldImage, true, false}, {NewAndOldImages, true, true}} {
		o, n := tt.v.Images(c)
		if (o != nil) != tt.old || (n != nil) != tt.new {
			t.Errorf("%s images: old %v new %v", tt.v, o, n)
		}
	}
	o, n := NewAndOldImages.Images(c)
	r := Record{EventID: "id", EventName: c.EventName(), EventVersion: "1.1", EventSource: "aws:dynamodb", AWSRegion: "us-east-1",
		DynamoDB: StreamRecord{ApproximateCreationDateTime: 1700000000, Keys: c.Keys, OldImage: o, NewImage: n, SequenceNumber: FormatSequence(1), SizeBytes: 10, StreamViewType: NewAndOldImages}}
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"eventID":"id","eventName":"MODIFY","eventVersion":"1.1","eventSource":"aws:dynamodb","awsRegion":"us-east-1","dynamodb":{"ApproximateCreationDateTime":1700000000,"Keys":{"pk":{"S":"a"}},"NewImage":{"pk":{"S":"a"},"v":{"N":"2"}},"OldImage":{"pk":{"S":"a"},"v":{"N":"1"}},"SequenceNumber":"100000000000000000001","SizeBytes":10,"StreamViewType":"NEW_AND_OLD_IMAGES"}}`
	if string(b) != want {
		t.Fatalf("record JSON\n got %s\nwant %s", b, want)
	}
	fast, err := r.AppendJSON(nil)
	if err != nil || string(fast) != want {
		t.Fatalf("AppendJSON\n got %s\nwant %s", fast, want)
	}
	r.EventSourceARN = "arn:x"
	r.DynamoDB.OldImage, r.DynamoDB.NewImage = nil, nil
	slow, _ := json.Marshal(r)
	if fast, _ := r.AppendJSON(nil); string(fast) != string(slow) {
		t.Fatalf("AppendJSON\n got %s\nwant %s", fast, slow)
	}
	var back Record
	if err := json.Unmarshal(b, &back); err != nil || back.DynamoDB.SequenceNumber != r.DynamoDB.SequenceNumber || !attr.ItemsEqual(back.DynamoDB.NewImage, n) {
		t.Fatalf("decode record: %v %+v", err, back)
	}
}

func FuzzDecodeIterator(f *testing.F) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	f.Add(Iterator{StreamARN: "arn:x:table/T/stream/L", ShardID: "shardId-1", After: FormatSequence(5), Issued: now}.Encode())
	for _, s := range badIterators(now) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		it, err := DecodeIterator(s, now)
		if err != nil {
			return
		}
		again, err := DecodeIterator(it.Encode(), now)
		if err != nil || again.After != it.After || again.StreamARN != it.StreamARN {
			t.Fatalf("re-encode: %v", err)
		}
	})
}

func TestRecordUserIdentity(t *testing.T) {
	t.Parallel()
	id := TTLIdentity
	r := Record{EventID: "id", EventName: EventRemove, EventVersion: "1.1", EventSource: "aws:dynamodb", AWSRegion: "us-east-1",
		DynamoDB:     StreamRecord{Keys: attr.Item{"pk": attr.String("a")}, SequenceNumber: FormatSequence(1), StreamViewType: KeysOnly},
		UserIdentity: &id}
	slow, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	fast, err := r.AppendJSON(nil)
	if err != nil || string(fast) != string(slow) {
		t.Fatalf("AppendJSON\n got %s\nwant %s", fast, slow)
	}
	if !strings.Contains(string(fast), `"userIdentity":{"type":"Service","principalId":"dynamodb.amazonaws.com"}`) {
		t.Fatalf("event shape lacks userIdentity: %s", fast)
	}
	api, err := r.AppendAPIJSON(nil)
	if err != nil || !strings.Contains(string(api), `"userIdentity":{"Type":"Service","PrincipalId":"dynamodb.amazonaws.com"}`) {
		t.Fatalf("API shape: %s, %v", api, err)
	}
}

// FuzzParseSequence: whatever ParseSequence accepts formats back to the
// same string, so sequence numbers compare as strings exactly as numbers.
func FuzzParseSequence(f *testing.F) {
	for _, n := range sequenceCases {
		f.Add(FormatSequence(n))
	}
	for _, s := range badSequences {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := ParseSequence(s)
		if err != nil {
			if !errors.Is(err, ErrSequence) {
				t.Fatalf("ParseSequence(%q) error %v is not ErrSequence", s, err)
			}
			return
		}
		if back := FormatSequence(n); back != s {
			t.Fatalf("ParseSequence(%q) = %d, which formats as %q", s, n, back)
		}
	})
}

// FuzzStartPosition: a start position is empty or a valid sequence number
// no later than the one asked for.
func FuzzStartPosition(f *testing.F) {
	for _, tc := range startPositionCases {
		f.Add(string(tc.typ), tc.seq, tc.latest)
	}
	f.Fuzz(func(t *testing.T, typ, seq, latest string) {
		pos, err := StartPosition(IteratorType(typ), seq, latest)
		if err != nil || pos == "" || IteratorType(typ) == Latest {
			return
		}
		if _, err := ParseSequence(pos); err != nil {
			t.Fatalf("StartPosition(%s, %q) = %q: not a sequence number", typ, seq, pos)
		}
		if pos > seq {
			t.Fatalf("StartPosition(%s, %q) = %q: after the sequence number", typ, seq, pos)
		}
	})
}

// FuzzTableFromARN: a table name found in a stream ARN is non-empty and
// sits between ":table/" and "/stream/" in it.
func FuzzTableFromARN(f *testing.F) {
	for _, s := range []string{"arn:aws:dynamodb:us-east-1:000000000000:table/Gophers/stream/2026-01-02T03:04:05.000",
		"arn:aws:dynamodb:us-east-1:0:table/x", "", ":table//stream/", ":table/a/stream/b/stream/c"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, arn string) {
		name, ok := TableFromARN(arn)
		if !ok {
			return
		}
		if name == "" || !strings.Contains(arn, ":table/"+name+"/stream/") {
			t.Fatalf("TableFromARN(%q) = %q", arn, name)
		}
	})
}
