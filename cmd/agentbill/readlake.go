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
	return a.mirror(ctx, location, lake.MirrorOptions{From: from, To: to}, false)
}

// readLakeSites is readLake for query: the site level stays, with the
// config's site, or with every site of the lake when all is set.
func (a *app) readLakeSites(ctx context.Context, location string, from, to billing.Date, all bool) (dir string, release func(), err error) {
	o := lake.MirrorOptions{From: from, To: to}
	if !all && a.cfg.Site.Name != "" {
		o.Sites = []string{a.cfg.Site.Name}
	}
	return a.mirror(ctx, location, o, all)
}

// mirror is lake.Mirror of the lake at location with the config's cache;
// allSites fills o.Sites with every site of the lake.
func (a *app) mirror(ctx context.Context, location string, o lake.MirrorOptions, allSites bool) (dir string, release func(), err error) {
	lk, err := a.lake(ctx, location, a.cfg.Location())
	if err != nil {
		return "", nil, err
	}
	defer lk.Close()
	if allSites {
		if o.Sites, err = lk.Sites(ctx); err != nil {
			return "", nil, err
		}
	}
	o.CacheDir = a.cfg.LakeCache
	if o.CacheDir == "" {
		base, err := os.UserCacheDir()
		if err != nil {
			base = os.TempDir()
		}
		o.CacheDir = filepath.Join(base, "agentbill", "lake")
	}
	o.MaxBytes = int64(a.cfg.LakeCacheMB) << 20
	return lk.Mirror(ctx, o)
}
