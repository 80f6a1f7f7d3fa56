package main

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The demo into the default folder, here empty, then again into its own
// output.
func TestDemo(t *testing.T) {
	t.Chdir(t.TempDir())
	out := "demo-out"
	if err := os.Mkdir(out, 0o755); err != nil {
		t.Fatal(err)
	}
	stdout, _ := mustRun(t, nil, "demo")
	for _, want := range []string{"20 agents, 3 days", "2026-11-18", "2026-11-19", "2026-11-20", "(3 rows)",
		"occupancy_2026-11-18_2026-11-21.csv", "rest_reasons_2026-11-18_2026-11-21.csv", "logout_causes_2026-11-18_2026-11-21.csv"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("demo output lacks %q:\n%s", want, stdout)
		}
	}
	for _, day := range []string{"2026-11-18", "2026-11-19", "2026-11-20"} {
		for _, f := range []string{"bills/date=" + day + "/bills.parquet", "open/date=" + day + "/open.parquet", "runs/" + day + ".json"} {
			if _, err := os.Stat(filepath.Join(out, "lake", f)); err != nil {
				t.Error(err)
			}
		}
	}
	if got := string(readFile(t, filepath.Join(out, ".agentbill-demo"))); got != "events\nlake\nreports\n" {
		t.Errorf("the marker lists %q", got)
	}
	// A second demo into the same folder starts afresh and gives the same
	// lake; a file the user put beside the demo's output stays.
	first := readFile(t, filepath.Join(out, "lake", "bills", "date=2026-11-19", "bills.parquet"))
	notes := filepath.Join(out, "notes.txt")
	writeDemoFile(t, notes, "mine")
	stale := filepath.Join(out, "lake", "bills", "date=2026-11-17", "bills.parquet")
	writeDemoFile(t, stale, "an older sample's day")
	mustRun(t, nil, "demo")
	if string(first) != string(readFile(t, filepath.Join(out, "lake", "bills", "date=2026-11-19", "bills.parquet"))) {
		t.Error("the demo's lake differs between two runs")
	}
	if string(readFile(t, notes)) != "mine" {
		t.Error("the user's file was changed")
	}
	if _, err := os.Stat(stale); !os.IsNotExist(err) {
		t.Errorf("the earlier demo's lake was not removed: %v", err)
	}
}

// A folder that is not an earlier demo's output is refused, and nothing in
// it is touched.
func TestDemoRefuses(t *testing.T) {
	tests := []struct {
		name    string
		files   map[string]string // the folder's files before the demo
		out     string            // --out, under the folder; empty: the folder
		wantErr string
	}{
		{name: "a user's file",
			files:   map[string]string{"notes.txt": "mine"},
			wantErr: "is not empty and holds no earlier demo's output (it has no .agentbill-demo)"},
		{name: "a user's lake",
			files:   map[string]string{"lake/bills/date=2026-01-01/bills.parquet": "precious", "events/a.csv": "precious"},
			wantErr: "choose an empty or new folder with --out, or remove"},
		{name: "a marker that names what the demo does not make",
			files:   map[string]string{".agentbill-demo": "events\n../elsewhere\n", "events/a.csv": "precious"},
			wantErr: `names "../elsewhere", which no demo makes; nothing removed`},
		{name: "a file, not a folder",
			files: map[string]string{"demo-out": "mine"}, out: "demo-out",
			wantErr: "is a file, not a folder"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			for name, data := range tt.files {
				writeDemoFile(t, filepath.Join(dir, name), data)
			}
			code, _, stderr := runCLI(t, nil, "demo", "--out", filepath.Join(dir, tt.out))
			if code == 0 || !strings.Contains(logText(stderr), tt.wantErr) {
				t.Errorf("exit %d, stderr %q; want an error saying %q", code, stderr, tt.wantErr)
			}
			var n int
			filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
				if err == nil && !d.IsDir() {
					n++
				}
				return err
			})
			if n != len(tt.files) {
				t.Errorf("%d files in the folder after the demo; want the %d it held", n, len(tt.files))
			}
			for name, data := range tt.files {
				if got := string(readFile(t, filepath.Join(dir, name))); got != data {
					t.Errorf("%s holds %q; want %q", name, got, data)
				}
			}
		})
	}
}

func writeDemoFile(t *testing.T, path, data string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
}
