package main

import (
	"encoding/base64"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/agentbill/agentbill/reports/mail/mailtest"
)

// A server that quotes the login in its refusals: the login reaches
// neither the summary, the log, nor a file the run leaves.
func TestRunJobHidesTheLoginTheServerQuotes(t *testing.T) {
	const user, pass = "relay.7f3a@example.org", "pw-8c1f-secret"
	srv := mailtest.Start(t, mailtest.Options{EchoAuth: true, EchoAuthCode: 454})
	site := newJobSite(t, srv, "")
	site.env = []string{"SMTP_USER=" + user, "SMTP_PASSWORD=" + pass}
	now := time.Date(2026, time.November, 21, 3, 0, 0, 0, time.UTC)
	code, stdout, stderr := runAt(t, now, site.env, "--config", site.config, "run", "nightly", "--date", "2026-11-19")
	if code != 1 || !strings.Contains(stdout, "FAILED") || !strings.Contains(stdout, "[redacted]") {
		t.Errorf("exit %d; want a failed run whose summary shows the redacted reply\n%s\n%s", code, stdout, stderr)
	}
	if srv.AuthFailures() != 2 {
		t.Errorf("%d logins; want 2 (retries: 1)", srv.AuthFailures())
	}
	if len(logLines(t, stderr, "mail not sent; trying again")) != 1 {
		t.Error("the retry is not logged")
	}
	texts := map[string]string{"standard output": stdout, "standard error": stderr}
	for _, dir := range []string{site.out, site.lake} {
		filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
			if err == nil && !d.IsDir() && !strings.HasSuffix(path, ".parquet") {
				texts[path] = string(readFile(t, path))
			}
			return err
		})
	}
	if _, ok := texts[filepath.Join(site.out, "nightly_2026-11-19.eml")]; !ok {
		t.Error("the undelivered message is not kept")
	}
	var forms []string
	for _, s := range []string{user, pass, "\x00" + user + "\x00" + pass} {
		forms = append(forms, s, base64.StdEncoding.EncodeToString([]byte(s)), base64.RawStdEncoding.EncodeToString([]byte(s)))
	}
	for what, text := range texts {
		for _, f := range forms {
			if strings.Contains(text, f) {
				t.Errorf("%s holds %q", what, f)
			}
		}
	}
}
