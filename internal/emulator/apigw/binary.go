package apigw

import (
	"encoding/base64"
	"strconv"
	"strings"
)

// contentHandling values of integrations and integration responses.
const (
	convertToText   = "CONVERT_TO_TEXT"
	convertToBinary = "CONVERT_TO_BINARY"
)

func parseBinaryTypes(p *problems, raw map[string]any) []string {
	const key = "x-amazon-apigateway-binary-media-types"
	v, ok := raw[key]
	if !ok {
		return nil
	}
	list, ok := stringList(v)
	if !ok {
		p.errorf("/"+key, "%s: expected a list of media types", key)
		return nil
	}
	for i, t := range list {
		// Exported documents escape the slash as ~1 (it is a JSON pointer
		// segment in the API's own representation).
		list[i] = normalizeMediaType(strings.ReplaceAll(t, "~1", "/"))
		if !strings.Contains(list[i], "/") {
			p.errorf(pointer("/"+key, strconv.Itoa(i)), "%s: %q is not a media type", key, t)
		}
	}
	return list
}

func parseContentHandling(p *problems, ptr string, obj map[string]any) string {
	v := str(p, ptr, obj, "contentHandling")
	switch v {
	case "", convertToText, convertToBinary:
		return v
	}
	p.errorf(pointer(ptr, "contentHandling"), "contentHandling %q is neither CONVERT_TO_TEXT nor CONVERT_TO_BINARY", v)
	return ""
}

// isBinary tells whether a media type is one of the API's binary media
// types (which may be wildcards: image/*, */*).
func (a *API) isBinary(mediaType string) bool {
	mt := normalizeMediaType(mediaType)
	if mt == "" {
		return false
	}
	for _, t := range a.binaryTypes {
		if t == "*/*" || t == mt {
			return true
		}
		if prefix, ok := strings.CutSuffix(t, "/*"); ok && strings.HasPrefix(mt, prefix+"/") {
			return true
		}
	}
	return false
}

// acceptsBinary looks at the first media type of Accept, as API Gateway does.
func (a *API) acceptsBinary(accept string) bool {
	first, _, _ := strings.Cut(accept, ",")
	return a.isBinary(first)
}

func b64(b []byte) []byte {
	out := make([]byte, base64.StdEncoding.EncodedLen(len(b)))
	base64.StdEncoding.Encode(out, b)
	return out
}

func unb64(b []byte) ([]byte, error) {
	out := make([]byte, base64.StdEncoding.DecodedLen(len(b)))
	n, err := base64.StdEncoding.Decode(out, []byte(strings.TrimSpace(string(b))))
	return out[:n], err
}
