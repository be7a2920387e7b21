package mapping

import (
	"fmt"
	"strings"
)

// The lexer turns template text into a flat list of items (text, references,
// directives, comments). Directive arguments are parsed into expressions as
// they are met, so an item is complete on its own. Whitespace gobbling
// (gobble) then works on lines of items, and build nests the blocks.

type itemKind uint8

const (
	itText itemKind = iota
	itRaw           // #[[...]]# content: literal text that gobbling never touches
	itRef
	itComment
	itSet
	itIf
	itElseIf
	itElse
	itEnd
	itForeach
	itBreak
	itStop
	itDefine
	itMacro
	itMacroCall
)

var itemNames = [...]string{
	itText: "text", itRaw: "text", itRef: "reference", itComment: "comment",
	itSet: "#set", itIf: "#if", itElseIf: "#elseif", itElse: "#else", itEnd: "#end",
	itForeach: "#foreach", itBreak: "#break", itStop: "#stop", itDefine: "#define",
	itMacro: "#macro", itMacroCall: "macro call",
}

type item struct {
	kind        itemKind
	pos         int
	text        string
	ref         *refExpr
	escapes     int
	x           expr
	name        string
	params      []string
	args        []expr
	def         *macroDef
	lineComment bool
}

type parser struct {
	t        *Template
	src      string
	pos      int
	depth    int
	maxDepth int
	macros   map[string]*macroDef
	// posOverride, when >= 0, replaces every recorded position: used when a
	// string literal's unescaped copy is parsed, whose offsets do not point
	// into the template source.
	posOverride int
}

func (p *parser) at(off int) int {
	if p.posOverride >= 0 {
		return p.posOverride
	}
	return off
}

func (p *parser) errorf(off int, format string, args ...any) error {
	return p.t.errorAt(p.at(off), nil, format, args...)
}

func isIdentStart(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_'
}

// isIdentChar follows Velocity: identifiers may contain '-' ("$a-b" is one
// reference), which is why "$x - 1" needs spaces.
func isIdentChar(c byte) bool {
	return isIdentStart(c) || c >= '0' && c <= '9' || c == '-'
}

func isNameChar(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' || c >= '0' && c <= '9'
}

// parseTemplate parses src[lo:hi] into nodes. gobbleLines applies the
// whitespace rule for lines that hold only directives (off inside string
// literals).
func (p *parser) parseTemplate(lo, hi int, gobbleLines bool) ([]node, error) {
	p.pos = lo
	items, err := p.scan(hi)
	if err != nil {
		return nil, err
	}
	if gobbleLines {
		items = gobble(items)
	}
	return p.build(mergeText(items))
}

// mergeText joins runs of adjacent text items (lines split by gobble,
// escapes) in one pass, so building the tree stays linear in the template.
func mergeText(items []item) []item {
	out := items[:0]
	for i := 0; i < len(items); {
		it := items[i]
		if it.kind != itText && it.kind != itRaw {
			out = append(out, it)
			i++
			continue
		}
		j := i + 1
		n := len(it.text)
		for j < len(items) && (items[j].kind == itText || items[j].kind == itRaw) {
			n += len(items[j].text)
			j++
		}
		if j > i+1 {
			var b strings.Builder
			b.Grow(n)
			for _, t := range items[i:j] {
				b.WriteString(t.text)
			}
			it = item{kind: itText, pos: it.pos, text: b.String()}
		}
		out = append(out, it)
		i = j
	}
	return out
}

// scan lexes src[p.pos:hi] in text mode.
func (p *parser) scan(hi int) ([]item, error) {
	var items []item
	textStart := p.pos
	flush := func(end int) {
		if end > textStart {
			items = append(items, item{kind: itText, pos: p.at(textStart), text: p.src[textStart:end]})
		}
	}
	for p.pos < hi {
		// Jump to the next character that can start something.
		k := strings.IndexAny(p.src[p.pos:hi], `\$#`)
		if k < 0 {
			p.pos = hi
			break
		}
		p.pos += k
		start := p.pos
		switch p.src[p.pos] {
		case '\\':
			j := p.pos
			for j < hi && p.src[j] == '\\' {
				j++
			}
			n := j - p.pos
			if j < hi && p.src[j] == '$' {
				p.pos = j
				ref, ok, err := p.tryRef(hi, false)
				if err != nil {
					return nil, err
				}
				if ok {
					flush(start)
					items = append(items, item{kind: itRef, pos: p.at(start), ref: ref, escapes: n})
					textStart = p.pos
					continue
				}
				p.pos = j + 1
				continue
			}
			if j < hi && p.src[j] == '#' {
				if nameEnd, ok := p.directiveName(j, hi); ok {
					flush(start)
					half := strings.Repeat(`\`, n/2)
					if n%2 == 1 {
						// \#if prints "#if"; what follows is ordinary text.
						items = append(items, item{kind: itText, pos: p.at(start), text: half + p.src[j:nameEnd]})
						p.pos = nameEnd
						textStart = p.pos
						continue
					}
					if half != "" {
						items = append(items, item{kind: itText, pos: p.at(start), text: half})
					}
					p.pos = j
					textStart = j
					continue
				}
			}
			p.pos = j
		case '$':
			ref, ok, err := p.tryRef(hi, false)
			if err != nil {
				return nil, err
			}
			if ok {
				flush(start)
				items = append(items, item{kind: itRef, pos: p.at(start), ref: ref})
				textStart = p.pos
				continue
			}
			p.pos = start + 1
		case '#':
			its, ok, err := p.tryDirective(hi)
			if err != nil {
				return nil, err
			}
			if ok {
				flush(start)
				items = append(items, its...)
				textStart = p.pos
				continue
			}
			p.pos = start + 1
		}
	}
	flush(hi)
	return items, nil
}

var directiveNames = map[string]bool{
	"set": true, "if": true, "elseif": true, "else": true, "end": true, "foreach": true,
	"break": true, "stop": true, "define": true, "macro": true,
}

// directiveName reports whether src[at] ('#') starts a directive or macro
// name (#name or #{name}) and where that name ends. Used for \# escapes.
func (p *parser) directiveName(at, hi int) (int, bool) {
	i := at + 1
	braced := i < hi && p.src[i] == '{'
	if braced {
		i++
	}
	j := i
	for j < hi && isNameChar(p.src[j]) {
		j++
	}
	if j == i || !isIdentStart(p.src[i]) {
		return 0, false
	}
	name := p.src[i:j]
	if !directiveNames[name] && p.macros[name] == nil {
		return 0, false
	}
	if braced {
		if j >= hi || p.src[j] != '}' {
			return 0, false
		}
		j++
	}
	return j, true
}

// tryDirective lexes a directive or comment at p.pos ('#'). ok is false
// when the '#' is literal text.
func (p *parser) tryDirective(hi int) ([]item, bool, error) {
	start := p.pos
	i := start + 1
	if i >= hi {
		return nil, false, nil
	}
	switch p.src[i] {
	case '#':
		// ## comment: runs to the end of the line and takes the newline.
		end := hi
		if k := strings.IndexByte(p.src[i:hi], '\n'); k >= 0 {
			end = i + k + 1
		}
		p.pos = end
		return []item{{kind: itComment, pos: p.at(start), lineComment: true}}, true, nil
	case '*':
		k := strings.Index(p.src[i+1:hi], "*#")
		if k < 0 {
			return nil, false, p.errorf(start, "unterminated #* comment")
		}
		p.pos = i + 1 + k + 2
		return []item{{kind: itComment, pos: p.at(start)}}, true, nil
	case '[':
		if i+1 < hi && p.src[i+1] == '[' {
			k := strings.Index(p.src[i+2:hi], "]]#")
			if k < 0 {
				return nil, false, p.errorf(start, "unterminated #[[ unparsed block")
			}
			p.pos = i + 2 + k + 3
			return []item{{kind: itRaw, pos: p.at(start), text: p.src[i+2 : i+2+k]}}, true, nil
		}
		return nil, false, nil
	}
	braced := p.src[i] == '{'
	if braced {
		i++
	}
	j := i
	for j < hi && isNameChar(p.src[j]) {
		j++
	}
	if j == i || !isIdentStart(p.src[i]) {
		return nil, false, nil
	}
	name := p.src[i:j]
	if braced {
		if j >= hi || p.src[j] != '}' {
			return nil, false, nil
		}
		j++
	}
	it := item{pos: p.at(start), name: name}
	switch name {
	case "else":
		it.kind = itElse
	case "end":
		it.kind = itEnd
	case "break":
		it.kind = itBreak
	case "stop":
		it.kind = itStop
	case "set", "if", "elseif", "foreach", "define", "macro":
		// These need "(" (after optional whitespace); without it the '#'
		// is plain text, as in "#if you" or a JSON "#set" string.
		k := j
		for k < hi && (p.src[k] == ' ' || p.src[k] == '\t') {
			k++
		}
		if k >= hi || p.src[k] != '(' {
			return nil, false, nil
		}
		p.pos = k + 1
		if err := p.directiveArgs(&it, hi); err != nil {
			return nil, false, err
		}
		return []item{it}, true, nil
	default:
		def := p.macros[name]
		if def == nil {
			return nil, false, nil
		}
		k := j
		for k < hi && (p.src[k] == ' ' || p.src[k] == '\t') {
			k++
		}
		if k >= hi || p.src[k] != '(' {
			return nil, false, nil
		}
		p.pos = k + 1
		args, err := p.macroArgs(hi)
		if err != nil {
			return nil, false, err
		}
		it.kind = itMacroCall
		it.def = def
		it.args = args
		return []item{it}, true, nil
	}
	p.pos = j
	return []item{it}, true, nil
}

// directiveArgs parses the parenthesised arguments of set/if/elseif/
// foreach/define/macro; p.pos is just after "(".
func (p *parser) directiveArgs(it *item, hi int) error {
	switch it.name {
	case "set":
		it.kind = itSet
		p.skipWS(hi)
		lhs, err := p.refOperand(hi)
		if err != nil {
			return err
		}
		if n := len(lhs.mods); n > 0 && lhs.mods[n-1].kind == modMethod {
			return p.errorf(lhs.mods[n-1].pos, "#set cannot assign to a method call")
		}
		it.ref = lhs
		p.skipWS(hi)
		if !p.eat(hi, '=') {
			return p.errorf(p.pos, "expected = in #set")
		}
		if it.x, err = p.parseExpr(hi); err != nil {
			return err
		}
	case "if", "elseif":
		it.kind = itIf
		if it.name == "elseif" {
			it.kind = itElseIf
		}
		var err error
		if it.x, err = p.parseExpr(hi); err != nil {
			return err
		}
	case "foreach":
		it.kind = itForeach
		p.skipWS(hi)
		v, err := p.refOperand(hi)
		if err != nil {
			return err
		}
		if len(v.mods) > 0 {
			return p.errorf(v.pos, "#foreach variable must be a plain $name")
		}
		it.text = v.name
		p.skipWS(hi)
		if !p.word(hi, "in") {
			return p.errorf(p.pos, "expected 'in' in #foreach")
		}
		if it.x, err = p.parseExpr(hi); err != nil {
			return err
		}
	case "define":
		it.kind = itDefine
		p.skipWS(hi)
		v, err := p.refOperand(hi)
		if err != nil {
			return err
		}
		if len(v.mods) > 0 {
			return p.errorf(v.pos, "#define needs a plain $name")
		}
		it.text = v.name
	case "macro":
		it.kind = itMacro
		p.skipWS(hi)
		j := p.pos
		for j < hi && isNameChar(p.src[j]) {
			j++
		}
		if j == p.pos || !isIdentStart(p.src[p.pos]) {
			return p.errorf(p.pos, "expected macro name")
		}
		name := p.src[p.pos:j]
		if directiveNames[name] {
			return p.errorf(p.pos, "macro name %q is a directive", name)
		}
		p.pos = j
		for {
			p.skipWS(hi)
			if p.pos < hi && p.src[p.pos] == ',' {
				p.pos++
				continue
			}
			if p.pos < hi && p.src[p.pos] == ')' {
				break
			}
			v, err := p.refOperand(hi)
			if err != nil {
				return err
			}
			if len(v.mods) > 0 {
				return p.errorf(v.pos, "macro parameter must be a plain $name")
			}
			it.params = append(it.params, v.name)
		}
		def := &macroDef{pos: it.pos, name: name, params: it.params}
		// Registered now so the body (and everything after) can call it.
		p.macros[name] = def
		it.def = def
	}
	p.skipWS(hi)
	if !p.eat(hi, ')') {
		return p.errorf(p.pos, "expected ) to close #%s", it.name)
	}
	return nil
}

// macroArgs parses a macro call's arguments: primaries separated by
// whitespace or commas, up to ")".
func (p *parser) macroArgs(hi int) ([]expr, error) {
	var args []expr
	for {
		p.skipWS(hi)
		if p.pos < hi && p.src[p.pos] == ',' {
			p.pos++
			continue
		}
		if p.eat(hi, ')') {
			return args, nil
		}
		if p.pos >= hi {
			return nil, p.errorf(p.pos, "expected ) to close macro call")
		}
		x, err := p.parseUnary(hi)
		if err != nil {
			return nil, err
		}
		args = append(args, x)
	}
}

// refOperand parses a reference where one is required (directive operands).
func (p *parser) refOperand(hi int) (*refExpr, error) {
	if p.pos >= hi || p.src[p.pos] != '$' {
		return nil, p.errorf(p.pos, "expected a $reference")
	}
	ref, ok, err := p.tryRef(hi, true)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, p.errorf(p.pos, "expected a $reference")
	}
	return ref, nil
}

// tryRef lexes a reference at p.pos ('$'). In text mode (exprMode false)
// ok is false when the '$' is literal text; a malformed index is then left
// as text too, but a malformed method call is an error, as in Velocity.
func (p *parser) tryRef(hi int, exprMode bool) (*refExpr, bool, error) {
	start := p.pos
	i := start + 1
	quiet := false
	if i < hi && p.src[i] == '!' {
		quiet = true
		i++
	}
	formal := false
	if i < hi && p.src[i] == '{' {
		formal = true
		i++
	}
	if i >= hi || !isIdentStart(p.src[i]) {
		return nil, false, nil
	}
	j := i + 1
	for j < hi && isIdentChar(p.src[j]) {
		j++
	}
	ref := &refExpr{pos: p.at(start), name: p.src[i:j], quiet: quiet}
	p.pos = j
	for {
		if p.pos+1 < hi && p.src[p.pos] == '.' && isIdentStart(p.src[p.pos+1]) {
			mpos := p.pos
			k := p.pos + 2
			for k < hi && isIdentChar(p.src[k]) {
				k++
			}
			name := p.src[p.pos+1 : k]
			p.pos = k
			if p.pos < hi && p.src[p.pos] == '(' {
				p.pos++
				args, err := p.callArgs(hi)
				if err != nil {
					return nil, false, err
				}
				ref.mods = append(ref.mods, modifier{kind: modMethod, pos: p.at(mpos), name: name, args: args})
			} else {
				ref.mods = append(ref.mods, modifier{kind: modProp, pos: p.at(mpos), name: name})
			}
			continue
		}
		if p.pos < hi && p.src[p.pos] == '[' {
			save, saveDepth := p.pos, p.depth
			p.pos++
			idx, err := p.parseExpr(hi)
			if err == nil {
				p.skipWS(hi)
				if p.eat(hi, ']') {
					ref.mods = append(ref.mods, modifier{kind: modIndex, pos: p.at(save), args: []expr{idx}})
					continue
				}
				err = p.errorf(p.pos, "expected ] to close index")
			}
			if exprMode || formal {
				return nil, false, err
			}
			p.pos, p.depth = save, saveDepth
		}
		break
	}
	if formal {
		if !p.eat(hi, '}') {
			return nil, false, p.errorf(p.pos, "expected } to close ${")
		}
	}
	ref.text = p.src[start:p.pos]
	return ref, true, nil
}

// callArgs parses method arguments after "(" up to ")".
func (p *parser) callArgs(hi int) ([]expr, error) {
	var args []expr
	p.skipWS(hi)
	if p.eat(hi, ')') {
		return args, nil
	}
	for {
		x, err := p.parseExpr(hi)
		if err != nil {
			return nil, err
		}
		args = append(args, x)
		p.skipWS(hi)
		if p.eat(hi, ',') {
			continue
		}
		if p.eat(hi, ')') {
			return args, nil
		}
		return nil, p.errorf(p.pos, "expected , or ) in method arguments")
	}
}

func (p *parser) skipWS(hi int) {
	for p.pos < hi {
		switch p.src[p.pos] {
		case ' ', '\t', '\n', '\r':
			p.pos++
		default:
			return
		}
	}
}

func (p *parser) eat(hi int, c byte) bool {
	if p.pos < hi && p.src[p.pos] == c {
		p.pos++
		return true
	}
	return false
}

// word consumes keyword w when it is not the prefix of a longer name.
func (p *parser) word(hi int, w string) bool {
	end := p.pos + len(w)
	if end > hi || p.src[p.pos:end] != w {
		return false
	}
	if end < hi && isNameChar(p.src[end]) {
		return false
	}
	p.pos = end
	return true
}

// gobble applies the whitespace rule: a line whose only content is
// directives and comments (#set, #if, #elseif, #else, #end, #foreach,
// #break, #stop, #define, #macro, ## and #* *#) plus spaces and tabs emits
// nothing, including its newline. Lines with any other text, a reference or
// a macro call are left untouched.
func gobble(items []item) []item {
	// Split text items so that each one ends at a newline at the latest.
	split := make([]item, 0, len(items)+8)
	for _, it := range items {
		if it.kind != itText {
			split = append(split, it)
			continue
		}
		s, off := it.text, it.pos
		for s != "" {
			k := strings.IndexByte(s, '\n')
			if k < 0 {
				split = append(split, item{kind: itText, pos: off, text: s})
				break
			}
			split = append(split, item{kind: itText, pos: off, text: s[:k+1]})
			s = s[k+1:]
			off += k + 1
		}
	}
	out := make([]item, 0, len(split))
	lineStart := 0
	for i := 0; i <= len(split); i++ {
		if i < len(split) {
			it := split[i]
			endsLine := (it.kind == itText && strings.HasSuffix(it.text, "\n")) ||
				(it.kind == itComment && it.lineComment)
			if !endsLine {
				continue
			}
		}
		end := i + 1
		if end > len(split) {
			end = len(split)
		}
		line := split[lineStart:end]
		if onlyDirectives(line) {
			for _, it := range line {
				if it.kind != itText {
					out = append(out, it)
				}
			}
		} else {
			out = append(out, line...)
		}
		lineStart = end
	}
	return out
}

func onlyDirectives(line []item) bool {
	directive := false
	for _, it := range line {
		switch it.kind {
		case itText:
			if strings.Trim(it.text, " \t\r\n") != "" {
				return false
			}
		case itRaw, itRef, itMacroCall:
			return false
		default:
			directive = true
		}
	}
	return directive
}

func (k itemKind) String() string {
	if int(k) < len(itemNames) {
		return itemNames[k]
	}
	return fmt.Sprintf("item(%d)", k)
}
