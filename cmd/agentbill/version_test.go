package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"runtime/debug"
	"testing"

	"github.com/agentbill/agentbill/reports"
)

func TestBuildOf(t *testing.T) {
	vcs := []debug.BuildSetting{
		{Key: "vcs", Value: "git"},
		{Key: "vcs.revision", Value: "3f2c1d94ab05e6f7a8b9c0d1e2f3a4b5c6d7e8f9"},
		{Key: "vcs.time", Value: "2026-11-20T10:04:00Z"},
		{Key: "vcs.modified", Value: "true"},
	}
	tests := []struct {
		name   string
		linked string
		info   *debug.BuildInfo
		want   string
		build  string // the lake's Build
	}{
		{name: "set at link time", linked: "1.4.0", info: &debug.BuildInfo{Main: debug.Module{Version: "v1.3.0"}, Settings: vcs}, want: "1.4.0", build: "3f2c1d94ab05"},
		{name: "module version", info: &debug.BuildInfo{Main: debug.Module{Version: "v1.3.0"}}, want: "v1.3.0"},
		{name: "module version from the commit",
			info: &debug.BuildInfo{Main: debug.Module{Version: "v0.0.0-20261120100400-3f2c1d94ab05+dirty"}, Settings: vcs}, want: "v0.0.0-20261120100400-3f2c1d94ab05+dirty"},
		{name: "commit and time", info: &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}, Settings: vcs}, want: "v0.0.0-20261120100400-3f2c1d94ab05-dirty"},
		{name: "clean commit", info: &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}, Settings: vcs[:3]}, want: "v0.0.0-20261120100400-3f2c1d94ab05"},
		{name: "nothing known", info: &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}}, want: sourceVersion},
		{name: "no build information", want: sourceVersion},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := buildOf(tt.linked, tt.info)
			if b.Version != tt.want || b.Build() != tt.build {
				t.Errorf("version %q, build %q; want %q, %q", b.Version, b.Build(), tt.want, tt.build)
			}
		})
	}
}

// useBuild makes the binary's build b for the test.
func useBuild(t *testing.T, b build) {
	t.Helper()
	old := currentBuild
	currentBuild = func() build { return b }
	t.Cleanup(func() { currentBuild = old })
}

func TestVersionCommand(t *testing.T) {
	useBuild(t, buildOf("1.4.0", &debug.BuildInfo{Settings: []debug.BuildSetting{
		{Key: "vcs.revision", Value: "3f2c1d94ab05e6f7a8b9c0d1e2f3a4b5c6d7e8f9"}, {Key: "vcs.time", Value: "2026-11-20T10:04:00Z"},
	}}))
	duckdb, err := reports.DuckDBVersion(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	want := "agentbill 1.4.0\ncommit 3f2c1d94ab05 2026-11-20T10:04:00Z\ngo " + runtime.Version() + " " + runtime.GOOS + "/" + runtime.GOARCH + "\nduckdb " + duckdb + "\n"
	if !regexp.MustCompile(`^v1\.5\.\d+$`).MatchString(duckdb) {
		t.Errorf("DuckDB %s, want 1.5", duckdb)
	}
	for _, args := range [][]string{{"version"}, {"--version"}} {
		// A config that does not load does not stop it.
		code, out, errOut := runCLI(t, []string{"AGENTBILL_SITE_TIMEZONE=Mars/Base"}, args...)
		if code != 0 || out != want {
			t.Errorf("%v: exit %d\n%s\nwant\n%s%s", args, code, out, want, errOut)
		}
	}
}

// TestVersionInLake: the manifests and the Parquet files name the version
// that wrote them.
func TestVersionInLake(t *testing.T) {
	useBuild(t, build{Version: "1.4.0", Revision: "3f2c1d94ab05"})
	lakeDir := filepath.Join(t.TempDir(), "lake")
	events := filepath.Join("..", "..", "billing", "testdata", "midnight_carry", "events.csv")
	mustRun(t, nil, "ingest", "--lake", lakeDir, "--date", "2026-11-20", events)
	var m struct{ Version string }
	if err := json.Unmarshal(readFile(t, filepath.Join(lakeDir, "runs", "2026-11-20.json")), &m); err != nil {
		t.Fatal(err)
	}
	if m.Version != "1.4.0" {
		t.Errorf("manifest version %q", m.Version)
	}
	out, _ := mustRun(t, nil, "query", "--lake", lakeDir, "--format", "csv",
		"SELECT DISTINCT created_by FROM parquet_file_metadata('"+filepath.Join(lakeDir, "*", "date=*", "*.parquet")+"')")
	if want := "created_by\nagentbill version 1.4.0 (build 3f2c1d94ab05)\n"; out != want {
		t.Errorf("created_by:\n%s\nwant\n%s", out, want)
	}
}

// TestVersionOfABuild builds the command as a release does, with the
// version set at link time, and, in a git checkout, with the commit's
// stamp (which GOFLAGS=-buildvcs=false would leave out). Skipped with
// -short: it links a binary.
func TestVersionOfABuild(t *testing.T) {
	if testing.Short() {
		t.Skip("links the command")
	}
	exe := filepath.Join(t.TempDir(), "agentbill")
	args := []string{"build", "-o", exe, "-ldflags", "-X main.version=1.4.0-test"}
	want := regexp.MustCompile(`^agentbill 1\.4\.0-test\n`)
	if _, err := os.Stat(filepath.Join("..", "..", ".git")); err == nil {
		args = append(args, "-buildvcs=true")
		want = regexp.MustCompile(`^agentbill 1\.4\.0-test\ncommit [0-9a-f]{12} \d{4}-\d\d-\d\dT`)
	}
	if out, err := exec.Command("go", append(args, ".")...).CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	out, err := exec.Command(exe, "version").Output()
	if err != nil {
		t.Fatal(err)
	}
	if !want.Match(out) {
		t.Errorf("agentbill version:\n%s", out)
	}
}
