package project

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// ErrNoJobRoute means the OpenAPI document has no POST route answering 202.
var ErrNoJobRoute = errors.New("the OpenAPI document has no POST route answering 202")

// JobCreatePath is the route that takes jobs: the POST route of the OpenAPI
// document whose responses include 202 and whose path has no parameters
// (the first, sorted, when there are several). `sfapi jobs submit`, `sfapi
// bench` and sfapitest post jobs there.
func (p *Project) JobCreatePath() (string, error) {
	doc, _, err := p.OpenAPI()
	if err != nil {
		return "", err
	}
	var d struct {
		Paths map[string]map[string]struct {
			Responses map[string]json.RawMessage `json:"responses"`
		} `json:"paths"`
	}
	if err := json.Unmarshal(doc, &d); err != nil {
		return "", fmt.Errorf("read OpenAPI paths: %w", err)
	}
	var found []string
	for path, ops := range d.Paths {
		if op, ok := ops["post"]; ok {
			if _, ok := op.Responses["202"]; ok && !strings.Contains(path, "{") {
				found = append(found, path)
			}
		}
	}
	if len(found) == 0 {
		return "", ErrNoJobRoute
	}
	slices.Sort(found)
	return found[0], nil
}
