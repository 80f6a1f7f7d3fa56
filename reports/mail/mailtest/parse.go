package mailtest

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/mail"
	"strings"
)

// Message is a received message taken apart.
type Message struct {
	Header  mail.Header
	Subject string
	// Text and HTML are the bodies (the first text/plain and text/html
	// parts that are not attachments).
	Text, HTML string
	// Parts are the other leaf parts: inline pictures and attachments.
	Parts []Part
}

// Part is a leaf of a multipart message, decoded.
type Part struct {
	ContentType string // media type without parameters
	Disposition string // inline or attachment
	Filename    string
	ContentID   string // without angle brackets
	Data        []byte
}

// Parse takes a message apart: headers, bodies and parts, with every
// transfer encoding undone.
func Parse(data []byte) (*Message, error) {
	msg, err := mail.ReadMessage(bytes.NewReader(data))
	if err != nil {
		return nil, err
	}
	dec := new(mime.WordDecoder)
	subject, err := dec.DecodeHeader(msg.Header.Get("Subject"))
	if err != nil {
		return nil, fmt.Errorf("subject: %w", err)
	}
	m := &Message{Header: msg.Header, Subject: subject}
	err = m.walk(msg.Header.Get("Content-Type"), msg.Header.Get("Content-Transfer-Encoding"),
		msg.Header.Get("Content-Disposition"), msg.Header.Get("Content-ID"), msg.Body)
	return m, err
}

func (m *Message) walk(contentType, encoding, disposition, contentID string, body io.Reader) error {
	mediaType, params, err := mime.ParseMediaType(contentType)
	if err != nil {
		mediaType = "text/plain"
	}
	if strings.HasPrefix(mediaType, "multipart/") {
		mr := multipart.NewReader(body, params["boundary"])
		for {
			p, err := mr.NextPart() // undoes quoted-printable itself
			if err == io.EOF {
				return nil
			}
			if err != nil {
				return err
			}
			if err := m.walk(p.Header.Get("Content-Type"), p.Header.Get("Content-Transfer-Encoding"),
				p.Header.Get("Content-Disposition"), p.Header.Get("Content-ID"), p); err != nil {
				return err
			}
		}
	}
	data, err := io.ReadAll(body)
	if err != nil {
		return err
	}
	if strings.EqualFold(strings.TrimSpace(encoding), "base64") {
		clean := strings.Map(func(r rune) rune {
			if r == '\r' || r == '\n' || r == ' ' {
				return -1
			}
			return r
		}, string(data))
		if data, err = base64.StdEncoding.DecodeString(clean); err != nil {
			return fmt.Errorf("part %s: %w", mediaType, err)
		}
	}
	disp, dparams, _ := mime.ParseMediaType(disposition)
	if disp != "attachment" && disp != "inline" || (disp == "inline" && contentID == "" && strings.HasPrefix(mediaType, "text/")) {
		switch {
		case mediaType == "text/plain" && m.Text == "":
			m.Text = string(data)
			return nil
		case mediaType == "text/html" && m.HTML == "":
			m.HTML = string(data)
			return nil
		}
	}
	name := dparams["filename"]
	if name == "" {
		name = params["name"]
	}
	m.Parts = append(m.Parts, Part{
		ContentType: mediaType, Disposition: disp, Filename: name,
		ContentID: strings.Trim(contentID, "<>"), Data: data,
	})
	return nil
}

// Part returns the part with the file name, or nil.
func (m *Message) Part(filename string) *Part {
	for i := range m.Parts {
		if m.Parts[i].Filename == filename {
			return &m.Parts[i]
		}
	}
	return nil
}
