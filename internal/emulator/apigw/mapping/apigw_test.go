package mapping

import (
	"encoding/json"
	"fmt"
	"reflect"
	"sync"
	"testing"
)

// putItemTemplate is a storage-first request template: the caller's body
// goes into a DynamoDB PutItem with the request id as the job id.
const putItemTemplate = `#set($body = $input.path('$'))
## Every job starts Pending; the request id is the job id.
{
  "TableName": "$stageVariables.table",
  "Item": {
    "pk": {"S": "JOB#$context.requestId"},
    "status": {"S": "Pending"},
    "name": {"S": "$util.escapeJavaScript($body.name).replaceAll("\\'", "'")"},
    "size": {"N": "$body.size"},
    #if($body.tags && $body.tags.size() > 0)
    "tags": {"SS": [#foreach($t in $body.tags)"$util.escapeJavaScript($t)"#if($foreach.hasNext), #end#end]},
    #end
    "payload": {"S": "$util.escapeJavaScript($input.json('$')).replaceAll("\\'", "'")"},
    "sourceIp": {"S": "$context.identity.sourceIp"}
  },
  "ConditionExpression": "attribute_not_exists(pk)"
}
`

const putItemBody = `{"name":"Gopher \"G\" O'Neil","size":3,"tags":["blue","fast/furry"],"extra":{"a":[1,2]}}`

func putItemInput() Input {
	return Input{
		Body:           []byte(putItemBody),
		Context:        map[string]any{"requestId": "c0ffee-1", "identity": map[string]any{"sourceIp": "10.1.2.3"}},
		StageVariables: map[string]string{"table": "jobs"},
	}
}

func TestPutItemTemplate(t *testing.T) {
	t.Parallel()
	tpl, err := Parse("put", putItemTemplate)
	if err != nil {
		t.Fatal(err)
	}
	res, err := tpl.Render(putItemInput())
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err := json.Unmarshal([]byte(res.Output), &got); err != nil {
		t.Fatalf("output is not JSON: %v\n%s", err, res.Output)
	}
	want := map[string]any{
		"TableName": "jobs",
		"Item": map[string]any{
			"pk":       map[string]any{"S": "JOB#c0ffee-1"},
			"status":   map[string]any{"S": "Pending"},
			"name":     map[string]any{"S": `Gopher "G" O'Neil`},
			"size":     map[string]any{"N": "3"},
			"tags":     map[string]any{"SS": []any{"blue", "fast/furry"}},
			"payload":  map[string]any{"S": putItemBody},
			"sourceIp": map[string]any{"S": "10.1.2.3"},
		},
		"ConditionExpression": "attribute_not_exists(pk)",
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("PutItem request\n got: %#v\nwant: %#v\noutput:\n%s", got, want, res.Output)
	}
	// The directive-only lines leave no blank lines behind.
	wantText := `{
  "TableName": "jobs",
  "Item": {
    "pk": {"S": "JOB#c0ffee-1"},
    "status": {"S": "Pending"},
    "name": {"S": "Gopher \"G\" O'Neil"},
    "size": {"N": "3"},
    "tags": {"SS": ["blue", "fast\/furry"]},
    "payload": {"S": "{\"name\":\"Gopher \\\"G\\\" O'Neil\",\"size\":3,\"tags\":[\"blue\",\"fast\/furry\"],\"extra\":{\"a\":[1,2]}}"},
    "sourceIp": {"S": "10.1.2.3"}
  },
  "ConditionExpression": "attribute_not_exists(pk)"
}
`
	if res.Output != wantText {
		t.Fatalf("PutItem text\n got: %q\nwant: %q", res.Output, wantText)
	}
}

func TestPutItemWithoutTags(t *testing.T) {
	t.Parallel()
	tpl, err := Parse("put", putItemTemplate)
	if err != nil {
		t.Fatal(err)
	}
	in := putItemInput()
	in.Body = []byte(`{"name":"plain","size":1}`)
	res, err := tpl.Render(in)
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		Item map[string]any
	}
	if err := json.Unmarshal([]byte(res.Output), &got); err != nil {
		t.Fatalf("output is not JSON: %v\n%s", err, res.Output)
	}
	if _, ok := got.Item["tags"]; ok {
		t.Fatalf("tags present without tags in body:\n%s", res.Output)
	}
}

// acceptedTemplate is the response template of the POST: 202 with a link,
// or 404 when the integration reported nothing.
const acceptedTemplate = `#set($ok = $input.path('$.ConsumedCapacity') || $input.path('$.Attributes'))
#if(!$ok)
#set($context.responseOverride.status = 404)
{"message": "not found"}
#else
#set($context.responseOverride.header.Location = "/jobs/$context.requestId")
#set($context.responseOverride.header['X-Job-Id'] = $context.requestId)
{"id": "$context.requestId", "status": "Pending"}
#end
`

func TestResponseOverrides(t *testing.T) {
	t.Parallel()
	tpl, err := Parse("accepted", acceptedTemplate)
	if err != nil {
		t.Fatal(err)
	}
	ctx := map[string]any{"requestId": "r-42"}

	res, err := tpl.Render(Input{Body: []byte(`{"ConsumedCapacity":{"TableName":"jobs"}}`), Context: ctx})
	if err != nil {
		t.Fatal(err)
	}
	if res.Output != `{"id": "r-42", "status": "Pending"}`+"\n" {
		t.Fatalf("output = %q", res.Output)
	}
	if res.StatusOverride != 0 {
		t.Fatalf("status override = %d, want none", res.StatusOverride)
	}
	wantHeaders := map[string]string{"Location": "/jobs/r-42", "X-Job-Id": "r-42"}
	if !reflect.DeepEqual(res.HeaderOverrides, wantHeaders) {
		t.Fatalf("header overrides = %v, want %v", res.HeaderOverrides, wantHeaders)
	}

	res, err = tpl.Render(Input{Body: []byte(`{}`), Context: ctx})
	if err != nil {
		t.Fatal(err)
	}
	if res.StatusOverride != 404 || res.HeaderOverrides != nil {
		t.Fatalf("404 branch: status %d headers %v", res.StatusOverride, res.HeaderOverrides)
	}
	if res.Output != `{"message": "not found"}`+"\n" {
		t.Fatalf("404 output = %q", res.Output)
	}
}

func TestRequestOverrides(t *testing.T) {
	t.Parallel()
	src := `#set($context.requestOverride.header.X-Amz-Target = "DynamoDB_20120810.PutItem")
#set($context.requestOverride.querystring.page = 2)
#set($context.requestOverride.path.id = "$input.params('id')-x")
#set($context.responseOverride.status = "201")
#set($context.responseOverride.header.Empty = $nope)
body`
	tpl, err := Parse("overrides", src)
	if err != nil {
		t.Fatal(err)
	}
	res, err := tpl.Render(Input{Params: Params{Path: map[string]string{"id": "7"}}})
	if err != nil {
		t.Fatal(err)
	}
	want := Result{
		Output:           "body",
		StatusOverride:   201,
		RequestOverrides: Params{Header: map[string]string{"X-Amz-Target": "DynamoDB_20120810.PutItem"}, QueryString: map[string]string{"page": "2"}, Path: map[string]string{"id": "7-x"}},
	}
	if !reflect.DeepEqual(res, want) {
		t.Fatalf("result\n got: %#v\nwant: %#v", res, want)
	}
}

// listTemplate turns a DynamoDB Query response into a JSON array.
const listTemplate = `#set($items = $input.path('$.Items'))
{
  "count": $items.size(),
  "jobs": [
    #foreach($it in $items)
    {"id": "$it.pk.S", "status": "$it.status.S"#if($it.progress), "progress": $it.progress.N#end}#if($foreach.hasNext),#end
    #end
  ]
}`

func TestForeachItemsTemplate(t *testing.T) {
	t.Parallel()
	tpl, err := Parse("list", listTemplate)
	if err != nil {
		t.Fatal(err)
	}
	body := `{"Count":3,"Items":[` +
		`{"pk":{"S":"a"},"status":{"S":"Pending"}},` +
		`{"pk":{"S":"b"},"status":{"S":"Succeeded"},"progress":{"N":"100"}},` +
		`{"pk":{"S":"c"},"status":{"S":"Failed"}}]}`
	res, err := tpl.Render(Input{Body: []byte(body)})
	if err != nil {
		t.Fatal(err)
	}
	want := `{
  "count": 3,
  "jobs": [
    {"id": "a", "status": "Pending"},
    {"id": "b", "status": "Succeeded", "progress": 100},
    {"id": "c", "status": "Failed"}
  ]
}`
	if res.Output != want {
		t.Fatalf("output\n got: %q\nwant: %q", res.Output, want)
	}
	if !json.Valid([]byte(res.Output)) {
		t.Fatalf("output is not JSON:\n%s", res.Output)
	}

	// No items: still valid JSON.
	res, err = tpl.Render(Input{Body: []byte(`{"Count":0,"Items":[]}`)})
	if err != nil {
		t.Fatal(err)
	}
	if !json.Valid([]byte(res.Output)) {
		t.Fatalf("empty output is not JSON:\n%s", res.Output)
	}
}

// getItemTemplate answers GET /jobs/{id}: a missing item is a 404.
const getItemTemplate = `#set($pk = "$!input.path('$.Item.pk.S')")
#if($pk == "")
#set($context.responseOverride.status = 404)
{"message": "job $input.params('id') not found"}
#else
{"id": "$pk", "status": "$input.path('$.Item.status.S')"}
#end`

func TestQuietMissingItem(t *testing.T) {
	t.Parallel()
	tpl, err := Parse("get", getItemTemplate)
	if err != nil {
		t.Fatal(err)
	}
	in := Input{Body: []byte(`{}`), Params: Params{Path: map[string]string{"id": "j-9"}}}
	res, err := tpl.Render(in)
	if err != nil {
		t.Fatal(err)
	}
	if res.StatusOverride != 404 || res.Output != `{"message": "job j-9 not found"}`+"\n" {
		t.Fatalf("missing item: status %d output %q", res.StatusOverride, res.Output)
	}
	in.Body = []byte(`{"Item":{"pk":{"S":"j-9"},"status":{"S":"Succeeded"}}}`)
	res, err = tpl.Render(in)
	if err != nil {
		t.Fatal(err)
	}
	if res.StatusOverride != 0 || res.Output != `{"id": "j-9", "status": "Succeeded"}`+"\n" {
		t.Fatalf("found item: status %d output %q", res.StatusOverride, res.Output)
	}
	// The same comparison directly in a condition.
	cond, err := Parse("cond", `#if("$!input.path('$.Item.pk.S')" == "")absent#{else}present#end`)
	if err != nil {
		t.Fatal(err)
	}
	res, err = cond.Render(Input{Body: []byte(`{"Other":1}`)})
	if err != nil || res.Output != "absent" {
		t.Fatalf("condition: %q, %v", res.Output, err)
	}
}

// TestAllParamsTemplate is the documented "pass everything through"
// template.
func TestAllParamsTemplate(t *testing.T) {
	t.Parallel()
	src := `#set($allParams = $input.params())
{
  "params" : {
    #foreach($type in $allParams.keySet())
    #set($params = $allParams.get($type))
    "$type" : {
      #foreach($paramName in $params.keySet())
      "$paramName" : "$util.escapeJavaScript($params.get($paramName))"
      #if($foreach.hasNext),#end
      #end
    }
    #if($foreach.hasNext),#end
    #end
  }
}`
	tpl, err := Parse("all", src)
	if err != nil {
		t.Fatal(err)
	}
	res, err := tpl.Render(testInput())
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]map[string]map[string]string
	if err := json.Unmarshal([]byte(res.Output), &got); err != nil {
		t.Fatalf("output is not JSON: %v\n%s", err, res.Output)
	}
	want := map[string]map[string]map[string]string{"params": {
		"path":        {"id": "p-1", "both": "from-path"},
		"querystring": {"q": "x y", "both": "from-query"},
		"header":      {"Content-Type": "application/json", "X-Trace": "t-9"},
	}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("params\n got: %v\nwant: %v", got, want)
	}
}

func TestEscapeJavaScript(t *testing.T) {
	t.Parallel()
	cases := []struct{ in, want string }{
		{"", ""},
		{"plain", "plain"},
		{`"`, `\"`},
		{`'`, `\'`},
		{`\`, `\\`},
		{`/`, `\/`},
		{"\b\f\n\r\t", `\b\f\n\r\t`},
		{"\x00\x1f", `\u0000\u001F`},
		{"\x7f", `\u007F`},
		{"é", `\u00E9`},
		{"€", `\u20AC`},
		{"😀", `\uD83D\uDE00`},
		{"<script>", "<script>"},
	}
	for _, tc := range cases {
		if got := escapeJavaScript(tc.in); got != tc.want {
			t.Fatalf("escapeJavaScript(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestURLCoding(t *testing.T) {
	t.Parallel()
	cases := []struct{ in, enc string }{
		{"", ""},
		{"abc-._*", "abc-._*"},
		{"a b", "a+b"},
		{"~!'()", "%7E%21%27%28%29"},
		{"x=a+b", "x%3Da%2Bb"},
		{"日本", "%E6%97%A5%E6%9C%AC"},
	}
	for _, tc := range cases {
		if got := urlEncode(tc.in); got != tc.enc {
			t.Fatalf("urlEncode(%q) = %q, want %q", tc.in, got, tc.enc)
		}
		dec, err := urlDecode(tc.enc)
		if err != nil || dec != tc.in {
			t.Fatalf("urlDecode(%q) = %q, %v; want %q", tc.enc, dec, err, tc.in)
		}
	}
	for _, bad := range []string{"%", "%4", "%zz"} {
		if _, err := urlDecode(bad); err == nil {
			t.Fatalf("urlDecode(%q) succeeded", bad)
		}
	}
}

func TestFormatDouble(t *testing.T) {
	t.Parallel()
	cases := []struct {
		in   float64
		want string
	}{
		{0, "0.0"}, {1, "1.0"}, {-2.5, "-2.5"}, {249.99, "249.99"}, {1e7, "1.0E7"},
		{1.5e-4, "1.5E-4"}, {0.001, "0.001"}, {9999999, "9999999.0"}, {1e21, "1.0E21"},
		{123456789.5, "1.234567895E8"},
	}
	for _, tc := range cases {
		if got := formatDouble(tc.in); got != tc.want {
			t.Fatalf("formatDouble(%v) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestDecodeJSON(t *testing.T) {
	t.Parallel()
	good := map[string]string{
		`{"b":1,"a":[true,false,null],"c":{"d":"\u00e9\n\ud83d\ude00"}}`: `{b=1, a=[true,false,null], c={d=é` + "\n" + `😀}}`,
		`  [1.5, -0, 1e2, 12345678901234567890]  `:                       `[1.5,0,100.0,12345678901234567890]`,
		`"str"`: `str`,
	}
	for in, want := range good {
		v, err := decodeJSON(in, false)
		if err != nil {
			t.Fatalf("decodeJSON(%s): %v", in, err)
		}
		got, err := plainString(v, 0)
		if err != nil || got != want {
			t.Fatalf("decodeJSON(%s) printed %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{``, `{`, `{"a"}`, `[1,]`, `01`, `1.`, `"\x"`, "\"a\nb\"", `tru`, `{} x`, `"\ud800"x`} {
		if _, err := decodeJSON(bad, false); err == nil {
			t.Fatalf("decodeJSON(%q) succeeded", bad)
		}
	}
}

// TestConcurrentRender renders one template from many goroutines; run
// with -race.
func TestConcurrentRender(t *testing.T) {
	t.Parallel()
	tpl, err := Parse("put", putItemTemplate)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for g := 0; g < 16; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := 0; i < 50; i++ {
				id := fmt.Sprintf("req-%d-%d", g, i)
				in := putItemInput()
				in.Context = map[string]any{"requestId": id}
				res, err := tpl.Render(in)
				if err != nil {
					errs <- err
					return
				}
				var out struct {
					Item struct {
						PK struct{ S string } `json:"pk"`
					}
				}
				if err := json.Unmarshal([]byte(res.Output), &out); err != nil {
					errs <- err
					return
				}
				if out.Item.PK.S != "JOB#"+id {
					errs <- fmt.Errorf("goroutine %d got pk %q, want JOB#%s", g, out.Item.PK.S, id)
					return
				}
			}
		}(g)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
}

// TestContextConversion checks the Go values a caller may put in Context.
func TestContextConversion(t *testing.T) {
	t.Parallel()
	tpl, err := Parse("ctx", `$context.n $context.f $context.u $context.b $context.l $context.s $context.m.keySet() $context.requestOverride.header`)
	if err != nil {
		t.Fatal(err)
	}
	res, err := tpl.Render(Input{Context: map[string]any{
		"n": 7, "f": float32(1.5), "u": uint64(9), "b": false,
		"l": []any{"x", 2}, "s": []string{"y"}, "m": map[string]string{"z": "1", "a": "2"},
		"requestOverride": "replaced",
	}})
	if err != nil {
		t.Fatal(err)
	}
	if want := `7 1.5 9 false [x, 2] [y] [a, z] {}`; res.Output != want {
		t.Fatalf("output = %q, want %q", res.Output, want)
	}
}
