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
