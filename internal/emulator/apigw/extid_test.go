package apigw

import (
	"encoding/base64"
	"hash/fnv"
	"testing"
)

// extendedID's inline FNV-1a gives what hash/fnv gives.
func TestExtendedID(t *testing.T) {
	t.Parallel()
	for _, id := range []string{"", "a", "c0ffee00-0000-4000-8000-000000000001", "ünïcode-id", string([]byte{0, 255, 128})} {
		h := fnv.New64a()
		h.Write([]byte(id))
		var b [8]byte
		sum := h.Sum64()
		for i := range b {
			b[i] = byte(sum >> (8 * i))
		}
		want := base64.StdEncoding.EncodeToString(append(b[:], 0x41, 0x4d, 0x46, 0x77))
		if got := extendedID(id); got != want || len(got) != 16 {
			t.Errorf("extendedID(%q) = %q, want %q", id, got, want)
		}
	}
}
