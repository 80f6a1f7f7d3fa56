package main

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// completions runs shell completion of args (the last is the word being
// completed) and returns the values offered and the directive line.
func completions(t *testing.T, env []string, args ...string) ([]string, string) {
	t.Helper()
	code, out, errOut := runCLI(t, env, append([]string{"__completeNoDesc"}, args...)...)
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, errOut)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	return lines[:len(lines)-1], lines[len(lines)-1]
}

func TestCompletion(t *testing.T) {
	dir := t.TempDir()
	sql := filepath.Join(dir, "sql")
	if err := os.MkdirAll(sql, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(sql, "handle_time.sql"), []byte("-- Handle time.\nSELECT 1 AS x\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(dir, "agentbill.yaml")
	yaml := `reports:
  dir: sql
jobs:
  - name: nightly
    ingest: true
  - name: weekly
    reports: [week]
`
	if err := os.WriteFile(cfg, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	env := []string{"AGENTBILL_CONFIG=" + cfg}
	const noFiles = ":4" // cobra.ShellCompDirectiveNoFileComp
	tests := []struct {
		name      string
		env       []string
		args      []string
		want      []string
		directive string
	}{
		{name: "job names", env: env, args: []string{"run", ""}, want: []string{"nightly", "weekly"}, directive: noFiles},
		{name: "job names by prefix", env: env, args: []string{"run", "we"}, want: []string{"weekly"}, directive: noFiles},
		{name: "job names from --config", args: []string{"--config", cfg, "run", ""}, want: []string{"nightly", "weekly"}, directive: noFiles},
		{name: "one job only", env: env, args: []string{"run", "nightly", ""}, directive: noFiles},
		{name: "no config, no jobs", args: []string{"run", ""}, directive: noFiles},
		// cobra offers the required --from too.
		{name: "report names", env: env, args: []string{"report", ""}, want: []string{"--from", "interval", "logout_causes", "occupancy", "rest_reasons", "handle_time", "all"}, directive: noFiles},
		{name: "built-in reports without a config", args: []string{"report", "o"}, want: []string{"occupancy"}, directive: noFiles},
		{name: "report --format", args: []string{"report", "--format", ""}, want: []string{"csv", "table", "json"}, directive: noFiles},
		{name: "query --format", args: []string{"query", "--format", ""}, want: []string{"table", "csv", "json"}, directive: noFiles},
		{name: "status --format", args: []string{"status", "--format", ""}, want: []string{"text", "json"}, directive: noFiles},
		{name: "check --format", args: []string{"check", "--format", "j"}, want: []string{"json"}, directive: noFiles},
		{name: "ingest --format", args: []string{"ingest", "--format", "c"}, want: []string{"csv", "connect", "cti"}, directive: noFiles},
		{name: "generate --format", args: []string{"generate", "--format", ""}, want: []string{"events", "cti", "agentoprinfo", "connect"}, directive: noFiles},
		{name: "export --order", args: []string{"export", "--order", ""}, want: []string{"source", "lake"}, directive: noFiles},
		{name: "--log-format", args: []string{"status", "--log-format", ""}, want: []string{"text", "json"}, directive: noFiles},
		{name: "--log-level", args: []string{"--log-level", ""}, want: []string{"debug", "info", "warn", "error"}, directive: noFiles},
		{name: "--date", args: []string{"ingest", "--date", "y"}, want: []string{"yesterday"}, directive: noFiles},
		{name: "--lake takes folders", args: []string{"status", "--lake", ""}, directive: ":16"},
		{name: "config files", args: []string{"config", "validate", ""}, want: []string{"yaml", "yml"}, directive: ":8"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, directive := completions(t, tt.env, tt.args...)
			if !slices.Equal(got, tt.want) && !(len(got) == 0 && len(tt.want) == 0) {
				t.Errorf("completions %q, want %q", got, tt.want)
			}
			if directive != tt.directive {
				t.Errorf("directive %s, want %s", directive, tt.directive)
			}
		})
	}
}
