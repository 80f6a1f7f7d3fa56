package lake

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/agentbill/agentbill/ingest/lake/s3test"
)

// A writer killed (kill -9) at every stage of uploading and committing a
// day to a bucket: afterwards each table is whole, the old object or the
// new one; once the next writer came (after the lease expired), the day is
// the old one or the new one whole and no temporary object is left.
func TestWriteDayCrashBucket(t *testing.T) {
	if testing.Short() {
		t.Skip("starts child processes")
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	loc := kathmandu(t)
	srv := s3test.Start(t, "lake")
	t.Setenv(crashLeaseEnv, "1s")
	open := func(t *testing.T, prefix string) (*Lake, string) {
		l, err := OpenAt(context.Background(), srv.URL("lake", prefix), Options{Location: loc})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { l.Close() })
		return l, filepath.Join(srv.Root, "lake", prefix)
	}
	writeOld := func(t *testing.T, l *Lake) {
		m := sampleManifest()
		m.Version = "old"
		if err := l.WriteDay(context.Background(), testDay, sampleBills(loc), sampleOpen(loc), sampleRejects(), m); err != nil {
			t.Fatal(err)
		}
	}
	oldLake, oldRoot := open(t, "old")
	writeOld(t, oldLake)
	old := readVersionAt(t, oldLake, oldRoot, "old")
	newLake, newRoot := open(t, "new")
	bills, openSpans, rejects, m := crashDay(loc)
	if err := newLake.WriteDay(context.Background(), testDay, bills, openSpans, rejects, m); err != nil {
		t.Fatal(err)
	}
	fresh := readVersionAt(t, newLake, newRoot, "new")

	tests := []struct {
		name  string
		stage string
		delay time.Duration
	}{
		{name: "before writing", stage: "start"},
		{name: "bills uploaded", stage: "bills-encoded"},
		{name: "all uploaded", stage: "tables-synced"},
		{name: "journal written", stage: "journal written"},
		{name: "bills in place", stage: "renamed bills.parquet"},
		{name: "open in place", stage: "renamed open.parquet"},
		{name: "rejects in place", stage: "renamed rejects.parquet"},
		{name: "after 50ms", delay: 50 * time.Millisecond},
		{name: "after 300ms", delay: 300 * time.Millisecond},
		{name: "after 700ms", delay: 700 * time.Millisecond},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			prefix := "crash" + string(rune('a'+i))
			l, root := open(t, prefix)
			writeOld(t, l)
			finished := runAndKill(t, exe, srv.URL("lake", prefix), tt.stage, tt.delay)
			versions := func() map[string]string {
				got := map[string]string{}
				for _, table := range Tables() {
					data, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(l.Rel(table.Name, testDay))))
					if err != nil {
						t.Fatalf("%s: %v", table.Name, err)
					}
					switch {
					case bytes.Equal(data, old.files[table.Name]):
						got[table.Name] = "old"
					case bytes.Equal(data, fresh.files[table.Name]):
						got[table.Name] = "new"
					default:
						t.Fatalf("%s: %d bytes, neither the old object nor the new one", table.Name, len(data))
					}
				}
				return got
			}
			got := versions()
			// The killed writer's lease runs out; the next writer finishes
			// a journaled commit or clears the temporary objects.
			k, err := l.LockWait(context.Background(), Holder{Command: "next"}, 100*time.Millisecond)
			if err != nil {
				t.Fatal(err)
			}
			k.Unlock()
			got = versions()
			mf := checkWholeDay(t, l, got, old, fresh)
			if finished && mf.Version != "new" {
				t.Error("the child finished, but the manifest is old")
			}
			left, err := l.Leftovers()
			if err != nil || len(left) > 0 {
				t.Errorf("leftovers after the next writer: %v %v", left, err)
			}
			if p := fileProblems(t, l); len(p) > 0 {
				t.Errorf("Verify: %v", p)
			}
			t.Logf("after the kill: %v, manifest %s", got, mf.Version)
		})
	}
}

// The S3 server goes away in the middle of an upload and comes back: the
// write fails, the day stays the old one whole, and writing it again
// works.
func TestWriteDayLostConnection(t *testing.T) {
	loc := kathmandu(t)
	srv := s3test.Start(t, "lake")
	l, err := OpenAt(context.Background(), srv.URL("lake", "site"), Options{Location: loc})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	m := sampleManifest()
	m.Version = "old"
	if err := l.WriteDay(context.Background(), testDay, sampleBills(loc), sampleOpen(loc), sampleRejects(), m); err != nil {
		t.Fatal(err)
	}
	bills, open, rejects, big := crashDay(loc)
	stageHook = func(stage string) {
		if stage == "bills-encoded" {
			srv.Stop()
		}
	}
	defer func() { stageHook = func(string) {} }()
	err = l.WriteDay(context.Background(), testDay, bills, open, rejects, big)
	if err == nil {
		t.Fatal("a write whose server went away succeeded")
	}
	t.Logf("write with the server gone: %v", err)
	stageHook = func(string) {}
	srv.Restart()
	got, found, err := l.ReadManifest(testDay)
	if err != nil || !found || got.Version != "old" {
		t.Fatalf("manifest after the failed write: %v %v %v", got.Version, found, err)
	}
	if p := fileProblems(t, l); len(p) > 0 {
		t.Fatalf("Verify after the failed write: %v", p)
	}
	if err := l.WriteDay(context.Background(), testDay, bills, open, rejects, big); err != nil {
		t.Fatalf("write after the server came back: %v", err)
	}
	if left, _ := l.Leftovers(); len(left) > 0 {
		t.Errorf("leftovers: %v", left)
	}
}

// fileProblems are the problems Verify finds with the files of testDay
// (the sample manifests' counts do not balance, on purpose of other tests).
func fileProblems(t *testing.T, l *Lake) []string {
	t.Helper()
	reps, err := l.Verify(context.Background(), VerifyOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, r := range reps {
		for _, p := range r.Problems {
			if !strings.HasPrefix(p, "counts:") {
				out = append(out, p)
			}
		}
	}
	return out
}
