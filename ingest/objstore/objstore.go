// Package objstore opens the buckets of object stores that gocloud.dev/blob
// knows (s3://, gs://, azblob://, file://, mem://), for the lake and for
// inputs. Credentials come from each provider's standard environment,
// never from a URL or the config file.
package objstore

import (
	"context"
	"fmt"
	"io/fs"
	"net/url"
	"slices"
	"strings"

	"gocloud.dev/blob"
	_ "gocloud.dev/blob/azureblob" // azblob://
	_ "gocloud.dev/blob/fileblob"  // file://
	_ "gocloud.dev/blob/gcsblob"   // gs://
	_ "gocloud.dev/blob/memblob"   // mem://, for tests
	_ "gocloud.dev/blob/s3blob"    // s3://, AWS and S3-compatible stores
	"gocloud.dev/gcerrors"
)

// IsURL reports whether location names an object store rather than a
// local path.
func IsURL(location string) bool {
	u, err := url.Parse(location)
	return err == nil && len(u.Scheme) > 1 && u.Opaque == "" &&
		slices.Contains([]string{"s3", "gs", "azblob", "file", "mem"}, u.Scheme)
}

// Split cuts location into the bucket's URL (with the query, which holds
// the store's settings) and the path below the bucket, without slashes
// at either end. A file:// URL's path is its folder: its key is empty.
func Split(location string) (bucketURL, key string, err error) {
	u, err := url.Parse(location)
	if err != nil {
		return "", "", fmt.Errorf("URL %q: %w", Redact(location), err)
	}
	if u.Scheme != "file" {
		key = strings.Trim(u.Path, "/")
		u.Path, u.RawPath = "", ""
	}
	if u.Scheme == "s3" {
		q := u.Query()
		if strings.HasPrefix(q.Get("endpoint"), "http://") && !q.Has("disable_https") {
			q.Set("disable_https", "true")
		}
		// Checksums only where the operation needs them: S3-compatible
		// stores do not all send them, and the SDK warns on every read
		// that lacks one.
		for _, k := range []string{"request_checksum_calculation", "response_checksum_validation"} {
			if !q.Has(k) {
				q.Set(k, "when_required")
			}
		}
		u.RawQuery = q.Encode()
	}
	return u.String(), key, nil
}

// Open opens the bucket of location with the path below the bucket as its
// prefix: keys are relative to it.
func Open(ctx context.Context, location string) (*blob.Bucket, error) {
	bucketURL, key, err := Split(location)
	if err != nil {
		return nil, err
	}
	b, err := blob.OpenBucket(ctx, bucketURL)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", Redact(location), err)
	}
	if key != "" {
		b = blob.PrefixedBucket(b, key+"/")
	}
	return b, nil
}

// Redact is a location as messages name it: a URL without its query and
// user information; a path as it is.
func Redact(location string) string {
	if !IsURL(location) {
		return location
	}
	u, err := url.Parse(location)
	if err != nil {
		return location
	}
	u.RawQuery, u.User = "", nil
	return strings.TrimSuffix(u.String(), "/")
}

// Err names the object of an error, as where says it, and makes an
// object that is not there fs.ErrNotExist; nil stays nil.
func Err(where string, err error) error {
	switch {
	case err == nil:
		return nil
	case gcerrors.Code(err) == gcerrors.NotFound:
		return fmt.Errorf("%s: %w", where, fs.ErrNotExist)
	}
	return fmt.Errorf("%s: %w", where, err)
}
