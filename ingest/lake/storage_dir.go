package lake

import (
	"context"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// dirStorage is a lake in a folder of the local disk. Objects are files;
// a temporary file is synced and renamed into place, and the folder
// synced, so that what was put in place survives a power cut. The writer
// lock is an flock, which the kernel releases however its holder dies.
type dirStorage struct{ dir string }

func (s dirStorage) String() string { return s.dir }

func (s dirStorage) where(name string) string { return s.localPath(name) }

func (s dirStorage) localPath(name string) string {
	return filepath.Join(s.dir, filepath.FromSlash(name))
}

type dirTemp struct {
	s    dirStorage
	f    *os.File
	rel  string
	done bool
	off  int64 // bytes written
}

func (s dirStorage) create(_ context.Context, name string) (tempObject, error) {
	final := s.localPath(name)
	dir := filepath.Dir(final)
	if err := mkdirSynced(dir); err != nil {
		return nil, err
	}
	f, err := os.CreateTemp(dir, "."+filepath.Base(final)+tempMark+"*")
	if err != nil {
		return nil, err
	}
	// CreateTemp makes the file private; the lake is for every reader that
	// may read its folder.
	if err := f.Chmod(0o644); err != nil {
		f.Close()
		os.Remove(f.Name())
		return nil, err
	}
	rel := strings.TrimSuffix(name, filepath.Base(final)) + filepath.Base(f.Name())
	return &dirTemp{s: s, f: f, rel: rel}, nil
}

// writebackBytes is the size from which a write starts its way to disk at
// once (see startWriteback): a day's file goes out row group by row group
// while the next is encoded.
const writebackBytes = 1 << 20

func (t *dirTemp) Write(p []byte) (int, error) {
	n, err := t.f.Write(p)
	if n >= writebackBytes {
		startWriteback(t.f, t.off, int64(n))
	}
	t.off += int64(n)
	return n, err
}
func (t *dirTemp) name() string { return t.rel }

func (t *dirTemp) finish() error {
	err := t.f.Sync()
	if cerr := t.f.Close(); err == nil {
		err = cerr
	}
	t.done = true
	return err
}

func (t *dirTemp) abort() {
	t.f.Close() // may be closed already
	os.Remove(t.f.Name())
}

func (t *dirTemp) release() { t.f.Close() }

func (s dirStorage) rename(_ context.Context, from, to string) error {
	dst := s.localPath(to)
	if err := os.Rename(s.localPath(from), dst); err != nil {
		return err
	}
	return syncDir(filepath.Dir(dst))
}

func (s dirStorage) remove(_ context.Context, name string) error {
	p := s.localPath(name)
	if err := os.Remove(p); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		return err
	}
	return syncDir(filepath.Dir(p))
}

func (s dirStorage) readAll(_ context.Context, name string) ([]byte, error) {
	return os.ReadFile(s.localPath(name))
}

type dirObject struct {
	*os.File
	size int64
}

func (o dirObject) Size() int64 { return o.size }

func (s dirStorage) open(_ context.Context, name string) (object, error) {
	f, err := os.Open(s.localPath(name))
	if err != nil {
		return nil, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	return dirObject{File: f, size: st.Size()}, nil
}

func (s dirStorage) size(_ context.Context, name string) (int64, error) {
	st, err := os.Stat(s.localPath(name))
	if err != nil {
		return 0, err
	}
	return st.Size(), nil
}

func (s dirStorage) list(_ context.Context, dir string) ([]entry, error) {
	des, err := os.ReadDir(s.localPath(dir))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	out := make([]entry, 0, len(des))
	for _, d := range des {
		out = append(out, entry{Name: d.Name(), Dir: d.IsDir()})
	}
	slices.SortFunc(out, func(a, b entry) int { return strings.Compare(a.Name, b.Name) })
	return out, nil
}

func (s dirStorage) walk(_ context.Context, dir string) ([]string, error) {
	root := s.localPath(dir)
	var names []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			return err
		}
		if !d.IsDir() {
			rel, err := filepath.Rel(root, p)
			if err != nil {
				return err
			}
			names = append(names, filepath.ToSlash(rel))
		}
		return nil
	})
	slices.Sort(names)
	return names, err
}

func (s dirStorage) Close() error { return nil }

// dirLock is an flock on the lock file; the file stays, and holds the
// last holder.
type dirLock struct{ f *os.File }

func (k *dirLock) check() error { return nil }

func (k *dirLock) unlock() error {
	if k.f == nil {
		return nil
	}
	err := k.f.Close() // closing releases the flock
	k.f = nil
	return err
}

func (s dirStorage) tryLock(_ context.Context, name string, h Holder) (heldLock, error) {
	if err := mkdirSynced(s.dir); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(s.localPath(name), os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, err
	}
	ok, err := lockFile(f)
	if err != nil || !ok {
		f.Close()
		return nil, err
	}
	data, _ := json.Marshal(h)
	if err := f.Truncate(0); err == nil {
		f.WriteAt(append(data, '\n'), 0)
	}
	return &dirLock{f: f}, nil
}

func (s dirStorage) lockHolder(_ context.Context, name string) (Holder, bool) {
	var h Holder
	data, err := os.ReadFile(s.localPath(name))
	if err != nil {
		return h, false
	}
	return h, json.Unmarshal(data, &h) == nil && h.PID != 0
}

func (s dirStorage) locked(_ context.Context, name string) bool {
	f, err := os.OpenFile(s.localPath(name), os.O_RDWR, 0)
	if err != nil {
		return false // no lock file: nobody has ever written the lake
	}
	defer f.Close()
	ok, err := lockFile(f)
	return err == nil && !ok
}

// mkdirSynced creates dir and any missing parents, syncing the folder that
// holds each new one so that the new entries last.
func mkdirSynced(dir string) error {
	if _, err := os.Stat(dir); err == nil {
		return nil
	}
	var missing []string
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Stat(d); err == nil || filepath.Dir(d) == d {
			break
		} else if !errors.Is(err, fs.ErrNotExist) {
			return err
		}
		missing = append(missing, d)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for _, d := range missing {
		if err := syncDir(filepath.Dir(d)); err != nil {
			return err
		}
	}
	return nil
}

func syncDir(dir string) error {
	f, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = f.Sync()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}
