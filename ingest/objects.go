package ingest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"slices"
	"strings"

	"gocloud.dev/blob"

	"github.com/agentbill/agentbill/ingest/objstore"
)

// An input may be an object of a bucket, named by its URL
// (s3://bucket/connect/2026/03/01/07/stream-1.gz?region=eu-west-1), as the
// Amazon Connect stream lands in S3. The URL names it everywhere a file's
// path would: in rejects, bills' source_file and the manifest.

// openInput opens an input: a local file, or a bucket's object, which is
// fetched whole into a temporary file first (readers cut files into parts
// and read them again to quote rejects; the file is gone once closed).
func openInput(ctx context.Context, name string) (*os.File, error) {
	if !objstore.IsURL(name) {
		return os.Open(name)
	}
	b, key, err := openObject(ctx, name)
	if err != nil {
		return nil, err
	}
	defer b.Close()
	r, err := b.NewReader(ctx, key, nil)
	if err != nil {
		return nil, objectError(name, err)
	}
	defer r.Close()
	f, err := os.CreateTemp("", "agentbill-input-*")
	if err != nil {
		return nil, err
	}
	os.Remove(f.Name()) // the open file stays readable until closed
	if _, err := io.Copy(f, r); err != nil {
		f.Close()
		return nil, fmt.Errorf("fetch %s: %w", objstore.Redact(name), err)
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

// openObject opens the bucket of an object's URL, and gives its key.
func openObject(ctx context.Context, name string) (*blob.Bucket, string, error) {
	bucketURL, key, err := objstore.Split(name)
	if err != nil {
		return nil, "", err
	}
	if key == "" {
		return nil, "", fmt.Errorf("%s names a bucket, not an object", objstore.Redact(name))
	}
	b, err := blob.OpenBucket(ctx, bucketURL)
	if err != nil {
		return nil, "", fmt.Errorf("open %s: %w", objstore.Redact(name), err)
	}
	return b, key, nil
}

func objectError(name string, err error) error { return objstore.Err(objstore.Redact(name), err) }

// IsObject reports whether an input names a bucket's object.
func IsObject(name string) bool { return objstore.IsURL(name) }

// InputSHA256 is the SHA-256 and size of an input, a file or an object.
func InputSHA256(ctx context.Context, name string) (sum string, size int64, err error) {
	f, err := openInput(ctx, name)
	if err != nil {
		return "", 0, err
	}
	defer f.Close()
	h := sha256.New()
	if size, err = io.Copy(h, f); err != nil {
		return "", 0, err
	}
	return hex.EncodeToString(h.Sum(nil)), size, nil
}

// ListObjects lists the objects a URL pattern matches, by key order, each
// as a URL with the pattern's query. The pattern's path may hold glob
// characters (path.Match: * does not cross a /).
func ListObjects(ctx context.Context, pattern string) ([]string, error) {
	bucketURL, keyPattern, err := objstore.Split(pattern)
	if err != nil {
		return nil, err
	}
	if _, err := path.Match(keyPattern, ""); err != nil {
		return nil, fmt.Errorf("input %s: %w", objstore.Redact(pattern), err)
	}
	b, err := blob.OpenBucket(ctx, bucketURL)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", objstore.Redact(pattern), err)
	}
	defer b.Close()
	prefix := keyPattern
	if i := strings.IndexAny(keyPattern, `*?[\`); i >= 0 {
		prefix = keyPattern[:i]
	}
	head, query, _ := strings.Cut(pattern, "?")
	base := strings.TrimSuffix(head, keyPattern) // scheme://bucket/
	var out []string
	it := b.List(&blob.ListOptions{Prefix: prefix})
	for {
		o, err := it.Next(ctx)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, objectError(pattern, err)
		}
		if o.IsDir {
			continue
		}
		if ok, _ := path.Match(keyPattern, o.Key); !ok {
			continue
		}
		u := base + o.Key
		if query != "" {
			u += "?" + query
		}
		out = append(out, u)
	}
	slices.Sort(out)
	return out, nil
}
