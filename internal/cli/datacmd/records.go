package datacmd

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/sfapi/sfapi/internal/emulator/ddb/attr"
)

// Record is one line of an export: a table name and one of its items.
type Record struct {
	Table string    `json:"table"`
	Item  attr.Item `json:"item"`
}

// MaxLine bounds one record; DynamoDB items are at most 400 KB, and their
// JSON with base64 binaries a little more.
const MaxLine = 4 << 20

// WriteRecord writes r as one JSON line.
func WriteRecord(w io.Writer, r Record) error {
	data, err := json.Marshal(r)
	if err != nil {
		return fmt.Errorf("encode item of %s: %w", r.Table, err)
	}
	data = append(data, '\n')
	_, err = w.Write(data)
	return err
}

// ReadRecords calls fn for each record of r: one JSON object per line,
// blank lines skipped. Errors name the line.
func ReadRecords(r io.Reader, fn func(line int, rec Record) error) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), MaxLine)
	line := 0
	for sc.Scan() {
		line++
		text := bytes.TrimSpace(sc.Bytes())
		if len(text) == 0 {
			continue
		}
		rec, err := parseRecord(text)
		if err != nil {
			return fmt.Errorf("line %d: %w", line, err)
		}
		if err := fn(line, rec); err != nil {
			return err
		}
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return fmt.Errorf("line %d: longer than %d bytes", line+1, MaxLine)
		}
		return fmt.Errorf("read records: %w", err)
	}
	return nil
}

func parseRecord(text []byte) (Record, error) {
	var raw struct {
		Table *string         `json:"table"`
		Item  json.RawMessage `json:"item"`
	}
	dec := json.NewDecoder(bytes.NewReader(text))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&raw); err != nil {
		return Record{}, fmt.Errorf("want {\"table\": NAME, \"item\": {...}}: %w", err)
	}
	if dec.More() {
		return Record{}, errors.New("more than one JSON value on the line")
	}
	if raw.Table == nil || *raw.Table == "" {
		return Record{}, errors.New(`missing "table"`)
	}
	if len(raw.Item) == 0 || string(raw.Item) == "null" {
		return Record{}, errors.New(`missing "item"`)
	}
	var item attr.Item
	if err := json.Unmarshal(raw.Item, &item); err != nil {
		return Record{}, fmt.Errorf("item of %s: %w", *raw.Table, err)
	}
	if len(item) == 0 {
		return Record{}, fmt.Errorf("item of %s has no attributes", *raw.Table)
	}
	return Record{Table: *raw.Table, Item: item}, nil
}
