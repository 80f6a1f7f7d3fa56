package config

import (
	"errors"
	"io/fs"
	"os"
	"strings"
)

// EnvConfig is the environment variable that names the config file when no
// --config flag does. It is not a setting: Load leaves it alone.
const EnvConfig = EnvPrefix + "CONFIG"

// DefaultPath is the config file read when neither --config nor
// AGENTBILL_CONFIG names one, if it exists. It is a variable so that tests
// can point it elsewhere.
var DefaultPath = "/etc/agentbill/agentbill.yaml"

// Where Find found the config file.
const (
	FoundFlag    = "--config"
	FoundEnv     = EnvConfig
	FoundDefault = "default"
)

// Find returns the config file to read and how it was found: flag when it
// is not empty (FoundFlag), else the file that AGENTBILL_CONFIG in env names
// (FoundEnv), else DefaultPath when it exists (FoundDefault). It returns
// an empty path when there is none: the defaults and the environment
// apply. Find does not check that a file it was given exists; Load does.
func Find(flag string, env []string) (path, found string) {
	if flag != "" {
		return flag, FoundFlag
	}
	for _, kv := range env {
		if name, value, ok := strings.Cut(kv, "="); ok && name == EnvConfig && value != "" {
			return value, FoundEnv
		}
	}
	if _, err := os.Stat(DefaultPath); err == nil || !errors.Is(err, fs.ErrNotExist) {
		return DefaultPath, FoundDefault
	}
	return "", ""
}
