package main

import (
	"context"
	"fmt"
	"runtime"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/agentbill/agentbill/reports"
)

// version is the version of agentbill when it is set at link time, with
// -ldflags "-X main.version=1.4.0"; empty, it comes from the build
// information (see buildOf).
var version string

// sourceVersion is the version of this source tree: what a build says when
// it was given no version and knows no commit (a build outside a git
// checkout, or with -buildvcs=false). It goes up with each release.
const sourceVersion = "0.9.0"

// build is what a binary knows of the source it was built from.
type build struct {
	// Version is the release, the module version, or one made of the
	// commit and its time (with -dirty when the tree had changes); the
	// source tree's version when the binary knows none of them.
	Version string
	// Revision is the commit, shortened to 12 digits; empty when unknown.
	Revision string
	// Time is the commit's time; zero when unknown.
	Time time.Time
	// Modified says that the tree had changes that were not committed.
	Modified bool
}

// currentBuild is the build of this binary.
var currentBuild = sync.OnceValue(func() build {
	info, _ := debug.ReadBuildInfo()
	return buildOf(version, info)
})

// buildOf works out the build from the version set at link time (linked)
// and the build information Go embeds (nil when there is none): linked
// when set, else the main module's version (as "go install …@v1.4.0" or a
// build in a git checkout stamps it), else the VCS revision and time,
// else the source tree's version.
func buildOf(linked string, info *debug.BuildInfo) build {
	var b build
	if info != nil {
		for _, s := range info.Settings {
			switch s.Key {
			case "vcs.revision":
				b.Revision = s.Value[:min(12, len(s.Value))]
			case "vcs.time":
				b.Time, _ = time.Parse(time.RFC3339, s.Value)
			case "vcs.modified":
				b.Modified = s.Value == "true"
			}
		}
	}
	switch {
	case linked != "":
		b.Version = linked
	case info != nil && info.Main.Version != "" && info.Main.Version != "(devel)":
		b.Version = info.Main.Version
	case b.Revision != "":
		b.Version = "v0.0.0-" + b.Time.UTC().Format("20060102150405") + "-" + b.Revision
		if b.Modified {
			b.Version += "-dirty"
		}
	default:
		b.Version = sourceVersion
	}
	return b
}

// Build is the short revision for the lake's created_by, when the version
// does not name it already.
func (b build) Build() string {
	if b.Revision == "" || strings.Contains(b.Version, b.Revision) {
		return ""
	}
	return b.Revision
}

func (a *app) versionCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the versions of agentbill, Go and DuckDB",
		Long: `Version prints the version of agentbill (as the lake's manifests and Parquet
files record it), the commit it was built from when known, and the versions of
Go and of the DuckDB library that runs queries and reports, one per line:

  agentbill v1.4.0
  commit 3f2c1d94ab05 2026-11-20T10:04:00Z
  go go1.26.8 linux/amd64
  duckdb v1.5.6`,
		Args:        cobra.NoArgs,
		Annotations: noConfig,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.printVersion(cmd.Context())
		},
	}
}

func (a *app) printVersion(ctx context.Context) error {
	b := currentBuild()
	fmt.Fprintf(a.stdout, "agentbill %s\n", b.Version)
	if b.Revision != "" {
		line := "commit " + b.Revision
		if !b.Time.IsZero() {
			line += " " + b.Time.UTC().Format(time.RFC3339)
		}
		if b.Modified {
			line += " (modified)"
		}
		fmt.Fprintln(a.stdout, line)
	}
	fmt.Fprintf(a.stdout, "go %s %s/%s\n", runtime.Version(), runtime.GOOS, runtime.GOARCH)
	v, err := reports.DuckDBVersion(ctx)
	if err != nil {
		return fmt.Errorf("duckdb version: %w", err)
	}
	fmt.Fprintf(a.stdout, "duckdb %s\n", v)
	return nil
}
