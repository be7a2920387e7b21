package emulator

import (
	"errors"
	"fmt"
	"testing"

	"github.com/sfapi/sfapi/internal/emulator/pipes"
)

var partialResponseTests = []struct {
	output string
	want   []string // nil: the batch is accepted
}{
	{`{}`, nil},
	{`null`, nil},
	{`"done"`, nil},
	{`{"batchItemFailures": []}`, nil},
	{`{"batchItemFailures": "x"}`, nil},
	{`{"batchItemFailures": [{"itemIdentifier": "00012"}]}`, []string{"00012"}},
	{`{"batchItemFailures": [{"itemIdentifier": "2"}, {"itemIdentifier": "1"}]}`, []string{"2", "1"}},
	// An entry without a string identifier names no record: the whole
	// batch fails.
	{`{"batchItemFailures": [{"itemIdentifier": null}]}`, []string{""}},
	{`{"batchItemFailures": [{"itemIdentifier": 7}]}`, []string{""}},
	{`{"batchItemFailures": [{}]}`, []string{""}},
}

func TestPartialBatchResponse(t *testing.T) {
	t.Parallel()
	for _, tc := range partialResponseTests {
		err := partialBatchResponse(tc.output)
		var pf *pipes.PartialFailure
		switch {
		case tc.want == nil && err != nil:
			t.Errorf("%s: %v, want accepted", tc.output, err)
		case tc.want != nil && (!errors.As(err, &pf) || fmt.Sprint(pf.ItemIdentifiers) != fmt.Sprint(tc.want)):
			t.Errorf("%s: %v, want failed items %q", tc.output, err, tc.want)
		}
	}
}

func FuzzPartialBatchResponse(f *testing.F) {
	for _, tc := range partialResponseTests {
		f.Add(tc.output)
	}
	f.Fuzz(func(t *testing.T, output string) {
		err := partialBatchResponse(output)
		var pf *pipes.PartialFailure
		if err != nil && (!errors.As(err, &pf) || len(pf.ItemIdentifiers) == 0) {
			t.Fatalf("%q: %v", output, err)
		}
	})
}
