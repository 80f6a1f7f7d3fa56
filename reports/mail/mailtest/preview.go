package mailtest

import (
	"os"
	"path/filepath"
	"testing"
)

// SavePreview writes a file for people to look at (a message's HTML, its
// chart): under the test's folder, and under $MAIL_PREVIEW_DIR when it is
// set, so that a person can open it after the run.
func SavePreview(t testing.TB, name string, data []byte) {
	t.Helper()
	dirs := []string{t.TempDir()}
	if d := os.Getenv("MAIL_PREVIEW_DIR"); d != "" {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		dirs = append(dirs, d)
	}
	for _, d := range dirs {
		if err := os.WriteFile(filepath.Join(d, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
