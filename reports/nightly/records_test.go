package nightly

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestRecords(t *testing.T) {
	lake := t.TempDir()
	r := RecordsIn(lake)
	at := time.Date(2026, 3, 11, 2, 30, 0, 0, time.UTC)
	if days, err := r.Completed("nightly"); err != nil || len(days) != 0 {
		t.Fatalf("a job with no record: %v %v", days, err)
	}
	for _, d := range []string{"2026-03-10", "2026-03-08", "2026-03-10"} {
		if err := r.Mark("nightly", date(t, d), at); err != nil {
			t.Fatal(err)
		}
	}
	data, err := os.ReadFile(filepath.Join(lake, "jobs", "nightly.json"))
	if err != nil {
		t.Fatal(err)
	}
	var rec Record
	if err := json.Unmarshal(data, &rec); err != nil {
		t.Fatal(err)
	}
	if rec.Job != "nightly" || strings.Join(rec.Completed, ",") != "2026-03-08,2026-03-10" || !rec.Updated.Equal(at) {
		t.Errorf("record %+v", rec)
	}
	if done, _ := r.Done("nightly", date(t, "2026-03-09")); done {
		t.Error("2026-03-09 done")
	}
	if done, _ := r.Done("nightly", date(t, "2026-03-10")); !done {
		t.Error("2026-03-10 not done")
	}
	entries, _ := os.ReadDir(filepath.Join(lake, "jobs"))
	if len(entries) != 1 {
		t.Errorf("files %v; want the record alone, no temporary file", entries)
	}
	// The record keeps the newest days.
	long := Record{Job: "long"}
	d := date(t, "2025-01-01")
	for range keepDays + 5 {
		long.Completed = append(long.Completed, d.String())
		d = d.Next()
	}
	data, _ = json.Marshal(long)
	if err := os.WriteFile(r.Path("long"), data, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := r.Mark("long", d, at); err != nil {
		t.Fatal(err)
	}
	days, _ := r.Completed("long")
	if len(days) != keepDays || days[0] != date(t, "2025-01-07") || days[len(days)-1] != d {
		t.Errorf("%d days kept, %s to %s", len(days), days[0], days[len(days)-1])
	}
}

func TestRecordsLock(t *testing.T) {
	r := RecordsIn(t.TempDir())
	unlock, err := r.Lock("nightly")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.Lock("nightly"); !errors.Is(err, ErrBusy) {
		t.Errorf("second lock: %v; want ErrBusy", err)
	}
	other, err := r.Lock("weekly")
	if err != nil {
		t.Fatalf("another job's lock: %v", err)
	}
	other()
	unlock()
	again, err := r.Lock("nightly")
	if err != nil {
		t.Fatalf("lock after unlock: %v", err)
	}
	again()
}

func TestRecordsBadFile(t *testing.T) {
	lake := t.TempDir()
	r := RecordsIn(lake)
	if err := os.MkdirAll(r.Dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(r.Path("nightly"), []byte("{"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := r.Completed("nightly"); err == nil || !strings.Contains(err.Error(), "nightly.json") {
		t.Errorf("err %v; want one naming the file", err)
	}
}
