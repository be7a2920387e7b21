package apigw

import (
	"context"
	"log/slog"
	"strconv"
	"unicode/utf8"
)

// maxLoggedBody bounds each body written to the debug log, so one large
// payload cannot flood the terminal; the original size is logged with it.
const maxLoggedBody = 2048

// debugEnabled reports whether the per-request execution log is on. It is
// checked before any attribute is built so that info level costs nothing.
func (a *API) debugEnabled(ctx context.Context) bool {
	return a.log.Enabled(ctx, slog.LevelDebug)
}

// logBody renders a body for the debug log: at most maxLoggedBody bytes,
// cut on a rune boundary, with the full length noted when cut.
func logBody(b []byte) string {
	if len(b) <= maxLoggedBody {
		return string(b)
	}
	cut := maxLoggedBody
	for cut > 0 && !utf8.RuneStart(b[cut]) {
		cut--
	}
	return string(b[:cut]) + "… (" + strconv.Itoa(len(b)) + " bytes)"
}

// debugLog writes one step of a request's execution log (what API Gateway
// writes to CloudWatch execution logs and otherwise hides): the matched
// route, the rendered integration request, the integration's answer and
// the method response.
func (a *API) debugLog(req *request, msg string, attrs ...any) {
	ctx := req.r.Context()
	if !a.debugEnabled(ctx) {
		return
	}
	a.log.DebugContext(ctx, msg, append([]any{"requestId", req.id, "route", req.op.route}, attrs...)...)
}
