package project

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestAPIKeys(t *testing.T) {
	t.Parallel()
	write := func(t *testing.T, manifest string) string {
		dir := t.TempDir()
		for name, body := range map[string]string{
			"sfapi.yaml":   manifest,
			"openapi.yaml": "openapi: 3.0.1\ninfo: {title: t, version: '1'}\npaths: {}\n",
		} {
			if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		return dir
	}
	p, err := Load(write(t, "name: keys\napi:\n  openapi: openapi.yaml\n  apiKeys: [abcdefghijklmnopqrstuvwxyz]\n"))
	if err != nil {
		t.Fatal(err)
	}
	if got := p.Manifest.API.APIKeys; len(got) != 1 || got[0] != "abcdefghijklmnopqrstuvwxyz" {
		t.Fatalf("APIKeys = %v", got)
	}
	_, err = Load(write(t, "name: keys\napi:\n  openapi: openapi.yaml\n  apiKeys: [short]\n"))
	if err == nil || !strings.Contains(err.Error(), "sfapi.yaml:4:") || !strings.Contains(err.Error(), "20 to 128 characters") {
		t.Fatalf("short key: err = %v", err)
	}
}
