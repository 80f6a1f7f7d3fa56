package lake

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/agentbill/agentbill/ingest/lake/s3test"
)

// s3Lake is a lake in a bucket of a fresh versitygw, and the folder the
// server keeps its objects in.
func s3Lake(t *testing.T, site string) (*Lake, *s3test.Server, string) {
	t.Helper()
	srv := s3test.Start(t, "lake")
	l, err := OpenAt(context.Background(), srv.URL("lake", "prod/bills-lake"), Options{Location: kathmandu(t), Site: site, Version: "test"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	return l, srv, filepath.Join(srv.Root, "lake", "prod", "bills-lake")
}

func TestIsURL(t *testing.T) {
	for in, want := range map[string]bool{
		"s3://b/p?region=x": true, "gs://b": true, "azblob://c/p": true, "file:///srv/lake": true, "mem://": true,
		"/srv/lake": false, "lake": false, "C:/lake": false, "c:\\lake": false, "http://x/y": false,
	} {
		if got := IsURL(in); got != want {
			t.Errorf("IsURL(%q) = %v", in, got)
		}
	}
}

// The same day written to a folder and to a bucket gives the same objects,
// byte for byte, and reads back the same.
func TestBucketSameAsFolder(t *testing.T) {
	for _, site := range []string{"", "ktm"} {
		t.Run("site="+site, func(t *testing.T) {
			bl, _, root := s3Lake(t, site)
			fl := &Lake{Dir: t.TempDir(), Location: bl.Location, Site: site, Version: "test"}
			writeBalanced(t, fl, "test")
			writeBalanced(t, bl, "test")
			want, got := snapshot(t, fl.Dir), snapshot(t, root)
			for k := range want {
				if strings.Contains(k, ".lock") {
					delete(want, k)
				}
			}
			for k := range got {
				if strings.Contains(k, ".lock") {
					delete(got, k) // the lease
				}
			}
			if !reflect.DeepEqual(keys(got), keys(want)) {
				t.Fatalf("bucket objects %v, folder files %v", keys(got), keys(want))
			}
			for k := range want {
				if got[k] != want[k] {
					t.Errorf("%s differs between the bucket and the folder", k)
				}
			}
			if site != "" && !strings.Contains(strings.Join(keys(got), " "), "bills/site=ktm/date=2024-03-10/bills.parquet") {
				t.Errorf("no site partition in %v", keys(got))
			}
			spans, carried, err := bl.ReadOpen(context.Background(), testDay)
			if err != nil || carried == nil || len(spans) != len(sampleOpen(bl.Location)) {
				t.Fatalf("ReadOpen from the bucket = %d spans, %v, %v", len(spans), carried, err)
			}
			reps, err := bl.Verify(context.Background(), VerifyOptions{})
			if err != nil || len(reps) != 1 || reps[0].State != StateOK || len(reps[0].Problems) > 0 {
				t.Fatalf("Verify = %+v, %v", reps, err)
			}
			days, err := bl.Days()
			if err != nil || len(days) != 1 || days[0] != testDay {
				t.Fatalf("Days = %v, %v", days, err)
			}
		})
	}
}

// Damage in the bucket is found as in a folder.
func TestBucketDamage(t *testing.T) {
	l, _, root := s3Lake(t, "")
	writeBalanced(t, l, "test")
	p := filepath.Join(root, filepath.FromSlash(l.Rel(Open.Name, testDay)))
	data, _ := os.ReadFile(p)
	data[len(data)/2] ^= 1
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	_, _, err := l.ReadOpen(context.Background(), testDay)
	var cs *CarriedStateError
	if !errors.As(err, &cs) || !strings.Contains(err.Error(), "s3://lake/prod/bills-lake/open/date=2024-03-10/open.parquet") {
		t.Fatalf("ReadOpen of a changed open table = %v", err)
	}
	reps, err := l.Verify(context.Background(), VerifyOptions{})
	if err != nil || reps[0].State != StateBroken {
		t.Fatalf("Verify = %+v, %v", reps, err)
	}
}

// One writer: a second process's lease attempt finds the lake busy and who
// holds it; a released lease is free again; an expired one is taken over,
// and its old holder cannot commit any more.
func TestBucketLease(t *testing.T) {
	l, srv, _ := s3Lake(t, "")
	k, err := l.Lock(Holder{Command: "ingest", Day: "2024-03-10"})
	if err != nil {
		t.Fatal(err)
	}
	other, err := OpenAt(context.Background(), srv.URL("lake", "prod/bills-lake"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	_, err = other.Lock(Holder{Command: "second"})
	var be *BusyError
	if !errors.As(err, &be) || !be.Known || be.Holder.Command != "ingest" || !errors.Is(err, ErrBusy) {
		t.Fatalf("second writer: %v", err)
	}
	if other.Busy() == nil {
		t.Error("Busy() = nil while the lease is held")
	}
	if err := k.Unlock(); err != nil {
		t.Fatal(err)
	}
	if other.Busy() != nil {
		t.Error("Busy() after release")
	}
	k2, err := other.Lock(Holder{Command: "second"})
	if err != nil {
		t.Fatalf("lock after release: %v", err)
	}
	k2.Unlock()

	// A holder that stops renewing: its lease expires and is taken over.
	old := leaseTTL
	leaseTTL = 300 * time.Millisecond
	defer func() { leaseTTL = old }()
	stalled, err := l.Lock(Holder{Command: "stalled"})
	if err != nil {
		t.Fatal(err)
	}
	lease := stalled.held.(*bucketLease)
	close(lease.stop) // as if the process froze: no renewal
	lease.wg.Wait()
	lease.stop = make(chan struct{})
	if _, err := other.Lock(Holder{Command: "too early"}); !errors.Is(err, ErrBusy) {
		t.Fatalf("lock of a live lease: %v", err)
	}
	time.Sleep(400 * time.Millisecond)
	taker, err := other.Lock(Holder{Command: "taker"})
	if err != nil {
		t.Fatalf("lock of an expired lease: %v", err)
	}
	defer taker.Unlock()
	if err := l.checkLock(); err == nil || !strings.Contains(err.Error(), "taker") {
		t.Fatalf("the stalled holder's check = %v", err)
	}
	dw, err := l.CreateDay(context.Background(), testDay)
	if err != nil {
		t.Fatal(err)
	}
	defer dw.Abort()
	if err := dw.Commit(nil, nil, Manifest{}); err == nil {
		t.Fatal("a writer whose lease was taken committed")
	}
	if _, found, _ := other.ReadManifest(testDay); found {
		t.Fatal("the day was committed by a writer without the lease")
	}
}

// Concurrent takers of one free lease: exactly one wins.
func TestBucketLeaseRace(t *testing.T) {
	_, srv, _ := s3Lake(t, "")
	const n = 6
	won := make(chan *Lock, n)
	errs := make(chan error, n)
	for i := range n {
		go func() {
			l, err := OpenAt(context.Background(), srv.URL("lake", "prod/bills-lake"), Options{})
			if err != nil {
				errs <- err
				return
			}
			k, err := l.Lock(Holder{Command: fmt.Sprint("racer ", i)})
			if err == nil {
				won <- k
			}
			errs <- err
		}()
	}
	wins := 0
	for range n {
		if err := <-errs; err == nil {
			wins++
		} else if !errors.Is(err, ErrBusy) {
			t.Error(err)
		}
	}
	if wins != 1 {
		t.Fatalf("%d writers took the lease", wins)
	}
	(<-won).Unlock()
}

// A writer of this process that reads the lease another has just
// written, before that one has gone on, finds it held.
func TestBucketLeaseJustWritten(t *testing.T) {
	_, srv, _ := s3Lake(t, "")
	written, goOn := make(chan struct{}), make(chan struct{})
	defer func(was func()) { leaseWritten = was }(leaseWritten)
	leaseWritten = func() {
		close(written)
		<-goOn
	}
	open := func() *Lake {
		l, err := OpenAt(context.Background(), srv.URL("lake", "prod/bills-lake"), Options{})
		if err != nil {
			t.Fatal(err)
		}
		return l
	}
	first, second := open(), open()
	type result struct {
		k   *Lock
		err error
	}
	got := make(chan result, 1)
	go func() {
		k, err := first.Lock(Holder{Command: "first"})
		got <- result{k, err}
	}()
	<-written
	leaseWritten = func() {}
	k, err := second.Lock(Holder{Command: "second"})
	close(goOn)
	r := <-got
	if r.err != nil {
		t.Fatalf("first writer: %v", r.err)
	}
	defer r.k.Unlock()
	if err == nil {
		k.Unlock()
		t.Fatal("a second writer took the lease the first had just written")
	}
	if !errors.Is(err, ErrBusy) {
		t.Fatal(err)
	}
}

// A commit stopped after its journal is finished by the next writer, in a
// bucket as in a folder; one stopped before leaves the old day and no
// temporary object behind once the next writer came.
func TestBucketRollForward(t *testing.T) {
	l, srv, root := s3Lake(t, "")
	writeBalanced(t, l, "test")
	before := snapshot(t, root)
	stop := errors.New("stop")
	for _, stage := range []string{"tables-synced", "journal written", "renamed bills.parquet"} {
		t.Run(stage, func(t *testing.T) {
			stageHook = func(s string) {
				if s == stage {
					panic(stop)
				}
			}
			func() {
				defer func() {
					if r := recover(); r != stop {
						panic(r)
					}
				}()
				writeBalanced(t, l, "second")
			}()
			stageHook = func(string) {}
			l.held = nil // the stopped writer's lease is gone with it
			next, err := OpenAt(context.Background(), srv.URL("lake", "prod/bills-lake"), Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer next.Close()
			m, _, _ := next.ReadManifest(testDay)
			if stage == "tables-synced" {
				k, err := next.LockWait(context.Background(), Holder{Command: "next"}, 100*time.Millisecond)
				if err != nil {
					t.Fatal(err)
				}
				k.Unlock()
				if m.Version != "test" {
					t.Errorf("manifest version %q before the journal", m.Version)
				}
				after := snapshot(t, root)
				for k := range after {
					if isTemp(filepath.Base(k)) {
						t.Errorf("leftover %s", k)
					}
				}
				for k, v := range before {
					if !strings.Contains(k, ".lock") && after[k] != v {
						t.Errorf("%s changed", k)
					}
				}
				return
			}
			if _, err := next.RollForward(); err != nil && !errors.Is(err, ErrBusy) {
				t.Fatal(err)
			}
			k, err := next.LockWait(context.Background(), Holder{Command: "next"}, 100*time.Millisecond)
			if err != nil {
				t.Fatal(err)
			}
			k.Unlock()
			m, _, _ = next.ReadManifest(testDay)
			if m.Version != "second" {
				t.Errorf("manifest version %q after roll forward", m.Version)
			}
			reps, err := next.Verify(context.Background(), VerifyOptions{})
			if err != nil || reps[0].State != StateOK {
				t.Fatalf("Verify = %+v, %v", reps, err)
			}
			data, _ := json.Marshal(reps[0].Problems)
			if len(reps[0].Problems) > 0 {
				t.Errorf("problems %s", data)
			}
		})
	}
}

// writeBalanced writes the sample day with a manifest whose counts balance.
func writeBalanced(t *testing.T, l *Lake, version string) {
	t.Helper()
	loc := l.location()
	m := sampleManifest()
	m.Version = version
	m.Counts.RejectsByReason = map[string]int64{}
	for _, r := range sampleRejects() {
		m.Counts.RejectsByReason[r.Reason]++
	}
	if err := l.WriteDay(context.Background(), testDay, sampleBills(loc), sampleOpen(loc), sampleRejects(), m); err != nil {
		t.Fatalf("WriteDay: %v", err)
	}
}
