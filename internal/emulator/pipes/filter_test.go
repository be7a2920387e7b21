package pipes

import (
	"errors"
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

// TestConfigDecodeFeedsFilters: a Config.Decode replaces encoding/json for
// the filters' document, and its error parks the record with its text.
func TestConfigDecodeFeedsFilters(t *testing.T) {
	t.Parallel()
	vf := &valueFilter{}
	calls := 0
	decode := func(doc []byte) (any, error) {
		calls++
		if strings.Contains(string(doc), "bad") {
			return nil, errors.New("decoder says bad")
		}
		// A projection: only the members the filter reads.
		m := map[string]any{}
		if strings.Contains(string(doc), `"INSERT"`) {
			m["eventName"] = "INSERT"
		}
		if strings.Contains(string(doc), `"eventSourceARN":"arn:s"`) {
			m["eventSourceARN"] = "arn:s"
		}
		return m, nil
	}
	p, err := New(Config{Name: "v", SourceARN: "arn:s", Filters: []Filter{vf}, Decode: decode}, newMemSource(), &fakeTarget{}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		body string
		want bool
	}{
		{`{"eventName":"INSERT","other":{"x":1}}`, true},
		{`{"eventName":"MODIFY"}`, false},
		{`{"eventName":"INSERT","eventSourceARN":"arn:s"}`, true},
	} {
		body, doc, err := p.prepare([]byte(tc.body))
		if err != nil {
			t.Fatalf("prepare(%s): %v", tc.body, err)
		}
		if got := p.accepts(body, doc); got != tc.want {
			t.Errorf("accepts(%s) = %v", tc.body, got)
		}
		if !strings.Contains(string(body), `"other":{"x":1}`) && strings.Contains(tc.body, "other") {
			t.Errorf("body %s lost members the decoder left out", body)
		}
	}
	if _, _, err := p.prepare([]byte(`{"bad":1}`)); err == nil || !strings.Contains(err.Error(), "decoder says bad") {
		t.Fatalf("prepare of a record the decoder fails: %v", err)
	}
	if calls != 4 || vf.byValue != 3 || vf.byJSON != 0 {
		t.Fatalf("decoder called %d times, filter %d by value, %d by JSON", calls, vf.byValue, vf.byJSON)
	}
}
