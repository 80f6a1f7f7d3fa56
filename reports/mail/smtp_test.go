package mail

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/agentbill/agentbill/reports/mail/mailtest"
)

// testMessage is a small message with a picture and an attachment.
func testMessage() *Message {
	return &Message{
		To:          []string{"floor@example.com", "lead@example.com"},
		Subject:     "agentbill nightly, 2026-03-10: occupancy 41.2% over 2 agents",
		Text:        "Occupancy 41.2%",
		HTML:        `<p>Occupancy 41.2%</p><img src="cid:occupancy-1.png" alt="Occupancy by agent">`,
		Inline:      []Part{{Name: "occupancy-1.png", ContentType: "image/png", ContentID: "occupancy-1.png", Data: []byte("\x89PNG fake")}},
		Attachments: []Part{{Name: "occupancy_2026-03-10_2026-03-11.csv", ContentType: "text/csv", Data: []byte("agent_id,date\nA01,2026-03-10\n")}},
	}
}

// sender is an SMTP sender for srv, with short waits.
func sender(srv *mailtest.Server, log *slog.Logger) *SMTP {
	return &SMTP{Host: srv.Host, Port: srv.Port, From: "agentbill@example.com", TLS: TLSNone,
		Timeout: 5 * time.Second, Retries: 2, RetryWait: 10 * time.Millisecond, Log: log}
}

func TestSMTPDelivers(t *testing.T) {
	var logs bytes.Buffer
	log := slog.New(slog.NewJSONHandler(&logs, nil))
	tests := []struct {
		name  string
		opts  mailtest.Options
		setUp func(*SMTP, *mailtest.Server)
	}{
		{name: "STARTTLS required, with a password",
			opts: mailtest.Options{TLS: true, Username: "bill", Password: "s3cret-pa55"},
			setUp: func(s *SMTP, srv *mailtest.Server) {
				s.TLS, s.TLSConfig, s.Username, s.Password = TLSRequired, srv.ClientTLS(), "bill", "s3cret-pa55"
			}},
		{name: "opportunistic, server with TLS",
			opts:  mailtest.Options{TLS: true},
			setUp: func(s *SMTP, srv *mailtest.Server) { s.TLS, s.TLSConfig = TLSOpportunistic, srv.ClientTLS() }},
		{name: "no TLS, password in the clear as the site chose",
			opts:  mailtest.Options{Username: "bill", Password: "s3cret-pa55"},
			setUp: func(s *SMTP, _ *mailtest.Server) { s.Username, s.Password, s.Auth = "bill", "s3cret-pa55", "plain" }},
		{name: "refused twice, then taken",
			opts: mailtest.Options{Refuse: 2}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := mailtest.Start(t, tt.opts)
			s := sender(srv, log)
			if tt.setUp != nil {
				tt.setUp(s, srv)
			}
			m := testMessage()
			if err := s.Send(context.Background(), m); err != nil {
				t.Fatal(err)
			}
			got := srv.Messages()
			if len(got) != 1 {
				t.Fatalf("%d messages arrived; want 1", len(got))
			}
			if want := tt.opts.Refuse + 1; srv.Attempts() != want {
				t.Errorf("%d attempts; want %d", srv.Attempts(), want)
			}
			if got[0].From != "agentbill@example.com" || strings.Join(got[0].To, ",") != "floor@example.com,lead@example.com" {
				t.Errorf("envelope from %s to %v", got[0].From, got[0].To)
			}
			p, err := mailtest.Parse(got[0].Data)
			if err != nil {
				t.Fatal(err)
			}
			if p.Subject != m.Subject {
				t.Errorf("subject %q; want %q", p.Subject, m.Subject)
			}
			if p.Text != "Occupancy 41.2%" || !strings.Contains(p.HTML, `src="cid:occupancy-1.png"`) {
				t.Errorf("bodies %q / %q", p.Text, p.HTML)
			}
			if img := p.Part("occupancy-1.png"); img == nil || img.ContentID != "occupancy-1.png" || img.ContentType != "image/png" || string(img.Data) != "\x89PNG fake" {
				t.Errorf("inline picture %+v", img)
			}
			if csv := p.Part("occupancy_2026-03-10_2026-03-11.csv"); csv == nil || csv.Disposition != "attachment" || string(csv.Data) != "agent_id,date\nA01,2026-03-10\n" {
				t.Errorf("attachment %+v", csv)
			}
		})
	}
	if strings.Contains(logs.String(), "s3cret-pa55") {
		t.Error("the password is in the log")
	}
	if !strings.Contains(logs.String(), `"msg":"mail not sent; trying again"`) {
		t.Errorf("no retry logged:\n%s", logs.String())
	}
}

func TestSMTPFails(t *testing.T) {
	tests := []struct {
		name         string
		opts         mailtest.Options
		setUp        func(*SMTP, *mailtest.Server)
		wantAttempts int
		wantErr      string
	}{
		{name: "never accepts: every retry used",
			opts: mailtest.Options{Refuse: -1}, wantAttempts: 3, wantErr: "after 3 attempt(s)"},
		{name: "refused for good: no retry",
			opts:         mailtest.Options{Refuse: -1, RefuseCode: 550},
			setUp:        func(s *SMTP, _ *mailtest.Server) { s.RetryWait = time.Hour },
			wantAttempts: 1, wantErr: "after 1 attempt(s)"},
		{name: "STARTTLS required, server has none",
			opts:  mailtest.Options{},
			setUp: func(s *SMTP, _ *mailtest.Server) { s.TLS, s.RetryWait = TLSRequired, time.Hour },
			// The client gives up before it sends anything.
			wantAttempts: 0, wantErr: "STARTTLS"},
		{name: "certificate not trusted",
			opts:         mailtest.Options{TLS: true},
			setUp:        func(s *SMTP, _ *mailtest.Server) { s.TLS, s.RetryWait = TLSRequired, time.Hour },
			wantAttempts: 0, wantErr: "certificate"},
		{name: "wrong password",
			opts: mailtest.Options{TLS: true, Username: "bill", Password: "right"},
			setUp: func(s *SMTP, srv *mailtest.Server) {
				s.TLS, s.TLSConfig, s.Username, s.Password = TLSRequired, srv.ClientTLS(), "bill", "wrong"
				s.RetryWait = time.Hour // a retry would hang the test
			},
			wantAttempts: 0, wantErr: "AUTH"},
		{name: "nobody listening: retried, then fails",
			opts: mailtest.Options{},
			setUp: func(s *SMTP, _ *mailtest.Server) {
				l, err := net.Listen("tcp", "127.0.0.1:0")
				if err != nil {
					t.Fatal(err)
				}
				s.Port = l.Addr().(*net.TCPAddr).Port
				l.Close()
			},
			wantAttempts: 0, wantErr: "after 3 attempt(s)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := mailtest.Start(t, tt.opts)
			s := sender(srv, nil)
			if tt.setUp != nil {
				tt.setUp(s, srv)
			}
			err := s.Send(context.Background(), testMessage())
			if !errors.Is(err, ErrNotDelivered) || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("err %v; want ErrNotDelivered saying %q", err, tt.wantErr)
			}
			if srv.Attempts() != tt.wantAttempts || len(srv.Messages()) != 0 {
				t.Errorf("%d attempts, %d messages; want %d, 0", srv.Attempts(), len(srv.Messages()), tt.wantAttempts)
			}
		})
	}
}

func TestSMTPStopsWithContext(t *testing.T) {
	srv := mailtest.Start(t, mailtest.Options{Refuse: -1})
	s := sender(srv, nil)
	s.Retries, s.RetryWait = 10, time.Hour
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	err := s.Send(ctx, testMessage())
	if !errors.Is(err, context.DeadlineExceeded) || time.Since(start) > 5*time.Second {
		t.Errorf("err %v after %s; want the deadline, at once", err, time.Since(start))
	}
}

func TestParseTLS(t *testing.T) {
	for _, s := range []string{"required", "opportunistic", "none"} {
		if _, err := ParseTLS(s); err != nil {
			t.Error(err)
		}
	}
	if _, err := ParseTLS("yes"); err == nil {
		t.Error("yes read as a TLS mode")
	}
	if CheckAuth("auto") != nil || CheckAuth("xoauth") == nil {
		t.Error("CheckAuth")
	}
}

// An inline part's Content-ID header holds the id in angle brackets (RFC
// 2392), while the HTML refers to it bare, as cid:ID.
func TestContentIDBrackets(t *testing.T) {
	var b bytes.Buffer
	if _, err := testMessage().WriteTo(&b); err != nil {
		t.Fatal(err)
	}
	raw := b.String()
	if !strings.Contains(strings.ToLower(raw), "content-id: <occupancy-1.png>") {
		t.Errorf("no bracketed Content-ID in the message:\n%s", raw)
	}
	if !strings.Contains(raw, `cid:occupancy-1.png"`) { // the HTML is quoted-printable
		t.Error("the HTML does not refer to cid:occupancy-1.png")
	}
}
