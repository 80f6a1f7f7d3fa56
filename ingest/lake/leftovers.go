package lake

import (
	"os"
	"path/filepath"
	"strings"
)

// Leftovers lists the temporary files in the lake: files a writer is still
// writing, or ones a stopped writer left (a killed run's tables, manifests
// and journals). Without a live writer they are all leftovers; the next
// writer removes them (see Lock).
func (l *Lake) Leftovers() ([]string, error) {
	var found []string
	dirs := []string{filepath.Join(l.Dir, runsDir)}
	for _, t := range Tables() {
		entries, err := os.ReadDir(filepath.Join(l.Dir, t.Name))
		if err != nil && !os.IsNotExist(err) {
			return nil, err
		}
		for _, e := range entries {
			if e.IsDir() && strings.HasPrefix(e.Name(), "date=") {
				dirs = append(dirs, filepath.Join(l.Dir, t.Name, e.Name()))
			}
		}
	}
	for _, dir := range dirs {
		entries, err := os.ReadDir(dir)
		if err != nil && !os.IsNotExist(err) {
			return nil, err
		}
		for _, e := range entries {
			if isTemp(e.Name()) {
				found = append(found, filepath.Join(dir, e.Name()))
			}
		}
	}
	return found, nil
}

// isTemp reports whether name is a temporary file of createAtomic.
func isTemp(name string) bool {
	return strings.HasPrefix(name, ".") && strings.Contains(name, tempMark)
}

// removeLeftovers removes the temporary files stopped writers left. Only
// the lock's holder calls it: no other writer can be writing them.
func (l *Lake) removeLeftovers() {
	files, _ := l.Leftovers()
	for _, f := range files {
		os.Remove(f)
	}
}
