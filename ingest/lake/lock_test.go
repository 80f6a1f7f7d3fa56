package lake

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestLockOneWriter(t *testing.T) {
	l := &Lake{Dir: t.TempDir()}
	held, err := l.Lock(Holder{Command: "ingest", Day: "2026-11-03"})
	if err != nil {
		t.Fatal(err)
	}
	// A second writer, even in the same process, is refused at once and
	// told who holds the lake.
	other := &Lake{Dir: l.Dir}
	_, err = other.Lock(Holder{Command: "ingest"})
	var busy *BusyError
	if !errors.As(err, &busy) || !errors.Is(err, ErrBusy) {
		t.Fatalf("second Lock = %v, want a BusyError", err)
	}
	for _, want := range []string{`"ingest"`, "pid ", "day 2026-11-03", "since "} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("busy error %q lacks %q", err, want)
		}
	}
	if _, err := other.CreateDay(context.Background(), testDay); !errors.Is(err, ErrBusy) {
		t.Fatalf("CreateDay while locked = %v, want ErrBusy", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, err := other.LockWait(ctx, Holder{Command: "job"}, 10*time.Millisecond); !errors.Is(err, ErrBusy) {
		t.Fatalf("LockWait past its deadline = %v, want ErrBusy", err)
	}
	if err := held.Unlock(); err != nil {
		t.Fatal(err)
	}
	again, err := other.Lock(Holder{Command: "ingest"})
	if err != nil {
		t.Fatalf("Lock after Unlock = %v", err)
	}
	again.Unlock()
}

// A reader never finishes a commit while another process holds the lock:
// that process may be the one committing.
func TestReaderDuringCommit(t *testing.T) {
	loc := kathmandu(t)
	writer := &Lake{Dir: t.TempDir(), Location: loc}
	writeSample(t, writer)
	lk, err := writer.Lock(Holder{Command: "ingest"})
	if err != nil {
		t.Fatal(err)
	}
	defer lk.Unlock()
	// The writer is between its journal and its renames.
	journal := writer.journalPath(testDay)
	if err := os.WriteFile(journal, []byte(`{"date":"2024-03-10","renames":[]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	reader := &Lake{Dir: writer.Dir, Location: loc}
	if _, err := reader.RollForward(); !errors.Is(err, ErrBusy) {
		t.Fatalf("reader RollForward = %v, want ErrBusy", err)
	}
	if _, err := os.Stat(journal); err != nil {
		t.Fatalf("the reader touched the live writer's journal: %v", err)
	}
	// The holder itself finishes it.
	if _, err := writer.RollForward(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(journal); !os.IsNotExist(err) {
		t.Fatalf("journal still there after the holder's RollForward: %v", err)
	}
}

func TestNextWriterRemovesLeftovers(t *testing.T) {
	loc := kathmandu(t)
	l := &Lake{Dir: t.TempDir(), Location: loc}
	writeSample(t, l)
	left := []string{
		filepath.Join(filepath.Dir(l.Path(Bills.Name, testDay)), ".bills.parquet"+tempMark+"123"),
		filepath.Join(filepath.Dir(l.Path(Open.Name, testDay.Next())), ".open.parquet"+tempMark+"9"),
		filepath.Join(l.Dir, runsFolder, "."+testDay.String()+".json"+tempMark+"77"),
		filepath.Join(l.Dir, runsFolder, "."+testDay.String()+journalSuffix+tempMark+"5"),
	}
	for _, f := range left {
		os.MkdirAll(filepath.Dir(f), 0o755)
		if err := os.WriteFile(f, []byte("half"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	found, err := l.Leftovers()
	if err != nil || len(found) != len(left) {
		t.Fatalf("Leftovers = %v, %v; want %d files", found, err, len(left))
	}
	lk, err := l.Lock(Holder{Command: "ingest"})
	if err != nil {
		t.Fatal(err)
	}
	lk.Unlock()
	for _, f := range left {
		if _, err := os.Stat(f); !os.IsNotExist(err) {
			t.Errorf("%s is still there after the next writer took the lock", f)
		}
	}
}
