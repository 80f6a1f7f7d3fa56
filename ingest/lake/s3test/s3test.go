// Package s3test runs a real S3 server for tests: versitygw, the Versity
// S3 gateway, over a temporary folder on 127.0.0.1. The binary is found on
// $VERSITYGW_BIN, on $PATH, or in the user's cache, where the first
// test that needs it installs it from the Go module proxy (about a minute,
// once per machine; .ci/run installs it before the tests).
package s3test

import (
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// Version is the versitygw release the tests run.
const Version = "v1.8.0"

const (
	accessKey = "agentbill-test"
	secretKey = "agentbill-test-secret"
	region    = "us-east-1"
)

// Server is a running S3 server.
type Server struct {
	Root     string // the folder behind it: Root/BUCKET/key
	Endpoint string // http://127.0.0.1:PORT
	addr     string
	cmd      *exec.Cmd
	t        testing.TB
}

var (
	binOnce sync.Once
	binPath string
	binErr  error
)

// Binary returns the versitygw binary, installing it when it is nowhere.
func Binary() (string, error) {
	binOnce.Do(func() {
		if p := os.Getenv("VERSITYGW_BIN"); p != "" {
			binPath = p
			return
		}
		if p, err := exec.LookPath("versitygw"); err == nil {
			binPath = p
			return
		}
		cache, err := os.UserCacheDir()
		if err != nil {
			cache = os.TempDir()
		}
		dir := filepath.Join(cache, "agentbill", "versitygw-"+Version)
		binPath = filepath.Join(dir, "versitygw")
		if _, err := os.Stat(binPath); err == nil {
			return
		}
		cmd := exec.Command("go", "install", "github.com/versity/versitygw/cmd/versitygw@"+Version)
		cmd.Env = append(os.Environ(), "GOBIN="+dir, "GOFLAGS=-mod=mod", "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			binErr = fmt.Errorf("install versitygw %s: %v\n%s", Version, err, out)
		}
	})
	return binPath, binErr
}

// Start starts a server with the buckets named, and sets the standard AWS
// environment (credentials, region) for the test. It stops with the test.
func Start(t testing.TB, buckets ...string) *Server {
	t.Helper()
	bin, err := Binary()
	if err != nil {
		t.Fatal(err)
	}
	root := t.TempDir()
	for _, b := range buckets {
		if err := os.MkdirAll(filepath.Join(root, b), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	s := &Server{Root: root, Endpoint: "http://" + addr, addr: addr, t: t}
	t.Setenv("AWS_ACCESS_KEY_ID", accessKey)
	t.Setenv("AWS_SECRET_ACCESS_KEY", secretKey)
	t.Setenv("AWS_REGION", region)
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	s.start(bin)
	t.Cleanup(s.Stop)
	return s
}

func (s *Server) start(bin string) {
	s.t.Helper()
	s.cmd = exec.Command(bin, "--access", accessKey, "--secret", secretKey, "--region", region, "--port", s.addr, "posix", s.Root)
	s.cmd.Stdout, s.cmd.Stderr = nil, nil
	if err := s.cmd.Start(); err != nil {
		s.t.Fatal(err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", s.addr, 200*time.Millisecond)
		if err == nil {
			c.Close()
			return
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("versitygw did not listen on %s: %v", s.addr, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Stop stops the server (kill -9); Restart starts it again on the same
// address and folder.
func (s *Server) Stop() {
	if s.cmd != nil && s.cmd.Process != nil {
		s.cmd.Process.Kill()
		s.cmd.Wait()
		s.cmd = nil
	}
}

// Restart starts a stopped server again.
func (s *Server) Restart() {
	s.t.Helper()
	bin, _ := Binary()
	s.start(bin)
}

// URL is the lake URL of prefix in bucket on this server.
func (s *Server) URL(bucket, prefix string) string {
	q := url.Values{}
	q.Set("endpoint", s.Endpoint)
	q.Set("region", region)
	q.Set("use_path_style", "true")
	return "s3://" + bucket + "/" + prefix + "?" + q.Encode()
}
