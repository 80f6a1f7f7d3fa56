package config

import (
	"strings"
	"testing"
)

func TestJobAllowIncomplete(t *testing.T) {
	path := writeFile(t, `jobs:
  - name: nightly
    ingest: true
    reports: [day]
  - name: weekly
    reports: [week]
    allow_incomplete: true
`)
	c, err := Load(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Jobs) != 2 || c.Jobs[0].AllowIncomplete || !c.Jobs[1].AllowIncomplete {
		t.Errorf("jobs %+v; want allow_incomplete false unless set", c.Jobs)
	}
	if _, err := Load(writeFile(t, "jobs:\n  - name: nightly\n    reports: [day]\n    allow_incompete: true\n"), nil); err == nil ||
		!strings.Contains(err.Error(), "allow_incompete") {
		t.Errorf("a misspelt key: %v", err)
	}
}
