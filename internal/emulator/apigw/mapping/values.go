package mapping

import (
	"math"
	"strconv"
	"strings"
)

// Runtime values are plain Go values plus the few container types below:
//
//	nil                 Java null
//	bool                java.lang.Boolean
//	int64               Integer/Long (integer literals, integral JSON numbers)
//	float64             Double (decimal literals and JSON numbers)
//	bigNum              an integral JSON number too large for int64, kept as text
//	string              java.lang.String
//	*vmap               LinkedHashMap (insertion ordered, string keys)
//	*vlist              ArrayList, or json-smart's JSONArray when json is set
//	*entry              Map.Entry from entrySet()
//	*foreachScope       $foreach
//	*blockVal           a #define block
//	*inputObj, utilObj  $input and $util
//
// Keeping the set closed lets every operation be a type switch, with no
// reflection on the hot path.

// bigNum is an integral JSON number that does not fit in int64. It prints
// exactly as written, as Java's BigInteger would, and converts to float64
// for arithmetic.
type bigNum string

// vmap is an insertion-ordered map with string keys: what API Gateway's
// JSON provider (LinkedHashMap) and Velocity's map literals give templates.
// Entries live in one slice; maps larger than indexAfter also get a hash
// index. It implements ojg's jp.Keyed so JSONPath can walk it directly.
type vmap struct {
	ents  []mapEntry
	index map[string]int // key -> position in ents; nil for small maps
	// fold makes lookups case-insensitive, for the header parameter map.
	fold bool
	// shared marks containers of the parsed request body (see inputObj).
	shared bool
	// frozen marks containers of a prepared Context, which renders share
	// and must not change (see renderer.touch).
	frozen bool
}

type mapEntry struct {
	k string
	v any
}

const indexAfter = 8

func newMap(n int) *vmap {
	return &vmap{ents: make([]mapEntry, 0, n)}
}

// find returns the position of the entry whose key matches k (exactly, or
// ignoring case when the map folds case), or -1.
func (m *vmap) find(k string) int {
	if m.index != nil {
		if i, ok := m.index[k]; ok {
			return i
		}
	} else {
		for i := range m.ents {
			if m.ents[i].k == k {
				return i
			}
		}
	}
	if m.fold {
		for i := range m.ents {
			if strings.EqualFold(m.ents[i].k, k) {
				return i
			}
		}
	}
	return -1
}

func (m *vmap) get(k string) (any, bool) {
	i := m.find(k)
	if i < 0 {
		return nil, false
	}
	return m.ents[i].v, true
}

// put stores v under k and returns the previous value (Java Map.put).
func (m *vmap) put(k string, v any) any {
	if i := m.find(k); i >= 0 {
		old := m.ents[i].v
		m.ents[i].v = v
		return old
	}
	m.ents = append(m.ents, mapEntry{k, v})
	if m.index != nil {
		m.index[k] = len(m.ents) - 1
	} else if len(m.ents) > indexAfter {
		m.reindex()
	}
	return nil
}

func (m *vmap) reindex() {
	m.index = make(map[string]int, len(m.ents))
	for i := range m.ents {
		m.index[m.ents[i].k] = i
	}
}

// remove deletes k and returns the removed value (Java Map.remove).
func (m *vmap) remove(k string) any {
	i := m.find(k)
	if i < 0 {
		return nil
	}
	old := m.ents[i].v
	m.ents = append(m.ents[:i:i], m.ents[i+1:]...)
	if m.index != nil {
		m.reindex()
	}
	return old
}

func (m *vmap) clear() {
	m.ents = m.ents[:0]
	m.index = nil
}

func (m *vmap) size() int { return len(m.ents) }

// ValueForKey implements jp.Keyed.
func (m *vmap) ValueForKey(key string) (any, bool) { return m.get(key) }

// SetValueForKey implements jp.Keyed.
func (m *vmap) SetValueForKey(key string, value any) { m.put(key, value) }

// RemoveValueForKey implements jp.Keyed.
func (m *vmap) RemoveValueForKey(key string) { m.remove(key) }

// Keys implements jp.Keyed.
func (m *vmap) Keys() []string {
	keys := make([]string, len(m.ents))
	for i := range m.ents {
		keys[i] = m.ents[i].k
	}
	return keys
}

// vlist is a mutable list. Lists that came from JSON (the body, $util.parseJson)
// print as compact JSON, because API Gateway's JSON provider hands templates
// json-smart JSONArrays whose toString is JSON; lists built in the template
// print Java-style ([a, b]).
type vlist struct {
	items []any
	json  bool
	// shared marks containers of the parsed request body (see inputObj).
	shared bool
	// frozen: as for vmap.
	frozen bool
}

// ValueAtIndex implements jp.Indexed.
func (l *vlist) ValueAtIndex(i int) any {
	if i < 0 || i >= len(l.items) {
		return nil
	}
	return l.items[i]
}

// SetValueAtIndex implements jp.Indexed.
func (l *vlist) SetValueAtIndex(i int, v any) {
	if i >= 0 && i < len(l.items) {
		l.items[i] = v
	}
}

// Size implements jp.Indexed.
func (l *vlist) Size() int { return len(l.items) }

// entry is one element of a map's entrySet().
type entry struct {
	key string
	val any
}

// truthy is Velocity 1.7's #if rule: only null and false are false.
func truthy(v any) bool {
	switch v := v.(type) {
	case nil:
		return false
	case bool:
		return v
	}
	return true
}

// formatDouble prints f the way Java's Double.toString does, which is what
// API Gateway prints for decimal JSON numbers and Velocity arithmetic:
// 2.5, 3.0, 1.0E7, 1.0E-4.
func formatDouble(f float64) string {
	switch {
	case math.IsNaN(f):
		return "NaN"
	case math.IsInf(f, 1):
		return "Infinity"
	case math.IsInf(f, -1):
		return "-Infinity"
	case f == 0:
		if math.Signbit(f) {
			return "-0.0"
		}
		return "0.0"
	}
	abs := math.Abs(f)
	if abs >= 1e-3 && abs < 1e7 {
		s := strconv.FormatFloat(f, 'f', -1, 64)
		if !strings.Contains(s, ".") {
			s += ".0"
		}
		return s
	}
	s := strconv.FormatFloat(f, 'e', -1, 64) // e.g. 1.2345e+07, 1e-05
	mant, exp, _ := strings.Cut(s, "e")
	if !strings.Contains(mant, ".") {
		mant += ".0"
	}
	neg := strings.HasPrefix(exp, "-")
	exp = strings.TrimLeft(exp, "+-")
	exp = strings.TrimLeft(exp, "0")
	if exp == "" {
		exp = "0"
	}
	if neg {
		exp = "-" + exp
	}
	return mant + "E" + exp
}

// toNumber converts v to int64 or float64 for arithmetic and comparisons.
func toNumber(v any) (i int64, f float64, isFloat, ok bool) {
	switch v := v.(type) {
	case int64:
		return v, 0, false, true
	case float64:
		return 0, v, true, true
	case bigNum:
		f, err := strconv.ParseFloat(string(v), 64)
		if err != nil {
			return 0, 0, false, false
		}
		return 0, f, true, true
	}
	return 0, 0, false, false
}

func isNumber(v any) bool {
	switch v.(type) {
	case int64, float64, bigNum:
		return true
	}
	return false
}

// compareNumbers returns -1, 0 or 1; ok is false when either is not a number.
func compareNumbers(a, b any) (int, bool) {
	ai, af, afl, ok1 := toNumber(a)
	bi, bf, bfl, ok2 := toNumber(b)
	if !ok1 || !ok2 {
		return 0, false
	}
	if !afl && !bfl {
		switch {
		case ai < bi:
			return -1, true
		case ai > bi:
			return 1, true
		}
		return 0, true
	}
	if !afl {
		af = float64(ai)
	}
	if !bfl {
		bf = float64(bi)
	}
	switch {
	case af < bf:
		return -1, true
	case af > bf:
		return 1, true
	}
	return 0, true
}

// sameKind reports whether a and b are of the same Java-ish class for
// Velocity's equality rule (numbers are handled before this is asked).
func sameKind(a, b any) bool {
	switch a.(type) {
	case string:
		_, ok := b.(string)
		return ok
	case bool:
		_, ok := b.(bool)
		return ok
	case *vmap:
		_, ok := b.(*vmap)
		return ok
	case *vlist:
		_, ok := b.(*vlist)
		return ok
	case *entry:
		_, ok := b.(*entry)
		return ok
	}
	return false
}

// deepEqual is Java equals() for the value kinds above. It adds the number
// of nodes it compared to *steps so callers can charge for the work.
func deepEqual(a, b any, depth int, steps *int) (bool, error) {
	if depth > maxValueDepth {
		return false, errValueTooDeep
	}
	*steps++
	if a == nil || b == nil {
		return a == nil && b == nil, nil
	}
	if isNumber(a) && isNumber(b) {
		c, _ := compareNumbers(a, b)
		return c == 0, nil
	}
	switch a := a.(type) {
	case string:
		bs, ok := b.(string)
		return ok && a == bs, nil
	case bool:
		bb, ok := b.(bool)
		return ok && a == bb, nil
	case *vmap:
		bm, ok := b.(*vmap)
		if !ok || a.size() != bm.size() {
			return false, nil
		}
		if a == bm {
			return true, nil
		}
		for _, e := range a.ents {
			bv, has := bm.get(e.k)
			if !has {
				return false, nil
			}
			eq, err := deepEqual(e.v, bv, depth+1, steps)
			if err != nil || !eq {
				return false, err
			}
		}
		return true, nil
	case *vlist:
		bl, ok := b.(*vlist)
		if !ok || len(a.items) != len(bl.items) {
			return false, nil
		}
		if a == bl {
			return true, nil
		}
		for i := range a.items {
			eq, err := deepEqual(a.items[i], bl.items[i], depth+1, steps)
			if err != nil || !eq {
				return false, err
			}
		}
		return true, nil
	case *entry:
		be, ok := b.(*entry)
		if !ok || a.key != be.key {
			return false, nil
		}
		return deepEqual(a.val, be.val, depth+1, steps)
	}
	return a == b, nil
}
