package streams

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"

	"github.com/sfapi/sfapi/internal/emulator/ddb/attr"
)

// sampleRecords are the records TestDecodeRecord round-trips; their JSON
// also seeds FuzzDecodeRecord.
func sampleRecords() []Record {
	keys := attr.Item{"pk": attr.String("a"), "sk": attr.Int(7)}
	img := attr.Item{"pk": attr.String("a"), "sk": attr.Int(7), "m": attr.Value{Type: attr.TypeM, M: map[string]attr.Value{"x": attr.Bool(true)}},
		"l": attr.Value{Type: attr.TypeL, L: []attr.Value{attr.String("é<&>"), attr.Null()}}, "ss": attr.Value{Type: attr.TypeSS, SS: []string{"b", "a"}}}
	id := TTLIdentity
	base := func(name string) Record {
		return Record{EventID: "0123456789abcdef0123456789abcdef", EventName: name, EventVersion: "1.1", EventSource: "aws:dynamodb", AWSRegion: "us-east-1",
			DynamoDB: StreamRecord{ApproximateCreationDateTime: 1700000000, Keys: keys, SequenceNumber: FormatSequence(42), SizeBytes: 55, StreamViewType: NewAndOldImages}}
	}
	ins, mod, rem, keysOnly, piped := base(EventInsert), base(EventModify), base(EventRemove), base(EventInsert), base(EventModify)
	ins.DynamoDB.NewImage = img
	mod.DynamoDB.NewImage, mod.DynamoDB.OldImage = img, keys
	rem.DynamoDB.OldImage, rem.UserIdentity = img, &id
	keysOnly.DynamoDB.StreamViewType = KeysOnly
	piped.DynamoDB.OldImage, piped.EventSourceARN = img, "arn:aws:dynamodb:us-east-1:000000000000:table/T/stream/L"
	odd := base(EventInsert)
	odd.AWSRegion, odd.DynamoDB.ApproximateCreationDateTime = "ré\"gion\n", -5 // escaped: the slow path
	return []Record{ins, mod, rem, keysOnly, piped, odd}
}

func TestDecodeRecord(t *testing.T) {
	t.Parallel()
	for i, want := range sampleRecords() {
		data, err := want.AppendJSON(nil)
		if err != nil {
			t.Fatal(err)
		}
		got, err := DecodeRecord(data)
		if err != nil {
			t.Fatalf("record %d: %v", i, err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("record %d:\n got %+v\nwant %+v", i, got, want)
		}
		// The engine's own records take the fast path; escaped strings do not.
		if _, fast := decodeFast(data); fast != (want.AWSRegion == "us-east-1") {
			t.Fatalf("record %d: fast path used = %v", i, fast)
		}
		// Indented JSON (another writer's layout) decodes the same.
		var pretty bytes.Buffer
		_ = json.Indent(&pretty, data, "", "  ")
		if again, err := DecodeRecord(pretty.Bytes()); err != nil || !reflect.DeepEqual(again, want) {
			t.Fatalf("record %d indented: %v\n got %+v", i, err, again)
		}
	}
	for _, bad := range []string{"", "{", `{"eventID":1}`, `{"dynamodb":{"Keys":{"pk":{"Q":"x"}}}}`, `[]`} {
		if _, err := DecodeRecord([]byte(bad)); err == nil {
			t.Errorf("DecodeRecord(%q) succeeded", bad)
		}
	}
}

func TestPartsSequence(t *testing.T) {
	t.Parallel()
	r := sampleRecords()[1]
	want, _ := r.AppendJSON(nil)
	p := Parts{EventID: r.EventID, EventName: r.EventName, EventVersion: r.EventVersion, EventSource: r.EventSource, AWSRegion: r.AWSRegion,
		ApproximateCreationDateTime: r.DynamoDB.ApproximateCreationDateTime, SequenceNumber: FormatSequence(0), SizeBytes: r.DynamoDB.SizeBytes,
		StreamViewType: r.DynamoDB.StreamViewType}
	p.Keys, _ = r.DynamoDB.Keys.MarshalJSON()
	p.NewImage, _ = r.DynamoDB.NewImage.MarshalJSON()
	p.OldImage, _ = r.DynamoDB.OldImage.MarshalJSON()
	got, at := p.AppendJSON([]byte("prefix"))
	SetSequence(got, at, 42)
	if string(got) != "prefix"+string(want) {
		t.Fatalf("Parts\n got %s\nwant prefix%s", got, want)
	}
}

// FuzzDecodeRecord: DecodeRecord agrees with json.Unmarshal on any input,
// and its fast path decodes what the engine writes.
func FuzzDecodeRecord(f *testing.F) {
	for _, r := range sampleRecords() {
		data, _ := r.AppendJSON(nil)
		f.Add(data)
	}
	f.Add([]byte(`{"eventID":"x","eventName":"INSERT","eventVersion":"1.1","eventSource":"s","awsRegion":"r","dynamodb":{"ApproximateCreationDateTime":01,"Keys":null,"SequenceNumber":"1","SizeBytes":1,"StreamViewType":"KEYS_ONLY"}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var want Record
		wantErr := json.Unmarshal(data, &want)
		got, err := DecodeRecord(data)
		if (err != nil) != (wantErr != nil) {
			t.Fatalf("DecodeRecord err = %v, json.Unmarshal err = %v", err, wantErr)
		}
		if err == nil && !reflect.DeepEqual(got, want) {
			t.Fatalf("DecodeRecord\n got %+v\nwant %+v", got, want)
		}
	})
}

// FuzzRecordJSON: AppendJSON writes json.Marshal's bytes whatever the
// strings and images hold.
func FuzzRecordJSON(f *testing.F) {
	f.Add("id", "us-east-1", "", `{"pk":{"S":"a"}}`, `{"pk":{"S":"a"},"n":{"N":"1"}}`, int64(1700000000))
	f.Add("\x00<é>", "r\"\\", "arn:\u2028", `{"b":{"B":"AAE="}}`, `{}`, int64(-1))
	f.Fuzz(func(t *testing.T, id, region, arn, keysJSON, imgJSON string, ts int64) {
		var keys, img attr.Item
		if keys.UnmarshalJSON([]byte(keysJSON)) != nil || img.UnmarshalJSON([]byte(imgJSON)) != nil {
			return
		}
		r := Record{EventID: id, EventName: EventModify, EventVersion: "1.1", EventSource: "aws:dynamodb", AWSRegion: region, EventSourceARN: arn,
			DynamoDB: StreamRecord{ApproximateCreationDateTime: ts, Keys: keys, NewImage: img, OldImage: keys, SequenceNumber: FormatSequence(uint64(ts)), StreamViewType: NewAndOldImages}}
		want, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		got, err := r.AppendJSON(nil)
		if err != nil || string(got) != string(want) {
			t.Fatalf("AppendJSON\n got %s\nwant %s", got, want)
		}
		back, err := DecodeRecord(got)
		if err != nil {
			t.Fatalf("decode own record: %v", err)
		}
		var slow Record
		_ = json.Unmarshal(got, &slow)
		if !reflect.DeepEqual(back, slow) {
			t.Fatalf("DecodeRecord\n got %+v\nwant %+v", back, slow)
		}
	})
}

// BenchmarkDecodeRecord compares DecodeRecord with json.Unmarshal on a
// MODIFY record with both images of a ~200-byte item.
func BenchmarkDecodeRecord(b *testing.B) {
	r := sampleRecords()[1]
	r.DynamoDB.OldImage = r.DynamoDB.NewImage
	data, _ := r.AppendJSON(nil)
	b.Run("fast", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := DecodeRecord(data); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("encoding-json", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var out Record
			if err := json.Unmarshal(data, &out); err != nil {
				b.Fatal(err)
			}
		}
	})
}
