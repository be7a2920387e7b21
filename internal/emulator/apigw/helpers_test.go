package apigw

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"gopkg.in/yaml.v3"
)

// fakeIntegrations is a func-field fake of the Integrations port that also
// records every call.
type fakeIntegrations struct {
	InvokeFunc func(ctx context.Context, service, action string, body []byte) (int, []byte, error)

	mu    sync.Mutex
	calls []invokeCall
}

type invokeCall struct {
	service, action string
	body            []byte
}

var _ Integrations = (*fakeIntegrations)(nil)

func (f *fakeIntegrations) Invoke(ctx context.Context, service, action string, body []byte) (int, []byte, error) {
	f.mu.Lock()
	f.calls = append(f.calls, invokeCall{service, action, append([]byte(nil), body...)})
	f.mu.Unlock()
	if f.InvokeFunc == nil {
		return 200, []byte(`{}`), nil
	}
	return f.InvokeFunc(ctx, service, action, body)
}

func (f *fakeIntegrations) Calls() []invokeCall {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]invokeCall(nil), f.calls...)
}

// cfnYAML converts a YAML document to JSON plus a JSON pointer → line map,
// resolving Fn::Sub (string and list forms) and Ref from vars. It stands in,
// for tests only, for what internal/project does.
func cfnYAML(t testing.TB, src string, vars map[string]string) ([]byte, map[string]int) {
	t.Helper()
	var root yaml.Node
	if err := yaml.Unmarshal([]byte(src), &root); err != nil {
		t.Fatalf("parse yaml: %v", err)
	}
	lines := map[string]int{}
	v := convertNode(t, root.Content[0], "", lines, vars)
	data, err := json.Marshal(v)
	if err != nil {
		t.Fatalf("marshal: %v", err)
	}
	return data, lines
}

var subRE = regexp.MustCompile(`\$\{([^}!][^}]*)\}`)

func substitute(t testing.TB, s string, vars ...map[string]string) string {
	t.Helper()
	return subRE.ReplaceAllStringFunc(s, func(m string) string {
		name := m[2 : len(m)-1]
		for _, vs := range vars {
			if v, ok := vs[name]; ok {
				return v
			}
		}
		t.Fatalf("Fn::Sub: no value for %s", name)
		return ""
	})
}

func convertNode(t testing.TB, n *yaml.Node, ptr string, lines map[string]int, vars map[string]string) any {
	t.Helper()
	lines[ptr] = n.Line
	switch n.Kind {
	case yaml.MappingNode:
		if len(n.Content) == 2 && n.Content[0].Value == "Fn::Sub" {
			arg := n.Content[1]
			if arg.Kind == yaml.ScalarNode {
				return substitute(t, arg.Value, vars)
			}
			local := map[string]string{}
			for i := 0; i+1 < len(arg.Content[1].Content); i += 2 {
				k := arg.Content[1].Content[i].Value
				local[k], _ = convertNode(t, arg.Content[1].Content[i+1], ptr, map[string]int{}, vars).(string)
			}
			return substitute(t, arg.Content[0].Value, local, vars)
		}
		if len(n.Content) == 2 && n.Content[0].Value == "Ref" {
			v, ok := vars[n.Content[1].Value]
			if !ok {
				t.Fatalf("Ref: no value for %s", n.Content[1].Value)
			}
			return v
		}
		m := map[string]any{}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i].Value
			cp := pointer(ptr, k)
			m[k] = convertNode(t, n.Content[i+1], cp, lines, vars)
			lines[cp] = n.Content[i].Line
		}
		return m
	case yaml.SequenceNode:
		l := []any{}
		for i, c := range n.Content {
			l = append(l, convertNode(t, c, pointer(ptr, strconv.Itoa(i)), lines, vars))
		}
		return l
	case yaml.AliasNode:
		return convertNode(t, n.Alias, ptr, lines, vars)
	default:
		var v any
		if err := n.Decode(&v); err != nil {
			t.Fatalf("decode scalar at line %d: %v", n.Line, err)
		}
		return v
	}
}

// fixedIDs returns request ids req-1, req-2, ...
func fixedIDs() func() string {
	var n atomic.Int64
	return func() string { return "req-" + strconv.FormatInt(n.Add(1), 10) }
}

var fixedNow = time.Date(2026, 3, 7, 9, 5, 4, 123_000_000, time.UTC)

func newTestAPI(t testing.TB, src string, vars map[string]string, integ Integrations) *API {
	t.Helper()
	doc, lines := cfnYAML(t, src, vars)
	a, err := New(Options{
		Doc: doc, File: "openapi.yaml", Lines: lines, Stage: "dev",
		Integrations: integ,
		Logger:       slog.New(slog.DiscardHandler),
		Now:          func() time.Time { return fixedNow },
		Region:       "eu-west-1", AccountID: "123456789012",
		NewRequestID: fixedIDs(),
	})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return a
}

type result struct {
	status int
	header http.Header
	body   string
}

func do(t testing.TB, h http.Handler, method, target, ctype, body string, hdr ...string) result {
	t.Helper()
	var r *http.Request
	if body == "" {
		r = httptest.NewRequest(method, target, nil)
	} else {
		r = httptest.NewRequest(method, target, strings.NewReader(body))
	}
	if ctype != "" {
		r.Header.Set("Content-Type", ctype)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		r.Header.Set(hdr[i], hdr[i+1])
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	b, _ := io.ReadAll(w.Result().Body)
	return result{w.Code, w.Result().Header, string(b)}
}

func wantJSON(t testing.TB, body string) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(body), &m); err != nil {
		t.Fatalf("body is not a JSON object: %v\n%s", err, body)
	}
	return m
}

func wantGatewayError(t testing.TB, got result, status int, message string) {
	t.Helper()
	if got.status != status {
		t.Fatalf("status = %d, want %d (body %s)", got.status, status, got.body)
	}
	if m := wantJSON(t, got.body); m["message"] != message {
		t.Fatalf("message = %q, want %q", m["message"], message)
	}
	if got.header.Get("x-amzn-RequestId") == "" || got.header.Get("Content-Type") == "" {
		t.Fatalf("missing x-amzn-RequestId or Content-Type: %v", got.header)
	}
}
