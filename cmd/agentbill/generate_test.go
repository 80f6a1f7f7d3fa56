package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestGenerate(t *testing.T) {
	for _, format := range []string{"events", "cti", "agentoprinfo", "connect"} {
		t.Run(format, func(t *testing.T) {
			dir := t.TempDir()
			args := []string{"generate", "--agents", "15", "--days", "2", "--format", format, "--seed", "9", "--dup-share", "0.01"}
			if format == "events" {
				args = append(args, "--bad-share", "0.01")
			}
			mustRun(t, nil, append(args, "--out", filepath.Join(dir, "a"))...)
			mustRun(t, nil, append(args, "--out", filepath.Join(dir, "b"))...)
			files, _ := filepath.Glob(filepath.Join(dir, "a", format+"-*"))
			if len(files) != 2 {
				t.Fatalf("%d files, want one per day: %v", len(files), files)
			}
			for _, f := range files {
				other := filepath.Join(dir, "b", filepath.Base(f))
				if !bytes.Equal(readFile(t, f), readFile(t, other)) {
					t.Errorf("%s differs between two runs with one seed", filepath.Base(f))
				}
			}
			lakeDir := filepath.Join(dir, "lake")
			mustRun(t, nil, append([]string{"ingest", "--lake", lakeDir}, files...)...)
			out, _ := mustRun(t, nil, "query", "--lake", lakeDir, "--format", "csv",
				"SELECT (SELECT count(*) FROM bills) AS bills, (SELECT count(*) FROM rejects) AS rejects")
			row := strings.Split(strings.TrimSpace(out), "\n")[1]
			bills, rejects, _ := strings.Cut(row, ",")
			if bills == "0" {
				t.Error("no bills")
			}
			if (format == "events") != (rejects != "0") {
				t.Errorf("%s rejects for %s (damaged records only in events)", rejects, format)
			}
		})
	}
}

func TestGenerateRefuses(t *testing.T) {
	for _, args := range [][]string{
		{"generate", "--format", "xml", "--out", os.TempDir()},
		{"generate", "--format", "cti", "--bad-share", "0.1", "--out", os.TempDir()},
		{"generate", "--agents", "0", "--out", os.TempDir()},
		{"generate", "--format", "cti", "--layout", "firehose", "--out", os.TempDir()},
		{"generate", "--format", "connect", "--layout", "hourly", "--out", os.TempDir()},
	} {
		if code, _, _ := runCLI(t, nil, args...); code == 0 {
			t.Errorf("%v passed", args)
		}
	}
}
