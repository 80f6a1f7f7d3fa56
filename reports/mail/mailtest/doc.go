// Package mailtest runs a real SMTP server (github.com/emersion/go-smtp)
// inside a test, on 127.0.0.1, with STARTTLS, a login and refusals to
// order, and takes apart the messages it received: the shared test bench
// for every sender of mail.
package mailtest
