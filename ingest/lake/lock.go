package lake

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"
)

// ErrBusy is returned when another process holds the lake's lock.
var ErrBusy = errors.New("the lake is busy")

// Holder says who holds the lake's lock, for the message a second writer
// gets.
type Holder struct {
	Command string    `json:"command"`
	Day     string    `json:"day,omitempty"`
	PID     int       `json:"pid"`
	Host    string    `json:"host,omitempty"`
	Since   time.Time `json:"since"`
}

func (h Holder) String() string {
	s := fmt.Sprintf("%q (pid %d", h.Command, h.PID)
	if h.Host != "" {
		s += " on " + h.Host
	}
	if h.Day != "" {
		s += ", day " + h.Day
	}
	if !h.Since.IsZero() {
		s += ", since " + h.Since.Format(time.RFC3339)
	}
	return s + ")"
}

// BusyError is ErrBusy with the holder, as far as its lock file says.
type BusyError struct {
	Lake   string
	Holder Holder
	Known  bool // whether the lock file named the holder
}

func (e *BusyError) Error() string {
	who := "another process"
	if e.Known {
		who = e.Holder.String()
	}
	return fmt.Sprintf("the lake %s is busy: %s is writing it; wait for it to end, or stop it", e.Lake, who)
}

// Unwrap makes errors.Is(err, ErrBusy) true.
func (e *BusyError) Unwrap() error { return ErrBusy }

// Lock is the lake's writer lock: one writer at a time, for the whole of its
// run. In a folder it is an flock on LAKE/.lock, so the kernel releases it
// when the holder dies, however it dies; the file stays, and holds the
// last holder. In a bucket it is a lease object (see lease.go) that expires
// when its holder stops renewing it. A lake with a site has one lock per
// site: the writers of two sites never wait for each other.
type Lock struct {
	lake *Lake
	held heldLock
}

// lockName is the name of the lock in the lake.
func (l *Lake) lockName() string {
	if l.Site == "" {
		return ".lock"
	}
	return ".lock-site=" + l.Site
}

// Lock takes the lake's lock without waiting; ErrBusy (a *BusyError) when
// another process holds it.
func (l *Lake) Lock(h Holder) (*Lock, error) {
	lk, err := l.tryLock(h)
	if err != nil {
		return nil, err
	}
	if lk == nil {
		return nil, l.busy()
	}
	return lk, l.afterLock(lk)
}

// LockWait takes the lake's lock, waiting until it is free or ctx ends.
func (l *Lake) LockWait(ctx context.Context, h Holder, poll time.Duration) (*Lock, error) {
	for {
		lk, err := l.tryLock(h)
		if err != nil {
			return nil, err
		}
		if lk != nil {
			return lk, l.afterLock(lk)
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("%w (%w)", l.busy(), ctx.Err())
		case <-time.After(poll):
		}
	}
}

// tryLock returns nil, nil when another process holds the lock.
func (l *Lake) tryLock(h Holder) (*Lock, error) {
	if h.PID == 0 {
		h.PID = os.Getpid()
	}
	if h.Since.IsZero() {
		h.Since = time.Now().UTC()
	}
	if h.Host == "" {
		h.Host, _ = os.Hostname()
	}
	held, err := l.storage().tryLock(context.Background(), l.lockName(), h)
	if err != nil {
		return nil, fmt.Errorf("lock the lake: %w", err)
	}
	if held == nil {
		return nil, nil
	}
	return &Lock{lake: l, held: held}, nil
}

// afterLock makes l the lock's lake and clears what stopped writers left:
// it finishes a half-done commit (see journal), then removes temporary
// files, which no live writer can own while the lock is held.
func (l *Lake) afterLock(k *Lock) error {
	l.held = k
	if _, err := l.RollForward(); err != nil {
		l.held = nil
		k.Unlock()
		return err
	}
	l.removeLeftovers()
	return nil
}

// busy reads who holds the lock, for the error.
func (l *Lake) busy() error {
	e := &BusyError{Lake: l.String()}
	e.Holder, e.Known = l.storage().lockHolder(context.Background(), l.lockName())
	return e
}

// Unlock releases the lock.
func (k *Lock) Unlock() error {
	if k == nil || k.held == nil {
		return nil
	}
	err := k.held.unlock()
	k.held = nil
	if k.lake.held == k {
		k.lake.held = nil
	}
	return err
}

// Busy returns a *BusyError naming the holder when another process holds
// the lake's lock, else nil. It changes nothing in the lake.
func (l *Lake) Busy() error {
	if l.held != nil {
		return nil
	}
	if l.storage().locked(context.Background(), l.lockName()) {
		return l.busy()
	}
	return nil
}

// checkLock fails when the lock this lake holds is no longer its own: a
// bucket lease that expired while the process stalled and that another
// writer took.
func (l *Lake) checkLock() error {
	if l.held == nil || l.held.held == nil {
		return nil
	}
	return l.held.held.check()
}
