package mapping

import (
	"errors"
	"strings"
	"testing"
)

// testBody is the JSON payload most render cases see.
const testBody = `{"name":"Bob","n":42,"price":249.99,"ok":true,"nil":null,` +
	`"tags":["a","b","c"],"obj":{"k":"v","list":[1,{"c":5}]},"quote":"it's \"q\" a/b"}`

func testInput() Input {
	return Input{
		Body: []byte(testBody),
		Params: Params{
			Path:        map[string]string{"id": "p-1", "both": "from-path"},
			QueryString: map[string]string{"q": "x y", "both": "from-query"},
			Header:      map[string]string{"Content-Type": "application/json", "X-Trace": "t-9"},
		},
		Context: map[string]any{
			"requestId": "req-123",
			"stage":     "dev",
			"identity":  map[string]any{"sourceIp": "127.0.0.1"},
			"authorizer": map[string]any{
				"principalId": "user-1",
				"claims":      map[string]string{"sub": "abc"},
			},
		},
		StageVariables: map[string]string{"table": "jobs-dev"},
	}
}

type renderCase struct {
	name string
	src  string
	want string
	// body, when set, replaces testBody.
	body *string
}

func strp(s string) *string { return &s }

// renderCases cover the language; they are also the fuzz seeds.
var renderCases = []renderCase{
	// References.
	{name: "simple reference", src: `#set($x = "v")[$x]`, want: `[v]`},
	{name: "formal reference", src: `#set($x = "v")${x}y`, want: `vy`},
	{name: "quiet reference", src: `#set($x = "v")$!x$!{x}`, want: `vv`},
	{name: "undefined renders empty (API Gateway)", src: `[$nope][$nope.a.b()][${nope}]`, want: `[][][]`},
	{name: "quiet undefined", src: `[$!nope][$!{nope.x}]`, want: `[][]`},
	{name: "map property", src: `#set($m = {"a": {"b": "c"}})$m.a.b`, want: `c`},
	{name: "map get and index", src: `#set($m = {"k": "v"})$m.get("k")$m["k"]$m['k']`, want: `vvv`},
	{name: "list index", src: `#set($l = [10, 20, 30])$l[0] $l[2] $l[-1]`, want: `10 30 30`},
	{name: "index by variable", src: `#set($l = ["a", "b"])#set($i = 1)$l[$i]`, want: `b`},
	{name: "chain", src: `#set($m = {"l": [{"x": "deep"}]})$m.l[0].x $m.get("l").get(0).get("x")`, want: `deep deep`},
	{name: "trailing dot", src: `#set($n = "Bob")Hi $n.`, want: `Hi Bob.`},
	{name: "hyphen joins identifier", src: `#set($a = 5)#set($b = $a - 1)[$a-1][$b][$a - 1]`, want: `[][4][5 - 1]`},
	{name: "dollar text", src: `costs $5, $ and $!`, want: `costs $5, $ and $!`},
	{name: "hash text", src: `{"tag": "#x", "c": "#if you", "n": "#1"}`, want: `{"tag": "#x", "c": "#if you", "n": "#1"}`},
	{name: "escaped reference", src: `#set($x = "v")\$x \\$x \\\$x`, want: `$x \v \$x`},
	{name: "escaped undefined", src: `\$nope \\$nope`, want: `\$nope \\$nope`},
	{name: "escaped directive", src: `\#if(true)x\#end`, want: `#if(true)x#end`},
	{name: "even escapes run directive", src: `\\#if(true)x#end`, want: `\x`},

	// #set.
	{name: "set map key", src: `#set($m = {})#set($m.a = 1)#set($m["b"] = 2)$m`, want: `{a=1, b=2}`},
	{name: "set list element", src: `#set($l = [1, 2])#set($l[1] = "x")$l`, want: `[1, x]`},
	{name: "set null keeps old value", src: `#set($x = "old")#set($x = $nope)$x`, want: `old`},
	{name: "set on null target is ignored", src: `#set($nope.a = 1)ok`, want: `ok`},
	{name: "set with spaces", src: `#set ( $x = 1 )$x`, want: `1`},

	// #if.
	{name: "if true", src: `#if(true)yes#end`, want: `yes`},
	{name: "if elseif else", src: `#set($n = 2)#if($n == 1)one#elseif($n == 2)two#else other#end`, want: `two`},
	{name: "else", src: `#if(false)a#else b#end`, want: ` b`},
	{name: "brace forms", src: `#{if}(false)a#{else}b#{end}c`, want: `bc`},
	{name: "truthiness", src: `#set($e = "")#set($l = [])#if($e)s#end#if($l)l#end#if($nope)n#end#if(0)z#end#if(!$nope)u#end`, want: `slzu`},
	{name: "false string is true", src: `#if("false")t#end`, want: `t`},
	{name: "null literal", src: `#if(null)a#else b#end#if($nope == null)c#end`, want: ` bc`},

	// #foreach.
	{name: "foreach", src: `#foreach($x in [1, 2, 3])$x#end`, want: `123`},
	{name: "foreach scope", src: `#foreach($x in ["a", "b"])$foreach.index:$foreach.count:$foreach.hasNext:$foreach.first:$foreach.last:$velocityCount;#end`,
		want: `0:1:true:true:false:1;1:2:false:false:true:2;`},
	{name: "foreach commas", src: `[#foreach($x in ["a", "b", "c"])"$x"#if($foreach.hasNext),#end#end]`, want: `["a","b","c"]`},
	{name: "foreach nested parent", src: `#foreach($a in [1, 2])#foreach($b in [1])$foreach.parent.index$foreach.index #end#end`, want: `00 10 `},
	{name: "foreach break", src: `#foreach($x in [1, 2, 3])#if($x == 2)#break#end$x#end after`, want: `1 after`},
	{name: "foreach over map values", src: `#set($m = {"a": 1, "b": 2})#foreach($v in $m)$v#end`, want: `12`},
	{name: "foreach over null", src: `#foreach($x in $nope)never#end done`, want: ` done`},
	{name: "foreach over string", src: `#foreach($x in "abc")never#end done`, want: ` done`},
	{name: "foreach restores variable", src: `#set($x = "outer")#foreach($x in [1])$x#end $x`, want: `1 outer`},
	{name: "foreach hasNext method", src: `#foreach($x in [1, 2])$foreach.hasNext()#end`, want: `truefalse`},
	{name: "range", src: `#foreach($i in [1..3])$i#end #foreach($i in [3..1])$i#end`, want: `123 321`},
	{name: "range from references", src: `#set($a = 2)#set($b = "4")#set($r1 = [$a..$b])$r1`, want: `[2, 3, 4]`},
	{name: "stop", src: `a#stop b`, want: `a`},
	{name: "stop inside loop", src: `#foreach($x in [1, 2])$x#stop#end after`, want: `1`},

	// Comments, unparsed content, define, macro.
	{name: "line comment", src: "a ## comment\nb", want: `a b`},
	{name: "block comment", src: "a#* one\ntwo *#b", want: `ab`},
	{name: "unparsed", src: `#[[$x #if(]]#`, want: `$x #if(`},
	{name: "define", src: `#define($greet)Hi $name#end#set($name = "Ann")$greet/#set($name = "Bo")$greet`, want: `Hi Ann/Hi Bo`},
	{name: "macro", src: `#macro(tag $n $v)<$n>$v</$n>#end#tag("a" 1)#tag("b", "x")`, want: `<a>1</a><b>x</b>`},

	// Whitespace.
	{name: "directive lines vanish", src: "{\n  #set($a = 1)\n  #if($a == 1)\n  \"a\": $a\n  #end\n}", want: "{\n  \"a\": 1\n}"},
	{name: "foreach lines vanish", src: "[\n#foreach($x in [1, 2])\n  $x#if($foreach.hasNext),#end\n\n#end\n]", want: "[\n  1,\n\n  2\n\n]"},

	// Expressions.
	{name: "integer arithmetic", src: `#set($r1 = 1 + 2 * 3)$r1 #set($r2 = 7 / 2)$r2 #set($r3 = 7 % 3)$r3 #set($r4 = 2 - 5)$r4 #set($r5 = -4 * -1)$r5`, want: `7 3 1 -3 4`},
	{name: "decimal arithmetic", src: `#set($r1 = 7.0 / 2)$r1 #set($r2 = 0.1 + 0.2)$r2 #set($r3 = 2.5 * 2)$r3 #set($r4 = 1.50)$r4`, want: `3.5 0.30000000000000004 5.0 1.5`},
	{name: "division by zero is null", src: `#set($x = "kept")#set($x = 1 / 0)$x`, want: `kept`},
	{name: "string concatenation", src: `#set($r1 = "a" + 1 + 2)$r1 #set($r2 = 1 + "b")$r2`, want: `a12 1b`},
	{name: "comparisons", src: `#set($r1 = 1 < 2)$r1 #set($r2 = 2 <= 2)$r2 #set($r3 = 3 > 4)$r3 #set($r4 = 3 >= 4)$r4 #set($r5 = 1 == 1.0)$r5 #set($r6 = "1" == 1)$r6 #set($r7 = "a" != "b")$r7`, want: `true true false false true true true`},
	{name: "word operators", src: `#set($r1 = 1 lt 2 and 2 gt 1)$r1 #set($r2 = 1 eq 2 or 2 ne 3)$r2 #set($r3 = not true)$r3 #set($r4 = 2 le 2)$r4 #set($r5 = 2 ge 3)$r5`, want: `true true false true false`},
	{name: "compare strings is false", src: `#set($r1 = "a" < "b")$r1`, want: `false`},
	{name: "null equality", src: `#set($r1 = $nope == $nope2)$r1 #set($r2 = $nope == 1)$r2`, want: `true false`},
	{name: "collection equality", src: `#set($r1 = [1, 2] == [1, 2])$r1 #set($r2 = {"a": 1} == {"a": 1})$r2 #set($r3 = [1] == [2])$r3`, want: `true true false`},
	{name: "literals print", src: `#set($r1 = [1, "a", true, 2.5])$r1 #set($r2 = {"a": 1, "b": [1, 2]})$r2 #set($r3 = [])$r3`, want: `[1, a, true, 2.5] {a=1, b=[1, 2]} []`},
	{name: "single quotes do not interpolate", src: `#set($n = "x")#set($r1 = '$n')$r1 #set($r2 = "$n")$r2`, want: `$n x`},
	{name: "doubled quotes", src: `#set($r1 = "say ""hi""")$r1 #set($r2 = 'it''s')$r2`, want: `say "hi" it's`},
	{name: "interpolation with directive", src: `#set($n = 2)#set($r1 = "#if($n > 1)many#{else}one#end")$r1`, want: `many`},
	{name: "interpolation of undefined", src: `#set($r1 = "[$nope]")$r1`, want: `[]`},
	{name: "large integer overflow", src: `#set($r1 = 9223372036854775807 + 1)$r1`, want: `9.223372036854776E18`},

	// String methods.
	{name: "string basics", src: `#set($s = " Hello ")[$s.trim()] $s.length() $s.trim().toUpperCase() $s.toLowerCase().trim() $s.isEmpty() $s.size()`, want: `[Hello] 7 HELLO hello false 7`},
	{name: "substring", src: `#set($s = "abcdef")$s.substring(2) $s.substring(1, 3)`, want: `cdef bc`},
	{name: "indexOf", src: `#set($s = "a-b-c")$s.indexOf("-") $s.lastIndexOf("-") $s.indexOf("-", 2) $s.indexOf("x")`, want: `1 3 3 -1`},
	{name: "replace", src: `#set($s = "a.b.c")$s.replace(".", "/") $s.replaceAll("\.", "") $s.replaceFirst("[.]", "!")`, want: `a/b/c abc a!b.c`},
	{name: "replaceAll groups", src: `#set($d = "2024-01-31")$d.replaceAll("(\d+)-(\d+)-(\d+)", '$3/$2/$1') #set($a = "a")$a.replaceAll("a", '\$1')`, want: `31/01/2024 $1`},
	{name: "escapeJavaScript quote fixup", src: `$util.escapeJavaScript("it's").replaceAll("\\'", "'")`, want: `it's`},
	{name: "split", src: `#set($s = "a,b,,c,,")#set($p = $s.split(","))$p.size() $p $p[0] #set($t = "a1b2c")$t.split("\d")`, want: `4 [a, b, , c] a [a, b, c]`},
	{name: "split limit", src: `#set($s = "a,b,c")$s.split(",", 2) #set($t = "a,b,,")$t.split(",", -1).size()`, want: `[a, b,c] 4`},
	{name: "string predicates", src: `#set($s = "Hello")$s.contains("ell") $s.startsWith("He") $s.endsWith("lo") $s.equals("Hello") $s.equalsIgnoreCase("hello") $s.matches("H.*o") $s.matches("ell")`, want: `true true true true true true false`},
	{name: "charAt and concat", src: `#set($s = "abc")$s.charAt(1) $s.concat("de")`, want: `b abcde`},
	{name: "utf16 indexes", src: `#set($s = "h€llo😀")$s.length() $s.indexOf("l") $s.substring(1, 2) $s.charAt(0)`, want: `7 2 € h`},
	{name: "unknown method is null", src: `[#set($r1 = "a")$r1.nope()]`, want: `[]`},
	{name: "wrong argument kind is null", src: `[#set($r1 = "abc")$r1.substring("1")]`, want: `[]`},
	{name: "empty property", src: `#set($s = "")#set($l = [1])$s.empty $l.empty`, want: `true false`},

	// Map methods.
	{name: "map methods", src: `#set($m = {"a": 1, "b": 2})$m.size() $m.containsKey("a") $m.containsKey("z") $m.keySet() $m.values() $m.isEmpty() $m.containsValue(2)`, want: `2 true false [a, b] [1, 2] false true`},
	{name: "map put and remove", src: `#set($m = {"a": 1})$m.put("b", 2)|$m.put("a", 9)|$m.remove("b")|$m`, want: `|1|2|{a=9}`},
	{name: "map entrySet", src: `#set($m = {"a": 1, "b": 2})#foreach($e in $m.entrySet())$e.key=$e.value;#end $m.entrySet()`, want: `a=1;b=2; [a=1, b=2]`},
	{name: "map void methods print nothing", src: `#set($m = {"a": 1})[$m.putAll({"b": 2})][$m.clear()]$m`, want: `[][]{}`},

	// List methods.
	{name: "list methods", src: `#set($l = ["a", "b"])$l.size() $l.get(1) $l.isEmpty() $l.contains("a") $l.indexOf("b") $l.indexOf("z") $l.add("c") $l`, want: `2 b false true 1 -1 true [a, b, c]`},
	{name: "list add quietly", src: `#set($l = [])#set($d = $l.add(1))$!l.add(2)$l`, want: `true[1, 2]`},
	{name: "list remove set", src: `#set($l = ["a", "b", "c"])$l.remove(0) $l.set(0, "x") $l $l.remove("c") $l`, want: `a b [x, c] true [x]`},

	// Numbers and toString.
	{name: "number methods", src: `#set($a = 42)#set($b = 2.7)#set($c = 1.5)#set($d = 7)$a.intValue() $b.intValue() $a.toString() $c.toString() $d.doubleValue() $b.longValue()`, want: `42 2 42 1.5 7.0 2`},
	{name: "toString everywhere", src: `#set($t = true)#set($l = [1])#set($m = {"a": "b"})$t.toString() $l.toString() $m.toString()`, want: `true [1] {a=b}`},
	{name: "equals", src: `#set($s = "a")#set($n = 1)#set($l = [1])$s.equals("a") $n.equals(1) $n.equals(1.0) $l.equals([1]) $s.equals(1)`, want: `true true false true false`},

	// API Gateway $input.
	{name: "input body", src: `$input.body`, want: testBody},
	{name: "empty body is {}", src: `$input.body $input.json('$') $input.path('$').size()`, want: `{} {} 0`, body: strp("")},
	{name: "input json", src: `$input.json('$.name') $input.json('$.n') $input.json('$.price') $input.json('$.tags') $input.json('$.obj') $input.json('$.nil') $input.json('$.missing')`,
		want: `"Bob" 42 249.99 ["a","b","c"] {"k":"v","list":[1,{"c":5}]} null null`},
	{name: "input json whole", src: `$input.json('$')`, want: `{"name":"Bob","n":42,"price":249.99,"ok":true,"nil":null,"tags":["a","b","c"],"obj":{"k":"v","list":[1,{"c":5}]},"quote":"it's \"q\" a/b"}`},
	{name: "input path scalars", src: `$input.path('$.name') $input.path('$.n') $input.path('$.price') $input.path('$.ok') [$input.path('$.nil')] [$input.path('$.missing')]`, want: `Bob 42 249.99 true [] []`},
	{name: "input path map prints Java style", src: `$input.path('$.obj')`, want: `{k=v, list=[1,{"c":5}]}`},
	{name: "input path list prints JSON", src: `$input.path('$.tags') $input.path('$.tags').size() $input.path('$.tags')[1] $input.path('$.tags').get(2)`, want: `["a","b","c"] 3 b c`},
	{name: "input path navigation", src: `#set($r = $input.path('$'))$r.name $r.obj.k $r.obj.list[1].c $r.tags.size() $r.n`, want: `Bob v 5 3 42`},
	{name: "input path arithmetic", src: `#set($n = $input.path('$.n'))#set($r1 = $n + 1)$r1 #set($r2 = $n * 1.5)$r2 #set($r3 = $input.path('$.price') > 100)$r3`, want: `43 63.0 true`},
	{name: "input path indefinite", src: `$input.path('$.tags[*]') $input.json('$..c') $input.path('$.obj.list[?(@.c == 5)]')`, want: `["a","b","c"] [5] [{"c":5}]`},
	{name: "input path bracket", src: `$input.path("$['name']") $input.path('$.tags[0]')`, want: `Bob a`},
	{name: "input path after a cycle", src: `#set($o = $input.path('$.obj'))#set($o.self = $o)#set($d = $o.list.add($o))$input.json('$..c') $input.path('$.obj').size()`, want: `[5] 2`},
	{name: "input path is a copy", src: `#set($o = $input.path('$.obj'))#set($o.k = "changed")$input.path('$.obj.k')`, want: `v`},
	{name: "input path top-level array", src: `$input.path('$').size() $input.path('$[1].a') $input.json('$[0]')`, want: `2 2 {"a":1}`, body: strp(`[{"a":1},{"a":2}]`)},
	{name: "big integers keep their digits", src: `$input.path('$.id') $input.json('$')`, want: `123456789012345678901234567890 {"id":123456789012345678901234567890,"f":1.0E21,"g":1.0E-5}`, body: strp(`{"id":123456789012345678901234567890,"f":1e21,"g":0.00001}`)},
	{name: "input params", src: `$input.params('id') $input.params('q') $input.params('both') $input.params('content-type') [$input.params('missing')]`, want: `p-1 x y from-path application/json []`},
	{name: "input params map", src: `#set($p = $input.params())$p.keySet() $p.path.id $p.querystring $p.header.get('x-trace') $p.header.keySet()`,
		want: `[path, querystring, header] p-1 {both=from-query, q=x y} t-9 [Content-Type, X-Trace]`},
	{name: "non-JSON body works without path", src: `[$input.body]`, want: `[not json]`, body: strp(`not json`)},

	// $context and $stageVariables.
	{name: "context", src: `$context.requestId $context.identity.sourceIp $context.authorizer.principalId $context.authorizer.claims.sub [$context.identity.apiKey]`, want: `req-123 127.0.0.1 user-1 abc []`},
	{name: "context override maps exist", src: `$context.responseOverride $context.requestOverride`, want: `{header={}} {header={}, querystring={}, path={}}`},
	{name: "stage variables", src: `$stageVariables.table $stageVariables['table'] ${stageVariables['table']} [$stageVariables.nope]`, want: `jobs-dev jobs-dev jobs-dev []`},

	// $util.
	{name: "escapeJavaScript", src: `$util.escapeJavaScript($input.path('$.quote'))`, want: `it\'s \"q\" a\/b`},
	{name: "escapeJavaScript controls and unicode", src: `$util.escapeJavaScript("a	b
c\é😀")`, want: `a\tb\nc\\\u00E9\uD83D\uDE00`},
	{name: "escapeJavaScript of json", src: `$util.escapeJavaScript($input.json('$.obj'))`, want: `{\"k\":\"v\",\"list\":[1,{\"c\":5}]}`},
	{name: "escapeJavaScript null", src: `[$util.escapeJavaScript($nope)]`, want: `[]`},
	{name: "parseJson", src: `#set($o = $util.parseJson('{"a":{"arr":[1,2,3]},"s":"x"}'))$o.a.arr[0] $o.s $o.a.arr $o`, want: `1 x [1,2,3] {a={arr=[1,2,3]}, s=x}`},
	{name: "urlEncode", src: `$util.urlEncode("a b&c=d/é*~")`, want: `a+b%26c%3Dd%2F%C3%A9*%7E`},
	{name: "urlDecode", src: `$util.urlDecode("a+b%26c%3Dd%2F%C3%A9")`, want: `a b&c=d/é`},
	{name: "base64", src: `$util.base64Encode("héllo") $util.base64Decode("aMOpbGxv") $util.base64Decode("aGk")`, want: `aMOpbGxv héllo hi`},
	{name: "util unknown function", src: `[$util.nope("x")]`, want: `[]`},
}

func renderString(t *testing.T, tc renderCase) (string, error) {
	t.Helper()
	tpl, err := Parse("t", tc.src)
	if err != nil {
		return "", err
	}
	in := testInput()
	if tc.body != nil {
		in.Body = []byte(*tc.body)
	}
	res, err := tpl.Render(in)
	return res.Output, err
}

func TestRender(t *testing.T) {
	t.Parallel()
	for _, tc := range renderCases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := renderString(t, tc)
			if err != nil {
				t.Fatalf("render %q: %v", tc.src, err)
			}
			if got != tc.want {
				t.Fatalf("render %q\n got: %q\nwant: %q", tc.src, got, tc.want)
			}
		})
	}
}

func TestRenderLiteralNulls(t *testing.T) {
	t.Parallel()
	cases := []struct{ src, want string }{
		{`[$nope][$!nope][${nope.a}][$nope.m("x", 1)]`, `[$nope][][${nope.a}][$nope.m("x", 1)]`},
		{`#set($r1 = "a$nope")$r1`, `a$nope`},
		{`#set($s = "x" + $nope)$s`, `x$nope`},
		{`[$input.path('$.missing')]`, `[$input.path('$.missing')]`},
	}
	for _, tc := range cases {
		tpl, err := ParseWith("t", tc.src, Options{LiteralNulls: true})
		if err != nil {
			t.Fatalf("parse %q: %v", tc.src, err)
		}
		res, err := tpl.Render(testInput())
		if err != nil {
			t.Fatalf("render %q: %v", tc.src, err)
		}
		if res.Output != tc.want {
			t.Fatalf("render %q\n got: %q\nwant: %q", tc.src, res.Output, tc.want)
		}
	}
}

// renderErrorCases must fail at render time with the given message.
var renderErrorCases = []struct {
	name, src, body, want string
	cause                 error
}{
	{name: "substring out of range", src: "\n  #set($r1 = \"abc\")$r1.substring(5)", want: "t:2:23: substring(5, 3): index out of range for length 3"},
	{name: "list get out of range", src: `#set($l = [1])$l.get(3)`, want: "t:1:17: get(3): index out of range for size 1"},
	{name: "index out of range", src: `#set($l = [1])$l[4]`, want: "t:1:17: index 4 out of range for size 1"},
	{name: "bad regex", src: `#set($s = "a")$s.replaceAll("(", "x")`, want: "t:1:17: invalid regular expression \"(\": error parsing regexp: missing closing ): `(`"},
	{name: "bad replacement group", src: `#set($s = "a")$s.replaceAll("a", '$2')`, want: "t:1:17: no group 2"},
	{name: "bad JSONPath", src: `$input.path('$.[')`, want: "t:1:7: invalid JSONPath \"$.[\""},
	{name: "body not JSON", src: "x\n$input.json('$.a')", body: "{oops", want: "t:2:7: body is not valid JSON", cause: ErrBodyNotJSON},
	{name: "parseJson invalid", src: `$util.parseJson("{")`, want: "t:1:6: $util.parseJson: invalid JSON"},
	{name: "urlDecode invalid", src: `$util.urlDecode("%zz")`, want: "t:1:6: $util.urlDecode: illegal hex characters"},
	{name: "base64Decode invalid", src: `$util.base64Decode("!!")`, want: "t:1:6: $util.base64Decode:"},
	{name: "bad status override", src: `#set($context.responseOverride.status = "abc")`, want: "t:1:31: invalid status override \"abc\""},
	{name: "status out of range", src: `#set($context.responseOverride.status = 42)`, want: "t:1:31: invalid status override 42 (want 100-599)"},
	{name: "iteration limit", src: `#foreach($a in [1..50000])#foreach($b in [1..3])#end#end`, want: "t:1:1: #foreach iteration limit (100000) exceeded", cause: ErrLimit},
	{name: "range too large", src: `#foreach($a in [1..1000000000])#end`, want: "t:1:16: range [1..1000000000] has more than 100000 elements", cause: ErrLimit},
	{name: "macro recursion", src: `#macro(r)#r()#end#r()`, want: "#define/macro recursion deeper than 64", cause: ErrLimit},
	{name: "define recursion", src: `#define($d)$d#end$d`, want: "#define/macro recursion deeper than 64", cause: ErrLimit},
	{name: "string doubling", src: `#set($s = "xxxxxxxxxxxxxxxx")#foreach($i in [1..40])#set($s = "$s$s")#end`, want: "larger than 10485760 bytes", cause: ErrLimit},
	{name: "cyclic map", src: `#set($m = {})#set($l = [$m])#set($m.l = $l)$m`, want: "value nested too deeply (or cyclic)"},
}

func TestRenderErrors(t *testing.T) {
	t.Parallel()
	for _, tc := range renderErrorCases {
		t.Run(tc.name, func(t *testing.T) {
			tpl, err := Parse("t", tc.src)
			if err != nil {
				t.Fatalf("parse %q: %v", tc.src, err)
			}
			in := testInput()
			if tc.body != "" {
				in.Body = []byte(tc.body)
			}
			_, err = tpl.Render(in)
			if err == nil {
				t.Fatalf("render %q succeeded, want error %q", tc.src, tc.want)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("render %q error\n got: %s\nwant: %s", tc.src, err, tc.want)
			}
			var pe *Error
			if !errors.As(err, &pe) || pe.Line < 1 || pe.Col < 1 {
				t.Fatalf("error %v is not a positioned *Error", err)
			}
			if tc.cause != nil && !errors.Is(err, tc.cause) {
				t.Fatalf("error %v does not wrap %v", err, tc.cause)
			}
		})
	}
}

func TestRenderLimits(t *testing.T) {
	t.Parallel()
	small := Options{Limits: Limits{MaxOutputBytes: 100, MaxWork: 5000, MaxIterations: 10}}
	cases := []struct{ name, src, want string }{
		{"output", `#foreach($i in [1..9])0123456789abcdef#end`, "output larger than 100 bytes"},
		{"work", `#foreach($i in [1..9])#foreach($j in [1..9])#set($a = 1)#end#end`, "#foreach iteration limit (10) exceeded"},

		{"work units", `#foreach($i in [1..1000])$i#end`, "work limit (500) exceeded"},
		{"replace growth", `#set($s = "x")$s.replace("", "0123456789012345678901234567890123456789012345678901234567890123456789")`, "larger than 100 bytes"},
	}
	for _, tc := range cases {
		opts := small
		if tc.name == "work units" {
			opts = Options{Limits: Limits{MaxWork: 500}}
		}
		tpl, err := ParseWith("t", tc.src, opts)
		if err != nil {
			t.Fatalf("%s: parse: %v", tc.name, err)
		}
		_, err = tpl.Render(Input{})
		if err == nil || !strings.Contains(err.Error(), tc.want) || !errors.Is(err, ErrLimit) {
			t.Fatalf("%s: error = %v, want ErrLimit %q", tc.name, err, tc.want)
		}
	}
}
