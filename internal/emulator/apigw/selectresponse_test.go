package apigw

import (
	"regexp"
	"testing"
	"time"
)

// selectResponse's cached answers are matchResponse's, for every status,
// asked once or again, with or without a default response.
func TestSelectResponseCache(t *testing.T) {
	t.Parallel()
	resp := func(pattern string, code int) *integrationResponse {
		return &integrationResponse{pattern: pattern, re: regexp.MustCompile(`^(?:` + pattern + `)$`), statusCode: code}
	}
	def := resp("", 200)
	for _, in := range []*integration{
		{responses: []*integrationResponse{resp(`4\d{2}`, 400), resp(`5\d{2}`, 500)}, defaultResponse: def},
		{responses: []*integrationResponse{resp(`201|202`, 201)}},
		{defaultResponse: def},
		{},
	} {
		for range 2 {
			for status := 0; status < 1000; status++ {
				got, want := in.selectResponse(status), in.matchResponse(status)
				if got != want {
					t.Fatalf("selectResponse(%d) = %+v, want %+v", status, got, want)
				}
			}
		}
		if in.defaultResponse == def && in.selectResponse(200) != def {
			t.Fatal("selectResponse(200) is not the default response")
		}
	}
}

// requestTime's cached text is the formatted time, whichever second comes
// next and in whatever zone.
func TestRequestTime(t *testing.T) {
	base := time.Date(2026, 11, 27, 0, 20, 5, 0, time.UTC)
	for _, now := range []time.Time{
		base, base.Add(300 * time.Millisecond), base.Add(time.Second), base,
		base.Add(-24 * time.Hour), base.In(time.FixedZone("X", 3600)), base.Add(999 * time.Millisecond),
	} {
		want := now.UTC().Format("02/Jan/2006:15:04:05 +0000")
		for range 2 {
			if got := requestTime(now); got != want {
				t.Fatalf("requestTime(%v) = %q, want %q", now, got, want)
			}
		}
	}
}
