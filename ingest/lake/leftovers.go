package lake

import (
	"context"
	"path"
	"strings"
)

// Leftovers lists the temporary files in the lake: files a writer is still
// writing, or ones a stopped writer left (a killed run's tables, manifests
// and journals). Without a live writer they are all leftovers; the next
// writer removes them (see Lock). Each is named as Path names files.
func (l *Lake) Leftovers() ([]string, error) {
	names, err := l.leftovers(context.Background())
	if err != nil {
		return nil, err
	}
	s := l.storage()
	for i, n := range names {
		names[i] = s.where(n)
	}
	return names, nil
}

// leftovers lists the temporary objects, by name in the lake.
func (l *Lake) leftovers(ctx context.Context) ([]string, error) {
	s := l.storage()
	entries, err := s.list(ctx, l.runsDir())
	if err != nil {
		return nil, err
	}
	var found []string
	for _, e := range entries {
		if !e.Dir && isTemp(e.Name) {
			found = append(found, path.Join(l.runsDir(), e.Name))
		}
	}
	// A table's temporary files lie in its day folders: date=D/.NAME.tmp-….
	for _, t := range Tables() {
		names, err := s.walk(ctx, l.tableDir(t.Name))
		if err != nil {
			return nil, err
		}
		for _, n := range names {
			dir, base := path.Split(n)
			if strings.HasPrefix(dir, "date=") && strings.Count(dir, "/") == 1 && isTemp(base) {
				found = append(found, path.Join(l.tableDir(t.Name), n))
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
	ctx := context.Background()
	names, _ := l.leftovers(ctx)
	for _, n := range names {
		l.storage().remove(ctx, n)
	}
}
