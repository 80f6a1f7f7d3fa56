package main

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// connectSecrets are the names, hierarchy, routing profile and queues the
// golden streams hold: none may reach a bill, a reject or a count.
var connectSecrets = []string{"Jane", "Roe", "Mira", "Kumar", "Northern Region", "Premium Routing", "Sales Priority", "Outbound Queue", "sick"}

// TestConnectGolden bills each case of testdata/connect: a folder with its
// config (agentbill.yaml), its stream (every other file but want.txt, in
// name order) and the expected output in want.txt: the bills and open rows,
// the rejects, then the counts. Run with -update to rewrite want.txt.
func TestConnectGolden(t *testing.T) {
	dirs, err := filepath.Glob(filepath.Join("testdata", "connect", "*", "agentbill.yaml"))
	if err != nil || len(dirs) == 0 {
		t.Fatalf("no Connect cases: %v", err)
	}
	wd, _ := os.Getwd()
	for _, cfg := range dirs {
		dir := filepath.Join(wd, filepath.Dir(cfg))
		t.Run(filepath.Base(dir), func(t *testing.T) {
			entries, err := os.ReadDir(dir)
			if err != nil {
				t.Fatal(err)
			}
			var inputs []string
			for _, e := range entries {
				if n := e.Name(); n != "agentbill.yaml" && n != "want.txt" {
					inputs = append(inputs, n)
				}
			}
			slices.Sort(inputs)
			rejects := filepath.Join(t.TempDir(), "rejects.csv")
			// Run from the case's folder so source_file is the bare name.
			t.Chdir(dir)
			args := append([]string{"--config", "agentbill.yaml", "--log-format", "text", "bills", "--rejects", rejects}, inputs...)
			out, errOut := mustRun(t, nil, args...)
			got := out + "\n# rejects\n" + string(readFile(t, rejects)) + "\n# counts\n" + errOut
			golden := filepath.Join(dir, "want.txt")
			if *update {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			} else if want, err := os.ReadFile(golden); err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			} else if got != string(want) {
				t.Errorf("output differs from %s:\n%s", golden, got)
			}
			for _, secret := range connectSecrets {
				if strings.Contains(got, secret) {
					t.Errorf("%q in the output", secret)
				}
			}
		})
	}
}
