package mail

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"net/textproto"
	"net/url"
	"reflect"
	"regexp"
	"sort"
	"strconv"
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
	// nil logs nothing. The login is never logged, even when the server
	// quotes it in a reply.
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
//
// A server may quote the login in its replies; neither the error nor the
// log carries it: every form of the user name and password the client may
// have sent is replaced with [redacted] (see redactor).
func (s *SMTP) Send(ctx context.Context, m *Message) error {
	r := newRedactor(s.Username, s.Password)
	return r.wrap(s.send(ctx, m, r))
}

// send is Send; r redacts what it logs.
func (s *SMTP) send(ctx context.Context, m *Message, r *redactor) error {
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
		s.log().Warn("mail not sent; trying again", "to", to, "attempt", attempt, "wait", wait.String(), "error", r.redact(err.Error()))
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

// redacted replaces a credential in an error or a log line.
const redacted = "[redacted]"

// minFragment is the length of the shortest piece of base64 that is looked
// for inside longer base64 text: shorter pieces would match ordinary words.
const minFragment = 4

// saslName escapes a user name as SCRAM sends it (RFC 5802).
var saslName = strings.NewReplacer("=", "=3D", ",", "=2C")

// base64Token is a run of characters that may be base64 (either
// alphabet), with its padding.
var base64Token = regexp.MustCompile(`[A-Za-z0-9+/_-]{4,}=*`)

// redactor removes an SMTP login from text a server may have quoted it in.
// It replaces, with [redacted]:
//   - the user name and the password as they are, in any case, and
//     percent-encoded, SCRAM-escaped or Go-quoted;
//   - the base64 (standard or URL alphabet, padded or not) of each, and of
//     what the SASL mechanisms send: PLAIN's "identity\x00user\x00password"
//     (with an empty identity or the user name), LOGIN's user name and
//     password on their own, XOAUTH2's "user=…\x01auth=Bearer …\x01\x01";
//   - the base64 of the user name or password inside longer base64 text,
//     at each of the three alignments (pieces of minFragment characters or
//     more), which covers CRAM-MD5's "user digest" and SCRAM's first
//     message;
//   - every base64 word whose decoded bytes hold the user name or the
//     password.
//
// A nil *redactor (no login) changes nothing.
type redactor struct {
	forms   *regexp.Regexp
	secrets [][]byte // lower case
}

// newRedactor is the redactor of a login; nil when there is none.
func newRedactor(user, pass string) *redactor {
	var secrets []string
	for _, s := range []string{user, pass} {
		if s != "" {
			secrets = append(secrets, s)
		}
	}
	if len(secrets) == 0 {
		return nil
	}
	r := &redactor{}
	plain := map[string]bool{} // matched in any case
	exact := map[string]bool{} // base64: matched as it is
	sent := append([]string(nil), secrets...)
	if user != "" && pass != "" {
		sent = append(sent, "\x00"+user+"\x00"+pass, user+"\x00"+user+"\x00"+pass,
			"user="+user+"\x01auth=Bearer "+pass+"\x01\x01")
	}
	for _, s := range secrets {
		r.secrets = append(r.secrets, bytes.ToLower([]byte(s)))
		for _, form := range []string{s, url.QueryEscape(s), url.PathEscape(s), saslName.Replace(s),
			unquoted(strconv.Quote(s)), unquoted(strconv.QuoteToASCII(s))} {
			plain[form] = true
		}
		for _, enc := range []*base64.Encoding{base64.RawStdEncoding, base64.RawURLEncoding} {
			for shift := range 3 {
				if f := fragment(enc, s, shift); len(f) >= minFragment {
					exact[f] = true
				}
			}
		}
	}
	for _, s := range sent {
		for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
			exact[enc.EncodeToString([]byte(s))] = true
		}
	}
	type alt struct{ text, re string }
	var alts []alt
	for f := range plain {
		alts = append(alts, alt{f, "(?i:" + regexp.QuoteMeta(f) + ")"})
	}
	for f := range exact {
		if !plain[f] {
			alts = append(alts, alt{f, regexp.QuoteMeta(f)})
		}
	}
	// Longest first: at a given place the whole form is replaced, not a
	// part of it.
	sort.Slice(alts, func(i, j int) bool {
		if len(alts[i].text) != len(alts[j].text) {
			return len(alts[i].text) > len(alts[j].text)
		}
		return alts[i].re < alts[j].re
	})
	res := make([]string, len(alts))
	for i, a := range alts {
		res[i] = a.re
	}
	r.forms = regexp.MustCompile(strings.Join(res, "|"))
	return r
}

// unquoted is q without its quotes.
func unquoted(q string) string { return q[1 : len(q)-1] }

// fragment is the part of the base64 of s that does not depend on the
// bytes around it, when s starts shift bytes into a group of three.
func fragment(enc *base64.Encoding, s string, shift int) string {
	b := append(make([]byte, shift), s...)
	e := enc.EncodeToString(b)
	// A byte before s fills the first character (shift 1) or the first
	// two and part of the third (shift 2).
	start := [3]int{0, 2, 3}[shift]
	end := len(e)
	if len(b)%3 != 0 {
		end-- // the last character also holds bits of the next byte
	}
	if end <= start {
		return ""
	}
	return e[start:end]
}

// redact returns text with every form of the login replaced.
func (r *redactor) redact(text string) string {
	if r == nil {
		return text
	}
	text = base64Token.ReplaceAllStringFunc(text, func(word string) string {
		if r.holdsSecret(word) {
			return redacted
		}
		return word
	})
	return r.forms.ReplaceAllLiteralString(text, redacted)
}

// holdsSecret reports whether word, read as base64, holds the user name or
// the password.
func (r *redactor) holdsSecret(word string) bool {
	word = strings.TrimRight(word, "=")
	if len(word)%4 == 1 {
		word = word[:len(word)-1]
	}
	for _, enc := range []*base64.Encoding{base64.RawStdEncoding, base64.RawURLEncoding} {
		b, err := enc.DecodeString(word)
		if err != nil {
			continue
		}
		b = bytes.ToLower(b)
		for _, s := range r.secrets {
			if bytes.Contains(b, s) {
				return true
			}
		}
	}
	return false
}

// wrap returns err with the login redacted from its text; nil stays nil.
func (r *redactor) wrap(err error) error {
	if err == nil || r == nil {
		return err
	}
	return &redactedError{text: r.redact(err.Error()), err: err, r: r}
}

// redactedError is an error whose text has the login redacted. It does not
// unwrap, so that nothing reaches the text it came from: errors.Is looks
// through it, and errors.As finds an error of the chain only when that
// error's own text holds no credential, except for an SMTP reply
// (*textproto.Error), which it gives as a copy with the credential
// redacted, code and all.
type redactedError struct {
	text string
	err  error
	r    *redactor
}

func (e *redactedError) Error() string { return e.text }

// Is reports whether the error it redacts is target.
func (e *redactedError) Is(target error) bool { return errors.Is(e.err, target) }

// As finds the first error of the chain that fits target, as errors.As
// does, if it can be given without a credential.
func (e *redactedError) As(target any) bool {
	if !errors.As(e.err, target) {
		return false
	}
	v := reflect.ValueOf(target).Elem()
	found, ok := v.Interface().(error)
	if !ok || found == nil || e.r.redact(found.Error()) == found.Error() {
		return true
	}
	if reply, ok := found.(*textproto.Error); ok {
		clean := *reply
		clean.Msg = e.r.redact(reply.Msg)
		v.Set(reflect.ValueOf(&clean))
		return true
	}
	v.Set(reflect.Zero(v.Type()))
	return false
}
