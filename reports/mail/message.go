package mail

import (
	"bytes"
	"fmt"
	"io"
	"time"

	gomail "github.com/wneessen/go-mail"
)

// Message is one e-mail: a plain-text body with an HTML alternative, the
// pictures the HTML shows and the files it carries.
type Message struct {
	// From is the sender's address; empty means the Sender's own.
	From    string
	To      []string
	Subject string
	// Text is the plain-text body, for readers that show no HTML.
	Text string
	// HTML is the body most readers show; it refers to an inline part as
	// cid:ContentID.
	HTML string
	// Inline are the pictures the HTML shows.
	Inline []Part
	// Attachments are the files the message carries.
	Attachments []Part
	// Date is the message's date; zero means the time it is sent.
	Date time.Time
	// ID is the Message-ID without angle brackets; empty gives a new one.
	// Every attempt to deliver a message sends the same ID.
	ID string
}

// Part is a file in a message.
type Part struct {
	Name        string // file name
	ContentType string // such as image/png or text/csv
	ContentID   string // for inline parts: what the HTML calls cid:ContentID
	Data        []byte
}

// msg builds the go-mail message, with from as the sender when m has none.
func (m *Message) msg(from string) (*gomail.Msg, error) {
	g := gomail.NewMsg()
	if m.From != "" {
		from = m.From
	}
	if err := g.From(from); err != nil {
		return nil, fmt.Errorf("sender %q: %w", from, err)
	}
	if len(m.To) == 0 {
		return nil, fmt.Errorf("message %q has no recipient", m.Subject)
	}
	if err := g.To(m.To...); err != nil {
		return nil, fmt.Errorf("recipients: %w", err)
	}
	g.Subject(m.Subject)
	if m.Date.IsZero() {
		g.SetDate()
	} else {
		g.SetDateWithValue(m.Date)
	}
	if m.ID != "" {
		g.SetMessageIDWithValue(m.ID)
	} else {
		g.SetMessageID()
	}
	g.SetBodyString(gomail.TypeTextPlain, m.Text)
	if m.HTML != "" {
		g.AddAlternativeString(gomail.TypeTextHTML, m.HTML)
	}
	for _, p := range m.Inline {
		opts := []gomail.FileOption{gomail.WithFileContentType(gomail.ContentType(p.ContentType))}
		if p.ContentID != "" {
			// RFC 2392: the header holds the id in angle brackets, the
			// HTML's cid: URL holds it bare.
			opts = append(opts, gomail.WithFileContentID("<"+p.ContentID+">"))
		}
		if err := g.EmbedReader(p.Name, bytes.NewReader(p.Data), opts...); err != nil {
			return nil, err
		}
	}
	for _, p := range m.Attachments {
		if err := g.AttachReader(p.Name, bytes.NewReader(p.Data), gomail.WithFileContentType(gomail.ContentType(p.ContentType))); err != nil {
			return nil, err
		}
	}
	return g, nil
}

// WriteTo writes the message in the Internet message format (an .eml
// file), as it would be sent.
func (m *Message) WriteTo(w io.Writer) (int64, error) {
	from := m.From
	if from == "" {
		from = "agentbill@localhost"
	}
	g, err := m.msg(from)
	if err != nil {
		return 0, err
	}
	return g.WriteTo(w)
}
