package lake

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/agentbill/agentbill/billing"
)

// MirrorOptions say which part of a lake a reader needs on the local disk.
type MirrorOptions struct {
	// CacheDir holds the fetched objects, by SHA-256, shared by every
	// process that reads the lake (and other lakes).
	CacheDir string
	// MaxBytes bounds the cache; the objects used longest ago go first.
	// 0: no bound.
	MaxBytes int64
	// From and To (exclusive) are the days a report covers; zero values
	// mean every day of the lake.
	From, To billing.Date
	// Sites keeps the site level (site=NAME/date=D/) for these sites of a
	// lake shared by sites, for readers that go over several (query);
	// empty: the lake's own site, flattened.
	Sites []string
}

// Mirror gives a folder laid out as a site's own lake (SPEC §4 without
// the site level), holding what a reader of the days From..To needs: their
// manifests and tables, the open table and manifest of the day before
// (which the days' carried state is checked against) and of the newest
// day (whose open rows are still unbilled). DuckDB, which cannot read a
// bucket, reads it by path. A lake in a folder without a site is its own
// mirror.
//
// The tables of a bucket are fetched once into CacheDir, keyed by the
// SHA-256 their manifest names, and checked against it; a later mirror of
// the same objects fetches nothing. Two processes may mirror at once: each
// object arrives under a temporary name and is renamed into place. The
// mirror's folder is hard links to the cache and goes with release.
func (l *Lake) Mirror(ctx context.Context, o MirrorOptions) (dir string, release func(), err error) {
	if l.Local() && l.Site == "" && len(o.Sites) == 0 {
		return l.Dir, func() {}, nil
	}
	if o.CacheDir == "" {
		return "", nil, errors.New("no cache folder for the lake's objects")
	}
	objects := filepath.Join(o.CacheDir, "objects")
	if err := os.MkdirAll(objects, 0o755); err != nil {
		return "", nil, err
	}
	view, err := os.MkdirTemp(o.CacheDir, "view-")
	if err != nil {
		return "", nil, err
	}
	release = func() { os.RemoveAll(view) }
	defer func() {
		if err != nil {
			release()
		}
	}()
	used := map[string]bool{}
	if len(o.Sites) == 0 {
		err = l.mirrorSite(ctx, o, objects, &Lake{Dir: view}, used)
	}
	for _, site := range o.Sites {
		if err = l.ofSite(site).mirrorSite(ctx, o, objects, &Lake{Dir: view, Site: site}, used); err != nil {
			break
		}
	}
	if err != nil {
		return "", nil, err
	}
	if o.MaxBytes > 0 {
		trimCache(objects, o.MaxBytes, used)
	}
	return view, release, nil
}

// mirrorSite links the days of l's site that o needs into the lake flat.
func (l *Lake) mirrorSite(ctx context.Context, o MirrorOptions, objects string, flat *Lake, used map[string]bool) error {
	days, err := l.Days()
	if err != nil {
		return err
	}
	all := o.From == (billing.Date{}) && o.To == (billing.Date{})
	whole := map[billing.Date]bool{} // every table
	openOnly := map[billing.Date]bool{}
	for _, d := range days {
		switch {
		case all || !d.Before(o.From) && d.Before(o.To):
			whole[d] = true
		case d == o.From.AddDays(-1):
			openOnly[d] = true
		}
	}
	if len(days) > 0 && !whole[days[len(days)-1]] {
		openOnly[days[len(days)-1]] = true
	}
	for _, d := range days {
		if !whole[d] && !openOnly[d] {
			continue
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		m, found, err := l.ReadManifest(d)
		if err != nil || !found {
			continue // the view lacks the day: readers find it missing, check says why
		}
		for i := range m.Files {
			f := &m.Files[i]
			table := strings.SplitN(f.Path, "/", 2)[0]
			rel := l.Rel(table, d)
			if f.Path != rel || !whole[d] && table != Open.Name {
				continue
			}
			f.Path = flat.Rel(table, d)
			src, err := l.fetch(ctx, objects, rel, f)
			if err != nil {
				if errors.Is(err, fs.ErrNotExist) || errors.Is(err, errChanged) {
					continue // missing or not the manifest's: the view shows the day broken
				}
				return err
			}
			used[filepath.Base(src)] = true
			dst := flat.Path(table, d)
			if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
				return err
			}
			if err := linkOrCopy(src, dst); err != nil {
				return err
			}
		}
		m.Site = flat.Site
		data, err := encodeManifest(&m)
		if err != nil {
			return err
		}
		p := flat.manifestPath(d)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(p, data, 0o644); err != nil {
			return err
		}
	}
	return nil
}

var errChanged = errors.New("not the object its manifest names")

// fetch returns the cached copy of the lake's object rel, which the
// manifest describes as f, fetching it first when the cache lacks it.
func (l *Lake) fetch(ctx context.Context, objects, rel string, f *FileInfo) (string, error) {
	dst := filepath.Join(objects, f.SHA256)
	if st, err := os.Stat(dst); err == nil && st.Size() == f.Size {
		now := time.Now()
		os.Chtimes(dst, now, now) // used now: trimmed last
		return dst, nil
	}
	if l.Local() {
		// A folder's file is linked, not copied; like the reports' own
		// check of a period (VerifyOptions.Quick), its size is compared,
		// not its hash, so that a month's report does not read the month
		// twice.
		src := l.storage().localPath(rel)
		st, err := os.Stat(src)
		if err != nil {
			return "", err
		}
		if st.Size() != f.Size {
			return "", errChanged
		}
		return src, nil
	}
	o, err := l.storage().open(ctx, rel)
	if err != nil {
		return "", err
	}
	defer o.Close()
	tmp, err := os.CreateTemp(objects, "."+f.SHA256+tempMark+"*")
	if err != nil {
		return "", err
	}
	defer os.Remove(tmp.Name())
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(tmp, h), o)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return "", fmt.Errorf("fetch %s: %w", l.storage().where(rel), err)
	}
	if n != f.Size || hex.EncodeToString(h.Sum(nil)) != f.SHA256 {
		return "", errChanged
	}
	if err := os.Rename(tmp.Name(), dst); err != nil {
		return "", err
	}
	return dst, nil
}

// trimCache removes the objects used longest ago until the cache holds at
// most max bytes. It keeps the objects of this mirror and those another
// mirror links to (more than one link).
func trimCache(objects string, max int64, keep map[string]bool) {
	des, err := os.ReadDir(objects)
	if err != nil {
		return
	}
	type obj struct {
		name  string
		size  int64
		used  time.Time
		links uint64
	}
	var list []obj
	var total int64
	for _, d := range des {
		fi, err := d.Info()
		if err != nil || d.IsDir() {
			continue
		}
		o := obj{name: d.Name(), size: fi.Size(), used: fi.ModTime(), links: linkCount(fi)}
		if isTemp(o.name) && time.Since(o.used) < time.Hour {
			continue // another process's download
		}
		list = append(list, o)
		total += o.size
	}
	slices.SortFunc(list, func(a, b obj) int { return a.used.Compare(b.used) })
	for _, o := range list {
		if total <= max {
			return
		}
		if keep[o.name] || o.links > 1 {
			continue
		}
		if os.Remove(filepath.Join(objects, o.name)) == nil {
			total -= o.size
		}
	}
}

// Sites lists the sites of a lake shared by several (the site=NAME levels
// of its manifests), for readers that go over all of them.
func (l *Lake) Sites(ctx context.Context) ([]string, error) {
	entries, err := l.storage().list(ctx, runsFolder)
	if err != nil {
		return nil, err
	}
	var sites []string
	for _, e := range entries {
		if s, ok := strings.CutPrefix(e.Name, "site="); ok && e.Dir {
			sites = append(sites, s)
		}
	}
	return sites, nil
}

// linkOrCopy makes dst a hard link to src, or a copy where the two are on
// different file systems.
func linkOrCopy(src, dst string) error {
	if os.Link(src, dst) == nil {
		return nil
	}
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.Create(dst)
	if err != nil {
		return err
	}
	_, err = io.Copy(out, in)
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	return err
}

// SiteZone is the time zone of a site of a lake shared by sites, as its
// newest run recorded it.
func (l *Lake) SiteZone(ctx context.Context, site string) (string, error) {
	src := l.ofSite(site)
	days, err := src.Days()
	if err != nil {
		return "", err
	}
	if len(days) == 0 {
		return "", fmt.Errorf("site %s has no run in the lake %s", site, l)
	}
	m, _, err := src.ReadManifest(days[len(days)-1])
	if err != nil {
		return "", err
	}
	if _, err := time.LoadLocation(m.Timezone); err != nil || m.Timezone == "" {
		return "", fmt.Errorf("site %s: the manifest of %s names time zone %q", site, days[len(days)-1], m.Timezone)
	}
	return m.Timezone, nil
}

// ofSite is the lake of another site in the same storage, for reading: it
// holds no lock.
func (l *Lake) ofSite(site string) *Lake {
	o := *l
	o.Site, o.held = site, nil
	return &o
}
