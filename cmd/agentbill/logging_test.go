package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// midnightEvents is a small event file of 2026-11-20 and 2026-11-21.
var midnightEvents = filepath.Join("..", "..", "billing", "testdata", "midnight_carry", "events.csv")

func TestLogFormatsAndLevels(t *testing.T) {
	kathmandu := []string{"AGENTBILL_SITE_TIMEZONE=Asia/Kathmandu"}
	tests := []struct {
		name    string
		args    []string
		json    bool   // every line is a JSON object
		text    bool   // every line is slog text
		has     string // a line must contain it
		hasNot  string // no line may contain it
		wantErr int
	}{
		{name: "json", args: []string{"--log-format", "json"}, json: true, has: `"level":"INFO","msg":"ingested"`},
		{name: "default when not a terminal", json: true, has: `"msg":"ingested"`},
		{name: "text", args: []string{"--log-format", "text"}, text: true, has: "level=INFO msg=ingested"},
		{name: "times on the site clock", args: []string{"--log-format", "json"}, has: `+05:45","level"`},
		{name: "times on the site clock in text", args: []string{"--log-format", "text"}, has: "+05:45 level=INFO"},
		{name: "warn level", args: []string{"--log-level", "warn"}, hasNot: "ingested"},
		{name: "debug level", args: []string{"--log-level", "debug"}, json: true, has: "ingested"},
		{name: "unknown format", args: []string{"--log-format", "xml"}, wantErr: exitUsage, has: `--log-format \"xml\": want text or json`},
		{name: "unknown level", args: []string{"--log-level", "loud"}, wantErr: exitUsage, has: `--log-level \"loud\"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lakeDir := filepath.Join(t.TempDir(), "lake")
			args := append(tt.args, "ingest", "--lake", lakeDir, "--date", "2026-11-20", midnightEvents)
			code, _, stderr := runCLI(t, kathmandu, args...)
			if code != tt.wantErr {
				t.Fatalf("exit %d, want %d\n%s", code, tt.wantErr, stderr)
			}
			checkLog(t, stderr, tt.json, tt.text)
			if tt.has != "" && !strings.Contains(stderr, tt.has) {
				t.Errorf("no line has %q:\n%s", tt.has, stderr)
			}
			if tt.hasNot != "" && strings.Contains(stderr, tt.hasNot) {
				t.Errorf("a line has %q:\n%s", tt.hasNot, stderr)
			}
		})
	}
}

// checkLog fails unless every line of stderr is a JSON object (asJSON) or
// a slog text line (asText).
func checkLog(t *testing.T, stderr string, asJSON, asText bool) {
	t.Helper()
	for line := range strings.Lines(stderr) {
		var m map[string]any
		isJSON := json.Unmarshal([]byte(line), &m) == nil
		if asJSON && !isJSON {
			t.Errorf("not a JSON line: %q", line)
		}
		if asText && !strings.HasPrefix(line, "time=") {
			t.Errorf("not a text log line: %q", line)
		}
	}
}

// TestErrorOnce: a failure is said once on standard error, in the log's
// format, also when a job's run has logged it already.
func TestErrorOnce(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "agentbill.yaml")
	yaml := `site:
  timezone: UTC
lake: lake
inputs: ["in/{date}/*.csv"]
jobs:
  - name: nightly
    ingest: true
`
	if err := os.WriteFile(cfg, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	const missing = "matches no file"
	for _, format := range []string{"json", "text"} {
		t.Run("ingest "+format, func(t *testing.T) {
			code, _, stderr := runCLI(t, nil, "--log-format", format, "--config", cfg, "ingest", "--date", "2026-11-20")
			if code != exitFailed || strings.Count(stderr, missing) != 1 {
				t.Errorf("exit %d, want the error once:\n%s", code, stderr)
			}
			checkLog(t, stderr, format == "json", false)
			if format == "text" && !strings.HasPrefix(stderr, "agentbill: ") {
				t.Errorf("text error %q", stderr)
			}
		})
		t.Run("run "+format, func(t *testing.T) {
			code, stdout, stderr := runCLI(t, nil, "--log-format", format, "--config", cfg, "run", "nightly", "--date", "2026-11-20")
			if code != exitFailed || strings.Count(stderr, missing) != 1 {
				t.Errorf("exit %d, want the error once:\n%s", code, stderr)
			}
			checkLog(t, stderr, format == "json", format == "text")
			// Standard output, apart from the log here, has the summary.
			if !strings.HasPrefix(stdout, "nightly 2026-11-20: FAILED: ") || !strings.Contains(stdout, missing) {
				t.Errorf("summary %q", stdout)
			}
		})
	}
	t.Run("summary where the streams meet", func(t *testing.T) {
		f, err := os.Create(filepath.Join(dir, "log"))
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		a := &app{stdout: f, stderr: f, env: nil, now: time.Now}
		code := a.execute(t.Context(), []string{"--log-format", "json", "--config", cfg, "run", "nightly", "--date", "2026-11-20"})
		data := readFile(t, f.Name())
		if code != exitFailed || strings.Count(string(data), missing) != 1 {
			t.Errorf("exit %d, want the error once:\n%s", code, data)
		}
		checkLog(t, string(data), true, false)
	})
}

func TestBillsCountsInTheLog(t *testing.T) {
	code, _, stderr := runCLI(t, nil, "--log-format", "json", "bills", midnightEvents)
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	checkLog(t, stderr, true, false)
	billed := logLines(t, stderr, "billed")
	if len(billed) != 1 || billed[0]["bills"] == nil || billed[0]["first_day"] != "2026-11-20" {
		t.Errorf("billed lines %v", billed)
	}
}
