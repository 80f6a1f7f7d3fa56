package main

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// TestCTIBills bills the CTI flows of ingest/testdata/cti and compares the
// bills (and the counts) with testdata/cti/NAME.bills.
func TestCTIBills(t *testing.T) {
	logs, err := filepath.Glob(filepath.Join("..", "..", "ingest", "testdata", "cti", "*.log"))
	if err != nil || len(logs) == 0 {
		t.Fatalf("no CTI flows: %v", err)
	}
	for _, log := range logs {
		name := strings.TrimSuffix(filepath.Base(log), ".log")
		t.Run(name, func(t *testing.T) {
			// Run from the flow's folder so source_file is the bare name.
			wd, _ := os.Getwd()
			golden := filepath.Join(wd, "testdata", "cti", name+".bills")
			t.Chdir(filepath.Dir(log))
			out, errOut := mustRun(t, nil, "--log-format", "text", "bills", filepath.Base(log))
			got := out + "\n# counts\n" + errOut
			if *update {
				if err := os.MkdirAll(filepath.Dir(golden), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if got != string(want) {
				t.Errorf("bills of %s differ from %s:\n%s", log, golden, got)
			}
			for _, secret := range []string{"John", "Doe", "AC111"} {
				if strings.Contains(got, secret) {
					t.Errorf("customer data %q in the output", secret)
				}
			}
		})
	}
}
