package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestIntervalMinutes(t *testing.T) {
	if got := Default().Reports.IntervalMinutes; got != 30 {
		t.Errorf("default reports.interval_minutes %d, want 30", got)
	}
	tests := []struct {
		minutes int
		ok      bool
	}{
		{5, true}, {10, true}, {15, true}, {20, true}, {30, true}, {60, true},
		{0, false}, {-15, false}, {7, false}, {45, false}, {90, false}, {120, false},
	}
	for _, tt := range tests {
		err := with(func(c *Config) { c.Reports.IntervalMinutes = tt.minutes }).Validate()
		switch {
		case tt.ok && err != nil:
			t.Errorf("%d minutes: %v", tt.minutes, err)
		case !tt.ok && (err == nil || !strings.Contains(err.Error(), "reports.interval_minutes:")):
			t.Errorf("%d minutes: error %v, want one naming reports.interval_minutes", tt.minutes, err)
		}
	}
}

func TestIntervalMinutesFromFileAndEnv(t *testing.T) {
	path := filepath.Join(t.TempDir(), "agentbill.yaml")
	if err := os.WriteFile(path, []byte("reports:\n  interval_minutes: 15\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	c, err := Load(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.Reports.IntervalMinutes != 15 {
		t.Errorf("from the file: %d, want 15", c.Reports.IntervalMinutes)
	}
	c, err = Load(path, []string{"AGENTBILL_REPORTS_INTERVAL_MINUTES=60"})
	if err != nil {
		t.Fatal(err)
	}
	if c.Reports.IntervalMinutes != 60 {
		t.Errorf("from the environment: %d, want 60", c.Reports.IntervalMinutes)
	}
	if err := os.WriteFile(path, []byte("reports:\n  interval_minutes: 25\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(path, nil); err == nil || !strings.Contains(err.Error(), "reports.interval_minutes") {
		t.Errorf("25 minutes: error %v, want one naming reports.interval_minutes", err)
	}
}

func TestCSVBOM(t *testing.T) {
	if got := Default().Reports.CSVBOM; got != CSVBOMJobs {
		t.Errorf("default reports.csv_bom %q, want jobs", got)
	}
	tests := []struct {
		value       string
		report, job bool
	}{
		{CSVBOMJobs, false, true},
		{CSVBOMAlways, true, true},
		{CSVBOMNever, false, false},
	}
	for _, tt := range tests {
		c := with(func(c *Config) { c.Reports.CSVBOM = tt.value })
		if err := c.Validate(); err != nil {
			t.Errorf("%s: %v", tt.value, err)
		}
		if got := c.Reports.ByteOrderMark(false); got != tt.report {
			t.Errorf("%s: agentbill report %v, want %v", tt.value, got, tt.report)
		}
		if got := c.Reports.ByteOrderMark(true); got != tt.job {
			t.Errorf("%s: jobs %v, want %v", tt.value, got, tt.job)
		}
	}
	for _, bad := range []string{"", "true", "yes"} {
		err := with(func(c *Config) { c.Reports.CSVBOM = bad }).Validate()
		if err == nil || !strings.Contains(err.Error(), "reports.csv_bom:") {
			t.Errorf("%q: error %v, want one naming reports.csv_bom", bad, err)
		}
	}
}
