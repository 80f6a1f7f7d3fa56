package mail

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net/textproto"
	"strings"
	"time"

	gomail "github.com/wneessen/go-mail"
)

// TLS says how a connection to the SMTP server is protected.
type TLS string

// The TLS modes of SMTP.TLS.
const (
	// TLSRequired sends only after STARTTLS succeeded: a server that does
	// not offer it, or a certificate that does not verify, fails.
	TLSRequired TLS = "required"
	// TLSOpportunistic uses STARTTLS when the server offers it, else sends
	// in the clear.
	TLSOpportunistic TLS = "opportunistic"
	// TLSNone never uses TLS.
	TLSNone TLS = "none"
)

// ParseTLS reads required, opportunistic or none.
func ParseTLS(s string) (TLS, error) {
	switch t := TLS(s); t {
	case TLSRequired, TLSOpportunistic, TLSNone:
		return t, nil
	}
	return "", fmt.Errorf("starttls %q: want required, opportunistic or none", s)
}

// The authentication mechanisms SMTP.Auth accepts.
var authTypes = map[string]gomail.SMTPAuthType{
	"auto":          gomail.SMTPAuthAutoDiscover,
	"plain":         gomail.SMTPAuthPlain,
	"login":         gomail.SMTPAuthLogin,
	"cram-md5":      gomail.SMTPAuthCramMD5,
	"scram-sha-1":   gomail.SMTPAuthSCRAMSHA1,
	"scram-sha-256": gomail.SMTPAuthSCRAMSHA256,
}

// CheckAuth refuses an authentication mechanism SMTP does not know.
func CheckAuth(s string) error {
	if _, ok := authTypes[s]; !ok {
		return fmt.Errorf("auth %q: want auto, plain, login, cram-md5, scram-sha-1 or scram-sha-256", s)
	}
	return nil
}

// SMTP delivers messages to an SMTP server (the submission port, with
// STARTTLS, by default), trying again with a growing wait when delivery
// fails for a reason that may pass.
type SMTP struct {
	Host string
	Port int // 0 means 587
	// From is the sender of messages that name none.
	From string
	// TLS is how the connection is protected; empty means TLSRequired.
	TLS TLS
	// TLSConfig verifies the server; nil means the system's roots for
	// Host.
	TLSConfig *tls.Config
	// Auth is the authentication mechanism (see CheckAuth); empty means
	// auto, the strongest the server offers. It is used only with a
	// Username.
	Auth     string
	Username string
	Password string
	// Timeout bounds each connection; 0 means 30 seconds.
	Timeout time.Duration
	// Retries is how many times a failed delivery is tried again.
	Retries int
	// RetryWait is the wait before the first retry; it doubles for each
	// one after. 0 means 10 seconds.
	RetryWait time.Duration
	// Log receives a line for each failed attempt and for the delivery;
	// nil logs nothing. The password is never logged.
	Log *slog.Logger
}

// ErrNotDelivered is wrapped by the error Send returns when the server did
// not take the message.
var ErrNotDelivered = errors.New("mail not delivered")

func (s *SMTP) log() *slog.Logger {
	if s.Log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return s.Log
}

// client is a go-mail client for one attempt.
func (s *SMTP) client() (*gomail.Client, error) {
	port := s.Port
	if port == 0 {
		port = 587
	}
	timeout := s.Timeout
	if timeout == 0 {
		timeout = 30 * time.Second
	}
	opts := []gomail.Option{gomail.WithPort(port), gomail.WithTimeout(timeout)}
	switch s.TLS {
	case TLSOpportunistic:
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSOpportunistic))
	case TLSNone:
		opts = append(opts, gomail.WithTLSPolicy(gomail.NoTLS))
	case TLSRequired, "":
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSMandatory))
	default:
		return nil, fmt.Errorf("starttls %q: want required, opportunistic or none", s.TLS)
	}
	if s.TLSConfig != nil {
		cfg := s.TLSConfig.Clone()
		if cfg.ServerName == "" {
			cfg.ServerName = s.Host
		}
		opts = append(opts, gomail.WithTLSConfig(cfg))
	}
	if s.Username != "" {
		name := s.Auth
		if name == "" {
			name = "auto"
		}
		auth, ok := authTypes[name]
		if !ok {
			return nil, CheckAuth(name)
		}
		// Without TLS, go-mail refuses to send a password in the clear
		// unless told to; the site said so by choosing none.
		if s.TLS == TLSNone || s.TLS == TLSOpportunistic {
			switch auth {
			case gomail.SMTPAuthPlain:
				auth = gomail.SMTPAuthPlainNoEnc
			case gomail.SMTPAuthLogin:
				auth = gomail.SMTPAuthLoginNoEnc
			}
		}
		opts = append(opts, gomail.WithSMTPAuth(auth), gomail.WithUsername(s.Username), gomail.WithPassword(s.Password))
	}
	return gomail.NewClient(s.Host, opts...)
}

// Send delivers m. It tries 1 + Retries times, waiting RetryWait, then
// twice as long each time, between attempts, and stops early when trying
// again cannot help (see permanent) or ctx ends. The error wraps
// ErrNotDelivered and the last attempt's error. Send fills in m.From (with
// s.From) and m.ID when they are empty, so that every attempt, and a copy
// of m written afterwards, is the same message.
func (s *SMTP) Send(ctx context.Context, m *Message) error {
	if m.From == "" {
		m.From = s.From
	}
	if m.From == "" {
		return fmt.Errorf("%w: no sender address (mail.from)", ErrNotDelivered)
	}
	if m.ID == "" {
		msg, err := m.msg(m.From)
		if err != nil {
			return fmt.Errorf("%w: %w", ErrNotDelivered, err)
		}
		m.ID = strings.Trim(msg.GetMessageID(), "<>")
	}
	wait := s.RetryWait
	if wait <= 0 {
		wait = 10 * time.Second
	}
	to := strings.Join(m.To, ", ")
	for attempt := 1; ; attempt++ {
		err := s.attempt(ctx, m)
		if err == nil {
			s.log().Info("mail sent", "to", to, "subject", m.Subject, "attempt", attempt,
				"attachments", len(m.Attachments), "server", s.Host)
			return nil
		}
		if ctx.Err() != nil {
			return fmt.Errorf("%w to %s: %w", ErrNotDelivered, to, ctx.Err())
		}
		if permanent(err) || attempt > s.Retries {
			return fmt.Errorf("%w to %s after %d attempt(s): %w", ErrNotDelivered, to, attempt, err)
		}
		s.log().Warn("mail not sent; trying again", "to", to, "attempt", attempt, "wait", wait.String(), "error", err.Error())
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("%w to %s: %w (after: %w)", ErrNotDelivered, to, ctx.Err(), err)
		case <-t.C:
		}
		wait *= 2
	}
}

// attempt makes one connection and delivers m on it.
func (s *SMTP) attempt(ctx context.Context, m *Message) error {
	msg, err := m.msg(m.From)
	if err != nil {
		return err
	}
	c, err := s.client()
	if err != nil {
		return err
	}
	return c.DialAndSendWithContext(ctx, msg)
}

// permanent reports whether trying again cannot help: a 5xx reply (to the
// login, the sender, a recipient or the message), a certificate that does
// not verify, or a server without the STARTTLS that is required. Failures
// to connect and 4xx replies may pass, and are tried again.
func permanent(err error) bool {
	var se *gomail.SendError
	if errors.As(err, &se) {
		return !se.IsTemp() && se.ErrorCode() >= 500
	}
	var reply *textproto.Error
	if errors.As(err, &reply) {
		return reply.Code >= 500
	}
	var cert *tls.CertificateVerificationError
	if errors.As(err, &cert) {
		return true
	}
	// go-mail says so only in words.
	return strings.Contains(err.Error(), "does not support STARTTLS")
}
