package mail

import (
	"strings"
	"testing"
	"time"
)

func TestComposeFailure(t *testing.T) {
	for _, tt := range []struct {
		name      string
		notBilled bool
		subject   string
		first     string
	}{
		{"ingest failed", true, "agentbill nightly, 2026-03-10: FAILED, the day was NOT billed", "2026-03-10 was NOT billed"},
		{"reports refused", false, "agentbill nightly, 2026-03-10: FAILED, no reports", "The job failed for 2026-03-10: no reports were sent."},
	} {
		t.Run(tt.name, func(t *testing.T) {
			why := "ingest 2026-03-10: 41.2 % of the records rejected <more than 5 %>; --force commits it anyway"
			m, err := ComposeFailure(Failure{Job: "nightly", Day: "2026-03-10", To: []string{"floor@example.com"},
				NotBilled: tt.notBilled, Error: why, Date: time.Date(2026, 3, 11, 2, 30, 0, 0, time.UTC)})
			if err != nil {
				t.Fatal(err)
			}
			if m.Subject != tt.subject || len(m.Attachments)+len(m.Inline) != 0 {
				t.Errorf("subject %q, %d attachments, %d pictures", m.Subject, len(m.Attachments), len(m.Inline))
			}
			if !strings.Contains(m.HTML, tt.first) || !strings.Contains(m.HTML, "&lt;more than 5 %&gt;") {
				t.Errorf("HTML body:\n%s", m.HTML)
			}
			if !strings.Contains(m.Text, tt.first) || !strings.Contains(m.Text, why) || !strings.Contains(m.Text, "agentbill run nightly --date 2026-03-10") {
				t.Errorf("text body:\n%s", m.Text)
			}
			var eml strings.Builder
			if _, err := m.WriteTo(&eml); err != nil {
				t.Fatal(err)
			}
		})
	}
}
