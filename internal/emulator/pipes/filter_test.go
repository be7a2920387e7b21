package pipes

import (
	"strings"
	"testing"
)

// valueFilter counts how it was called.
type valueFilter struct{ byValue, byJSON int }

func (f *valueFilter) MatchJSON(doc []byte) bool {
	f.byJSON++
	return strings.Contains(string(doc), "INSERT")
}

func (f *valueFilter) MatchValue(doc any) bool {
	f.byValue++
	m, _ := doc.(map[string]any)
	return m["eventName"] == "INSERT" && m["eventSourceARN"] == "arn:s"
}

func TestFiltersSeeDecodedRecordWithSourceARN(t *testing.T) {
	vf := &valueFilter{}
	p, err := New(Config{Name: "v", SourceARN: "arn:s", Filters: []Filter{vf}}, newMemSource(), &fakeTarget{}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		body    string
		want    bool
		wantErr bool
	}{
		{`{"eventName":"INSERT","n":12345678901234567890}`, true, false},
		{`{"eventName":"MODIFY"}`, false, false},
		{`{"eventName":"INSERT","eventSourceARN":"arn:s"}`, true, false},
		{`[1]`, false, true},
		{`{"eventName":`, false, true},
	} {
		body, doc, err := p.prepare([]byte(tc.body))
		if (err != nil) != tc.wantErr {
			t.Fatalf("prepare(%s) err = %v", tc.body, err)
		}
		if err != nil {
			continue
		}
		if got := p.accepts(body, doc); got != tc.want {
			t.Errorf("accepts(%s) = %v", tc.body, got)
		}
		if !strings.Contains(string(body), `"eventSourceARN":"arn:s"`) {
			t.Errorf("body %s lacks the source ARN", body)
		}
		if strings.Contains(tc.body, "12345678901234567890") && !strings.Contains(string(body), "12345678901234567890") {
			t.Errorf("body %s lost a number's digits", body)
		}
	}
	if vf.byJSON != 0 || vf.byValue != 3 {
		t.Fatalf("filter called %d times by value, %d by JSON", vf.byValue, vf.byJSON)
	}
}
