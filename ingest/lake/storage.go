package lake

import (
	"context"
	"io"
	"path"
	"strings"
)

// storage is where a lake's objects live: a folder on a local disk
// (dirStorage) or a bucket (bucketStorage). Names are slash-separated
// paths relative to the lake's root, such as
// "bills/date=2026-03-10/bills.parquet".
//
// Both keep the same promise: an object is written under a temporary name
// beside its final one (tempMark) and only put in place whole, so a reader
// sees the old object or the new one, never part of one.
type storage interface {
	// String names the lake for people: its folder or its URL.
	String() string
	// where names one object of the lake for people.
	where(name string) string
	// localPath is the path of name on the local disk, "" for a bucket.
	localPath(name string) string

	// create starts a temporary object beside name.
	create(ctx context.Context, name string) (tempObject, error)
	// rename puts the finished temporary object from in place as to.
	rename(ctx context.Context, from, to string) error
	// remove deletes name; a missing name is no error.
	remove(ctx context.Context, name string) error

	// readAll reads a whole object; fs.ErrNotExist when it is missing.
	readAll(ctx context.Context, name string) ([]byte, error)
	// open reads an object; fs.ErrNotExist when it is missing.
	open(ctx context.Context, name string) (object, error)
	// size is an object's size; fs.ErrNotExist when it is missing.
	size(ctx context.Context, name string) (int64, error)
	// list gives the entries directly under the folder dir, sorted by
	// name; a missing folder has none.
	list(ctx context.Context, dir string) ([]entry, error)
	// walk gives the names of all objects under the folder dir, at any
	// depth, relative to dir and sorted: one listing of a bucket, rather
	// than one per folder.
	walk(ctx context.Context, dir string) ([]string, error)

	// tryLock takes the writer lock named name without waiting; nil, nil
	// when another process holds it.
	tryLock(ctx context.Context, name string, h Holder) (heldLock, error)
	// lockHolder reads who holds (or last held) the lock name.
	lockHolder(ctx context.Context, name string) (Holder, bool)
	// locked reports whether a live process holds the lock name.
	locked(ctx context.Context, name string) bool

	// Close releases the storage's connections.
	Close() error
}

// tempObject is an object being written under a temporary name.
type tempObject interface {
	io.Writer
	// name is the temporary object's name in the lake.
	name() string
	// finish makes the temporary object durable and whole.
	finish() error
	// abort stops the write and removes the temporary object.
	abort()
	// release lets go of the object and keeps it, for the journal.
	release()
}

// object is an object opened for reading.
type object interface {
	io.ReaderAt
	io.Reader
	Size() int64
	Close() error
}

// heldLock is a writer lock a process holds.
type heldLock interface {
	// check fails when the lock is no longer this process's (a lease
	// that expired and was taken over).
	check() error
	unlock() error
}

// entry is one name in a listed folder.
type entry struct {
	Name string
	Dir  bool
}

// tempName is the temporary name beside final: ".bills.parquet.tmp-<random>".
func tempName(final, random string) string {
	dir, base := path.Split(final)
	return dir + "." + base + tempMark + random
}

// cleanName reports whether name stays inside the lake.
func cleanName(name string) bool {
	return name != "" && !path.IsAbs(name) && path.Clean(name) == name &&
		name != ".." && !strings.HasPrefix(name, "../")
}
