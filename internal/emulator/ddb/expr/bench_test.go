package expr

import (
	"testing"

	"github.com/sfapi/sfapi/internal/emulator/ddb/attr"
)

// jobItem and jobPlaceholders model the hot path of the job-status API: a
// conditional status transition.
func jobItem() attr.Item {
	return attr.Item{
		"pk":        S("job#0001"),
		"sk":        S("meta"),
		"status":    S("QUEUED"),
		"createdAt": S("2024-05-01T12:00:00Z"),
		"updatedAt": S("2024-05-01T12:00:00Z"),
		"attempts":  N("0"),
		"payload":   M("url", S("https://example.com/x"), "size", N("1024")),
	}
}

func jobPlaceholders() *Placeholders {
	return ph(map[string]string{"#s": "status"}, map[string]attr.Value{
		":old": S("QUEUED"), ":new": S("RUNNING"), ":now": S("2024-05-01T12:00:05Z"),
	})
}

func BenchmarkParseCondition(b *testing.B) {
	for _, src := range []string{"#s = :old", "attribute_exists(pk) AND #s IN (:a, :b) AND size(payload.#u) < :n OR NOT begins_with(sk, :p)"} {
		b.Run(src, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := ParseCondition(src); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkEvalCondition(b *testing.B) {
	c, err := ParseCondition("#s = :old")
	if err != nil {
		b.Fatal(err)
	}
	item, p := jobItem(), jobPlaceholders()
	b.ReportAllocs()
	for b.Loop() {
		ok, err := c.Eval(item, p)
		if err != nil || !ok {
			b.Fatal(ok, err)
		}
	}
}

func BenchmarkApplyUpdate(b *testing.B) {
	u, err := ParseUpdate("SET #s = :new, updatedAt = :now")
	if err != nil {
		b.Fatal(err)
	}
	item, p := jobItem(), jobPlaceholders()
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := u.Apply(item, p); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkJobStatusTransition is the whole per-request expression cost:
// parse both expressions, check placeholders, evaluate, apply.
func BenchmarkJobStatusTransition(b *testing.B) {
	item, p := jobItem(), jobPlaceholders()
	b.ReportAllocs()
	for b.Loop() {
		u, err := ParseUpdate("SET #s = :new, updatedAt = :now")
		if err != nil {
			b.Fatal(err)
		}
		c, err := ParseCondition("#s = :old")
		if err != nil {
			b.Fatal(err)
		}
		if err := ValidatePlaceholders(p, u.Refs(), c.Refs()); err != nil {
			b.Fatal(err)
		}
		if ok, err := c.Eval(item, p); err != nil || !ok {
			b.Fatal(ok, err)
		}
		if _, _, err := u.Apply(item, p); err != nil {
			b.Fatal(err)
		}
	}
}
