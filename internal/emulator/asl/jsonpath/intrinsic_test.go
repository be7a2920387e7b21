package jsonpath_test

import (
	"errors"
	"regexp"
	"testing"

	"github.com/sfapi/sfapi/internal/emulator/asl/jsonpath"
)

const intrinsicInput = `{"name":"bob","n":3,"arr":[1,2,2,"x",{"a":1},{"a":1}],"json":"{\"k\":[1,2]}","obj1":{"a":1,"b":{"c":1}},"obj2":{"b":2},"csv":"a,b;;c","b64":"aGVsbG8=","nested":{"list":[5,6]}}`

var intrinsicCases = []struct {
	call string
	want string // JSON result; "" when err is set
	err  string // ASL error name
}{
	{`States.Format('Hello, {}!', $.name)`, `"Hello, bob!"`, ""},
	{`States.Format('{} + {} = {}', 1, 2.5, true)`, `"1 + 2.5 = true"`, ""},
	{`States.Format('null: {}', null)`, `"null: null"`, ""},
	{`States.Format('esc \{\} \'q\' {}', $.n)`, `"esc {} 'q' 3"`, ""},
	{`States.Format('{}', $.obj1)`, "", "States.IntrinsicFailure"},
	{`States.Format('{} {}', 1)`, "", "States.IntrinsicFailure"},
	{`States.StringToJson($.json)`, `{"k":[1,2]}`, ""},
	{`States.JsonToString($.obj2)`, `"{\"b\":2}"`, ""},
	{`States.Array(1, 'two', $.n, States.Array())`, `[1,"two",3,[]]`, ""},
	{`States.ArrayPartition(States.ArrayRange(1, 5, 1), 2)`, `[[1,2],[3,4],[5]]`, ""},
	{`States.ArrayPartition($.arr, 0)`, "", "States.IntrinsicFailure"},
	{`States.ArrayContains($.arr, 'x')`, `true`, ""},
	{`States.ArrayContains($.arr, 9)`, `false`, ""},
	{`States.ArrayRange(10, 0, -5)`, `[10,5,0]`, ""},
	{`States.ArrayRange(0, 2000, 1)`, "", "States.IntrinsicFailure"},
	{`States.ArrayRange(0, 1, 0)`, "", "States.IntrinsicFailure"},
	{`States.ArrayGetItem($.nested.list, 1)`, `6`, ""},
	{`States.ArrayGetItem($.nested.list, 2)`, "", "States.IntrinsicFailure"},
	{`States.ArrayLength($.arr)`, `6`, ""},
	{`States.ArrayLength($.name)`, "", "States.IntrinsicFailure"},
	{`States.ArrayUnique($.arr)`, `[1,2,"x",{"a":1}]`, ""},
	{`States.Base64Encode('hello')`, `"aGVsbG8="`, ""},
	{`States.Base64Decode($.b64)`, `"hello"`, ""},
	{`States.Base64Decode('!!')`, "", "States.IntrinsicFailure"},
	{`States.Hash('hello', 'SHA-256')`, `"2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"`, ""},
	{`States.Hash('hello', 'MD5')`, `"5d41402abc4b2a76b9719d911017c592"`, ""},
	{`States.Hash('hello', 'CRC')`, "", "States.IntrinsicFailure"},
	{`States.JsonMerge($.obj1, $.obj2, false)`, `{"a":1,"b":2}`, ""},
	{`States.JsonMerge($.obj1, $.obj2, true)`, "", "States.IntrinsicFailure"},
	{`States.MathAdd($.n, -5)`, `-2`, ""},
	{`States.MathAdd(1.5, 1)`, "", "States.IntrinsicFailure"},
	{`States.MathAdd(9223372036854775807, 1)`, "", "States.IntrinsicFailure"},
	{`States.MathRandom(1, 2)`, `1`, ""},
	{`States.MathRandom(5, 5)`, "", "States.IntrinsicFailure"},
	{`States.StringSplit($.csv, ',;')`, `["a","b","c"]`, ""},
	{`States.StringSplit('a b', ' ')`, `["a","b"]`, ""},
	{`States.ArrayLength($.missing)`, "", "States.Runtime"},
	{`States.Format('{}', $$.Execution.Id)`, `"arn:exec"`, ""},
	{` States.ArrayLength( $.arr ) `, `6`, ""},
	{`States.ArrayGetItem($.arr[?(@.a == 1)], 0)`, `{"a":1}`, ""},
}

func TestIntrinsics(t *testing.T) {
	t.Parallel()
	input := mustJSON(t, intrinsicInput)
	ctx := func() any { return map[string]any{"Execution": map[string]any{"Id": "arn:exec"}} }
	for _, tc := range intrinsicCases {
		t.Run(tc.call, func(t *testing.T) {
			c, err := jsonpath.ParseIntrinsic(tc.call)
			if err != nil {
				t.Fatalf("parse: %v", err)
			}
			got, err := c.Eval(input, ctx)
			if tc.err != "" {
				var je *jsonpath.Error
				if !errors.As(err, &je) || je.Name != tc.err {
					t.Fatalf("err = %v, want %s", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !jsonpath.Equal(got, mustJSON(t, tc.want)) {
				t.Fatalf("got %s, want %s", jsonpath.MarshalString(got), tc.want)
			}
		})
	}
}

func TestUUIDAndSeededRandom(t *testing.T) {
	t.Parallel()
	c, _ := jsonpath.ParseIntrinsic("States.UUID()")
	v, err := c.Eval(nil, nil)
	if s, _ := v.(string); err != nil || !regexp.MustCompile(`^[0-9a-f-]{36}$`).MatchString(s) {
		t.Errorf("UUID = %v, %v", v, err)
	}
	r, _ := jsonpath.ParseIntrinsic("States.MathRandom(0, 1000000, 42)")
	a, _ := r.Eval(nil, nil)
	b, _ := r.Eval(nil, nil)
	if a != b {
		t.Errorf("seeded MathRandom differs: %v %v", a, b)
	}
}

var badIntrinsics = []string{
	``, `States.Nope()`, `States.Format`, `States.Format(`, `States.Format('x'`, `States.Format('x',)`,
	`States.ArrayLength()`, `States.UUID(1)`, `States.Format('unterminated)`, `States.Array(1 2)`,
	`States.Array(1) extra`, `States.Array(tru)`, `States.Array(--1)`, `States.Array($[)`,
}

func TestParseIntrinsicErrors(t *testing.T) {
	t.Parallel()
	for _, s := range badIntrinsics {
		if _, err := jsonpath.ParseIntrinsic(s); err == nil {
			t.Errorf("%q: want parse error", s)
		}
	}
}

func FuzzIntrinsic(f *testing.F) {
	for _, tc := range intrinsicCases {
		f.Add(tc.call)
	}
	for _, s := range badIntrinsics {
		f.Add(s)
	}
	input, _ := jsonpath.ParseJSON([]byte(intrinsicInput))
	f.Fuzz(func(t *testing.T, s string) {
		c, err := jsonpath.ParseIntrinsic(s)
		if err != nil {
			return
		}
		if _, err := c.Eval(input, func() any { return map[string]any{} }); err != nil {
			var je *jsonpath.Error
			if !errors.As(err, &je) {
				t.Fatalf("eval error without ASL name: %v", err)
			}
		}
	})
}
