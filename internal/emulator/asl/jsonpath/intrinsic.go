package jsonpath

import (
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"hash"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/google/uuid"
)

// Call is a parsed intrinsic function call such as
// States.Format('Hello {}', $.name).
type Call struct {
	Name string
	Args []Arg
	fn   intrinsicFunc
}

// Arg is one argument: a literal, a path or a nested call.
type Arg struct {
	Literal any // string, int64, float64, bool or nil when Path and Call are nil
	Path    *Path
	Call    *Call
}

type intrinsicFunc struct {
	minArgs, maxArgs int // maxArgs < 0: variadic
	eval             func(args []any) (any, error)
}

// maxIntrinsicDepth bounds nesting so hostile input cannot exhaust the stack.
const maxIntrinsicDepth = 32

// ParseIntrinsic parses an intrinsic function call.
func ParseIntrinsic(s string) (*Call, error) {
	p := &intrinsicParser{src: s}
	c, err := p.call(0)
	if err != nil {
		return nil, fmt.Errorf("parse intrinsic %q: %w", s, err)
	}
	p.skipSpace()
	if p.pos != len(p.src) {
		return nil, fmt.Errorf("parse intrinsic %q: unexpected %q at offset %d", s, p.src[p.pos:], p.pos)
	}
	return c, nil
}

type intrinsicParser struct {
	src string
	pos int
}

func (p *intrinsicParser) skipSpace() {
	for p.pos < len(p.src) && (p.src[p.pos] == ' ' || p.src[p.pos] == '\t' || p.src[p.pos] == '\n' || p.src[p.pos] == '\r') {
		p.pos++
	}
}

func (p *intrinsicParser) call(depth int) (*Call, error) {
	if depth > maxIntrinsicDepth {
		return nil, fmt.Errorf("calls nested too deeply")
	}
	p.skipSpace()
	start := p.pos
	for p.pos < len(p.src) && (isIdent(p.src[p.pos]) || p.src[p.pos] == '.') {
		p.pos++
	}
	name := p.src[start:p.pos]
	fn, ok := intrinsics[name]
	if !ok {
		return nil, fmt.Errorf("unknown function %q", name)
	}
	p.skipSpace()
	if p.pos >= len(p.src) || p.src[p.pos] != '(' {
		return nil, fmt.Errorf("expected '(' after %s", name)
	}
	p.pos++
	c := &Call{Name: name, fn: fn}
	p.skipSpace()
	if p.pos < len(p.src) && p.src[p.pos] == ')' {
		p.pos++
	} else {
		for {
			a, err := p.arg(depth)
			if err != nil {
				return nil, err
			}
			c.Args = append(c.Args, a)
			p.skipSpace()
			if p.pos >= len(p.src) {
				return nil, fmt.Errorf("missing ')'")
			}
			if p.src[p.pos] == ',' {
				p.pos++
				continue
			}
			if p.src[p.pos] == ')' {
				p.pos++
				break
			}
			return nil, fmt.Errorf("unexpected %q at offset %d", p.src[p.pos], p.pos)
		}
	}
	if len(c.Args) < fn.minArgs || (fn.maxArgs >= 0 && len(c.Args) > fn.maxArgs) {
		return nil, fmt.Errorf("%s takes %s arguments, got %d", name, arity(fn), len(c.Args))
	}
	return c, nil
}

func arity(fn intrinsicFunc) string {
	switch {
	case fn.maxArgs < 0:
		return fmt.Sprintf("at least %d", fn.minArgs)
	case fn.minArgs == fn.maxArgs:
		return strconv.Itoa(fn.minArgs)
	}
	return fmt.Sprintf("%d to %d", fn.minArgs, fn.maxArgs)
}

func isIdent(b byte) bool {
	return b == '_' || b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9'
}

func (p *intrinsicParser) arg(depth int) (Arg, error) {
	p.skipSpace()
	if p.pos >= len(p.src) {
		return Arg{}, fmt.Errorf("missing argument")
	}
	switch ch := p.src[p.pos]; {
	case ch == '\'':
		s, err := p.str()
		return Arg{Literal: s}, err
	case ch == '$':
		start := p.pos
		depthB, quote := 0, byte(0)
		for p.pos < len(p.src) {
			c := p.src[p.pos]
			if quote != 0 {
				if c == '\\' {
					p.pos++
				} else if c == quote {
					quote = 0
				}
			} else if c == '\'' || c == '"' {
				quote = c
			} else if c == '[' || c == '(' {
				depthB++
			} else if c == ']' || c == ')' {
				if depthB == 0 {
					break
				}
				depthB--
			} else if c == ',' && depthB == 0 {
				break
			}
			p.pos++
		}
		raw := strings.TrimSpace(p.src[start:min(p.pos, len(p.src))])
		path, err := ParsePath(raw)
		if err != nil {
			return Arg{}, err
		}
		return Arg{Path: path}, nil
	case ch == '-' || ch >= '0' && ch <= '9':
		start := p.pos
		p.pos++
		for p.pos < len(p.src) && strings.IndexByte("0123456789.eE+-", p.src[p.pos]) >= 0 {
			p.pos++
		}
		lit := p.src[start:p.pos]
		if i, err := strconv.ParseInt(lit, 10, 64); err == nil {
			return Arg{Literal: i}, nil
		}
		f, err := strconv.ParseFloat(lit, 64)
		if err != nil || math.IsInf(f, 0) {
			return Arg{}, fmt.Errorf("invalid number %q", lit)
		}
		return Arg{Literal: f}, nil
	case strings.HasPrefix(p.src[p.pos:], "true") && !p.identAfter(4):
		p.pos += 4
		return Arg{Literal: true}, nil
	case strings.HasPrefix(p.src[p.pos:], "false") && !p.identAfter(5):
		p.pos += 5
		return Arg{Literal: false}, nil
	case strings.HasPrefix(p.src[p.pos:], "null") && !p.identAfter(4):
		p.pos += 4
		return Arg{Literal: nil}, nil
	default:
		c, err := p.call(depth + 1)
		return Arg{Call: c}, err
	}
}

func (p *intrinsicParser) identAfter(n int) bool {
	return p.pos+n < len(p.src) && (isIdent(p.src[p.pos+n]) || p.src[p.pos+n] == '.')
}

// str reads a single-quoted string. Backslash escapes the next character;
// "\{" and "\}" stay escaped so States.Format can tell literal braces from
// placeholders.
func (p *intrinsicParser) str() (string, error) {
	p.pos++ // opening quote
	var b strings.Builder
	for p.pos < len(p.src) {
		c := p.src[p.pos]
		switch c {
		case '\\':
			if p.pos+1 >= len(p.src) {
				return "", fmt.Errorf("unterminated escape")
			}
			n := p.src[p.pos+1]
			if n == '{' || n == '}' {
				b.WriteByte('\\')
			}
			b.WriteByte(n)
			p.pos += 2
			continue
		case '\'':
			p.pos++
			return b.String(), nil
		}
		b.WriteByte(c)
		p.pos++
	}
	return "", fmt.Errorf("unterminated string")
}

// Eval evaluates the call against the state input and context object.
func (c *Call) Eval(input any, ctx func() any) (any, error) {
	args := make([]any, len(c.Args))
	for i, a := range c.Args {
		switch {
		case a.Call != nil:
			v, err := a.Call.Eval(input, ctx)
			if err != nil {
				return nil, err
			}
			args[i] = v
		case a.Path != nil:
			var co any
			if a.Path.NeedsEnv() {
				co = ctx()
			}
			v, ok := a.Path.Get(input, co)
			if !ok {
				return nil, errorf(ErrRuntime, "An error occurred while executing the state. The JsonPath argument for the field '%s' could not be found in the input", a.Path.raw)
			}
			args[i] = v
		default:
			args[i] = unescapeLiteral(c.Name, a.Literal)
		}
	}
	v, err := c.fn.eval(args)
	if err != nil {
		if e, ok := err.(*Error); ok {
			return nil, e
		}
		return nil, errorf(ErrIntrinsicFailure, "The %s intrinsic function failed: %v", c.Name, err)
	}
	return v, nil
}

// unescapeLiteral drops the brace escapes kept by the parser except for the
// States.Format template, which interprets them itself.
func unescapeLiteral(fn string, v any) any {
	s, ok := v.(string)
	if !ok || fn == "States.Format" {
		return v
	}
	return strings.NewReplacer(`\{`, "{", `\}`, "}").Replace(s)
}

var intrinsics map[string]intrinsicFunc

func init() {
	intrinsics = map[string]intrinsicFunc{
		"States.Format":         {1, -1, fnFormat},
		"States.StringToJson":   {1, 1, fnStringToJSON},
		"States.JsonToString":   {1, 1, func(a []any) (any, error) { b, err := Marshal(a[0]); return string(b), err }},
		"States.Array":          {0, -1, func(a []any) (any, error) { return append([]any{}, a...), nil }},
		"States.ArrayPartition": {2, 2, fnArrayPartition},
		"States.ArrayContains":  {2, 2, fnArrayContains},
		"States.ArrayRange":     {3, 3, fnArrayRange},
		"States.ArrayGetItem":   {2, 2, fnArrayGetItem},
		"States.ArrayLength":    {1, 1, fnArrayLength},
		"States.ArrayUnique":    {1, 1, fnArrayUnique},
		"States.Base64Encode":   {1, 1, fnBase64Encode},
		"States.Base64Decode":   {1, 1, fnBase64Decode},
		"States.Hash":           {2, 2, fnHash},
		"States.JsonMerge":      {3, 3, fnJSONMerge},
		"States.MathRandom":     {2, 3, fnMathRandom},
		"States.MathAdd":        {2, 2, fnMathAdd},
		"States.StringSplit":    {2, 2, fnStringSplit},
		"States.UUID":           {0, 0, func([]any) (any, error) { return uuid.NewString(), nil }},
	}
}

func fnFormat(a []any) (any, error) {
	tmpl, ok := a[0].(string)
	if !ok {
		return nil, fmt.Errorf("the first argument must be a string")
	}
	var b strings.Builder
	next := 1
	for i := 0; i < len(tmpl); i++ {
		c := tmpl[i]
		if c == '\\' && i+1 < len(tmpl) && (tmpl[i+1] == '{' || tmpl[i+1] == '}') {
			b.WriteByte(tmpl[i+1])
			i++
			continue
		}
		if c == '{' && i+1 < len(tmpl) && tmpl[i+1] == '}' {
			if next >= len(a) {
				return nil, fmt.Errorf("the number of arguments does not match the number of placeholders")
			}
			switch v := a[next].(type) {
			case string:
				b.WriteString(v)
			case map[string]any, []any:
				return nil, fmt.Errorf("placeholder arguments must be strings, numbers, booleans or null")
			default:
				b.WriteString(MarshalString(v))
			}
			next++
			i++
			continue
		}
		b.WriteByte(c)
	}
	if next != len(a) {
		return nil, fmt.Errorf("the number of arguments does not match the number of placeholders")
	}
	return b.String(), nil
}

func fnStringToJSON(a []any) (any, error) {
	s, ok := a[0].(string)
	if !ok {
		return nil, fmt.Errorf("the argument must be a string")
	}
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	return ParseJSON([]byte(s))
}

func argArray(v any, what string) ([]any, error) {
	a, ok := v.([]any)
	if !ok {
		return nil, fmt.Errorf("%s must be an array", what)
	}
	return a, nil
}

// argInt accepts integral numbers only, as AWS does for sizes and indexes.
func argInt(v any, what string) (int64, error) {
	switch x := v.(type) {
	case int64:
		return x, nil
	case float64:
		if x == math.Trunc(x) && math.Abs(x) < 1<<53 {
			return int64(x), nil
		}
	}
	return 0, fmt.Errorf("%s must be an integer", what)
}

func fnArrayPartition(a []any) (any, error) {
	arr, err := argArray(a[0], "the first argument")
	if err != nil {
		return nil, err
	}
	size, err := argInt(a[1], "the chunk size")
	if err != nil {
		return nil, err
	}
	if size <= 0 {
		return nil, fmt.Errorf("the chunk size must be greater than 0")
	}
	out := []any{}
	for i := 0; i < len(arr); i += int(min(size, int64(len(arr)))) {
		end := min(i+int(min(size, int64(len(arr)))), len(arr))
		out = append(out, append([]any{}, arr[i:end]...))
	}
	return out, nil
}

func fnArrayContains(a []any) (any, error) {
	arr, err := argArray(a[0], "the first argument")
	if err != nil {
		return nil, err
	}
	for _, e := range arr {
		if Equal(e, a[1]) {
			return true, nil
		}
	}
	return false, nil
}

// maxArrayRange is AWS's limit on the elements States.ArrayRange produces.
const maxArrayRange = 1000

func fnArrayRange(a []any) (any, error) {
	start, err := argInt(a[0], "the start")
	if err != nil {
		return nil, err
	}
	end, err := argInt(a[1], "the end")
	if err != nil {
		return nil, err
	}
	stepV, err := argInt(a[2], "the step")
	if err != nil {
		return nil, err
	}
	if stepV == 0 {
		return nil, fmt.Errorf("the step must not be 0")
	}
	out := []any{}
	for v := start; (stepV > 0 && v <= end) || (stepV < 0 && v >= end); v += stepV {
		if len(out) >= maxArrayRange {
			return nil, fmt.Errorf("the array would have more than %d elements", maxArrayRange)
		}
		out = append(out, v)
	}
	return out, nil
}

func fnArrayGetItem(a []any) (any, error) {
	arr, err := argArray(a[0], "the first argument")
	if err != nil {
		return nil, err
	}
	i, err := argInt(a[1], "the index")
	if err != nil {
		return nil, err
	}
	if i < 0 || i >= int64(len(arr)) {
		return nil, fmt.Errorf("the index %d is out of bounds", i)
	}
	return arr[i], nil
}

func fnArrayLength(a []any) (any, error) {
	arr, err := argArray(a[0], "the argument")
	if err != nil {
		return nil, err
	}
	return int64(len(arr)), nil
}

func fnArrayUnique(a []any) (any, error) {
	arr, err := argArray(a[0], "the argument")
	if err != nil {
		return nil, err
	}
	out := []any{}
outer:
	for _, e := range arr {
		for _, o := range out {
			if Equal(e, o) {
				continue outer
			}
		}
		out = append(out, e)
	}
	return out, nil
}

// maxBase64Input is AWS's limit for States.Base64Encode/Decode inputs.
const maxBase64Input = 10000

func fnBase64Encode(a []any) (any, error) {
	s, ok := a[0].(string)
	if !ok {
		return nil, fmt.Errorf("the argument must be a string")
	}
	if len(s) > maxBase64Input {
		return nil, fmt.Errorf("the input is longer than %d characters", maxBase64Input)
	}
	return base64.StdEncoding.EncodeToString([]byte(s)), nil
}

func fnBase64Decode(a []any) (any, error) {
	s, ok := a[0].(string)
	if !ok {
		return nil, fmt.Errorf("the argument must be a string")
	}
	if len(s) > maxBase64Input {
		return nil, fmt.Errorf("the input is longer than %d characters", maxBase64Input)
	}
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return nil, fmt.Errorf("the input is not valid base64")
	}
	if !utf8.Valid(b) {
		return nil, fmt.Errorf("the decoded data is not valid UTF-8")
	}
	return string(b), nil
}

func fnHash(a []any) (any, error) {
	algo, ok := a[1].(string)
	if !ok {
		return nil, fmt.Errorf("the algorithm must be a string")
	}
	var h hash.Hash
	switch algo {
	case "MD5":
		h = md5.New()
	case "SHA-1":
		h = sha1.New()
	case "SHA-256":
		h = sha256.New()
	case "SHA-384":
		h = sha512.New384()
	case "SHA-512":
		h = sha512.New()
	default:
		return nil, fmt.Errorf("unsupported algorithm %q (use MD5, SHA-1, SHA-256, SHA-384 or SHA-512)", algo)
	}
	data, ok := a[0].(string)
	if !ok {
		data = MarshalString(a[0])
	}
	h.Write([]byte(data))
	return hex.EncodeToString(h.Sum(nil)), nil
}

func fnJSONMerge(a []any) (any, error) {
	x, ok1 := a[0].(map[string]any)
	y, ok2 := a[1].(map[string]any)
	if !ok1 || !ok2 {
		return nil, fmt.Errorf("both arguments must be objects")
	}
	if deep, _ := a[2].(bool); deep {
		return nil, fmt.Errorf("deep merging is not supported; the third argument must be false")
	}
	if _, ok := a[2].(bool); !ok {
		return nil, fmt.Errorf("the third argument must be a boolean")
	}
	out := make(map[string]any, len(x)+len(y))
	for k, v := range x {
		out[k] = v
	}
	for k, v := range y {
		out[k] = v
	}
	return out, nil
}

func fnMathRandom(a []any) (any, error) {
	lo, err := argInt(a[0], "the start")
	if err != nil {
		return nil, err
	}
	hi, err := argInt(a[1], "the end")
	if err != nil {
		return nil, err
	}
	if hi <= lo {
		return nil, fmt.Errorf("the end must be greater than the start")
	}
	r := rand.Int64N
	if len(a) == 3 {
		seed, err := argInt(a[2], "the seed")
		if err != nil {
			return nil, err
		}
		r = rand.New(rand.NewPCG(uint64(seed), 0)).Int64N
	}
	return lo + r(hi-lo), nil
}

func fnMathAdd(a []any) (any, error) {
	x, err := argInt(a[0], "the first argument")
	if err != nil {
		return nil, err
	}
	y, err := argInt(a[1], "the second argument")
	if err != nil {
		return nil, err
	}
	s := x + y
	if (s > x) != (y > 0) {
		return nil, fmt.Errorf("integer overflow")
	}
	return s, nil
}

func fnStringSplit(a []any) (any, error) {
	s, ok1 := a[0].(string)
	d, ok2 := a[1].(string)
	if !ok1 || !ok2 {
		return nil, fmt.Errorf("both arguments must be strings")
	}
	parts := strings.FieldsFunc(s, func(r rune) bool { return strings.ContainsRune(d, r) })
	out := make([]any, len(parts))
	for i, p := range parts {
		out[i] = p
	}
	return out, nil
}
