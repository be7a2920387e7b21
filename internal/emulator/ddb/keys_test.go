package ddb

import (
	"bytes"
	"math/rand"
	"testing"

	"github.com/sfapi/sfapi/internal/emulator/ddb/attr"
)

func TestNumberEncodingOrder(t *testing.T) {
	t.Parallel()
	nums := []string{"-1e125", "-12345.678", "-100", "-99.99", "-10", "-9", "-1.5", "-1", "-0.5", "-0.05", "-0.0500001", "-1e-130",
		"0", "1e-130", "0.05", "0.0500001", "0.5", "1", "1.5", "9", "10", "99.99", "100", "12345.678", "123456789012345678901234567890", "1e125"}
	vals := make([]attr.Value, len(nums))
	for i, n := range nums {
		vals[i] = attr.Number(n)
	}
	rand.New(rand.NewSource(1)).Shuffle(len(vals), func(i, j int) { vals[i], vals[j] = vals[j], vals[i] })
	for _, a := range vals {
		for _, b := range vals {
			want, _ := attr.CompareNumbers(a.S, b.S)
			got := bytes.Compare(appendKeyValue(nil, a), appendKeyValue(nil, b))
			if got != want {
				t.Fatalf("order(%s, %s) = %d, want %d", a.S, b.S, got, want)
			}
		}
	}
}

func TestComponentOrderAndPrefixFree(t *testing.T) {
	t.Parallel()
	raws := [][]byte{{}, {0}, {0, 0}, {0, 1}, {0, 0xFF}, {1}, {1, 0}, {0xFF}, []byte("a"), []byte("a\x00b"), []byte("ab")}
	for _, a := range raws {
		for _, b := range raws {
			want := bytes.Compare(a, b)
			got := bytes.Compare(appendComponent(nil, a), appendComponent(nil, b))
			if got != want {
				t.Fatalf("component order(%x, %x) = %d, want %d", a, b, got, want)
			}
			// A composite key of partition a never starts with the prefix of
			// a different partition b.
			if !bytes.Equal(a, b) && bytes.HasPrefix(appendComponent(appendComponent(nil, a), []byte("x")), appendComponent(nil, b)) {
				t.Fatalf("component %x is a prefix of a key of %x", b, a)
			}
		}
	}
	succ := componentSuccessor(appendComponent(nil, []byte("a")))
	if bytes.Compare(appendComponent(appendComponent(nil, []byte("a")), []byte{0xFF, 0xFF}), succ) >= 0 {
		t.Fatalf("successor does not bound the partition")
	}
	if bytes.Compare(appendComponent(nil, []byte("a\x00")), succ) <= 0 {
		t.Fatalf("successor is past the next partition")
	}
}

func TestItemSize(t *testing.T) {
	t.Parallel()
	tests := []struct {
		item attr.Item
		want int
	}{
		{attr.Item{"pk": attr.String("abc")}, 5},
		{attr.Item{"n": attr.Number("123")}, 1 + 3},
		{attr.Item{"b": attr.Bool(true), "z": attr.Null()}, 4},
		{attr.Item{"m": attr.Map(map[string]attr.Value{"a": attr.String("x")})}, 1 + 3 + 1 + 1 + 1},
		{attr.Item{"l": attr.List(attr.String("x"), attr.String("yz"))}, 1 + 3 + 2 + 3},
	}
	for _, tt := range tests {
		if got := ItemSize(tt.item); got != tt.want {
			t.Errorf("ItemSize(%v) = %d, want %d", tt.item, got, tt.want)
		}
	}
}
