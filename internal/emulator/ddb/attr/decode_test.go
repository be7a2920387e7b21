package attr

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
)

// decodeCases are inputs whose decoding the fast decoder must reproduce
// exactly as the original encoding/json-based decoder did; they also seed
// FuzzDecodeDifferential.
var decodeCases = []string{
	`{"S":"x"}`, `{"S":"caf\u00e9 \"q\" \\ \/ \n"}`, `{"S":"héllo"}`, "{\"S\":\"bad\xff\xfeutf8\"}",
	`{"S":null}`, `{"N":null}`, `{"B":null}`, `{"BOOL":null}`, `{"M":null}`, `{"L":null}`,
	`{"SS":null}`, `{"NS":null}`, `{"BS":null}`, `{"NULL":null}`, `null`, `{"M":{"a":null}}`,
	`{"S":"a","S":"b"}`, `{"S":1,"S":"b"}`, `{"S":"a","N":"1","S":"b"}`, `{"X":1,"X":2}`, `{"X":1,"Y":2}`,
	`{"X":1,"S":"a"}`, `{"\u0053":"escaped key"}`, `{"s":"lower"}`,
	`{"N":"-1.5e3"}`, `{"N":"0007"}`, `{"N":" 12 "}`, `{"N":"12345678901234567890123456789012345678"}`,
	`{"N":"123456789012345678901234567890123456789"}`, `{"N":1}`, `{"N":"-0"}`,
	`{"M":{"a":{"L":[{"NULL":true},{"BOOL":false}]}}}`, `{"M":{"a":{"N":"x"},"b":5}}`, `{"M":{"a":5,"b":{"N":"x"}}}`,
	`{"M":[1]}`, `{"M":"x"}`, `{"L":{}}`, `{"L":[1,{"N":"x"}]}`, `{"L":[{"N":"x"},1]}`, `{"L":[]}`, `{"M":{}}`,
	`{"SS":["a","b"]}`, `{"SS":["a",null]}`, `{"SS":[null,null]}`, `{"SS":["a",1,"b"]}`, `{"SS":"a"}`, `{"SS":{}}`,
	`{"NS":["1","2"]}`, `{"NS":["1","1.0"]}`, `{"NS":["x","1"]}`, `{"NS":[]}`,
	`{"BS":["YQ=="]}`, `{"BS":["YQ==","YQ=="]}`, `{"BS":["YQ==",1]}`, `{"BS":[null]}`, `{"BS":[]}`, `{"BS":"YQ=="}`,
	`{"BS":["***","YQ==","YQ=="]}`, `{"B":"AAEC"}`, `{"B":"***"}`, `{"B":1}`,
	`{"BOOL":true}`, `{"BOOL":"true"}`, `{"NULL":true}`, `{"NULL":false}`, `{"NULL":"true"}`,
	`{}`, `[1]`, `"x"`, `1`, `true`, `{"S":"a"} x`, `{"S":"a"`, `{"S":"a",}`, `{"M":{"a":{"N":"x"}}, "b": tru}`,
	`{"N":"1e999"}`, ` {"S" : "spaced" } `, `{"L":[{"S":"a"},{"N":"01.50"}]}`, `{"N":"1.", "N":"2"}`,
	`{"SS":["a","b","a"]}`, `{"NS":["1","2","1"]}`, `{"N":"1E-131"}`, `{"N":"-1E126"}`, `{"NS":["1","1E-999999"]}`,
	`{"S":"\ud800"}`, `{"S":"\u00"}`, `{"S":"\x"}`, "{\"S\":\"ctl\x01\"}", `{"S":-01}`, `{"S":1.}`, `{"S":1e}`,
}

func sameDecode(t *testing.T, data []byte) {
	t.Helper()
	// Through encoding/json, as request structs decode.
	var got Value
	gotErr := json.Unmarshal(data, &got)
	want, wantErr := oldUnmarshalValue(data)
	if !sameErr(gotErr, wantErr) {
		t.Fatalf("decode %.200q: error %v, want %v", data, gotErr, wantErr)
	}
	if wantErr == nil && !reflect.DeepEqual(got, want) {
		t.Fatalf("decode %.200q: got %#v, want %#v", data, got, want)
	}
	// Called directly, on possibly malformed bytes.
	var direct Value
	directErr := direct.UnmarshalJSON(data)
	var old oldValue
	oldErr := old.UnmarshalJSON(data)
	if !sameErr(directErr, oldErr) {
		t.Fatalf("direct decode %.200q: error %v, want %v", data, directErr, oldErr)
	}
	if oldErr == nil && !reflect.DeepEqual(direct, old.v) {
		t.Fatalf("direct decode %.200q: got %#v, want %#v", data, direct, old.v)
	}

	var it Item
	itErr := it.UnmarshalJSON(data)
	wantIt, wantItErr := oldUnmarshalItem(data)
	if !sameErr(itErr, wantItErr) {
		t.Fatalf("decode item %.200q: error %v, want %v", data, itErr, wantItErr)
	}
	if wantItErr == nil && !reflect.DeepEqual(it, wantIt) {
		t.Fatalf("decode item %.200q: got %#v, want %#v", data, it, wantIt)
	}
}

// sameErr compares what callers can see: the error text, and the AWS code
// for a DecodeError. encoding/json's own errors (from json.Unmarshal on
// invalid input, outside any UnmarshalJSON) are compared by text.
func sameErr(a, b error) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	var da, db *DecodeError
	if errors.As(a, &da) != errors.As(b, &db) {
		return false
	}
	if da != nil && (da.Serialization != db.Serialization || da.Msg != db.Msg) {
		return false
	}
	return a.Error() == b.Error()
}

func TestDecodeMatchesOriginal(t *testing.T) {
	t.Parallel()
	for _, c := range decodeCases {
		sameDecode(t, []byte(c))
		sameDecode(t, []byte(`{"M":{"k":`+c+`}}`))
		sameDecode(t, []byte(`{"L":[`+c+`]}`))
	}
}

func TestDecodeDeepNesting(t *testing.T) {
	t.Parallel()
	// 5001 levels of {"L":[ are 10002 nested containers: past
	// encoding/json's limit of 10000.
	for _, depth := range []int{200, 5001} {
		data := []byte(strings.Repeat(`{"L":[`, depth) + `{"S":"x"}` + strings.Repeat(`]}`, depth))
		sameDecode(t, data)
	}
}

func TestDecodeRequestBody(t *testing.T) {
	t.Parallel()
	var in struct {
		TableName string
		Item      Item
	}
	body := `{"TableName":"T","Item":{"pk":{"S":"k1"},"n":{"N":"42"},"m":{"M":{"l":{"L":[{"BOOL":true}]}}}}}`
	if err := json.Unmarshal([]byte(body), &in); err != nil {
		t.Fatal(err)
	}
	want := Item{"pk": String("k1"), "n": Number("42"), "m": Map(map[string]Value{"l": List(Bool(true))})}
	if !ItemsEqual(in.Item, want) {
		t.Fatalf("got %v", in.Item)
	}
	err := json.Unmarshal([]byte(`{"TableName":"T","Item":{"pk":{"N":"x"}}}`), &in)
	var de *DecodeError
	if !errors.As(err, &de) || de.Msg != "The parameter cannot be converted to a numeric value: x" {
		t.Fatalf("got %v", err)
	}
}

// FuzzDecodeDifferential checks the fast decoder against the original
// encoding/json-based one on arbitrary input: same value, same error.
func FuzzDecodeDifferential(f *testing.F) {
	for _, c := range decodeCases {
		f.Add([]byte(c))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		sameDecode(t, data)
	})
}

func BenchmarkDecodeItem(b *testing.B) {
	body := []byte(`{"pk":{"S":"k000000000001"},"sk":{"N":"1700000000"},"data":{"S":"` + strings.Repeat("x", 150) + `"},"tags":{"SS":["a","b"]},"m":{"M":{"n":{"N":"1.5"},"ok":{"BOOL":true}}}}`)
	b.Run("fast", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(body)))
		for b.Loop() {
			var it Item
			if err := it.UnmarshalJSON(body); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("original", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(body)))
		for b.Loop() {
			if _, err := oldUnmarshalItem(body); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// FuzzMarshalString checks the fast string path of the encoder against
// encoding/json.
func FuzzMarshalString(f *testing.F) {
	for _, s := range []string{"plain", `q"uote`, `back\slash`, "<html>&", "tab\t", "\x7f", "héllo", "\u2028", "\xff", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var buf bytes.Buffer
		writeJSONString(&buf, s)
		want, _ := json.Marshal(s)
		if buf.String() != string(want) {
			t.Fatalf("writeJSONString(%q) = %s, want %s", s, buf.String(), want)
		}
	})
}

func TestDecodeItemPrefix(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		in      string
		n       int
		wantErr bool
	}{
		{`{"a":{"S":"x"}},"next":1}`, 15, false},
		{`{}rest`, 2, false},
		{`null,`, 4, false},
		{`{"a":{"Q":1}}`, 0, true},
		{`{"a":`, 0, true},
		{`[1]`, 0, true},
	} {
		it, n, err := DecodeItemPrefix([]byte(tt.in))
		if (err != nil) != tt.wantErr || n != tt.n {
			t.Errorf("DecodeItemPrefix(%q) = %v, %d, %v; want n %d, err %v", tt.in, it, n, err, tt.n, tt.wantErr)
		}
	}
}

// FuzzDecodeItemPrefix: DecodeItemPrefix decodes what Item.UnmarshalJSON
// decodes from the bytes it says it used, and accepts every whole item
// UnmarshalJSON accepts.
func FuzzDecodeItemPrefix(f *testing.F) {
	for _, c := range decodeCases {
		f.Add([]byte(c))
		f.Add([]byte(`{"k":` + c + `},"x"`))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		it, n, err := DecodeItemPrefix(data)
		var whole Item
		wholeErr := whole.UnmarshalJSON(data)
		if wholeErr == nil && (err != nil || !reflect.DeepEqual(it, whole)) {
			t.Fatalf("DecodeItemPrefix(%q) = %v, %v; UnmarshalJSON = %v", data, it, err, whole)
		}
		if err != nil {
			return
		}
		var part Item
		if perr := part.UnmarshalJSON(data[:n]); perr != nil || !reflect.DeepEqual(part, it) {
			t.Fatalf("DecodeItemPrefix(%q) = %v after %d bytes; UnmarshalJSON of them = %v, %v", data, it, n, part, perr)
		}
	})
}

// FuzzReencodeStable: an item decoded from attr's own encoding encodes to
// the same bytes. The storage engine relies on it to use a stored item's
// bytes as a stream record's OldImage without decoding and encoding it.
func FuzzReencodeStable(f *testing.F) {
	for _, c := range decodeCases {
		f.Add([]byte(`{"k":` + c + `}`))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var it Item
		if it.UnmarshalJSON(data) != nil {
			return
		}
		first, err := it.MarshalJSON()
		if err != nil {
			t.Fatal(err)
		}
		var back Item
		if err := back.UnmarshalJSON(first); err != nil {
			t.Fatalf("decode own encoding %s: %v", first, err)
		}
		again, err := back.MarshalJSON()
		if err != nil || !bytes.Equal(first, again) {
			t.Fatalf("re-encode of %s = %s, %v", first, again, err)
		}
	})
}
