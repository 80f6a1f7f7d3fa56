package main

import (
	"context"
	"os"
	"path/filepath"

	"github.com/agentbill/agentbill/billing"
	"github.com/agentbill/agentbill/ingest/lake"
)

// readLake gives a folder that report, export and query read the lake at
// location through: the lake's own folder, or for a lake in a bucket (or
// one shared by sites) a local mirror of the days from..to (zero dates:
// all) from the lake cache (see lake.Mirror). release removes the mirror.
func (a *app) readLake(ctx context.Context, location string, from, to billing.Date) (dir string, release func(), err error) {
	lk, err := a.lake(ctx, location, a.cfg.Location())
	if err != nil {
		return "", nil, err
	}
	defer lk.Close()
	if lk.Local() && lk.Site == "" {
		return location, func() {}, nil
	}
	cache := a.cfg.LakeCache
	if cache == "" {
		base, err := os.UserCacheDir()
		if err != nil {
			base = os.TempDir()
		}
		cache = filepath.Join(base, "agentbill", "lake")
	}
	return lk.Mirror(ctx, lake.MirrorOptions{CacheDir: cache, MaxBytes: int64(a.cfg.LakeCacheMB) << 20, From: from, To: to})
}
