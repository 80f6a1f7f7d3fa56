package main

import (
	"context"
	"path/filepath"
	"time"

	"github.com/agentbill/agentbill/ingest/lake"
)

// lockedLakeKey keys the lake whose writer lock a command holds, so that
// the steps of one run (ingest, cascade, a job's ingest) share the lock
// instead of taking it again.
type lockedLakeKey struct{}

// lockedLake is the locked lake ctx carries, or nil.
func lockedLake(ctx context.Context) *lake.Lake {
	lk, _ := ctx.Value(lockedLakeKey{}).(*lake.Lake)
	return lk
}

// lockPoll is how often a waiting writer tries the lock again.
const lockPoll = time.Second

// lockLake takes the writer lock of lake dir for command (on day, if
// any), unless ctx carries it already; the returned context carries it.
// Without a.waitForLake a busy lake fails at once with lake.ErrBusy (exit
// status 75); with it (the scheduler), the run waits until the lake is free
// or ctx ends.
func (a *app) lockLake(ctx context.Context, dir, command, day string) (context.Context, func(), error) {
	if held := lockedLake(ctx); held != nil && sameDir(held.Dir, dir) {
		return ctx, func() {}, nil
	}
	lk := a.lake(dir, a.cfg.Location())
	h := lake.Holder{Command: "agentbill " + command, Day: day}
	var l *lake.Lock
	var err error
	if a.waitForLake {
		l, err = lk.LockWait(ctx, h, lockPoll)
	} else {
		l, err = lk.Lock(h)
	}
	if err != nil {
		return ctx, func() {}, err
	}
	return context.WithValue(ctx, lockedLakeKey{}, lk), func() { l.Unlock() }, nil
}

// lake is the lake in dir that this build writes: its files and manifests
// name the version.
func (a *app) lake(dir string, loc *time.Location) *lake.Lake {
	b := currentBuild()
	return &lake.Lake{Dir: dir, Location: loc, Version: b.Version, Build: b.Build()}
}

func sameDir(a, b string) bool {
	x, err1 := filepath.Abs(a)
	y, err2 := filepath.Abs(b)
	return err1 == nil && err2 == nil && x == y
}
