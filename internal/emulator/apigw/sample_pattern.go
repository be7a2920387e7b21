package apigw

import (
	"regexp"
	"regexp/syntax"
	"strings"
)

// samplePattern builds a short string that pattern matches, for the sample
// requests of Check. It walks the parsed expression taking the first
// alternative, the low end of each class and the minimum of each
// repetition; when the result does not match (look-arounds are not RE2,
// anchors in odd places) it gives up.
func samplePattern(pattern string) (string, bool) {
	if len(pattern) > 1024 {
		return "", false
	}
	re, err := syntax.Parse(pattern, syntax.Perl)
	if err != nil {
		return "", false
	}
	var b strings.Builder
	// Not re.Simplify(): it expands nested counted repetitions.
	if !writeSample(&b, re, 0) || b.Len() > 4096 {
		return "", false
	}
	out := b.String()
	full, err := regexp.Compile(pattern)
	if err != nil || !full.MatchString(out) {
		return "", false
	}
	return out, true
}

func writeSample(b *strings.Builder, re *syntax.Regexp, depth int) bool {
	if depth > 64 || b.Len() > 4096 {
		return false
	}
	switch re.Op {
	case syntax.OpLiteral:
		for _, r := range re.Rune {
			b.WriteRune(r)
		}
	case syntax.OpCharClass:
		if len(re.Rune) < 2 {
			return false
		}
		// Prefer a letter or digit inside the class: they read better and
		// are safe inside JSON and URLs.
		for i := 0; i+1 < len(re.Rune); i += 2 {
			for _, r := range []rune{'a', 'A', '0'} {
				if re.Rune[i] <= r && r <= re.Rune[i+1] {
					b.WriteRune(r)
					return true
				}
			}
		}
		b.WriteRune(re.Rune[0])
	case syntax.OpAnyChar, syntax.OpAnyCharNotNL:
		b.WriteByte('a')
	case syntax.OpEmptyMatch, syntax.OpBeginLine, syntax.OpEndLine, syntax.OpBeginText, syntax.OpEndText,
		syntax.OpWordBoundary, syntax.OpNoWordBoundary, syntax.OpStar, syntax.OpQuest:
	case syntax.OpCapture:
		return writeSample(b, re.Sub[0], depth+1)
	case syntax.OpPlus:
		return writeSample(b, re.Sub[0], depth+1)
	case syntax.OpRepeat:
		for i := 0; i < re.Min; i++ {
			if !writeSample(b, re.Sub[0], depth+1) {
				return false
			}
		}
	case syntax.OpConcat:
		for _, s := range re.Sub {
			if !writeSample(b, s, depth+1) {
				return false
			}
		}
	case syntax.OpAlternate:
		return writeSample(b, re.Sub[0], depth+1)
	default:
		return false
	}
	return true
}
