package kv

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	bolt "go.etcd.io/bbolt"
)

// migrateBolt converts a bbolt file at path (the store format of sfapi
// before the write-ahead log) into a store directory at the same path:
// the file is read into a snapshot in path+".new", then renamed aside, the
// directory renamed into place, and the file removed. Each step is
// durable before the next, and a crash in between is finished on the next
// Open, so the data is never in neither place.
func migrateBolt(path string) error {
	tmp, old := path+".new", path+".bbolt"
	fi, err := os.Stat(path)
	switch {
	case err == nil && fi.IsDir():
		// Converted; only the old file may be left.
		if err := os.Remove(old); err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
		return nil
	case err == nil:
		// A bbolt file: convert it.
		if err := os.RemoveAll(tmp); err != nil {
			return err
		}
		if err := boltSnapshot(path, tmp); err != nil {
			return err
		}
		if err := os.Rename(path, old); err != nil {
			return err
		}
	case errors.Is(err, os.ErrNotExist):
		if _, err := os.Stat(old); err != nil {
			return nil // a new store, or none to convert
		}
		// Died between the two renames: the snapshot in tmp is complete.
	default:
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		return err
	}
	if err := syncDir(filepath.Dir(path)); err != nil {
		return err
	}
	return os.Remove(old)
}

// boltSnapshot copies every bucket, key and sequence of the bbolt file at
// src into a new store directory dst (a snapshot and an empty log).
func boltSnapshot(src, dst string) error {
	bdb, err := bolt.Open(src, 0o600, &bolt.Options{ReadOnly: true, Timeout: 2 * time.Second})
	if err != nil {
		if errors.Is(err, bolt.ErrTimeout) {
			return errors.New("the file is locked by another process (is another sfapi dev running on this data dir?)")
		}
		return err
	}
	defer bdb.Close()
	root := newNode(1)
	tx := newTx(root, 1, true, nil)
	var copyBucket func(dst *Bucket, src *bolt.Bucket) error
	copyBucket = func(dst *Bucket, src *bolt.Bucket) error {
		if err := dst.SetSequence(src.Sequence()); err != nil {
			return err
		}
		return src.ForEach(func(k, v []byte) error {
			if v != nil {
				return dst.Put(k, v)
			}
			child, err := dst.CreateBucket(k)
			if err != nil {
				return err
			}
			return copyBucket(child, src.Bucket(k))
		})
	}
	if err := bdb.View(func(btx *bolt.Tx) error {
		return btx.ForEach(func(name []byte, b *bolt.Bucket) error {
			child, err := tx.CreateBucket(name)
			if err != nil {
				return err
			}
			return copyBucket(child, b)
		})
	}); err != nil {
		return fmt.Errorf("read %s: %w", src, err)
	}
	if err := os.MkdirAll(dst, 0o755); err != nil {
		return err
	}
	if _, err := writeSnapshot(dst, tx.root, 1); err != nil {
		return err
	}
	return syncDir(filepath.Dir(dst))
}
