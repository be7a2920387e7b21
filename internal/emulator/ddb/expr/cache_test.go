package expr

import (
	"fmt"
	"testing"
)

// One parse serves every request with the same text; a text that fails
// is not kept and fails again; a full cache still parses.
func TestParseCache(t *testing.T) {
	a, err := ParseCondition("attribute_not_exists(pk) AND #s = :v")
	if err != nil {
		t.Fatal(err)
	}
	b, err := ParseCondition("attribute_not_exists(pk) AND #s = :v")
	if err != nil || a != b {
		t.Fatalf("second parse = %p, %v; want the first (%p)", b, err, a)
	}
	if f, err := ParseFilter("attribute_not_exists(pk) AND #s = :v"); err != nil || f == a || f.label != labelFilter {
		t.Fatalf("a filter with a condition's text = %p (label %q), %v: the caches must be separate", f, f.label, err)
	}
	for range 2 {
		if _, err := ParseUpdate("SET"); err == nil {
			t.Fatal("a bad update parsed")
		}
	}
	if _, ok := updates.m.Load("SET"); ok {
		t.Fatal("a text that failed to parse was kept")
	}
	for i := int(projections.n.Load()); i < maxCached+10; i++ {
		if _, err := ParseProjection(fmt.Sprintf("a%d", i)); err != nil {
			t.Fatal(err)
		}
	}
	if n := projections.n.Load(); n != maxCached {
		t.Fatalf("%d projections cached, want at most %d", n, maxCached)
	}
	p, err := ParseProjection("beyond.the.cap")
	if err != nil || p.String() != "beyond.the.cap" {
		t.Fatalf("parse with a full cache = %v, %v", p, err)
	}
}
