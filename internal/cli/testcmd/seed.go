package testcmd

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"

	"github.com/sfapi/sfapi/internal/emulator/awsjson"
	"github.com/sfapi/sfapi/internal/emulator/ddb/attr"
	"github.com/sfapi/sfapi/internal/project"
)

// SeedItem is one line of a --seed file:
//
//	{"table": "Jobs", "item": {"pk": {"S": "job-1"}, "sk": {"S": "job#addGopher"}}}
//
// table is a table's logical ID in sfapi.yaml or its physical name; item is
// the item in DynamoDB JSON, as PutItem takes it.
type SeedItem struct {
	Table string          `json:"table"`
	Item  json.RawMessage `json:"item"`
	Line  int             `json:"-"`
}

// maxSeedLine bounds one line of a seed file (DynamoDB items are at most
// 400 KB; their JSON is larger).
const maxSeedLine = 4 << 20

// ParseSeed reads a seed file: one JSON object per line; blank lines and
// lines starting with # are skipped. Errors name the line.
func ParseSeed(r io.Reader) ([]SeedItem, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), maxSeedLine)
	var items []SeedItem
	n := 0
	for sc.Scan() {
		n++
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 || line[0] == '#' {
			continue
		}
		dec := json.NewDecoder(bytes.NewReader(line))
		dec.DisallowUnknownFields()
		var it SeedItem
		if err := dec.Decode(&it); err != nil {
			return nil, fmt.Errorf("line %d: want {\"table\": ..., \"item\": {...}}: %w", n, err)
		}
		if dec.More() {
			return nil, fmt.Errorf("line %d: one JSON object per line", n)
		}
		if it.Table == "" {
			return nil, fmt.Errorf("line %d: table is missing", n)
		}
		var item attr.Item
		if len(it.Item) == 0 || string(it.Item) == "null" {
			return nil, fmt.Errorf("line %d: item is missing", n)
		}
		if err := json.Unmarshal(it.Item, &item); err != nil {
			return nil, fmt.Errorf("line %d: item is not DynamoDB JSON: %w", n, err)
		}
		it.Line = n
		items = append(items, it)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("line %d: %w", n+1, err)
	}
	return items, nil
}

// tableName resolves a seed line's table: a logical ID of the manifest, or
// a physical name as is.
func tableName(p *project.Project, table string) string {
	if t, ok := p.Manifest.Tables[table]; ok {
		return t.Name
	}
	return table
}

// loadSeed writes the items with PutItem through the in-process AWS
// endpoint, so they get DynamoDB's validation and stream records (a seeded
// job item starts its job).
func loadSeed(ctx context.Context, mux *awsjson.Mux, p *project.Project, file string, items []SeedItem) error {
	for _, it := range items {
		body, err := json.Marshal(map[string]any{"TableName": tableName(p, it.Table), "Item": it.Item})
		if err != nil {
			return fmt.Errorf("%s:%d: %w", file, it.Line, err)
		}
		resp := mux.Invoke(ctx, "DynamoDB_20120810.PutItem", body)
		if resp.Status != http.StatusOK {
			return fmt.Errorf("%s:%d: put item into %s: %s", file, it.Line, it.Table, bytes.TrimSpace(resp.Body))
		}
	}
	return nil
}
