package wsapi

import (
	"net/http"
	"net/url"
	"testing"
)

func TestSelectionExpressions(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, expr, body string
		header, query    map[string]string
		want             string
		ok               bool
	}{
		{name: "action", expr: "$request.body.action", body: `{"action":"join"}`, want: "join", ok: true},
		{name: "braces", expr: "${request.body.action}", body: `{"action":"join"}`, want: "join", ok: true},
		{name: "nested", expr: "$request.body.msg.type", body: `{"msg":{"type":"chat"}}`, want: "chat", ok: true},
		{name: "index", expr: "$request.body.items[1].k", body: `{"items":[{"k":"a"},{"k":"b"}]}`, want: "b", ok: true},
		{name: "number keeps text", expr: "$request.body.v", body: `{"v":1.50}`, want: "1.50", ok: true},
		{name: "object as JSON", expr: "$request.body.o", body: `{"o":{"a":true}}`, want: `{"a":true}`, ok: true},
		{name: "missing member", expr: "$request.body.action", body: `{"other":1}`, ok: false},
		{name: "null member", expr: "$request.body.action", body: `{"action":null}`, ok: false},
		{name: "not JSON", expr: "$request.body.action", body: `hello`, ok: false},
		{name: "trailing garbage", expr: "$request.body.action", body: `{"action":"a"} x`, ok: false},
		{name: "escaped literal", expr: `\$default`, body: ``, want: "$default", ok: true},
		{name: "composite", expr: "${request.body.service}/${request.body.action}", body: `{"service":"s","action":"a"}`, want: "s/a", ok: true},
		{name: "text around", expr: "v-$request.body.n!", body: `{"n":2}`, want: "v-2!", ok: true},
		{name: "header", expr: "$request.header.X-Kind", header: map[string]string{"X-Kind": "k"}, want: "k", ok: true},
		{name: "querystring", expr: "$request.querystring.room", query: map[string]string{"room": "r1"}, want: "r1", ok: true},
		{name: "missing header", expr: "$request.header.X-Kind", ok: false},
		{name: "plain dollar", expr: "$default", want: "$default", ok: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, err := ParseExpr(tt.expr)
			if err != nil {
				t.Fatalf("ParseExpr(%q): %v", tt.expr, err)
			}
			h := http.Header{}
			for k, v := range tt.header {
				h.Set(k, v)
			}
			q := url.Values{}
			for k, v := range tt.query {
				q.Set(k, v)
			}
			got, ok := e.eval(&request{body: []byte(tt.body), header: h.Get, querystring: q.Get})
			if ok != tt.ok || got != tt.want {
				t.Fatalf("eval(%q) on %s = %q, %v; want %q, %v", tt.expr, tt.body, got, ok, tt.want, tt.ok)
			}
		})
	}
}

func TestSelectionExpressionErrors(t *testing.T) {
	t.Parallel()
	for _, expr := range []string{
		"$request.body.",
		"$request.body",
		"${request.body.action",
		"$request.cookie.x",
		"$request.body.a[x]",
		"$request.body.a[1",
		"$request.body.a..b",
		"$request.header.a.b",
		"$request.body.a]",
	} {
		if _, err := ParseExpr(expr); err == nil {
			t.Errorf("ParseExpr(%q) succeeded, want an error", expr)
		}
	}
}

func FuzzParseExpr(f *testing.F) {
	for _, s := range []string{"$request.body.action", "${request.body.a.b[0]}", `\$default`, "$request.header.X", "a$request.querystring.q/b",
		"$request.body.", "${request.body.action", "$request.body.a[1", "$request.body.a]"} {
		f.Add(s, `{"action":"x","a":{"b":[1]}}`)
	}
	f.Fuzz(func(t *testing.T, expr, body string) {
		e, err := ParseExpr(expr)
		if err != nil {
			return
		}
		if e.String() != expr {
			t.Fatalf("String() = %q, want %q", e.String(), expr)
		}
		got, ok := e.eval(&request{body: []byte(body)})
		if !ok && got != "" {
			t.Fatalf("failed eval returned %q", got)
		}
		if e.Static() {
			if _, ok := e.eval(&request{}); !ok {
				t.Fatalf("static expression %q did not evaluate", expr)
			}
		}
	})
}
