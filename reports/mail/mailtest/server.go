package mailtest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"errors"
	"io"
	"math/big"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// Options shape the server's behaviour.
type Options struct {
	// TLS offers STARTTLS with a certificate made for 127.0.0.1; a client
	// trusts it with Server.ClientTLS.
	TLS bool
	// Username and Password, when set, make the server require PLAIN
	// authentication with them before it takes a message.
	Username, Password string
	// Refuse is how many attempts the server refuses before it takes a
	// message; -1 refuses every one.
	Refuse int
	// RefuseCode is the reply code of a refusal: 451 (try again later)
	// when 0; 550 is a permanent refusal.
	RefuseCode int
	// EchoAuth makes the server offer PLAIN, LOGIN, CRAM-MD5, SCRAM-SHA-1
	// and SCRAM-SHA-256 and refuse every login, as a careless server may,
	// with a reply that quotes what the client sent: each response as it
	// came (base64), decoded as it is and decoded Go-quoted, one line each.
	EchoAuth bool
	// EchoAuthCode is the reply code of that refusal: 535 (authentication
	// failed) when 0; 454 is a temporary failure.
	EchoAuthCode int
}

// Received is a message the server took.
type Received struct {
	From string
	To   []string
	Data []byte
}

// Server is a running SMTP server.
type Server struct {
	Host string
	Port int

	opts  Options
	roots *x509.CertPool

	mu       sync.Mutex
	attempts int
	authFail int
	messages []Received
}

// Start starts a server on a free port of 127.0.0.1 and stops it when the
// test ends.
func Start(t testing.TB, opts Options) *Server {
	t.Helper()
	s := &Server{opts: opts}
	srv := smtp.NewServer(s)
	srv.Domain = "localhost"
	srv.ReadTimeout = 10 * time.Second
	srv.WriteTimeout = 10 * time.Second
	srv.MaxMessageBytes = 32 << 20
	srv.AllowInsecureAuth = !opts.TLS
	if opts.TLS {
		cert, roots, err := certificate()
		if err != nil {
			t.Fatal(err)
		}
		srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
		s.roots = roots
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().(*net.TCPAddr)
	s.Host, s.Port = addr.IP.String(), addr.Port
	done := make(chan struct{})
	go func() {
		defer close(done)
		srv.Serve(l)
	}()
	t.Cleanup(func() {
		srv.Close()
		<-done
	})
	return s
}

// ClientTLS is a TLS configuration that trusts the server's certificate.
func (s *Server) ClientTLS() *tls.Config {
	return &tls.Config{RootCAs: s.roots, ServerName: s.Host, MinVersion: tls.VersionTLS12}
}

// Messages are the messages taken, in order.
func (s *Server) Messages() []Received {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Received(nil), s.messages...)
}

// Attempts is how many messages clients began to send (MAIL commands),
// refused ones included.
func (s *Server) Attempts() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.attempts
}

// AuthFailures is how many logins were refused.
func (s *Server) AuthFailures() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.authFail
}

// NewSession implements smtp.Backend.
func (s *Server) NewSession(*smtp.Conn) (smtp.Session, error) {
	return &session{srv: s}, nil
}

type session struct {
	srv    *Server
	authed bool
	from   string
	to     []string
}

func (ss *session) AuthMechanisms() []string {
	if ss.srv.opts.EchoAuth {
		return []string{sasl.Plain, sasl.Login, "CRAM-MD5", "SCRAM-SHA-1", "SCRAM-SHA-256"}
	}
	if ss.srv.opts.Username == "" {
		return nil
	}
	return []string{sasl.Plain}
}

func (ss *session) Auth(mech string) (sasl.Server, error) {
	if ss.srv.opts.EchoAuth {
		return &echoAuth{srv: ss.srv, mech: mech}, nil
	}
	return sasl.NewPlainServer(func(_, username, password string) error {
		if username != ss.srv.opts.Username || password != ss.srv.opts.Password {
			ss.srv.mu.Lock()
			ss.srv.authFail++
			ss.srv.mu.Unlock()
			return smtp.ErrAuthFailed
		}
		ss.authed = true
		return nil
	}), nil
}

// echoAuth is a login that fails with a reply quoting what the client sent.
type echoAuth struct {
	srv  *Server
	mech string
	got  [][]byte
}

// Next asks for what the mechanism sends (for LOGIN the user name, then the
// password; for CRAM-MD5 and SCRAM their first message), then refuses.
func (a *echoAuth) Next(response []byte) ([]byte, bool, error) {
	if response != nil {
		a.got = append(a.got, response)
	}
	switch {
	case a.mech == sasl.Login && len(a.got) == 0:
		return []byte("Username:"), false, nil
	case a.mech == sasl.Login && len(a.got) == 1:
		return []byte("Password:"), false, nil
	case a.mech == "CRAM-MD5" && len(a.got) == 0:
		return []byte("<1896.697170952@localhost>"), false, nil
	case len(a.got) == 0: // PLAIN and SCRAM without an initial response
		return []byte{}, false, nil
	}
	a.srv.mu.Lock()
	a.srv.authFail++
	a.srv.mu.Unlock()
	lines := []string{"Authentication failed for AUTH " + a.mech}
	for _, r := range a.got {
		lines = append(lines, "you sent "+base64.StdEncoding.EncodeToString(r),
			"that is "+string(r), "that is "+strconv.Quote(string(r)))
	}
	code := a.srv.opts.EchoAuthCode
	if code == 0 {
		code = 535
	}
	return nil, false, &smtp.SMTPError{Code: code, EnhancedCode: smtp.EnhancedCode{code / 100, 7, 8}, Message: strings.Join(lines, "\n")}
}

func (ss *session) Mail(from string, _ *smtp.MailOptions) error {
	s := ss.srv
	if s.opts.Username != "" && !ss.authed {
		return smtp.ErrAuthRequired
	}
	s.mu.Lock()
	s.attempts++
	n := s.attempts
	s.mu.Unlock()
	if s.opts.Refuse < 0 || n <= s.opts.Refuse {
		code := s.opts.RefuseCode
		if code == 0 {
			code = 451
		}
		return &smtp.SMTPError{Code: code, EnhancedCode: smtp.EnhancedCode{code / 100, 3, 0}, Message: "not now"}
	}
	ss.from = from
	return nil
}

func (ss *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	ss.to = append(ss.to, to)
	return nil
}

func (ss *session) Data(r io.Reader) error {
	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	if ss.from == "" {
		return errors.New("no sender")
	}
	ss.srv.mu.Lock()
	ss.srv.messages = append(ss.srv.messages, Received{From: ss.from, To: ss.to, Data: data})
	ss.srv.mu.Unlock()
	return nil
}

func (ss *session) Reset() { ss.from, ss.to = "", nil }

func (ss *session) Logout() error { return nil }

// certificate makes a self-signed certificate for 127.0.0.1 and a pool
// that trusts it.
func certificate() (tls.Certificate, *x509.CertPool, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "mailtest"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
		IPAddresses:           []net.IP{net.ParseIP("127.0.0.1")},
		DNSNames:              []string{"localhost"},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	parsed, err := x509.ParseCertificate(der)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	pool := x509.NewCertPool()
	pool.AddCert(parsed)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: parsed}, pool, nil
}
