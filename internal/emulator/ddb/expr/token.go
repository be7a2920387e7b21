package expr

// tokKind classifies a lexeme. Keywords (AND, SET, BETWEEN ...) are lexed as
// identifiers: which words are keywords depends on the language being
// parsed, and DynamoDB matches them case-insensitively.
type tokKind uint8

const (
	tokEOF      tokKind = iota
	tokIdent            // attribute name, function name or keyword
	tokName             // #placeholder
	tokValue            // :placeholder
	tokNumber           // list index digits
	tokLParen           // (
	tokRParen           // )
	tokLBracket         // [
	tokRBracket         // ]
	tokComma            // ,
	tokDot              // .
	tokEQ               // =
	tokNE               // <>
	tokLT               // <
	tokLE               // <=
	tokGT               // >
	tokGE               // >=
	tokPlus             // +
	tokMinus            // -
	tokIllegal          // any other character, or a bare # or :
)

// token is one lexeme with its byte span in the source, kept so syntax
// errors can quote the source around the offending token as AWS does.
type token struct {
	kind       tokKind
	start, end int
	text       string
}

// isComparator reports whether the token is one of = <> < <= > >=.
func (t token) isComparator() bool {
	return t.kind >= tokEQ && t.kind <= tokGE
}

// is reports whether t is the identifier kw, ignoring case.
func (t token) is(kw string) bool {
	return t.kind == tokIdent && equalFold(t.text, kw)
}

// equalFold compares ASCII identifiers case-insensitively without the
// Unicode machinery of strings.EqualFold (identifiers are ASCII).
func equalFold(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		x, y := a[i], b[i]
		if 'a' <= x && x <= 'z' {
			x -= 'a' - 'A'
		}
		if 'a' <= y && y <= 'z' {
			y -= 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}
