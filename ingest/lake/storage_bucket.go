package lake

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"path"
	"slices"
	"strings"

	"gocloud.dev/blob"
	"gocloud.dev/gcerrors"

	"github.com/agentbill/agentbill/ingest/objstore"
)

// bucketStorage is a lake in a bucket that gocloud.dev/blob opens. There is
// no rename: an object is uploaded whole under its temporary name (a
// reader sees it only once the upload completed), then copied in place by
// the store (S3 CopyObject), which replaces the old object at once, and
// the temporary object is deleted. A reader sees the old object or the
// new one, never part of one. The writer lock is a lease (lease.go).
type bucketStorage struct {
	b    *blob.Bucket
	name string // the URL without its query, for people
}

// IsURL reports whether location names a bucket (s3://, gs://, azblob://,
// file://, mem://) rather than a folder.
func IsURL(location string) bool { return objstore.IsURL(location) }

// openBucket opens the bucket of a lake URL. The URL's path below the
// bucket is the lake's root: s3://bucket/lake?endpoint=…&region=…&use_path_style=true.
// Credentials come from each provider's standard environment.
func openBucket(ctx context.Context, location string) (*bucketStorage, error) {
	b, err := objstore.Open(ctx, location)
	if err != nil {
		return nil, fmt.Errorf("the lake: %w", err)
	}
	return &bucketStorage{b: b, name: objstore.Redact(location)}, nil
}

// Redact is a lake location as messages name it: a URL without its query
// and user information; a path as it is.
func Redact(location string) string { return objstore.Redact(location) }

func (s *bucketStorage) String() string           { return s.name }
func (s *bucketStorage) where(name string) string { return s.name + "/" + name }
func (s *bucketStorage) localPath(string) string  { return "" }
func (s *bucketStorage) Close() error             { return s.b.Close() }
func (s *bucketStorage) notFound(err error) bool  { return gcerrors.Code(err) == gcerrors.NotFound }
func (s *bucketStorage) wrap(name string, err error) error {
	return objstore.Err(s.where(name), err)
}

type bucketTemp struct {
	s      *bucketStorage
	w      *blob.Writer
	rel    string
	cancel context.CancelFunc
	done   bool
}

func (s *bucketStorage) create(ctx context.Context, name string) (tempObject, error) {
	var r [6]byte
	rand.Read(r[:])
	rel := tempName(name, hex.EncodeToString(r[:]))
	wctx, cancel := context.WithCancel(ctx)
	w, err := s.b.NewWriter(wctx, rel, &blob.WriterOptions{
		ContentType: contentType(name),
		// Large tables go up in parts, several at a time.
		BufferSize: 16 << 20, MaxConcurrency: 2,
	})
	if err != nil {
		cancel()
		return nil, s.wrap(rel, err)
	}
	return &bucketTemp{s: s, w: w, rel: rel, cancel: cancel}, nil
}

func contentType(name string) string {
	switch path.Ext(name) {
	case ".parquet":
		return "application/vnd.apache.parquet"
	case ".json", journalSuffix:
		return "application/json"
	}
	return "application/octet-stream"
}

func (t *bucketTemp) Write(p []byte) (int, error) { return t.w.Write(p) }
func (t *bucketTemp) name() string                { return t.rel }

func (t *bucketTemp) finish() error {
	err := t.w.Close()
	t.done = true
	t.cancel()
	return t.s.wrap(t.rel, err)
}

func (t *bucketTemp) abort() {
	if !t.done {
		t.cancel() // a cancelled upload leaves no object
		t.w.Close()
		t.done = true
		return
	}
	t.s.remove(context.Background(), t.rel)
}

func (t *bucketTemp) release() {
	if !t.done {
		t.abort()
	}
}

func (s *bucketStorage) rename(ctx context.Context, from, to string) error {
	if err := s.b.Copy(ctx, to, from, nil); err != nil {
		return s.wrap(from, err)
	}
	return s.remove(ctx, from)
}

func (s *bucketStorage) remove(ctx context.Context, name string) error {
	if err := s.b.Delete(ctx, name); err != nil && !s.notFound(err) {
		return s.wrap(name, err)
	}
	return nil
}

func (s *bucketStorage) readAll(ctx context.Context, name string) ([]byte, error) {
	data, err := s.b.ReadAll(ctx, name)
	return data, s.wrap(name, err)
}

func (s *bucketStorage) size(ctx context.Context, name string) (int64, error) {
	a, err := s.b.Attributes(ctx, name)
	if err != nil {
		return 0, s.wrap(name, err)
	}
	return a.Size, nil
}

// bucketObject reads an object: from its start as a stream (for hashing),
// or in ranges (for a Parquet footer).
type bucketObject struct {
	s      *bucketStorage
	ctx    context.Context
	name   string
	n      int64
	stream *blob.Reader
}

func (s *bucketStorage) open(ctx context.Context, name string) (object, error) {
	n, err := s.size(ctx, name)
	if err != nil {
		return nil, err
	}
	return &bucketObject{s: s, ctx: ctx, name: name, n: n}, nil
}

func (o *bucketObject) Size() int64 { return o.n }

func (o *bucketObject) Read(p []byte) (int, error) {
	if o.stream == nil {
		r, err := o.s.b.NewReader(o.ctx, o.name, nil)
		if err != nil {
			return 0, o.s.wrap(o.name, err)
		}
		o.stream = r
	}
	return o.stream.Read(p)
}

func (o *bucketObject) ReadAt(p []byte, off int64) (int, error) {
	if off >= o.n {
		return 0, io.EOF
	}
	r, err := o.s.b.NewRangeReader(o.ctx, o.name, off, int64(len(p)), nil)
	if err != nil {
		return 0, o.s.wrap(o.name, err)
	}
	defer r.Close()
	n, err := io.ReadFull(r, p)
	if errors.Is(err, io.ErrUnexpectedEOF) {
		err = io.EOF
	}
	return n, err
}

func (o *bucketObject) Close() error {
	if o.stream != nil {
		return o.stream.Close()
	}
	return nil
}

func (s *bucketStorage) walk(ctx context.Context, dir string) ([]string, error) {
	var names []string
	err := s.each(ctx, dir, "", func(name string, isDir bool) {
		if !isDir {
			names = append(names, name)
		}
	})
	if err != nil {
		return nil, err
	}
	slices.Sort(names)
	return names, nil
}

func (s *bucketStorage) list(ctx context.Context, dir string) ([]entry, error) {
	var out []entry
	err := s.each(ctx, dir, "/", func(name string, isDir bool) {
		if n := strings.TrimSuffix(name, "/"); n != "" {
			out = append(out, entry{Name: n, Dir: isDir})
		}
	})
	if err != nil {
		return nil, err
	}
	slices.SortFunc(out, func(a, b entry) int { return strings.Compare(a.Name, b.Name) })
	return out, nil
}

// each lists the objects under dir (one level of it when delimiter is
// "/", all below it when empty) and hands fn each name relative to dir.
func (s *bucketStorage) each(ctx context.Context, dir, delimiter string, fn func(name string, isDir bool)) error {
	prefix := ""
	if dir != "" {
		prefix = strings.TrimSuffix(dir, "/") + "/"
	}
	it := s.b.List(&blob.ListOptions{Prefix: prefix, Delimiter: delimiter})
	for {
		o, err := it.Next(ctx)
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return s.wrap(dir, err)
		}
		fn(strings.TrimPrefix(o.Key, prefix), o.IsDir)
	}
}
