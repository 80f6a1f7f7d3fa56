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
	if held := lockedLake(ctx); held != nil && sameLake(held, dir) {
		return ctx, func() {}, nil
	}
	lk, err := a.lake(ctx, dir, a.cfg.Location())
	if err != nil {
		return ctx, func() {}, err
	}
	h := lake.Holder{Command: "agentbill " + command, Day: day}
	var l *lake.Lock
	if a.waitForLake {
		l, err = lk.LockWait(ctx, h, lockPoll)
	} else {
		l, err = lk.Lock(h)
	}
	if err != nil {
		lk.Close()
		return ctx, func() {}, err
	}
	return context.WithValue(ctx, lockedLakeKey{}, lk), func() { l.Unlock(); lk.Close() }, nil
}

// lake is the lake at location (a folder or a bucket URL) that this build
// writes: its files and manifests name the version; with site.name set,
// the site's partitions.
func (a *app) lake(ctx context.Context, location string, loc *time.Location) (*lake.Lake, error) {
	b := currentBuild()
	return lake.OpenAt(ctx, location, lake.Options{Location: loc, Site: a.cfg.Site.Name, Version: b.Version, Build: b.Build()})
}

// sameLake reports whether lk is the lake at location.
func sameLake(lk *lake.Lake, location string) bool {
	if lake.IsURL(location) || !lk.Local() {
		return lake.IsURL(location) && lk.String() == lake.Redact(location)
	}
	return sameDir(lk.Dir, location)
}

func sameDir(a, b string) bool {
	x, err1 := filepath.Abs(a)
	y, err2 := filepath.Abs(b)
	return err1 == nil && err2 == nil && x == y
}
