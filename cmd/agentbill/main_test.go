package main

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/agentbill/agentbill/config"
)

// TestMain keeps the tests off the machine's own config: the default path
// names a file in a folder that is never made, so that nothing is left
// behind by the children the crash tests start and kill.
func TestMain(m *testing.M) {
	config.DefaultPath = filepath.Join(os.TempDir(), fmt.Sprintf("agentbill-test-%d-none", os.Getpid()), "agentbill.yaml")
	os.Exit(m.Run())
}
