//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly)

package nightly

import "os"

// lockFile does nothing where flock is missing: within one process the
// Runner's own lock still keeps a job from running twice at once.
func lockFile(*os.File) error { return nil }
