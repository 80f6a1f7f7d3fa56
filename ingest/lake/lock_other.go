//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly)

package lake

import (
	"errors"
	"io/fs"
	"os"
)

// lockFile cannot lock where flock is missing: writing the lake is refused
// rather than left unguarded.
func lockFile(*os.File) (bool, error) {
	return false, errors.New("file locks are not supported on this system")
}

// linkCount cannot count hard links here: every file is taken as linked
// once.
func linkCount(fs.FileInfo) uint64 { return 1 }

// processAlive cannot tell here: every process is taken as running.
func processAlive(int) bool { return true }
