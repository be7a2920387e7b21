package attr

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"
)

// This file is the DynamoDB-JSON decoder. It is a single-pass recursive
// descent over the bytes instead of encoding/json's map of json.RawMessage
// per value: every value used to be scanned and copied once per nesting
// level, which made it the largest CPU cost of a PutItem after fsync.
//
// It keeps the original decoder's observable behaviour exactly (values,
// error kinds and messages), including encoding/json's quirks that the
// original inherited: null is the zero value of S, N, B, BOOL, M and L;
// duplicate keys keep the last value; the first error in document order
// wins; malformed JSON anywhere wins over any other error. The original
// decoder is kept in json_legacy_test.go and FuzzDecodeDifferential checks
// the two agree.

// maxNesting is encoding/json's limit on nested arrays and objects.
const maxNesting = 10000

// errSyntax is internal: the input is not valid JSON. The entry points turn
// it into the DecodeError the original decoder returned.
var errSyntax = errors.New("attr: malformed JSON")

var (
	errEmptyValue     = &DecodeError{Msg: "Supplied AttributeValue is empty, must contain exactly one of the supported datatypes"}
	errManyTypes      = &DecodeError{Msg: "Supplied AttributeValue has more than one datatypes set, must contain exactly one of the supported datatypes"}
	errNotStructure   = &DecodeError{Serialization: true, Msg: "Start of structure or map found where not expected"}
	errUnexpectedType = &DecodeError{Serialization: true, Msg: "Unexpected value type in payload"}
	errNullNotTrue    = &DecodeError{Msg: "One or more parameter values were invalid: Null attribute value types must have the value of true"}
	errEmptySet       = &DecodeError{Msg: "One or more parameter values were invalid: An string set  may not be empty"}
	errEmptyNumberSet = &DecodeError{Msg: "One or more parameter values were invalid: An number set  may not be empty"}
	errNumberDup      = &DecodeError{Msg: "Input collection contains duplicates"}
	errEmptyBinarySet = &DecodeError{Msg: "One or more parameter values were invalid: Binary sets should not be empty"}
	errBinaryDup      = &DecodeError{Msg: "One or more parameter values were invalid: Input collection contains duplicates."}
)

// errWrongType returns the "Unexpected value type in payload for T" error;
// the ten messages are built once.
func errWrongType(t Type) error { return wrongTypeErrs[t] }

var wrongTypeErrs = func() [len(typeNames)]error {
	var out [len(typeNames)]error
	for i := 1; i < len(typeNames); i++ {
		out[i] = &DecodeError{Serialization: true, Msg: "Unexpected value type in payload for " + typeNames[i]}
	}
	return out
}()

// UnmarshalJSON decodes a DynamoDB-JSON value and validates it as DynamoDB
// does: exactly one type descriptor, valid numbers, non-empty and duplicate
// free sets.
func (v *Value) UnmarshalJSON(data []byte) error {
	d := decoder{data: data}
	out, err := d.value()
	if err != errSyntax && !d.atEnd() {
		err = errSyntax
	}
	switch {
	case err == errSyntax:
		return errNotStructure
	case err != nil:
		return err
	}
	*v = out
	return nil
}

// UnmarshalJSON decodes a DynamoDB-JSON item.
func (it *Item) UnmarshalJSON(data []byte) error {
	d := decoder{data: data}
	m, err := d.item()
	if err != errSyntax && !d.atEnd() {
		err = errSyntax
	}
	switch {
	case err == errSyntax:
		return errUnexpectedType
	case err != nil:
		return err
	}
	*it = m
	return nil
}

func serializationErr(format string, args ...any) error {
	return &DecodeError{Serialization: true, Msg: fmt.Sprintf(format, args...)}
}

type decoder struct {
	data  []byte
	pos   int
	depth int
}

func (d *decoder) ws() {
	for d.pos < len(d.data) {
		switch d.data[d.pos] {
		case ' ', '\t', '\n', '\r':
			d.pos++
		default:
			return
		}
	}
}

// atEnd reports whether only whitespace is left.
func (d *decoder) atEnd() bool {
	d.ws()
	return d.pos == len(d.data)
}

// peek returns the next non-space byte, or 0 at the end of input.
func (d *decoder) peek() byte {
	d.ws()
	if d.pos >= len(d.data) {
		return 0
	}
	return d.data[d.pos]
}

// literal consumes lit (true, false, null) or reports a syntax error.
func (d *decoder) literal(lit string) error {
	if len(d.data)-d.pos < len(lit) || string(d.data[d.pos:d.pos+len(lit)]) != lit {
		return errSyntax
	}
	d.pos += len(lit)
	return nil
}

// push enters an array or object.
func (d *decoder) push() error {
	d.depth++
	if d.depth > maxNesting {
		return errSyntax
	}
	d.pos++
	return nil
}

// next consumes the ',' between members or the closing delimiter; more is
// false after the closer.
func (d *decoder) next(closer byte) (more bool, err error) {
	switch d.peek() {
	case ',':
		d.pos++
		return true, nil
	case closer:
		d.pos++
		d.depth--
		return false, nil
	}
	return false, errSyntax
}

// open consumes an opening '[' or '{' and reports whether the container is
// empty (its closer consumed too).
func (d *decoder) open(closer byte) (empty bool, err error) {
	if err := d.push(); err != nil {
		return false, err
	}
	if d.peek() == closer {
		d.pos++
		d.depth--
		return true, nil
	}
	return false, nil
}

// key reads an object key and its ':'.
func (d *decoder) key() (string, error) {
	if d.peek() != '"' {
		return "", errSyntax
	}
	k, err := d.str()
	if err != nil {
		return "", err
	}
	if d.peek() != ':' {
		return "", errSyntax
	}
	d.pos++
	return k, nil
}

// str reads a JSON string at d.pos (which holds '"'). Strings without
// escapes that are valid UTF-8 are copied directly; the others go through
// encoding/json so that unescaping and invalid UTF-8 replacement are
// exactly its own.
func (d *decoder) str() (string, error) {
	start := d.pos
	high := false
	for i := start + 1; i < len(d.data); i++ {
		c := d.data[i]
		if c == '"' {
			seg := d.data[start+1 : i]
			if high && !utf8.Valid(seg) {
				break
			}
			d.pos = i + 1
			return string(seg), nil
		}
		if c == '\\' || c < 0x20 {
			break
		}
		if c >= utf8.RuneSelf {
			high = true
		}
	}
	end, err := d.strEnd(start)
	if err != nil {
		return "", err
	}
	var s string
	if err := json.Unmarshal(d.data[start:end], &s); err != nil {
		return "", errSyntax
	}
	d.pos = end
	return s, nil
}

// strEnd validates the string starting at start and returns the offset
// just past its closing quote.
func (d *decoder) strEnd(start int) (int, error) {
	i := start + 1
	for i < len(d.data) {
		c := d.data[i]
		switch {
		case c == '"':
			return i + 1, nil
		case c < 0x20:
			return 0, errSyntax
		case c == '\\':
			if i+1 >= len(d.data) {
				return 0, errSyntax
			}
			switch d.data[i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i += 2
			case 'u':
				if i+6 > len(d.data) {
					return 0, errSyntax
				}
				for _, h := range d.data[i+2 : i+6] {
					if !isHex(h) {
						return 0, errSyntax
					}
				}
				i += 6
			default:
				return 0, errSyntax
			}
		default:
			i++
		}
	}
	return 0, errSyntax
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

// skip consumes one JSON value of any kind, validating it.
func (d *decoder) skip() error {
	switch c := d.peek(); c {
	case '"':
		end, err := d.strEnd(d.pos)
		if err != nil {
			return err
		}
		d.pos = end
		return nil
	case '{':
		empty, err := d.open('}')
		if err != nil || empty {
			return err
		}
		for {
			if _, err := d.skipKey(); err != nil {
				return err
			}
			if err := d.skip(); err != nil {
				return err
			}
			more, err := d.next('}')
			if err != nil || !more {
				return err
			}
		}
	case '[':
		empty, err := d.open(']')
		if err != nil || empty {
			return err
		}
		for {
			if err := d.skip(); err != nil {
				return err
			}
			more, err := d.next(']')
			if err != nil || !more {
				return err
			}
		}
	case 't':
		return d.literal("true")
	case 'f':
		return d.literal("false")
	case 'n':
		return d.literal("null")
	default:
		return d.number()
	}
}

func (d *decoder) skipKey() (int, error) {
	if d.peek() != '"' {
		return 0, errSyntax
	}
	end, err := d.strEnd(d.pos)
	if err != nil {
		return 0, err
	}
	d.pos = end
	if d.peek() != ':' {
		return 0, errSyntax
	}
	d.pos++
	return end, nil
}

// number consumes a JSON number: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?
func (d *decoder) number() error {
	p := d.pos
	n := len(d.data)
	if p < n && d.data[p] == '-' {
		p++
	}
	switch {
	case p < n && d.data[p] == '0':
		p++
	case p < n && d.data[p] >= '1' && d.data[p] <= '9':
		for p < n && isDigit(d.data[p]) {
			p++
		}
	default:
		return errSyntax
	}
	if p < n && d.data[p] == '.' {
		p++
		if p >= n || !isDigit(d.data[p]) {
			return errSyntax
		}
		for p < n && isDigit(d.data[p]) {
			p++
		}
	}
	if p < n && (d.data[p] == 'e' || d.data[p] == 'E') {
		p++
		if p < n && (d.data[p] == '+' || d.data[p] == '-') {
			p++
		}
		if p >= n || !isDigit(d.data[p]) {
			return errSyntax
		}
		for p < n && isDigit(d.data[p]) {
			p++
		}
	}
	d.pos = p
	return nil
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// value decodes one attribute value. It always consumes the whole value:
// a semantic error (a *DecodeError) is returned with the position past the
// value, so the caller can keep validating the rest of the document;
// errSyntax aborts.
func (d *decoder) value() (Value, error) {
	switch d.peek() {
	case '{':
	case 'n':
		if err := d.literal("null"); err != nil {
			return Value{}, err
		}
		// encoding/json hands null to UnmarshalJSON, which saw no type.
		return Value{}, errEmptyValue
	default:
		if err := d.skip(); err != nil {
			return Value{}, err
		}
		return Value{}, errNotStructure
	}
	empty, err := d.open('}')
	if err != nil {
		return Value{}, err
	}
	if empty {
		return Value{}, errEmptyValue
	}
	// Distinct keys decide the outcome; with one distinct key the last
	// occurrence's value is the answer (a map keeps the last duplicate).
	var (
		known    uint16
		unknown  []string
		out      Value
		outErr   error
		distinct int
	)
	for {
		k, err := d.key()
		if err != nil {
			return Value{}, err
		}
		t, ok := ParseType(k)
		switch {
		case ok && known&(1<<t) == 0:
			known |= 1 << t
			distinct++
		case !ok && !containsString(unknown, k):
			unknown = append(unknown, k)
			distinct++
		}
		if ok && distinct == 1 {
			out, outErr = d.typed(t)
			if outErr == errSyntax {
				return Value{}, outErr
			}
		} else if err := d.skip(); err != nil {
			return Value{}, err
		}
		more, err := d.next('}')
		if err != nil {
			return Value{}, err
		}
		if !more {
			break
		}
	}
	switch {
	case distinct > 1:
		return Value{}, errManyTypes
	case len(unknown) == 1:
		return Value{}, serializationErr("Unknown attribute value type %q", unknown[0])
	}
	return out, outErr
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// nullableString reads a JSON string, or null as "" (what encoding/json
// leaves in a string it decodes null into). ok is false, with the value
// consumed, for any other JSON kind.
func (d *decoder) nullableString() (s string, ok bool, err error) {
	switch d.peek() {
	case '"':
		s, err := d.str()
		return s, err == nil, err
	case 'n':
		return "", true, d.literal("null")
	}
	return "", false, d.skip()
}

// nullableBool reads true, false, or null as false.
func (d *decoder) nullableBool() (b, ok bool, err error) {
	switch d.peek() {
	case 't':
		return true, true, d.literal("true")
	case 'f':
		return false, true, d.literal("false")
	case 'n':
		return false, true, d.literal("null")
	}
	return false, false, d.skip()
}

// typed decodes the body of a value of type t.
func (d *decoder) typed(t Type) (Value, error) {
	switch t {
	case TypeS:
		s, ok, err := d.nullableString()
		if err != nil || !ok {
			return Value{}, orErr(err, errWrongType(t))
		}
		return String(s), nil
	case TypeN:
		s, ok, err := d.nullableString()
		if err != nil || !ok {
			return Value{}, orErr(err, errWrongType(t))
		}
		n, err := ParseNumber(s)
		if err != nil {
			return Value{}, numberDecodeError(s, err)
		}
		return n, nil
	case TypeB:
		b, err := d.binary()
		if err != nil {
			return Value{}, err
		}
		return Binary(b), nil
	case TypeBOOL:
		b, ok, err := d.nullableBool()
		if err != nil || !ok {
			return Value{}, orErr(err, errWrongType(t))
		}
		return Bool(b), nil
	case TypeNULL:
		b, ok, err := d.nullableBool()
		if err != nil || !ok {
			return Value{}, orErr(err, errWrongType(t))
		}
		if !b {
			return Value{}, errNullNotTrue
		}
		return Null(), nil
	case TypeM:
		m, err := d.item()
		if err != nil {
			return Value{}, err
		}
		return Map(m), nil
	case TypeL:
		return d.list()
	case TypeSS, TypeNS:
		return d.stringSet(t)
	case TypeBS:
		return d.binarySet()
	}
	return Value{}, serializationErr("unknown type")
}

// orErr returns err when it is set (a syntax error), else fallback.
func orErr(err, fallback error) error {
	if err != nil {
		return err
	}
	return fallback
}

// binary reads a base64 string (null reads as empty).
func (d *decoder) binary() ([]byte, error) {
	s, ok, err := d.nullableString()
	if err != nil || !ok {
		return nil, orErr(err, errWrongType(TypeB))
	}
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return nil, serializationErr("Base64 encoded length is expected a multiple of 4 bytes but found: %d", len(s))
	}
	return b, nil
}

// item decodes a map of attribute values (an item, or an M body): null is
// a nil map; the first error in document order wins.
func (d *decoder) item() (map[string]Value, error) {
	switch d.peek() {
	case '{':
	case 'n':
		return nil, d.literal("null")
	default:
		if err := d.skip(); err != nil {
			return nil, err
		}
		return nil, errUnexpectedType
	}
	empty, err := d.open('}')
	if err != nil {
		return nil, err
	}
	m := make(map[string]Value)
	if empty {
		return m, nil
	}
	var first error
	for {
		k, err := d.key()
		if err != nil {
			return nil, err
		}
		v, err := d.value()
		switch {
		case err == errSyntax:
			return nil, err
		case err != nil:
			if first == nil {
				first = err
			}
		case first == nil:
			m[k] = v
		}
		more, err := d.next('}')
		if err != nil {
			return nil, err
		}
		if !more {
			break
		}
	}
	if first != nil {
		return nil, first
	}
	return m, nil
}

// list decodes an L body.
func (d *decoder) list() (Value, error) {
	switch d.peek() {
	case '[':
	case 'n':
		return List(), d.literal("null")
	default:
		if err := d.skip(); err != nil {
			return Value{}, err
		}
		return Value{}, errUnexpectedType
	}
	empty, err := d.open(']')
	if err != nil {
		return Value{}, err
	}
	if empty {
		return List(), nil
	}
	var (
		l     []Value
		first error
	)
	for {
		v, err := d.value()
		switch {
		case err == errSyntax:
			return Value{}, err
		case err != nil:
			if first == nil {
				first = err
			}
		case first == nil:
			l = append(l, v)
		}
		more, err := d.next(']')
		if err != nil {
			return Value{}, err
		}
		if !more {
			break
		}
	}
	if first != nil {
		return Value{}, first
	}
	return List(l...), nil
}

// stringSet decodes an SS or NS body: an array of strings (null members
// read as "").
func (d *decoder) stringSet(t Type) (Value, error) {
	var ss []string
	switch d.peek() {
	case '[':
		empty, err := d.open(']')
		if err != nil {
			return Value{}, err
		}
		wrong := false
		for !empty {
			s, ok, err := d.nullableString()
			if err != nil {
				return Value{}, err
			}
			if !ok {
				wrong = true
			}
			ss = append(ss, s)
			more, err := d.next(']')
			if err != nil {
				return Value{}, err
			}
			empty = !more
		}
		if wrong {
			return Value{}, errWrongType(t)
		}
	case 'n':
		if err := d.literal("null"); err != nil {
			return Value{}, err
		}
	default:
		if err := d.skip(); err != nil {
			return Value{}, err
		}
		return Value{}, errWrongType(t)
	}
	if len(ss) == 0 {
		return Value{}, emptySetError(t)
	}
	if t == TypeNS {
		for i, s := range ss {
			n, err := ParseNumber(s)
			if err != nil {
				return Value{}, numberDecodeError(s, err)
			}
			ss[i] = n.S
		}
	}
	if hasDuplicate(ss) {
		return Value{}, duplicateSetError(t, ss)
	}
	return Value{Type: t, SS: ss}, nil
}

// hasDuplicate compares pairwise for small sets (no map allocation) and
// uses a map beyond that.
func hasDuplicate(ss []string) bool {
	if len(ss) <= 16 {
		for i := range ss {
			for j := i + 1; j < len(ss); j++ {
				if ss[i] == ss[j] {
					return true
				}
			}
		}
		return false
	}
	seen := make(map[string]struct{}, len(ss))
	for _, s := range ss {
		if _, ok := seen[s]; ok {
			return true
		}
		seen[s] = struct{}{}
	}
	return false
}

// binarySet decodes a BS body: members are checked in order, the first
// bad or duplicate member wins.
func (d *decoder) binarySet() (Value, error) {
	switch d.peek() {
	case '[':
	case 'n':
		if err := d.literal("null"); err != nil {
			return Value{}, err
		}
		return Value{}, errEmptyBinarySet
	default:
		if err := d.skip(); err != nil {
			return Value{}, err
		}
		return Value{}, errWrongType(TypeBS)
	}
	empty, err := d.open(']')
	if err != nil {
		return Value{}, err
	}
	if empty {
		return Value{}, errEmptyBinarySet
	}
	var (
		bs    [][]byte
		seen  binarySeen
		first error
	)
	for {
		if first != nil {
			if err := d.skip(); err != nil {
				return Value{}, err
			}
		} else {
			b, err := d.binary()
			switch {
			case err == errSyntax:
				return Value{}, err
			case err != nil:
				first = err
			case !seen.add(b):
				first = errBinaryDup
			default:
				bs = append(bs, b)
			}
		}
		more, err := d.next(']')
		if err != nil {
			return Value{}, err
		}
		if !more {
			break
		}
	}
	if first != nil {
		return Value{}, first
	}
	return BinarySet(bs...), nil
}

// binarySeen tracks the members of a binary set: a linear scan while the
// set is small, a map beyond.
type binarySeen struct {
	list [][]byte
	set  map[string]struct{}
}

// add reports false when b is already a member.
func (s *binarySeen) add(b []byte) bool {
	if s.set != nil {
		if _, ok := s.set[string(b)]; ok {
			return false
		}
		s.set[string(b)] = struct{}{}
		return true
	}
	for _, x := range s.list {
		if string(x) == string(b) {
			return false
		}
	}
	s.list = append(s.list, b)
	if len(s.list) > 16 {
		s.set = make(map[string]struct{}, 2*len(s.list))
		for _, x := range s.list {
			s.set[string(x)] = struct{}{}
		}
	}
	return true
}

// numberDecodeError is the DecodeError for a number ParseNumber refused:
// AWS's message for a well-formed number it cannot store, else "cannot be
// converted".
func numberDecodeError(s string, err error) *DecodeError {
	var ne *NumberError
	if errors.As(err, &ne) {
		return &DecodeError{Msg: ne.Msg}
	}
	return &DecodeError{Msg: "The parameter cannot be converted to a numeric value: " + s}
}

// emptySetError is AWS's message for an empty SS or NS (its doubled space
// included).
func emptySetError(t Type) *DecodeError {
	if t == TypeNS {
		return errEmptyNumberSet
	}
	return errEmptySet
}

// duplicateSetError is AWS's message for a string or number set with a
// repeated member: a string set is listed as Java prints a list ("[a,
// a]"); a number set (compared by value) gets a shorter message.
func duplicateSetError(t Type, ss []string) *DecodeError {
	if t == TypeNS {
		return errNumberDup
	}
	return &DecodeError{Msg: "One or more parameter values were invalid: Input collection [" + strings.Join(ss, ", ") + "] contains duplicates."}
}

// DecodeItemPrefix decodes the DynamoDB-JSON item (or null) at the start of
// data and returns it with the number of bytes it took; what follows is
// not looked at. Readers of records that embed items (stream records) use
// it to decode an item in place instead of first finding its end.
func DecodeItemPrefix(data []byte) (Item, int, error) {
	d := decoder{data: data}
	m, err := d.item()
	if err == errSyntax {
		return nil, 0, errUnexpectedType
	}
	if err != nil {
		return nil, 0, err
	}
	return m, d.pos, nil
}
