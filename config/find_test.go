package config

import (
	"os"
	"path/filepath"
	"testing"
)

// useDefaultPath points DefaultPath at path for the test.
func useDefaultPath(t *testing.T, path string) {
	t.Helper()
	old := DefaultPath
	DefaultPath = path
	t.Cleanup(func() { DefaultPath = old })
}

func TestFind(t *testing.T) {
	dir := t.TempDir()
	etc := filepath.Join(dir, "etc.yaml")
	if err := os.WriteFile(etc, []byte("lake: /srv/lake\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name      string
		flag      string
		env       []string
		etc       string // DefaultPath
		wantPath  string
		wantFound string
	}{
		{name: "flag first", flag: "a.yaml", env: []string{"AGENTBILL_CONFIG=b.yaml"}, etc: etc, wantPath: "a.yaml", wantFound: FoundFlag},
		{name: "then the environment", env: []string{"HOME=/root", "AGENTBILL_CONFIG=b.yaml"}, etc: etc, wantPath: "b.yaml", wantFound: FoundEnv},
		{name: "an empty variable is unset", env: []string{"AGENTBILL_CONFIG="}, etc: etc, wantPath: etc, wantFound: FoundDefault},
		{name: "then the default path when it exists", etc: etc, wantPath: etc, wantFound: FoundDefault},
		{name: "else none", etc: filepath.Join(dir, "missing.yaml")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			useDefaultPath(t, tt.etc)
			path, found := Find(tt.flag, tt.env)
			if path != tt.wantPath || found != tt.wantFound {
				t.Errorf("Find = %q, %q; want %q, %q", path, found, tt.wantPath, tt.wantFound)
			}
		})
	}
}

// TestConfigVariableIsNoSetting: AGENTBILL_CONFIG names the file; Load does
// not take it for a misspelt setting.
func TestConfigVariableIsNoSetting(t *testing.T) {
	c, err := Load("", []string{"AGENTBILL_CONFIG=/etc/agentbill/agentbill.yaml", "AGENTBILL_LAKE=/srv/lake"})
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if c.Lake != "/srv/lake" {
		t.Errorf("lake %q", c.Lake)
	}
}
