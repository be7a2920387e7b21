package mapping

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

// lexItems scans src (after gobbling when gobbleLines is set) and describes
// each item compactly: text items as quoted text, references as ref(text),
// directives by name.
func lexItems(t *testing.T, src string, gobbleLines bool) string {
	t.Helper()
	tpl := &Template{name: "lex", src: src, lines: lineStarts(src), opts: Options{Limits: Limits{}.withDefaults()}}
	p := &parser{t: tpl, src: src, maxDepth: DefaultMaxDepth, macros: map[string]*macroDef{}, posOverride: -1}
	items, err := p.scan(len(src))
	if err != nil {
		t.Fatalf("scan %q: %v", src, err)
	}
	if gobbleLines {
		items = gobble(items)
	}
	var parts []string
	for _, it := range items {
		switch it.kind {
		case itText, itRaw:
			parts = append(parts, fmt.Sprintf("%q", it.text))
		case itRef:
			if it.escapes > 0 {
				parts = append(parts, fmt.Sprintf("ref(%d\\%s)", it.escapes, it.ref.text))
			} else {
				parts = append(parts, "ref("+it.ref.text+")")
			}
		case itComment:
			parts = append(parts, "comment")
		default:
			parts = append(parts, it.kind.String())
		}
	}
	return strings.Join(parts, " ")
}

// lexCases are shared with the fuzz seeds.
var lexCases = []struct {
	name, src, want string
}{
	{"plain text", "hello", `"hello"`},
	{"reference", "a $x b", `"a " ref($x) " b"`},
	{"formal and quiet", "${x}$!y$!{z}", `ref(${x}) ref($!y) ref($!{z})`},
	{"property chain", "$a.b.c(1, 'x')[0].d", `ref($a.b.c(1, 'x')[0].d)`},
	{"trailing dot is text", "$name.", `ref($name) "."`},
	{"hyphen in identifier", "$a-b c", `ref($a-b) " c"`},
	{"dollar not a reference", "costs $5 and $ and $!", `"costs $5 and $ and $!"`},
	{"hash not a directive", `{"tag": "#x", "n": "#1", "s": "#set"}`, `"{\"tag\": \"#x\", \"n\": \"#1\", \"s\": \"#set\"}"`},
	{"unknown directive is text", "#ifdef #endx", `"#ifdef #endx"`},
	{"if needs a paren", "#if you", `"#if you"`},
	{"malformed index stays text", "$a[b] $c", `ref($a) "[b] " ref($c)`},
	{"directives", "#if($x)a#elseif($y)b#else c#end", `#if "a" #elseif "b" #else " c" #end`},
	{"brace forms", "#{if}($x)a#{else}b#{end}c", `#if "a" #else "b" #end "c"`},
	{"set and foreach", "#set($a = 1)#foreach($i in $l)#break#stop#end", `#set #foreach #break #stop #end`},
	{"line comment takes newline", "a ## note\nb", `"a " comment "b"`},
	{"block comment", "a#* x\ny *#b", `"a" comment "b"`},
	{"unparsed", "#[[$x #if(]]#", `"$x #if("`},
	{"escaped reference", `\$x \\$y`, `ref(1\$x) " " ref(2\$y)`},
	{"escaped directive", `\#if($x)`, `"#if" "(" ref($x) ")"`},
	{"even escapes keep directive", `\\#end`, `"\\" #end`},
	{"backslash alone", `a\b`, `"a\\b"`},
	{"define and macro", "#define($b)x#end#macro(m $p)y#end#m(1)", `#define "x" #end #macro "y" #end macro call`},
	{"string with quotes in args", `$m.get("a b")`, `ref($m.get("a b"))`},
}

func TestLexer(t *testing.T) {
	t.Parallel()
	for _, tc := range lexCases {
		t.Run(tc.name, func(t *testing.T) {
			if got := lexItems(t, tc.src, false); got != tc.want {
				t.Fatalf("lex %q\n got: %s\nwant: %s", tc.src, got, tc.want)
			}
		})
	}
}

// gobbleCases check the whitespace rule on whole lines.
var gobbleCases = []struct {
	name, src, want string
}{
	{"set line vanishes", "a\n  #set($x = 1)  \nb", `"a\n" #set "b"`},
	{"if and end lines vanish", "#if($x)\n  body\n#end\n", `#if "  body\n" #end`},
	{"directive with text keeps line", "#if($x)a#end\n", `#if "a" #end "\n"`},
	{"two directives on a line", "  #if($x) #set($y = 1)\n", `#if #set`},
	{"reference keeps line", "  #set($a = 1)$a\n", `"  " #set ref($a) "\n"`},
	{"comment line vanishes", "a\n   ## note\nb", `"a\n" comment "b"`},
	{"block comment line vanishes", "a\n#* x\n y *#\nb", `"a\n" comment "b"`},
	{"crlf", "#set($a = 1)\r\nb", `#set "b"`},
	{"last line without newline", "a\n  #end", `"a\n" #end`},
	{"blank lines stay", "a\n\nb", `"a\n" "\n" "b"`},
	{"unparsed is content", "#set($a=1)#[[\n]]#\n", `#set "\n" "\n"`},
	{"macro call is content", "#macro(m)x#end\n#m()\n", `#macro "x" #end "\n" macro call "\n"`},
}

func TestGobble(t *testing.T) {
	t.Parallel()
	for _, tc := range gobbleCases {
		t.Run(tc.name, func(t *testing.T) {
			if got := lexItems(t, tc.src, true); got != tc.want {
				t.Fatalf("gobble %q\n got: %s\nwant: %s", tc.src, got, tc.want)
			}
		})
	}
}

// parseErrorCases are templates that must not parse; want is the exact
// "name:line:col: message" text.
var parseErrorCases = []struct {
	name, src, want string
}{
	{"missing end", "a\n#if($x)\nb", "t:2:1: missing #end for #if"},
	{"stray end", "a #end", "t:1:3: #end without a block to close"},
	{"else without if", "#foreach($a in $b)#else#end", "t:1:19: #else without #if"},
	{"elseif after else", "#if($a)#else#elseif($b)#end", "t:1:13: #elseif after #else"},
	{"unterminated comment", "x #* y", "t:1:3: unterminated #* comment"},
	{"unterminated unparsed", "#[[ y", "t:1:1: unterminated #[[ unparsed block"},
	{"unterminated string", `#set($a = "abc)`, "t:1:11: unterminated string literal"},
	{"set without equals", "#set($a 1)", "t:1:9: expected = in #set"},
	{"set without reference", "#set(a = 1)", "t:1:6: expected a $reference"},
	{"set to method", "#set($a.b() = 1)", "t:1:8: #set cannot assign to a method call"},
	{"unclosed set", "#set($a = 1", "t:1:12: expected ) to close #set"},
	{"foreach without in", "#foreach($a of $b)#end", "t:1:13: expected 'in' in #foreach"},
	{"foreach var with property", "#foreach($a.b in $c)#end", "t:1:10: #foreach variable must be a plain $name"},
	{"bare word", "#if(foo)#end", `t:1:5: unexpected word "foo" (references start with $)`},
	{"bad operator", "#if($a ^ $b)#end", "t:1:8: expected ) to close #if"},
	{"unclosed method call", "$util.escapeJavaScript($x", "t:1:26: expected , or ) in method arguments"},
	{"unclosed formal reference", "${a.b", "t:1:6: expected } to close ${"},
	{"unclosed list", "#set($a = [1, 2)", "t:1:16: expected , or ] in list"},
	{"map without colon", `#set($a = {"k" 1})`, "t:1:16: expected : in map literal"},
	{"position after multibyte", "é\n  ü #end", "t:2:5: #end without a block to close"},
	{"macro named like directive", "#macro(if)#end", `t:1:8: macro name "if" is a directive`},
	{"error inside string", `#set($a = "x $b.c(")`, "t:1:19: unexpected end of expression"},
}

func TestParseErrors(t *testing.T) {
	t.Parallel()
	for _, tc := range parseErrorCases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse("t", tc.src)
			if err == nil {
				t.Fatalf("Parse(%q) succeeded, want error %q", tc.src, tc.want)
			}
			if err.Error() != tc.want {
				t.Fatalf("Parse(%q) error\n got: %s\nwant: %s", tc.src, err, tc.want)
			}
			var pe *Error
			if !errors.As(err, &pe) {
				t.Fatalf("error %T is not *Error", err)
			}
		})
	}
}

func TestParseDepthLimit(t *testing.T) {
	t.Parallel()
	deepExpr := "#set($a = " + strings.Repeat("(", 200) + "1" + strings.Repeat(")", 200) + ")"
	deepBlocks := strings.Repeat("#if(true)", 200) + strings.Repeat("#end", 200)
	for name, src := range map[string]string{"expression": deepExpr, "blocks": deepBlocks} {
		_, err := Parse("t", src)
		if !errors.Is(err, ErrLimit) {
			t.Fatalf("%s: Parse error = %v, want ErrLimit", name, err)
		}
	}
}

// TestParseTree checks the shape of parsed expressions through the AST.
func TestParseTree(t *testing.T) {
	t.Parallel()
	tpl, err := Parse("t", `#set($x = 1 + 2 * 3 == 7 && !$a || $b)`)
	if err != nil {
		t.Fatal(err)
	}
	set := tpl.root[0].(*setNode)
	or, ok := set.rhs.(*binaryExpr)
	if !ok || or.op != opOr {
		t.Fatalf("top operator = %#v, want ||", set.rhs)
	}
	and := or.l.(*binaryExpr)
	if and.op != opAnd {
		t.Fatalf("left of || = %v, want &&", and.op)
	}
	eq := and.l.(*binaryExpr)
	if eq.op != opEq {
		t.Fatalf("left of && = %v, want ==", eq.op)
	}
	add := eq.l.(*binaryExpr)
	if add.op != opAdd || add.r.(*binaryExpr).op != opMul {
		t.Fatalf("1 + 2 * 3 parsed as %#v", add)
	}
	if not, ok := and.r.(*unaryExpr); !ok || not.neg {
		t.Fatalf("!$a parsed as %#v", and.r)
	}
	// Negative literals fold to constants; "1..3" is a range, not 1.0.
	tpl, err = Parse("t", `#set($r = [-1..3])`)
	if err != nil {
		t.Fatal(err)
	}
	rng := tpl.root[0].(*setNode).rhs.(*rangeExpr)
	if lo := rng.lo.(*litExpr).val; lo != int64(-1) {
		t.Fatalf("range low = %#v, want -1", lo)
	}
	// A constant double-quoted string is a literal, not an interpolation.
	tpl, err = Parse("t", `#set($s = "plain")#set($t = "a $b")`)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := tpl.root[0].(*setNode).rhs.(*litExpr); !ok {
		t.Fatalf(`"plain" parsed as %T`, tpl.root[0].(*setNode).rhs)
	}
	if _, ok := tpl.root[1].(*setNode).rhs.(*interpExpr); !ok {
		t.Fatalf(`"a $b" parsed as %T`, tpl.root[1].(*setNode).rhs)
	}
}
