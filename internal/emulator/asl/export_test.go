package asl

import (
	"bytes"
	"fmt"

	"github.com/sfapi/sfapi/internal/emulator/kv"
)

// HistoryPrefixOf is what the keys of the stored execution arn's history
// events start with (for tests in package asl_test that count them on
// disk); nil if there is no such execution.
func HistoryPrefixOf(tx *kv.Tx, arn string) ([]byte, error) {
	var rec execRecord
	found, err := getJSON(tx, bucketExecutions, arn, &rec)
	if err != nil || !found {
		return nil, err
	}
	return historyPrefix(&rec), nil
}

// StoreAsBeforeHistoryIDs rewrites a stored execution as sfapi stored it
// before history IDs: no HistoryID in its record, its history events under
// keys that start with its ARN.
func StoreAsBeforeHistoryIDs(db *kv.DB, arn string) error {
	return db.Update(func(tx *kv.Tx) error {
		var rec execRecord
		found, err := getJSON(tx, bucketExecutions, arn, &rec)
		if err != nil || !found || rec.HistoryID == 0 {
			return fmt.Errorf("%s: found %v, history id %d, %v", arn, found, rec.HistoryID, err)
		}
		from := historyPrefix(&rec)
		rec.HistoryID = 0
		to := historyPrefix(&rec)
		recJSON, err := encodeRecord(&rec)
		if err != nil {
			return err
		}
		h := tx.Bucket(bucketHistory)
		var keys, vals [][]byte
		c := h.Cursor()
		for k, v := c.Seek(from); k != nil && bytes.HasPrefix(k, from); k, v = c.Next() {
			keys, vals = append(keys, bytes.Clone(k)), append(vals, bytes.Clone(v))
		}
		for i, k := range keys {
			if err := h.Delete(k); err != nil {
				return err
			}
			if err := h.Put(append(bytes.Clone(to), k[len(from):]...), vals[i]); err != nil {
				return err
			}
		}
		return tx.Bucket(bucketExecutions).Put([]byte(arn), recJSON)
	})
}
