package benchcmd

import (
	"regexp"
	"strings"
	"testing"
)

var templateCases = []struct {
	in      string
	i       int
	want    string // regexp, anchored
	wantErr string
}{
	{in: `{"name":"g-{{i}}"}`, i: 7, want: `\{"name":"g-7"\}`},
	{in: `{{ i }}/{{uuid}}`, i: 0, want: `0/[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}`},
	{in: `plain`, i: 3, want: `plain`},
	{in: ``, i: 3, want: ``},
	{in: `{"a":{"b":1}}`, i: 3, want: `\{"a":\{"b":1\}\}`},
	{in: `{{i}}{{i}}`, i: 12, want: `1212`},
	{in: `x{{id}}`, wantErr: "unknown placeholder {{id}}"},
	{in: `x{{i`, wantErr: "unclosed {{ at byte 1"},
}

func TestTemplate(t *testing.T) {
	t.Parallel()
	for _, tc := range templateCases {
		tpl, err := ParseTemplate(tc.in)
		if tc.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("ParseTemplate(%q) error = %v, want %q", tc.in, err, tc.wantErr)
			}
			continue
		}
		if err != nil {
			t.Errorf("ParseTemplate(%q): %v", tc.in, err)
			continue
		}
		got := string(tpl.Render(tc.i))
		if !regexp.MustCompile(`^` + tc.want + `$`).MatchString(got) {
			t.Errorf("Render(%q, %d) = %q, want /%s/", tc.in, tc.i, got, tc.want)
		}
	}
}

func TestTemplateUUIDsDiffer(t *testing.T) {
	t.Parallel()
	tpl, err := ParseTemplate(`{{uuid}}`)
	if err != nil {
		t.Fatal(err)
	}
	if a, b := string(tpl.Render(0)), string(tpl.Render(0)); a == b {
		t.Fatalf("two renders gave the same uuid %s", a)
	}
}

func FuzzParseTemplate(f *testing.F) {
	for _, tc := range templateCases {
		f.Add(tc.in, tc.i)
	}
	f.Fuzz(func(t *testing.T, s string, i int) {
		tpl, err := ParseTemplate(s)
		if err != nil {
			return
		}
		out := string(tpl.Render(i))
		// Text without placeholders comes back unchanged.
		if !strings.Contains(s, "{{") && out != s {
			t.Fatalf("Render(%q) = %q", s, out)
		}
	})
}
