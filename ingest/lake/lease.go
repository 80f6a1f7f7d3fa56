package lake

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path"
	"strconv"
	"sync"
	"time"

	"gocloud.dev/blob"
	"gocloud.dev/gcerrors"
)

// A bucket has no flock. Its writer lock is a lease: a numbered object
// under the lock's folder (".lock/00000000000000000007"), created with a
// conditional write (If-None-Match: *) so that of two writers that see
// the same free lease only one creates the next number. The highest
// number is the lease; it holds its holder and when it expires. The
// holder renews it every third of leaseTTL and marks it released at the
// end. A crashed holder stops renewing: once its lease expired, the next
// writer takes the next number and finishes or clears what it left
// (RollForward, removeLeftovers).
//
// A holder that stalls for longer than leaseTTL (a stopped VM) may find its
// lease taken: it checks that the lease is still its own before it starts
// to put a day in place (Lock.check), and gives up if not.

// leaseTTL is how long a lease lasts without renewal.
var leaseTTL = 2 * time.Minute

type leaseRecord struct {
	Holder
	Expires  time.Time `json:"expires"`
	Released bool      `json:"released,omitempty"`
}

// free reports whether the lease may be taken: released, expired, or
// held by a process of this host that is gone (or by this process, which
// no longer holds it: its release failed, say, with the server away).
func (r *leaseRecord) free(now time.Time) bool {
	if r.Released || !now.Before(r.Expires) {
		return true
	}
	host, _ := os.Hostname()
	if r.Host != host || host == "" {
		return false
	}
	if r.PID == os.Getpid() {
		return !liveLease(r.Since)
	}
	return !processAlive(r.PID)
}

// liveLeases are the leases this process holds, by when they were taken.
var liveLeases = struct {
	sync.Mutex
	since map[int64]int
}{since: map[int64]int{}}

func liveLease(since time.Time) bool {
	liveLeases.Lock()
	defer liveLeases.Unlock()
	return liveLeases.since[since.UnixNano()] > 0
}

func markLease(since time.Time, delta int) {
	liveLeases.Lock()
	defer liveLeases.Unlock()
	k := since.UnixNano()
	liveLeases.since[k] += delta
	if liveLeases.since[k] <= 0 {
		delete(liveLeases.since, k)
	}
}

// leaseWritten is called once a writer has written the lease it takes;
// a test stalls it there.
var leaseWritten = func() {}

// errTakenOver is a lease that another writer took after it expired.
var errTakenOver = errors.New("taken over")

type bucketLease struct {
	s    *bucketStorage
	dir  string
	seq  int64
	rec  leaseRecord
	stop chan struct{}
	wg   sync.WaitGroup

	mu   sync.Mutex
	lost error
}

func (s *bucketStorage) leaseKey(dir string, seq int64) string {
	return path.Join(dir, fmt.Sprintf("%020d", seq))
}

// currentLease reads the highest lease under dir; seq is 0 when there is
// none.
func (s *bucketStorage) currentLease(ctx context.Context, dir string) (seq int64, rec leaseRecord, all []int64, err error) {
	entries, err := s.list(ctx, dir)
	if err != nil {
		return 0, rec, nil, err
	}
	for _, e := range entries {
		if n, err := strconv.ParseInt(e.Name, 10, 64); err == nil && !e.Dir {
			all = append(all, n)
			seq = max(seq, n)
		}
	}
	if seq == 0 {
		return 0, rec, all, nil
	}
	data, err := s.readAll(ctx, s.leaseKey(dir, seq))
	if err != nil {
		return 0, rec, nil, err
	}
	if err := json.Unmarshal(data, &rec); err != nil {
		// A damaged lease holds nothing: it is free.
		rec = leaseRecord{Released: true}
	}
	return seq, rec, all, nil
}

func (s *bucketStorage) tryLock(ctx context.Context, dir string, h Holder) (heldLock, error) {
	seq, rec, all, err := s.currentLease(ctx, dir)
	if err != nil {
		return nil, err
	}
	now := time.Now().UTC()
	if seq > 0 && !rec.free(now) {
		return nil, nil
	}
	k := &bucketLease{s: s, dir: dir, seq: seq + 1, rec: leaseRecord{Holder: h, Expires: now.Add(leaseTTL)}, stop: make(chan struct{})}
	data, _ := json.Marshal(k.rec)
	// Live before it is written: another writer of this process that
	// reads the lease between the write and the mark would take it for
	// one this process no longer holds (see free), and take the next.
	markLease(h.Since, 1)
	err = s.b.WriteAll(ctx, s.leaseKey(dir, k.seq), data, &blob.WriterOptions{IfNotExist: true, ContentType: "application/json"})
	if err != nil {
		markLease(h.Since, -1)
	}
	if gcerrors.Code(err) == gcerrors.FailedPrecondition {
		return nil, nil // another writer took this number first
	}
	if err != nil {
		return nil, s.wrap(s.leaseKey(dir, k.seq), err)
	}
	leaseWritten()
	for _, n := range all { // the leases before, which nobody reads again
		s.remove(ctx, s.leaseKey(dir, n))
	}
	k.wg.Add(1)
	go k.renew()
	return k, nil
}

// renew extends the lease until unlock, unless it was taken over.
func (k *bucketLease) renew() {
	defer k.wg.Done()
	t := time.NewTicker(leaseTTL / 3)
	defer t.Stop()
	for {
		select {
		case <-k.stop:
			return
		case <-t.C:
		}
		ctx, cancel := context.WithTimeout(context.Background(), leaseTTL/3)
		err := k.write(ctx, false)
		cancel()
		// A renewal that failed (the store away for a moment) is tried
		// again at the next tick; a lease taken over is lost for good.
		if errors.Is(err, errTakenOver) {
			k.mu.Lock()
			if k.lost == nil {
				k.lost = err
			}
			k.mu.Unlock()
			return
		}
	}
}

// write stores the lease again, renewed or released, when it is still the
// current one.
func (k *bucketLease) write(ctx context.Context, release bool) error {
	seq, rec, _, err := k.s.currentLease(ctx, k.dir)
	if err != nil {
		return fmt.Errorf("renew the lake's lease: %w", err)
	}
	if seq != k.seq {
		return fmt.Errorf("the lake's lease expired and was %w by %s", errTakenOver, rec.Holder)
	}
	k.rec.Released = release
	k.rec.Expires = time.Now().UTC().Add(leaseTTL)
	data, _ := json.Marshal(k.rec)
	return k.s.wrap(k.s.leaseKey(k.dir, k.seq), k.s.b.WriteAll(ctx, k.s.leaseKey(k.dir, k.seq), data, &blob.WriterOptions{ContentType: "application/json"}))
}

func (k *bucketLease) check() error {
	k.mu.Lock()
	lost := k.lost
	k.mu.Unlock()
	if lost != nil {
		return lost
	}
	seq, rec, _, err := k.s.currentLease(context.Background(), k.dir)
	if err != nil {
		return err
	}
	if seq != k.seq {
		return fmt.Errorf("the lake's lease expired and was %w by %s", errTakenOver, rec.Holder)
	}
	return nil
}

func (k *bucketLease) unlock() error {
	close(k.stop)
	k.wg.Wait()
	markLease(k.rec.Since, -1)
	k.mu.Lock()
	lost := k.lost
	k.mu.Unlock()
	if lost != nil {
		return nil // not ours to release
	}
	return k.write(context.Background(), true)
}

func (s *bucketStorage) lockHolder(ctx context.Context, dir string) (Holder, bool) {
	seq, rec, _, err := s.currentLease(ctx, dir)
	if err != nil || seq == 0 {
		return Holder{}, false
	}
	return rec.Holder, rec.PID != 0
}

func (s *bucketStorage) locked(ctx context.Context, dir string) bool {
	seq, rec, _, err := s.currentLease(ctx, dir)
	return err == nil && seq > 0 && !rec.free(time.Now())
}
