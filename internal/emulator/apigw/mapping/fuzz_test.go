package mapping

import (
	"errors"
	"fmt"
	"reflect"
	"testing"
)

// FuzzMappingTemplate parses and renders arbitrary templates against a
// small JSON body. It must never panic or hang (the limits below keep every
// render small), and every failure must be a positioned *Error.
//
//	go test -run='^$' -fuzz=FuzzMappingTemplate -fuzztime=60s ./internal/emulator/apigw/mapping
func FuzzMappingTemplate(f *testing.F) {
	for _, tc := range lexCases {
		f.Add(tc.src, `{"a":1}`)
	}
	for _, tc := range gobbleCases {
		f.Add(tc.src, `{"a":1}`)
	}
	for _, tc := range parseErrorCases {
		f.Add(tc.src, `{"a":1}`)
	}
	for _, tc := range renderCases {
		body := testBody
		if tc.body != nil {
			body = *tc.body
		}
		f.Add(tc.src, body)
	}
	for _, tc := range renderErrorCases {
		f.Add(tc.src, tc.body)
	}
	f.Add(putItemTemplate, putItemBody)
	f.Add(acceptedTemplate, `{"Attributes":{}}`)
	f.Add(listTemplate, `{"Items":[{"pk":{"S":"a"}}]}`)
	f.Add(getItemTemplate, `{}`)

	opts := Options{Limits: Limits{MaxIterations: 1000, MaxOutputBytes: 1 << 16, MaxDepth: 32, MaxWork: 200_000}}
	f.Fuzz(func(t *testing.T, src, body string) {
		tpl, err := ParseWith("fuzz", src, opts)
		if err != nil {
			var pe *Error
			if !errors.As(err, &pe) || pe.Line < 1 || pe.Col < 1 {
				t.Fatalf("parse error %v is not a positioned *Error", err)
			}
			return
		}
		in := testInput()
		in.Body = []byte(body)
		in.Context["list"] = []any{"a", map[string]any{"k": "v"}, []any{int64(1)}}
		res, err := tpl.Render(in)
		// A prepared $context renders as the plain one, twice (the first
		// render must leave it as it was), whether or not the template
		// changes it (see Context).
		prepared := in
		prepared.Context, prepared.Prepared = nil, NewContext(in.Context)
		for range 2 {
			pres, perr := tpl.Render(prepared)
			if !reflect.DeepEqual(pres, res) || fmt.Sprint(perr) != fmt.Sprint(err) {
				t.Fatalf("prepared context renders %+v, %v; plain %+v, %v", pres, perr, res, err)
			}
		}
		if err != nil {
			var pe *Error
			if !errors.As(err, &pe) || pe.Line < 1 || pe.Col < 1 {
				t.Fatalf("render error %v is not a positioned *Error", err)
			}
			return
		}
		if len(res.Output) > opts.Limits.MaxOutputBytes {
			t.Fatalf("output of %d bytes exceeds the limit", len(res.Output))
		}
	})
}
