package emulator

import "testing"

// TestPartitionKeyOf: records of one partition key share a lane key,
// records of others do not, whatever else the record holds.
func TestPartitionKeyOf(t *testing.T) {
	t.Parallel()
	for _, attr := range []string{"pk", "$or", `we"ird`} {
		key := partitionKeyOf(attr)
		rec := func(pk, sk, extra string) []byte {
			name := attr
			if attr == `we"ird` {
				name = `we\"ird`
			}
			return []byte(`{"eventName":"MODIFY","dynamodb":{"Keys":{"` + name + `":{"S":"` + pk + `"},"sk":{"S":"` + sk + `"}},"NewImage":{"x":{"S":"` + extra + `"}},"SizeBytes":12},"eventSourceARN":"arn:s"}`)
		}
		a1, a2, b := key(rec("job#1", "a", "one")), key(rec("job#1", "b", "two")), key(rec("job#2", "a", "one"))
		if a1 == "" || a1 != a2 {
			t.Errorf("attr %q: records of one key: %q, %q", attr, a1, a2)
		}
		if a1 == b {
			t.Errorf("attr %q: records of two keys share %q", attr, a1)
		}
		if got := key([]byte(`{"dynamodb":{"Keys":{}}}`)); got != "" {
			t.Errorf("attr %q: record without the key: %q", attr, got)
		}
		if got := key([]byte(`{"dynamodb":`)); got != "" {
			t.Errorf("attr %q: malformed record: %q", attr, got)
		}
	}
}
