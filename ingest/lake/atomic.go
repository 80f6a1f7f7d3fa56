package lake

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"hash"
)

// atomicFile is an object written under a temporary name beside its final
// name, then put in place whole, so that a reader sees the previous object
// or the new one, never part of one. It counts and hashes what it writes,
// for the manifest.
type atomicFile struct {
	store     storage
	final     string // the object's name in the lake
	temp      tempObject
	w         *bufio.Writer
	h         hash.Hash
	size      int64
	committed bool
}

// tempMark sits between a final name and the random part of the
// temporary name: ".bills.parquet.tmp-123456".
const tempMark = ".tmp-"

func createAtomic(ctx context.Context, s storage, final string) (*atomicFile, error) {
	t, err := s.create(ctx, final)
	if err != nil {
		return nil, err
	}
	return &atomicFile{store: s, final: final, temp: t, w: bufio.NewWriterSize(t, 1<<20), h: sha256.New()}, nil
}

func (a *atomicFile) Write(p []byte) (int, error) {
	n, err := a.w.Write(p)
	a.h.Write(p[:n])
	a.size += int64(n)
	return n, err
}

func (a *atomicFile) sum() string { return hex.EncodeToString(a.h.Sum(nil)) }

// finish flushes the temporary object and makes it durable.
func (a *atomicFile) finish() error {
	err := a.w.Flush()
	if ferr := a.temp.finish(); err == nil {
		err = ferr
	}
	return err
}

// commit puts the finished object in place.
func (a *atomicFile) commit(ctx context.Context) error {
	if err := a.store.rename(ctx, a.temp.name(), a.final); err != nil {
		return err
	}
	a.committed = true
	return nil
}

// abort removes the temporary object unless it was committed.
func (a *atomicFile) abort() {
	if a.committed {
		return
	}
	a.temp.abort()
}
