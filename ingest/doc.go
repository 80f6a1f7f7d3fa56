// Package ingest reads what contact centres write (canonical agent events as
// CSV or JSON Lines, Cisco UCCX CTI text, Huawei agentOprInfo bills) into
// billing events and bills, and writes bills back out. Readers stream from an
// io.Reader; a record that cannot be read becomes a Reject with its file,
// line, raw text and reason, and the read goes on.
package ingest
