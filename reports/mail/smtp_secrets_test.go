package mail

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"log/slog"
	"net/textproto"
	"strconv"
	"strings"
	"testing"

	"github.com/agentbill/agentbill/reports/mail/mailtest"
)

// The login of the tests that a server quotes back.
const (
	secretUser = "relay.7f3a@example.org"
	secretPass = "s3cret-pa55"
)

// loginForms are the forms of a login that must not be shown: as it is,
// and the base64 of what the SASL mechanisms send.
func loginForms(user, pass string) []string {
	forms := []string{user, pass, strings.ToUpper(user)}
	for _, s := range []string{user, pass, "\x00" + user + "\x00" + pass, user + "\x00" + user + "\x00" + pass,
		"user=" + user + "\x01auth=Bearer " + pass + "\x01\x01"} {
		for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
			forms = append(forms, enc.EncodeToString([]byte(s)))
		}
	}
	return forms
}

// checkNoLogin fails t when text holds a form of the login.
func checkNoLogin(t *testing.T, what, text string) {
	t.Helper()
	for _, f := range loginForms(secretUser, secretPass) {
		if strings.Contains(text, f) {
			t.Errorf("%s holds %q:\n%s", what, f, text)
		}
	}
}

func TestSMTPRedactsLoginTheServerQuotes(t *testing.T) {
	tests := []struct {
		auth         string
		code         int
		wantAttempts int // logins tried
	}{
		{auth: "plain", code: 535, wantAttempts: 1},
		{auth: "login", code: 535, wantAttempts: 1},
		{auth: "cram-md5", code: 535, wantAttempts: 1},
		{auth: "scram-sha-1", code: 535, wantAttempts: 1},
		{auth: "scram-sha-256", code: 535, wantAttempts: 1},
		{auth: "auto", code: 535, wantAttempts: 1},
		// A temporary refusal is tried again, and each retry is logged.
		{auth: "plain", code: 454, wantAttempts: 3},
		{auth: "login", code: 454, wantAttempts: 3},
	}
	for _, tt := range tests {
		t.Run(tt.auth+" "+strconv.Itoa(tt.code), func(t *testing.T) {
			var logs bytes.Buffer
			srv := mailtest.Start(t, mailtest.Options{EchoAuth: true, EchoAuthCode: tt.code})
			s := sender(srv, slog.New(slog.NewJSONHandler(&logs, nil)))
			s.Auth, s.Username, s.Password = tt.auth, secretUser, secretPass
			err := s.Send(context.Background(), testMessage())
			if err == nil {
				t.Fatal("a refused login delivered")
			}
			if srv.AuthFailures() != tt.wantAttempts {
				t.Errorf("%d logins; want %d", srv.AuthFailures(), tt.wantAttempts)
			}
			msg := err.Error()
			checkNoLogin(t, "the error", msg)
			checkNoLogin(t, "the log", logs.String())
			if !strings.Contains(msg, redacted) || !strings.Contains(msg, strconv.Itoa(tt.code)) || !strings.Contains(msg, "Authentication failed") {
				t.Errorf("error %q; want the server's reply %d, redacted", msg, tt.code)
			}
			if !errors.Is(err, ErrNotDelivered) {
				t.Errorf("error %q is not ErrNotDelivered", msg)
			}
			var reply *textproto.Error
			if !errors.As(err, &reply) {
				t.Fatalf("error %q: no SMTP reply in it", msg)
			}
			if reply.Code != tt.code || !strings.Contains(reply.Msg, redacted) {
				t.Errorf("reply %d %q; want %d, redacted", reply.Code, reply.Msg, tt.code)
			}
			checkNoLogin(t, "the reply", reply.Msg)
			if tt.code == 454 && !strings.Contains(logs.String(), `"msg":"mail not sent; trying again"`) {
				t.Errorf("no retry logged:\n%s", logs.String())
			}
		})
	}
}

func TestRedactor(t *testing.T) {
	const user, pass = "Bill.Mailer", "p4ss=w,rd"
	b64 := base64.StdEncoding.EncodeToString
	tests := []struct {
		name, text string
	}{
		{"as it is", "535 no such user Bill.Mailer with password p4ss=w,rd"},
		{"other case", "535 no such user bill.mailer"},
		{"Go-quoted PLAIN", `535 got "\x00Bill.Mailer\x00p4ss=w,rd"`},
		{"percent-encoded", "535 user=Bill.Mailer&pass=p4ss%3Dw%2Crd"},
		{"SCRAM-escaped", "535 n=Bill.Mailer,p=p4ss=3Dw=2Crd"},
		{"PLAIN", "535 AUTH PLAIN " + b64([]byte("\x00"+user+"\x00"+pass))},
		{"PLAIN with identity", "535 AUTH PLAIN " + b64([]byte(user+"\x00"+user+"\x00"+pass))},
		{"PLAIN unpadded", "535 AUTH PLAIN " + base64.RawStdEncoding.EncodeToString([]byte("\x00"+user+"\x00"+pass))},
		{"LOGIN", "535 " + b64([]byte(user)) + " " + b64([]byte(pass))},
		{"CRAM-MD5", "535 " + b64([]byte(user+" 0123456789abcdef0123456789abcdef"))},
		{"SCRAM first message", "535 " + b64([]byte("n,,n="+user+",r=fyko+d2lbbFgONRv9qkxdawL"))},
		{"XOAUTH2", "535 " + b64([]byte("user="+user+"\x01auth=Bearer "+pass+"\x01\x01"))},
		{"glued to other base64", "535 QUJD" + b64([]byte("x\x00"+user+"\x00"+pass)) + "QUJD"},
		{"over lines", "535-you sent\n535-" + b64([]byte("\x00"+user+"\x00"+pass)) + "\n535 5.7.8 that is \x00" + user + "\x00" + pass},
	}
	r := newRedactor(user, pass)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := r.redact(tt.text)
			if !strings.Contains(got, redacted) {
				t.Errorf("%q: nothing redacted", got)
			}
			for _, shift := range []string{"", "x", "xy"} {
				for _, s := range []string{user, pass} {
					// The middle of the base64, whatever comes before and after.
					enc := b64([]byte(shift + s))
					if f := enc[4 : len(enc)-4]; strings.Contains(got, f) {
						t.Errorf("%q holds the base64 of %q", got, s)
					}
				}
			}
			for _, f := range append(loginForms(user, pass), "bill.mailer", "p4ss") {
				if strings.Contains(got, f) {
					t.Errorf("%q holds %q", got, f)
				}
			}
		})
	}
	t.Run("text without the login is left alone", func(t *testing.T) {
		text := "mail not delivered to floor@example.com after 1 attempt(s): 550 5.3.0 not now"
		if got := r.redact(text); got != text {
			t.Errorf("%q became %q", text, got)
		}
	})
	t.Run("no login: nothing to do", func(t *testing.T) {
		none := newRedactor("", "")
		err := errors.New("535 user bill")
		if none.wrap(err) != err || none.redact("bill") != "bill" {
			t.Error("a redactor without a login changed something")
		}
	})
}

// An error of the chain whose own text holds the login is not given out by
// errors.As; one without it is, and errors.Is looks through.
func TestRedactedErrorAs(t *testing.T) {
	r := newRedactor(secretUser, secretPass)
	reply := &textproto.Error{Code: 535, Msg: "5.7.8 bad login " + secretUser}
	leaky := &leakyError{secret: secretPass}
	err := r.wrap(errors.Join(reply, leaky, context.DeadlineExceeded))
	checkNoLogin(t, "the error", err.Error())
	var got *textproto.Error
	if !errors.As(err, &got) || got.Code != 535 || got.Msg != "5.7.8 bad login "+redacted {
		t.Errorf("reply %+v", got)
	}
	if reply.Msg != "5.7.8 bad login "+secretUser {
		t.Error("the original reply was changed")
	}
	var l *leakyError
	if errors.As(err, &l) || l != nil {
		t.Error("errors.As gave out an error holding the password")
	}
	if !errors.Is(err, context.DeadlineExceeded) || !errors.Is(err, reply) {
		t.Error("errors.Is does not look through")
	}
	if errors.Unwrap(err) != nil {
		t.Error("the error unwraps to its unredacted text")
	}
}

type leakyError struct{ secret string }

func (e *leakyError) Error() string { return "server said " + e.secret }
