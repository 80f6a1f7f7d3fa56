package lake

import (
	"context"
	"time"
)

// Options are a lake's settings besides where it is.
type Options struct {
	Location *time.Location // the site zone
	Site     string         // the site's partitions, "" for none
	Version  string         // for created_by
	Build    string
}

// OpenAt opens the lake at location: a folder, or a bucket URL (see IsURL)
// such as s3://bucket/lake?endpoint=http://127.0.0.1:7070&region=us-east-1&use_path_style=true.
// Close the lake when done with it.
func OpenAt(ctx context.Context, location string, o Options) (*Lake, error) {
	l := &Lake{Location: o.Location, Site: o.Site, Version: o.Version, Build: o.Build}
	if !IsURL(location) {
		l.Dir = location
		return l, nil
	}
	s, err := openBucket(ctx, location)
	if err != nil {
		return nil, err
	}
	l.store = s
	return l, nil
}
