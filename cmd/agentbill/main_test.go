package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/agentbill/agentbill/config"
)

// TestMain keeps the tests off the machine's own config: the default path
// names a file that does not exist.
func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "agentbill-test")
	if err != nil {
		panic(err)
	}
	config.DefaultPath = filepath.Join(dir, "agentbill.yaml")
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}
