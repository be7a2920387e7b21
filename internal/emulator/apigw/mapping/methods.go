package mapping

import (
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// Properties and methods of runtime values. Velocity resolves $a.b and
// $a.b() through Java reflection; here each value kind has a fixed table.
// A method that does not exist, or gets arguments of the wrong kind,
// yields null (Velocity's "method not found"); a method that exists but
// fails (index out of range, bad regex) is a render error, as a Java
// exception aborts a Velocity render.

// property is $v.name.
func (r *renderer) property(pos int, v any, name string) (any, error) {
	switch t := v.(type) {
	case *vmap:
		// Velocity uses Map.get(name) for any property of a map.
		if t.fold {
			if err := r.charge(pos, t.size()); err != nil {
				return nil, err
			}
		}
		val, _ := t.get(name)
		return val, nil
	case *vlist:
		if name == "empty" {
			return len(t.items) == 0, nil
		}
	case string:
		if name == "empty" {
			return t == "", nil
		}
	case *entry:
		switch name {
		case "key":
			return t.key, nil
		case "value":
			return t.val, nil
		}
	case *foreachScope:
		return t.property(name), nil
	case *inputObj:
		if name == "body" {
			return t.body, nil
		}
	}
	return nil, nil
}

func (f *foreachScope) property(name string) any {
	switch name {
	case "index":
		return int64(f.index)
	case "count":
		return int64(f.index + 1)
	case "hasNext":
		return f.index+1 < f.size
	case "first":
		return f.index == 0
	case "last":
		return f.index+1 == f.size
	case "parent":
		if f.parent == nil {
			return nil
		}
		return f.parent
	case "topmost":
		top := f
		for top.parent != nil {
			top = top.parent
		}
		return top
	}
	return nil
}

// call is $v.name(args).
func (r *renderer) call(pos int, v any, name string, args []any) (any, error) {
	if err := r.charge(pos, 1); err != nil {
		return nil, err
	}
	var res any
	var err error
	var found bool
	switch t := v.(type) {
	case string:
		res, found, err = r.stringMethod(pos, t, name, args)
	case *vmap:
		if mutatesMap[name] {
			if err := r.touch(t); err != nil {
				return nil, err
			}
		}
		res, found, err = r.mapMethod(pos, t, name, args)
	case *vlist:
		if mutatesList[name] {
			if err := r.touch(t); err != nil {
				return nil, err
			}
		}
		res, found, err = r.listMethod(pos, t, name, args)
	case int64, float64, bigNum:
		res, found, err = numberMethod(t, name, args)
	case bool:
		if name == "booleanValue" && len(args) == 0 {
			return t, nil
		}
	case *entry:
		switch {
		case name == "getKey" && len(args) == 0:
			return t.key, nil
		case name == "getValue" && len(args) == 0:
			return t.val, nil
		case name == "setValue" && len(args) == 1:
			old := t.val
			t.val = args[0]
			return old, nil
		}
	case *foreachScope:
		switch name {
		case "hasNext", "getHasNext":
			return t.property("hasNext"), nil
		case "getIndex":
			return t.property("index"), nil
		case "getCount":
			return t.property("count"), nil
		case "isFirst":
			return t.property("first"), nil
		case "isLast":
			return t.property("last"), nil
		case "getParent":
			return t.property("parent"), nil
		}
	case *inputObj:
		res, found, err = r.inputMethod(pos, t, name, args)
	case utilObj:
		res, found, err = r.utilMethod(pos, name, args)
	}
	if err != nil {
		return nil, r.wrap(pos, err)
	}
	if found {
		return res, nil
	}
	// Methods every object has.
	switch {
	case name == "toString" && len(args) == 0:
		return r.str(pos, v)
	case name == "equals" && len(args) == 1:
		if isNumber(v) && isNumber(args[0]) {
			_, _, afl, _ := toNumber(v)
			_, _, bfl, _ := toNumber(args[0])
			if afl != bfl {
				return false, nil // Integer.equals(Double) is false in Java
			}
		}
		return r.deepEqual(pos, v, args[0])
	case name == "hashCode" && len(args) == 0:
		s, err := r.str(pos, v)
		if err != nil {
			return nil, err
		}
		return javaHash(s), nil
	}
	return nil, nil
}

var (
	mutatesMap  = map[string]bool{"put": true, "putAll": true, "remove": true, "clear": true}
	mutatesList = map[string]bool{"add": true, "addAll": true, "set": true, "remove": true, "clear": true}
)

// javaHash is String.hashCode, used for every value's hashCode (close
// enough for templates, which only print or compare it).
func javaHash(s string) int64 {
	var h int32
	for _, u := range utf16.Encode([]rune(s)) {
		h = 31*h + int32(u)
	}
	return int64(h)
}

func argString(args []any, i int) (string, bool) {
	if i >= len(args) {
		return "", false
	}
	s, ok := args[i].(string)
	return s, ok
}

// argInt accepts integral numbers, as Java unboxing of an Integer would.
func argInt(args []any, i int) (int, bool) {
	if i >= len(args) {
		return 0, false
	}
	switch v := args[i].(type) {
	case int64:
		if v < math.MinInt32 || v > math.MaxInt32 {
			return 0, false
		}
		return int(v), true
	}
	return 0, false
}

// javaString is a string with Java's UTF-16 indexing. ASCII strings (the
// common case) index bytes directly.
type javaString struct {
	s     string
	units []uint16 // nil when s is ASCII
}

func newJavaString(s string) javaString {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return javaString{s: s, units: utf16.Encode([]rune(s))}
		}
	}
	return javaString{s: s}
}

func (j javaString) length() int {
	if j.units == nil {
		return len(j.s)
	}
	return len(j.units)
}

func (j javaString) slice(b, e int) string {
	if j.units == nil {
		return j.s[b:e]
	}
	return string(utf16.Decode(j.units[b:e]))
}

// indexOf returns the UTF-16 index of sub in j at or after from, or -1.
func (j javaString) indexOf(sub string, from int) int {
	if from < 0 {
		from = 0
	}
	if from > j.length() {
		return -1
	}
	if j.units == nil {
		k := strings.Index(j.s[from:], sub)
		if k < 0 {
			return -1
		}
		return from + k
	}
	su := utf16.Encode([]rune(sub))
	for i := from; i+len(su) <= len(j.units); i++ {
		match := true
		for k := range su {
			if j.units[i+k] != su[k] {
				match = false
				break
			}
		}
		if match {
			return i
		}
	}
	return -1
}

func (j javaString) lastIndexOf(sub string) int {
	if j.units == nil {
		return strings.LastIndex(j.s, sub)
	}
	su := utf16.Encode([]rune(sub))
	for i := len(j.units) - len(su); i >= 0; i-- {
		match := true
		for k := range su {
			if j.units[i+k] != su[k] {
				match = false
				break
			}
		}
		if match {
			return i
		}
	}
	return -1
}

func (r *renderer) stringMethod(pos int, s, name string, args []any) (any, bool, error) {
	n := len(args)
	// Most string methods are linear in the string.
	if err := r.charge(pos, len(s)/16); err != nil {
		return nil, true, err
	}
	switch name {
	case "length", "size":
		if n == 0 {
			return int64(newJavaString(s).length()), true, nil
		}
	case "isEmpty":
		if n == 0 {
			return s == "", true, nil
		}
	case "toLowerCase":
		if n == 0 {
			return strings.ToLower(s), true, nil
		}
	case "toUpperCase":
		if n == 0 {
			return strings.ToUpper(s), true, nil
		}
	case "trim":
		if n == 0 {
			// Java's trim strips every char <= ' ', not Unicode spaces.
			return strings.TrimFunc(s, func(c rune) bool { return c <= ' ' }), true, nil
		}
	case "toString":
		if n == 0 {
			return s, true, nil
		}
	case "substring":
		b, ok1 := argInt(args, 0)
		if !ok1 || n > 2 {
			break
		}
		js := newJavaString(s)
		e := js.length()
		if n == 2 {
			var ok bool
			if e, ok = argInt(args, 1); !ok {
				break
			}
		}
		if b < 0 || e > js.length() || b > e {
			return nil, true, fmt.Errorf("substring(%d, %d): index out of range for length %d", b, e, js.length())
		}
		return js.slice(b, e), true, nil
	case "charAt":
		i, ok := argInt(args, 0)
		if !ok || n != 1 {
			break
		}
		js := newJavaString(s)
		if i < 0 || i >= js.length() {
			return nil, true, fmt.Errorf("charAt(%d): index out of range for length %d", i, js.length())
		}
		return js.slice(i, i+1), true, nil
	case "indexOf", "lastIndexOf":
		sub, ok := argString(args, 0)
		if !ok {
			break
		}
		js := newJavaString(s)
		if name == "lastIndexOf" && n == 1 {
			return int64(js.lastIndexOf(sub)), true, nil
		}
		from := 0
		if n == 2 {
			if from, ok = argInt(args, 1); !ok {
				break
			}
		} else if n != 1 {
			break
		}
		if name == "indexOf" {
			return int64(js.indexOf(sub, from)), true, nil
		}
	case "contains", "startsWith", "endsWith", "equalsIgnoreCase", "concat", "matches":
		arg, ok := argString(args, 0)
		if !ok || n != 1 {
			break
		}
		switch name {
		case "contains":
			return strings.Contains(s, arg), true, nil
		case "startsWith":
			return strings.HasPrefix(s, arg), true, nil
		case "endsWith":
			return strings.HasSuffix(s, arg), true, nil
		case "equalsIgnoreCase":
			return strings.EqualFold(s, arg), true, nil
		case "concat":
			out := s + arg
			return out, true, r.checkString(pos, out)
		case "matches":
			re, err := r.t.regexp(arg, true)
			if err != nil {
				return nil, true, err
			}
			return re.MatchString(s), true, nil
		}
	case "equals":
		if n == 1 {
			other, ok := args[0].(string)
			return ok && other == s, true, nil
		}
	case "replace":
		from, ok1 := argString(args, 0)
		to, ok2 := argString(args, 1)
		if !ok1 || !ok2 || n != 2 {
			break
		}
		if err := r.charge(pos, len(s)); err != nil {
			return nil, true, err
		}
		if from == to {
			return s, true, nil
		}
		if from != "" && strings.Count(s, from)*(len(to)-len(from)) > r.lim.MaxOutputBytes {
			return nil, true, fmt.Errorf("replace: result larger than %d bytes: %w", r.lim.MaxOutputBytes, ErrLimit)
		}
		if from == "" && (len(s)+1)*len(to) > r.lim.MaxOutputBytes {
			return nil, true, fmt.Errorf("replace: result larger than %d bytes: %w", r.lim.MaxOutputBytes, ErrLimit)
		}
		out := strings.ReplaceAll(s, from, to)
		return out, true, r.checkString(pos, out)
	case "replaceAll", "replaceFirst":
		pat, ok1 := argString(args, 0)
		repl, ok2 := argString(args, 1)
		if !ok1 || !ok2 || n != 2 {
			break
		}
		re, err := r.t.regexp(pat, false)
		if err != nil {
			return nil, true, err
		}
		if err := r.charge(pos, len(s)); err != nil {
			return nil, true, err
		}
		out, err := javaReplace(re, s, repl, name == "replaceFirst", r.lim.MaxOutputBytes)
		if err != nil {
			return nil, true, err
		}
		return out, true, r.checkString(pos, out)
	case "split":
		pat, ok := argString(args, 0)
		if !ok || n > 2 {
			break
		}
		limit := 0
		if n == 2 {
			if limit, ok = argInt(args, 1); !ok {
				break
			}
		}
		re, err := r.t.regexp(pat, false)
		if err != nil {
			return nil, true, err
		}
		if err := r.charge(pos, len(s)); err != nil {
			return nil, true, err
		}
		parts := javaSplit(re, s, limit)
		l := &vlist{items: make([]any, len(parts))}
		for i, p := range parts {
			l.items[i] = p
		}
		return l, true, nil
	}
	return nil, false, nil
}

// javaReplace is Matcher.replaceAll/replaceFirst: in the replacement, $n and
// ${name} insert groups and a backslash quotes the next character.
func javaReplace(re *regexp.Regexp, s, repl string, first bool, max int) (string, error) {
	// Fast path: a pattern that is a plain string (like the "\\'" of the
	// escapeJavaScript idiom) and a replacement without $ or \.
	if lit, complete := re.LiteralPrefix(); complete && lit != "" && !strings.ContainsAny(repl, `$\`) {
		n := -1
		if first {
			n = 1
		}
		if c := strings.Count(s, lit); c > 0 && len(s)+c*(len(repl)-len(lit)) > max {
			return "", fmt.Errorf("replaceAll: result larger than %d bytes: %w", max, ErrLimit)
		}
		return strings.Replace(s, lit, repl, n), nil
	}
	var b strings.Builder
	last := 0
	var replErr error
	matches := re.FindAllStringSubmatchIndex(s, -1)
	for _, m := range matches {
		b.WriteString(s[last:m[0]])
		if err := expandJava(&b, re, s, m, repl); err != nil {
			replErr = err
			break
		}
		last = m[1]
		if b.Len() > max {
			return "", fmt.Errorf("replaceAll: result larger than %d bytes: %w", max, ErrLimit)
		}
		if first {
			break
		}
	}
	if replErr != nil {
		return "", replErr
	}
	b.WriteString(s[last:])
	return b.String(), nil
}

func expandJava(b *strings.Builder, re *regexp.Regexp, s string, m []int, repl string) error {
	groups := len(m)/2 - 1
	for i := 0; i < len(repl); i++ {
		c := repl[i]
		switch c {
		case '\\':
			i++
			if i >= len(repl) {
				return fmt.Errorf("character to be escaped is missing in replacement")
			}
			b.WriteByte(repl[i])
		case '$':
			i++
			if i >= len(repl) {
				return fmt.Errorf("illegal group reference: group index is missing")
			}
			var g int
			if repl[i] == '{' {
				end := strings.IndexByte(repl[i:], '}')
				if end < 0 {
					return fmt.Errorf("named capturing group is missing trailing '}'")
				}
				name := repl[i+1 : i+end]
				g = re.SubexpIndex(name)
				if g < 0 {
					return fmt.Errorf("no group with name {%s}", name)
				}
				i += end
			} else {
				if repl[i] < '0' || repl[i] > '9' {
					return fmt.Errorf("illegal group reference")
				}
				g = int(repl[i] - '0')
				if g > groups {
					return fmt.Errorf("no group %d", g)
				}
				// Java takes more digits while the number stays a valid group.
				for i+1 < len(repl) && repl[i+1] >= '0' && repl[i+1] <= '9' {
					ng := g*10 + int(repl[i+1]-'0')
					if ng > groups {
						break
					}
					g = ng
					i++
				}
			}
			if m[2*g] >= 0 {
				b.WriteString(s[m[2*g]:m[2*g+1]])
			}
		default:
			b.WriteByte(c)
		}
	}
	return nil
}

// javaSplit is String.split(regex, limit): limit > 0 caps the number of
// parts, limit == 0 drops trailing empty strings, a zero-width match at the
// start never yields a leading empty string.
func javaSplit(re *regexp.Regexp, s string, limit int) []string {
	var parts []string
	last := 0
	for _, m := range re.FindAllStringIndex(s, -1) {
		if limit > 0 && len(parts) == limit-1 {
			break
		}
		if m[1] == 0 && m[0] == 0 {
			continue // zero-width match at the beginning
		}
		if m[0] == m[1] && m[0] == len(s) {
			continue
		}
		parts = append(parts, s[last:m[0]])
		last = m[1]
	}
	if last == 0 && len(parts) == 0 {
		return []string{s}
	}
	parts = append(parts, s[last:])
	if limit == 0 {
		for len(parts) > 0 && parts[len(parts)-1] == "" {
			parts = parts[:len(parts)-1]
		}
	}
	return parts
}

// regexp compiles a Java regular expression with Go's RE2 (no lookaround or
// backreferences); whole anchors it for String.matches. Compiled patterns
// are cached on the template.
func (t *Template) regexp(pat string, whole bool) (*regexp.Regexp, error) {
	key := pat
	if whole {
		key = "\x00" + pat
	}
	if re, ok := t.regexps.Load(key); ok {
		return re.(*regexp.Regexp), nil
	}
	src := pat
	if whole {
		src = `\A(?:` + pat + `)\z`
	}
	re, err := regexp.Compile(src)
	if err != nil {
		return nil, fmt.Errorf("invalid regular expression %s: %v", quoteShort(pat), err)
	}
	if t.cacheSize.Add(1) <= maxCacheEntries {
		t.regexps.Store(key, re)
	}
	return re, nil
}

func (r *renderer) mapMethod(pos int, m *vmap, name string, args []any) (any, bool, error) {
	n := len(args)
	// Lookups in case-folding maps and removals are linear.
	if m.fold || name == "remove" {
		if err := r.charge(pos, m.size()); err != nil {
			return nil, true, err
		}
	}
	key := func() (string, bool) {
		if n < 1 {
			return "", false
		}
		switch k := args[0].(type) {
		case string:
			return k, true
		case nil:
			return "", false
		}
		s, err := plainString(args[0], 0)
		return s, err == nil
	}
	switch name {
	case "get":
		if k, ok := key(); ok && n == 1 {
			v, _ := m.get(k)
			return v, true, nil
		}
		if n == 1 && args[0] == nil {
			return nil, true, nil
		}
	case "containsKey":
		if k, ok := key(); ok && n == 1 {
			_, has := m.get(k)
			return has, true, nil
		}
	case "containsValue":
		if n == 1 {
			for _, e := range m.ents {
				eq, err := r.deepEqual(pos, e.v, args[0])
				if err != nil {
					return nil, true, err
				}
				if eq {
					return true, true, nil
				}
			}
			return false, true, nil
		}
	case "put":
		if k, ok := key(); ok && n == 2 {
			return m.put(k, args[1]), true, nil
		}
	case "putAll":
		if other, ok := args0Map(args); ok && n == 1 {
			if err := r.charge(pos, other.size()); err != nil {
				return nil, true, err
			}
			ents := append([]mapEntry(nil), other.ents...)
			for _, e := range ents {
				m.put(e.k, e.v)
			}
			return "", true, nil
		}
	case "remove":
		if k, ok := key(); ok && n == 1 {
			return m.remove(k), true, nil
		}
	case "size":
		if n == 0 {
			return int64(m.size()), true, nil
		}
	case "isEmpty":
		if n == 0 {
			return m.size() == 0, true, nil
		}
	case "clear":
		if n == 0 {
			m.clear()
			return "", true, nil
		}
	case "keySet", "values", "entrySet":
		if n != 0 {
			break
		}
		if err := r.charge(pos, m.size()); err != nil {
			return nil, true, err
		}
		l := &vlist{items: make([]any, len(m.ents))}
		for i, e := range m.ents {
			switch name {
			case "keySet":
				l.items[i] = e.k
			case "values":
				l.items[i] = e.v
			default:
				l.items[i] = &entry{key: e.k, val: e.v}
			}
		}
		return l, true, nil
	}
	return nil, false, nil
}

func args0Map(args []any) (*vmap, bool) {
	if len(args) == 0 {
		return nil, false
	}
	m, ok := args[0].(*vmap)
	return m, ok
}

// listIndex resolves a list index, allowing negative indexes from the end
// as Velocity 1.7's $a[-1] does.
func listIndex(l *vlist, idx any) (int, error) {
	i, ok := idx.(int64)
	if !ok {
		return 0, fmt.Errorf("list index must be an integer")
	}
	if i < 0 {
		i += int64(len(l.items))
	}
	if i < 0 || i >= int64(len(l.items)) {
		return 0, fmt.Errorf("index %v out of range for size %d", idx, len(l.items))
	}
	return int(i), nil
}

func (r *renderer) listMethod(pos int, l *vlist, name string, args []any) (any, bool, error) {
	n := len(args)
	if name == "remove" || (name == "add" && n == 2) {
		if err := r.charge(pos, len(l.items)); err != nil {
			return nil, true, err
		}
	}
	switch name {
	case "size":
		if n == 0 {
			return int64(len(l.items)), true, nil
		}
	case "count":
		// Not Java, but API Gateway's documentation uses .count().
		if n == 0 {
			return int64(len(l.items)), true, nil
		}
	case "isEmpty":
		if n == 0 {
			return len(l.items) == 0, true, nil
		}
	case "get":
		if n == 1 {
			i, ok := args[0].(int64)
			if !ok {
				break
			}
			if i < 0 || i >= int64(len(l.items)) {
				return nil, true, fmt.Errorf("get(%d): index out of range for size %d", i, len(l.items))
			}
			return l.items[i], true, nil
		}
	case "contains", "indexOf", "lastIndexOf":
		if n != 1 {
			break
		}
		if err := r.charge(pos, len(l.items)); err != nil {
			return nil, true, err
		}
		found := -1
		for i, it := range l.items {
			eq, err := r.deepEqual(pos, it, args[0])
			if err != nil {
				return nil, true, err
			}
			if eq {
				found = i
				if name != "lastIndexOf" {
					break
				}
			}
		}
		if name == "contains" {
			return found >= 0, true, nil
		}
		return int64(found), true, nil
	case "add":
		switch n {
		case 1:
			if err := r.charge(pos, 1); err != nil {
				return nil, true, err
			}
			l.items = append(l.items, args[0])
			return true, true, nil
		case 2:
			i, ok := argInt(args, 0)
			if !ok {
				break
			}
			if i < 0 || i > len(l.items) {
				return nil, true, fmt.Errorf("add(%d): index out of range for size %d", i, len(l.items))
			}
			l.items = append(l.items, nil)
			copy(l.items[i+1:], l.items[i:])
			l.items[i] = args[1]
			return "", true, nil
		}
	case "addAll":
		other, ok := args[0].(*vlist)
		if n != 1 || !ok {
			break
		}
		if err := r.charge(pos, len(other.items)); err != nil {
			return nil, true, err
		}
		if len(l.items)+len(other.items) > r.lim.MaxIterations*10 {
			return nil, true, fmt.Errorf("addAll: list longer than %d elements: %w", r.lim.MaxIterations*10, ErrLimit)
		}
		l.items = append(l.items, other.items...)
		return len(other.items) > 0, true, nil
	case "set":
		i, ok := argInt(args, 0)
		if n != 2 || !ok {
			break
		}
		if i < 0 || i >= len(l.items) {
			return nil, true, fmt.Errorf("set(%d): index out of range for size %d", i, len(l.items))
		}
		old := l.items[i]
		l.items[i] = args[1]
		return old, true, nil
	case "remove":
		if n != 1 {
			break
		}
		if i, ok := args[0].(int64); ok {
			if i < 0 || i >= int64(len(l.items)) {
				return nil, true, fmt.Errorf("remove(%d): index out of range for size %d", i, len(l.items))
			}
			old := l.items[i]
			l.items = append(l.items[:i:i], l.items[i+1:]...)
			return old, true, nil
		}
		for i, it := range l.items {
			eq, err := r.deepEqual(pos, it, args[0])
			if err != nil {
				return nil, true, err
			}
			if eq {
				l.items = append(l.items[:i:i], l.items[i+1:]...)
				return true, true, nil
			}
		}
		return false, true, nil
	case "clear":
		if n == 0 {
			l.items = l.items[:0]
			return "", true, nil
		}
	}
	return nil, false, nil
}

func numberMethod(v any, name string, args []any) (any, bool, error) {
	if len(args) != 0 {
		return nil, false, nil
	}
	i, f, isFloat, _ := toNumber(v)
	switch name {
	case "intValue":
		if isFloat {
			return int64(int32(javaD2L(f))), true, nil
		}
		return int64(int32(i)), true, nil
	case "longValue":
		if isFloat {
			return javaD2L(f), true, nil
		}
		return i, true, nil
	case "doubleValue", "floatValue":
		if isFloat {
			return f, true, nil
		}
		return float64(i), true, nil
	}
	return nil, false, nil
}

// javaD2L is Java's (long) cast of a double: truncation, saturating, NaN→0.
func javaD2L(f float64) int64 {
	switch {
	case math.IsNaN(f):
		return 0
	case f >= math.MaxInt64:
		return math.MaxInt64
	case f <= math.MinInt64:
		return math.MinInt64
	}
	return int64(f)
}

// parseJavaInt parses a decimal integer the way Integer.parseInt would.
func parseJavaInt(s string) (int64, bool) {
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, false
	}
	return n, true
}
