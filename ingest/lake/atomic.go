package lake

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"hash"
	"io/fs"
	"os"
	"path/filepath"
)

// atomicFile is a file written under a temporary name in the folder of its
// final name, then synced and renamed into place, so that a reader sees the
// previous file or the new one, never part of one.
type atomicFile struct {
	final     string
	f         *os.File
	w         *bufio.Writer
	h         hash.Hash
	size      int64
	committed bool
}

// tempMark sits between a final name and the random part of the
// temporary name: ".bills.parquet.tmp-123456".
const tempMark = ".tmp-"

func createAtomic(final string) (*atomicFile, error) {
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
	return &atomicFile{final: final, f: f, w: bufio.NewWriterSize(f, 1<<20), h: sha256.New()}, nil
}

func (a *atomicFile) Write(p []byte) (int, error) {
	n, err := a.w.Write(p)
	a.h.Write(p[:n])
	a.size += int64(n)
	return n, err
}

func (a *atomicFile) sum() string { return hex.EncodeToString(a.h.Sum(nil)) }

// finish flushes, syncs and closes the temporary file.
func (a *atomicFile) finish() error {
	err := a.w.Flush()
	if err == nil {
		err = a.f.Sync()
	}
	if cerr := a.f.Close(); err == nil {
		err = cerr
	}
	return err
}

// commit renames the finished file into place and syncs the folder.
func (a *atomicFile) commit() error {
	if err := os.Rename(a.f.Name(), a.final); err != nil {
		return err
	}
	a.committed = true
	return syncDir(filepath.Dir(a.final))
}

// abort removes the temporary file unless it was committed.
func (a *atomicFile) abort() {
	if a.committed {
		return
	}
	a.f.Close() // may be closed already
	os.Remove(a.f.Name())
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
