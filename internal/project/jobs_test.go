package project

import (
	"errors"
	"testing"
)

func TestJobCreatePath(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		doc  string
		want string
		err  error
	}{
		{`{"paths": {"/gophers": {"post": {"responses": {"202": {}}}}, "/jobs/{id}": {"get": {"responses": {"200": {}}}}}}`, "/gophers", nil},
		{`{"paths": {"/b": {"post": {"responses": {"202": {}}}}, "/a": {"post": {"responses": {"202": {}}}}}}`, "/a", nil},
		{`{"paths": {"/x/{id}": {"post": {"responses": {"202": {}}}}, "/y": {"post": {"responses": {"200": {}}}}}}`, "", ErrNoJobRoute},
	} {
		p := &Project{Manifest: Manifest{API: API{OpenAPI: "openapi.yaml"}}, openapi: []byte(tt.doc)}
		got, err := p.JobCreatePath()
		if got != tt.want || !errors.Is(err, tt.err) {
			t.Errorf("JobCreatePath(%s) = %q, %v; want %q, %v", tt.doc, got, err, tt.want, tt.err)
		}
	}
	if _, err := (&Project{}).JobCreatePath(); !errors.Is(err, ErrNoAPI) {
		t.Errorf("a project without an API: err = %v, want ErrNoAPI", err)
	}
}
