package mapping

import "testing"

// BenchmarkRender renders the storage-first PutItem request template, the
// hot path of every POST.
func BenchmarkRender(b *testing.B) {
	tpl, err := Parse("put", putItemTemplate)
	if err != nil {
		b.Fatal(err)
	}
	in := putItemInput()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := tpl.Render(in); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkParse measures parsing the same template (done once per route).
func BenchmarkParse(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse("put", putItemTemplate); err != nil {
			b.Fatal(err)
		}
	}
}
