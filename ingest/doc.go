// Package ingest reads what contact centres write (canonical agent events as
// CSV or JSON Lines, Amazon Connect agent event streams, Cisco UCCX CTI
// text, Huawei agentOprInfo bills) into billing events and bills, and writes
// bills back out. The formats beyond the canonical events register by name
// in one table (sources), each a reader of its own. Readers stream from an
// io.Reader; a record that cannot be read becomes a Reject with its file,
// line, raw text and reason, and the read goes on. Read, which chooses the
// reader, also decompresses gzip and zstd inputs and refuses, as one reject,
// a file that no reader can read (UTF-16 text, an archive, binary data).
// ReadParts reads one large file of lines in parts at once, a goroutine and
// a Handler each, with the records and line numbers of a sequential read.
package ingest
