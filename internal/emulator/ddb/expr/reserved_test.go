package expr

import (
	"testing"

	"github.com/sfapi/sfapi/internal/emulator/ddb/attr"
)

func TestReservedWords(t *testing.T) {
	t.Parallel()
	if n := len(reservedWords); n != 573 {
		t.Fatalf("reserved word list has %d words, DynamoDB documents 573", n)
	}
	for word, want := range map[string]bool{
		"status": true, "STATUS": true, "Status": true, "localtimestamp": true, "zone": true, "abort": true,
		"flattern": true, "status_": false, "statuses": false, "jobStatus": false, "": false,
		"a_very_long_attribute_name_that_is_no_keyword": false,
	} {
		if got := isReserved(word); got != want {
			t.Errorf("isReserved(%q) = %v, want %v", word, got, want)
		}
	}
}

// Validate caches its verdict per Placeholders pointer; a different
// request's placeholders must be checked afresh.
func TestValidateCachePerPlaceholders(t *testing.T) {
	t.Parallel()
	c, err := ParseCondition("a = :v")
	if err != nil {
		t.Fatal(err)
	}
	good := ph(nil, map[string]attr.Value{":v": S("x")})
	bad := ph(nil, map[string]attr.Value{":w": S("x")})
	for i := 0; i < 2; i++ {
		if err := c.Validate(good); err != nil {
			t.Fatalf("Validate(good) #%d: %v", i, err)
		}
		if err := c.Validate(bad); err == nil {
			t.Fatalf("Validate(bad) #%d: want error", i)
		}
	}
	if ok, err := c.Eval(attr.Item{"a": S("x")}, good); err != nil || !ok {
		t.Fatalf("Eval = %v, %v", ok, err)
	}
}
