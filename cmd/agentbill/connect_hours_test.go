package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestConnectHourFolders ingests a day of a Connect stream from Firehose's
// UTC hour folders, named by the config's inputs with {utc_hour}: the run
// for a Kathmandu day reads the hours its records may be in, each record is
// billed by the run of its own day, and no name reaches the manifest.
func TestConnectHourFolders(t *testing.T) {
	dir := t.TempDir()
	stream := filepath.Join(dir, "stream")
	env := []string{"AGENTBILL_SITE_TIMEZONE=Asia/Kathmandu"}
	mustRun(t, env, "generate", "--agents", "12", "--days", "2", "--start", "2026-11-19", "--format", "connect", "--layout", "firehose", "--out", stream)
	cfg := filepath.Join(dir, "agentbill.yaml")
	if err := os.WriteFile(cfg, []byte("site:\n  timezone: Asia/Kathmandu\nlake: lake\ninputs: [\"stream/{utc_hour}/*.json\"]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, day := range []string{"2026-11-19", "2026-11-20"} {
		mustRun(t, nil, "--config", cfg, "--log-format", "json", "ingest", "--date", day)
	}
	out, _ := mustRun(t, nil, "--config", cfg, "query", "--format", "csv",
		"SELECT (SELECT count(*) FROM bills) > 0, (SELECT count(*) FROM rejects)")
	if strings.TrimSpace(out) != "((SELECT count_star() FROM bills) > 0),(SELECT count_star() FROM rejects)\ntrue,0" {
		t.Errorf("bills and rejects: %s", out)
	}
	manifest := string(readFile(t, filepath.Join(dir, "lake", "runs", "2026-11-20.json")))
	for _, want := range []string{`"custom_statuses"`, `"skipped_heartbeat"`, `2026/11/19/18/connect-2026-11-19-18.json`, `"format": "connect"`} {
		if !strings.Contains(manifest, want) {
			t.Errorf("manifest lacks %s:\n%s", want, manifest)
		}
	}
	if strings.Contains(manifest, "2026/11/19/17/") {
		t.Error("the manifest names an hour before the day")
	}
	if strings.Contains(manifest, "FirstName") || strings.Contains(manifest, "Customer Care") {
		t.Error("the manifest names what a snapshot holds")
	}
}
