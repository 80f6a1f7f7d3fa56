package main

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/agentbill/agentbill/billing"
	"github.com/agentbill/agentbill/ingest/lake"
	"github.com/agentbill/agentbill/ingest/lake/s3test"
	"github.com/agentbill/agentbill/ingest/objstore"
	"github.com/agentbill/agentbill/ingest/synth"
)

// The same days ingested into a folder and into a bucket on a real S3
// server give the same tables, byte for byte, and the same query, report,
// export, status and check results.
func TestBucketLakeSameAsFolder(t *testing.T) {
	events, day1, day2 := sampleEvents(t)
	srv := s3test.Start(t, "lake")
	bucket := srv.URL("lake", "centre")
	folder := filepath.Join(t.TempDir(), "lake")
	env := []string{"AGENTBILL_LAKE_CACHE=" + t.TempDir()}
	for _, l := range []string{folder, bucket} {
		for _, d := range []billing.Date{day1, day2} {
			mustRun(t, env, "ingest", "--lake", l, "--date", d.String(), events)
		}
	}
	root := filepath.Join(srv.Root, "lake", "centre")
	for _, d := range []billing.Date{day1, day2} {
		for _, table := range []string{"bills", "open", "rejects"} {
			rel := filepath.Join(table, "date="+d.String(), table+".parquet")
			if !bytes.Equal(readFile(t, filepath.Join(folder, rel)), readFile(t, filepath.Join(root, rel))) {
				t.Errorf("%s differs between the folder and the bucket", rel)
			}
		}
	}
	same := func(args ...string) {
		t.Helper()
		want, _ := mustRun(t, env, append(args, "--lake", folder)...)
		got, _ := mustRun(t, env, append(args, "--lake", bucket)...)
		got = strings.ReplaceAll(got, "s3://lake/centre", folder)
		if got != want {
			t.Errorf("agentbill %s: the bucket gives\n%s\nthe folder\n%s", strings.Join(args, " "), got, want)
		}
	}
	same("query", "--format", "csv", "SELECT date, count(*), sum(duration_ms), min(bill_id), max(bill_id) FROM bills GROUP BY date ORDER BY date")
	same("query", "--format", "csv", "SELECT count(*) FROM open")
	same("report", "occupancy", "--from", day1.String(), "--to", day2.Next().String(), "--out", "-")
	same("report", "logout_causes", "--from", day2.String(), "--to", day2.Next().String(), "--out", "-")
	same("export", "--date", day2.String(), "--out", "-")
	same("check")

	// A one-day report fetches that day's tables, the open table of the day
	// before, and nothing else.
	cache := t.TempDir()
	mustRun(t, []string{"AGENTBILL_LAKE_CACHE=" + cache}, "report", "occupancy", "--lake", bucket, "--from", day2.String(), "--out", "-")
	objects, _ := os.ReadDir(filepath.Join(cache, "objects"))
	if len(objects) != 4 {
		t.Errorf("a one-day report fetched %d objects, want 4 (the day's three tables and the open table before)", len(objects))
	}

	// A day missing in the bucket is a hole the report names.
	os.RemoveAll(filepath.Join(root, "runs", day1.String()+".json"))
	code, _, errOut := runCLI(t, env, "report", "occupancy", "--lake", bucket, "--from", day1.String(), "--to", day2.Next().String(), "--out", "-")
	if code == 0 || !strings.Contains(errOut, day1.String()) {
		t.Errorf("report over a bucket lake missing %s: exit %d\n%s", day1, code, errOut)
	}
}

// Two sites in two zones ingest the same nights into one bucket: each run
// touches only its site's partitions, and each site's reports are those of
// a lake of its own.
func TestBucketLakeTwoSites(t *testing.T) {
	events, day1, day2 := sampleEvents(t)
	srv := s3test.Start(t, "lake")
	shared := srv.URL("lake", "operator")
	cache := "AGENTBILL_LAKE_CACHE=" + t.TempDir()
	sites := map[string]string{"ktm": "Asia/Kathmandu", "nyc": "America/New_York"}
	for name, zone := range sites {
		env := []string{cache, "AGENTBILL_SITE_NAME=" + name, "AGENTBILL_SITE_TIMEZONE=" + zone}
		ownEnv := []string{cache, "AGENTBILL_SITE_TIMEZONE=" + zone}
		own := filepath.Join(t.TempDir(), name)
		for _, d := range []billing.Date{day1, day2} {
			mustRun(t, env, "ingest", "--lake", shared, "--date", d.String(), events)
			mustRun(t, ownEnv, "ingest", "--lake", own, "--date", d.String(), events)
		}
		for _, d := range []billing.Date{day1, day2} {
			rel := filepath.Join("bills", "date="+d.String(), "bills.parquet")
			got := readFile(t, filepath.Join(srv.Root, "lake", "operator", "bills", "site="+name, "date="+d.String(), "bills.parquet"))
			if !bytes.Equal(got, readFile(t, filepath.Join(own, rel))) {
				t.Errorf("site %s: %s differs from the site's own lake", name, rel)
			}
		}
		for _, args := range [][]string{
			{"report", "occupancy", "--from", day1.String(), "--to", day2.Next().String(), "--out", "-"},
			{"query", "--format", "csv", "SELECT count(*), sum(duration_ms) FROM bills"},
		} {
			want, _ := mustRun(t, ownEnv, append(args, "--lake", own)...)
			got, _ := mustRun(t, env, append(args, "--lake", shared)...)
			if got != want {
				t.Errorf("site %s: agentbill %s differs from the site's own lake:\n%s\n%s", name, args[0], got, want)
			}
		}
	}
	// The server keeps the bucket's objects as files: DuckDB registers
	// that folder with agentbill ddl and reads each site's rows.
	ddl, _ := mustRun(t, []string{cache}, "ddl", "--engine", "duckdb", "--lake", filepath.Join(srv.Root, "lake", "operator"))
	db, err := sql.Open("duckdb", "?autoinstall_known_extensions=false&autoload_known_extensions=false")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(ddl); err != nil {
		t.Fatalf("%v\n%s", err, ddl)
	}
	for name, zone := range sites {
		env := []string{cache, "AGENTBILL_SITE_NAME=" + name, "AGENTBILL_SITE_TIMEZONE=" + zone}
		want, _ := mustRun(t, env, "query", "--lake", shared, "--format", "csv",
			"SELECT date, count(*) AS n, sum(duration_ms) AS ms, max(bill_id) AS id FROM bills GROUP BY date ORDER BY date")
		rows, err := db.Query("SELECT date, count(*), sum(duration_ms), max(bill_id) FROM bills WHERE site = ? GROUP BY date ORDER BY date", name)
		if err != nil {
			t.Fatal(err)
		}
		got := "date,n,ms,id\n"
		for rows.Next() {
			var d time.Time
			var n, ms int64
			var id string
			if err := rows.Scan(&d, &n, &ms, &id); err != nil {
				t.Fatal(err)
			}
			got += fmt.Sprintf("%s,%d,%d,%s\n", d.Format(time.DateOnly), n, ms, id)
		}
		rows.Close()
		if got != want {
			t.Errorf("site %s through the DDL:\n%s\nthrough query:\n%s", name, got, want)
		}
	}
	// report --all-sites writes each site's report, on its own clock.
	out := t.TempDir()
	mustRun(t, []string{cache}, "report", "occupancy", "--lake", shared, "--all-sites", "--from", day1.String(), "--to", day2.Next().String(), "--out", out)
	for name, zone := range sites {
		want, _ := mustRun(t, []string{cache, "AGENTBILL_SITE_NAME=" + name, "AGENTBILL_SITE_TIMEZONE=" + zone},
			"report", "occupancy", "--lake", shared, "--from", day1.String(), "--to", day2.Next().String(), "--out", "-")
		got := readFile(t, filepath.Join(out, "site="+name, "occupancy_"+day1.String()+"_"+day2.Next().String()+".csv"))
		if string(got) != want {
			t.Errorf("report --all-sites, site %s:\n%s\nwant\n%s", name, got, want)
		}
	}

	// query --all-sites goes over both, site by site.
	all, _ := mustRun(t, []string{cache}, "query", "--lake", shared, "--all-sites", "--format", "csv",
		"SELECT site, count(*) AS n FROM bills GROUP BY site ORDER BY site")
	var want strings.Builder
	want.WriteString("site,n\n")
	for _, name := range []string{"ktm", "nyc"} {
		var n int64
		if err := db.QueryRow("SELECT count(*) FROM bills WHERE site = ?", name).Scan(&n); err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&want, "%s,%d\n", name, n)
	}
	if all != want.String() {
		t.Errorf("query --all-sites:\n%s\nwant\n%s", all, want.String())
	}
	for _, table := range []string{"bills", "open", "rejects"} {
		des, _ := os.ReadDir(filepath.Join(srv.Root, "lake", "operator", table))
		var names []string
		for _, d := range des {
			names = append(names, d.Name())
		}
		if strings.Join(names, " ") != "site=ktm site=nyc" {
			t.Errorf("%s holds %v", table, names)
		}
	}
}

// A site's nightly job over a lake in a bucket: it ingests, reports, and
// records the day it completed in the bucket, under its site.
func TestBucketLakeJob(t *testing.T) {
	srv := s3test.Start(t, "lake")
	site := newJobSite(t, nil, "")
	data := strings.Replace(string(readFile(t, site.config)), "lake: "+strconv.Quote(site.lake),
		"lake: "+strconv.Quote(srv.URL("lake", "operator"))+"\nlake_cache: "+strconv.Quote(t.TempDir()), 1)
	data = strings.Replace(data, "  timezone: UTC\n", "  timezone: UTC\n  name: north\n", 1)
	if err := os.WriteFile(site.config, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, time.November, 21, 3, 0, 0, 0, time.UTC)
	code, stdout, stderr := runAt(t, now, site.env, "--config", site.config, "run", "nightly", "--date", "2026-11-19")
	if code != 0 || !strings.HasPrefix(stdout, "nightly 2026-11-19: done (") {
		t.Fatalf("exit %d\n%s\n%s", code, stdout, stderr)
	}
	rec := readFile(t, filepath.Join(srv.Root, "lake", "operator", "jobs", "site=north", "nightly.json"))
	if !strings.Contains(string(rec), `"2026-11-19"`) {
		t.Errorf("job record %s", rec)
	}
	if _, err := os.Stat(filepath.Join(site.out, "occupancy_2026-11-19_2026-11-20.csv")); err != nil {
		t.Error(err)
	}
	code, stdout, _ = runAt(t, now, site.env, "--config", site.config, "jobs")
	if code != 0 || !strings.Contains(stdout, "2026-11-19") {
		t.Errorf("jobs: exit %d\n%s", code, stdout)
	}
}

// Over a bucket as over a folder: a second writer stops with exit 75 and
// names the holder; a run with too many rejects keeps the day as it was
// and keeps what it refused beside the lake's tables.
func TestBucketLakeSafety(t *testing.T) {
	dir := t.TempDir()
	first := billing.Date{Year: 2026, Month: time.November, Day: 3}
	good := filepath.Join(dir, "good.csv")
	writeSynth(t, good, synth.Config{Agents: 8, Start: first, Days: 1, Seed: 11})
	damaged := filepath.Join(dir, "damaged.csv")
	writeSynth(t, damaged, synth.Config{Agents: 8, Start: first, Days: 1, Seed: 11, BadShare: 0.2})
	srv := s3test.Start(t, "lake")
	url := srv.URL("lake", "site")
	root := filepath.Join(srv.Root, "lake", "site")
	mustRun(t, nil, "ingest", "--lake", url, "--date", first.String(), good)
	bills := readFile(t, filepath.Join(root, "bills", "date="+first.String(), "bills.parquet"))

	lk, err := lake.OpenAt(context.Background(), url, lake.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer lk.Close()
	held, err := lk.Lock(lake.Holder{Command: "agentbill ingest", Day: first.String()})
	if err != nil {
		t.Fatal(err)
	}
	code, _, errOut := runCLI(t, nil, "ingest", "--lake", url, "--date", first.String(), good)
	if code != exitLakeBusy || !strings.Contains(errOut, `\"agentbill ingest\" (pid`) {
		t.Errorf("second writer: exit %d, want %d naming the holder:\n%s", code, exitLakeBusy, errOut)
	}
	held.Unlock()

	code, _, errOut = runCLI(t, nil, "ingest", "--lake", url, "--date", first.String(), damaged)
	if code != exitFailed || !strings.Contains(errOut, "more than max_reject_share") || !strings.Contains(errOut, "--force") {
		t.Fatalf("too many rejects: exit %d\n%s", code, errOut)
	}
	if !bytes.Equal(bills, readFile(t, filepath.Join(root, "bills", "date="+first.String(), "bills.parquet"))) {
		t.Error("the refused run changed the day's bills")
	}
	kept := readFile(t, filepath.Join(root, "refused", first.String()+".rejects.csv"))
	if !strings.HasPrefix(string(kept), "file,line,") || !strings.Contains(errOut, "s3://lake/site/refused/"+first.String()+".rejects.csv") {
		t.Errorf("refused records: %.60q; error %s", kept, errOut)
	}
}

// A day of an Amazon Connect stream read straight from the bucket Firehose
// writes it to (UTC hour folders, {utc_hour} in the input URL) bills as the
// same stream in local folders does, and the runs name the objects.
func TestBucketInputsConnect(t *testing.T) {
	dir := t.TempDir()
	stream := filepath.Join(dir, "stream")
	tz := "AGENTBILL_SITE_TIMEZONE=Asia/Kathmandu"
	mustRun(t, []string{tz}, "generate", "--agents", "12", "--days", "2", "--start", "2026-11-19", "--format", "connect", "--layout", "firehose", "--out", stream)
	srv := s3test.Start(t, "firehose")
	b, err := objstore.Open(context.Background(), srv.URL("firehose", "connect"))
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	err = filepath.WalkDir(stream, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(stream, p)
		return b.WriteAll(context.Background(), filepath.ToSlash(rel), readFile(t, p), nil)
	})
	if err != nil {
		t.Fatal(err)
	}
	remote := srv.URL("firehose", "connect/{utc_hour}/*.json")
	local := filepath.Join(stream, "{utc_hour}", "*.json")
	lakes := map[string]string{}
	for name, input := range map[string]string{"bucket": remote, "folder": local} {
		lakes[name] = filepath.Join(dir, name+"-lake")
		env := []string{tz, "AGENTBILL_INPUTS=" + input, "AGENTBILL_INPUT_FORMAT=connect"}
		for _, day := range []string{"2026-11-19", "2026-11-20"} {
			mustRun(t, env, "ingest", "--lake", lakes[name], "--date", day)
		}
	}
	q := "SELECT date, agent_id, op_type, begin_time, end_time, call_id, media_type FROM bills ORDER BY ALL"
	want, _ := mustRun(t, []string{tz}, "query", "--lake", lakes["folder"], "--format", "csv", q)
	got, _ := mustRun(t, []string{tz}, "query", "--lake", lakes["bucket"], "--format", "csv", q)
	if got != want || strings.Count(want, "\n") < 100 {
		t.Errorf("bills from the bucket differ from those of the folders (%d and %d lines)", strings.Count(got, "\n"), strings.Count(want, "\n"))
	}
	manifest := string(readFile(t, filepath.Join(lakes["bucket"], "runs", "2026-11-20.json")))
	if !strings.Contains(manifest, `"path": "s3://firehose/connect/2026/11/19/18/connect-2026-11-19-18.json?`) {
		t.Errorf("the manifest does not name the objects:\n%.2000s", manifest)
	}
	// check hashes the inputs where they are: in the bucket.
	mustRun(t, []string{tz}, "check", "--lake", lakes["bucket"])
}

// A folder lake shared by sites reads as each site's own lake.
func TestFolderLakeWithSite(t *testing.T) {
	events, day1, day2 := sampleEvents(t)
	shared := filepath.Join(t.TempDir(), "lake")
	own := filepath.Join(t.TempDir(), "own")
	env := []string{"AGENTBILL_LAKE_CACHE=" + t.TempDir(), "AGENTBILL_SITE_NAME=north"}
	for _, d := range []billing.Date{day1, day2} {
		mustRun(t, env, "ingest", "--lake", shared, "--date", d.String(), events)
		mustRun(t, nil, "ingest", "--lake", own, "--date", d.String(), events)
	}
	if _, err := os.Stat(filepath.Join(shared, "bills", "site=north", "date="+day2.String(), "bills.parquet")); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"report", "occupancy", "--from", day1.String(), "--to", day2.Next().String(), "--out", "-"},
		{"export", "--date", day2.String(), "--out", "-"},
		{"query", "--format", "csv", "SELECT date, count(*), max(bill_id) FROM bills GROUP BY date ORDER BY date"},
	} {
		want, _ := mustRun(t, nil, append(args, "--lake", own)...)
		got, _ := mustRun(t, env, append(args, "--lake", shared)...)
		if got != want {
			t.Errorf("agentbill %s over the shared folder:\n%s\nwant\n%s", args[0], got, want)
		}
	}
	out, _ := mustRun(t, env, "status", "--lake", shared)
	if !strings.Contains(out, day2.String()+"  ok") {
		t.Errorf("status:\n%s", out)
	}
}
