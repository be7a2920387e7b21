package expr

import "unicode/utf8"

// lex splits src into tokens. It never fails: characters outside the
// expression alphabet become tokIllegal tokens, so the parser reports them
// as `Syntax error; token: "!"` the way DynamoDB does. The slice always ends
// with a tokEOF token positioned at len(src).
func lex(src string) []token {
	toks := make([]token, 0, len(src)/3+2)
	i := 0
	for i < len(src) {
		c := src[i]
		start := i
		kind := tokIllegal
		switch {
		case c == ' ' || c == '\t' || c == '\r' || c == '\n':
			i++
			continue
		case isIdentStart(c):
			i = scanIdent(src, i+1)
			kind = tokIdent
		case c >= '0' && c <= '9':
			for i < len(src) && src[i] >= '0' && src[i] <= '9' {
				i++
			}
			kind = tokNumber
		case c == '#' || c == ':':
			i = scanIdent(src, i+1)
			switch {
			case i == start+1:
				kind = tokIllegal // a bare # or : is not a placeholder
			case c == '#':
				kind = tokName
			default:
				kind = tokValue
			}
		case c == '<':
			i++
			kind = tokLT
			if i < len(src) && src[i] == '=' {
				i++
				kind = tokLE
			} else if i < len(src) && src[i] == '>' {
				i++
				kind = tokNE
			}
		case c == '>':
			i++
			kind = tokGT
			if i < len(src) && src[i] == '=' {
				i++
				kind = tokGE
			}
		default:
			i++
			switch c {
			case '(':
				kind = tokLParen
			case ')':
				kind = tokRParen
			case '[':
				kind = tokLBracket
			case ']':
				kind = tokRBracket
			case ',':
				kind = tokComma
			case '.':
				kind = tokDot
			case '=':
				kind = tokEQ
			case '+':
				kind = tokPlus
			case '-':
				kind = tokMinus
			default:
				if c >= utf8.RuneSelf {
					// Keep a multi-byte character whole so the error quotes it.
					_, size := utf8.DecodeRuneInString(src[start:])
					i = start + size
				}
			}
		}
		toks = append(toks, token{kind: kind, start: start, end: i, text: src[start:i]})
	}
	return append(toks, token{kind: tokEOF, start: len(src), end: len(src)})
}

func isIdentStart(c byte) bool {
	return c == '_' || ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z')
}

func isIdentPart(c byte) bool {
	return isIdentStart(c) || ('0' <= c && c <= '9')
}

func scanIdent(src string, i int) int {
	for i < len(src) && isIdentPart(src[i]) {
		i++
	}
	return i
}
