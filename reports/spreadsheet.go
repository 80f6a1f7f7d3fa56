package reports

import "strings"

// byteOrderMark is UTF-8's byte-order mark, which tells a spreadsheet
// (Excel on Windows, say) that a CSV file is UTF-8.
const byteOrderMark = "\ufeff"

// csvStyle says how CSV output is written.
type csvStyle struct {
	// neutralise writes text cells through Neutralise.
	neutralise bool
	// byteOrderMark starts the output with a byte-order mark.
	byteOrderMark bool
}

// csvPlain is CSV as the query gives it.
var csvPlain = csvStyle{}

// formulaStarts are the characters a spreadsheet reads as the start of a
// formula.
const formulaStarts = "=+-@"

// Neutralise returns a text cell as a spreadsheet shows it but does not
// run it: text that begins with =, +, - or @ gets a single quote in front
// (the OWASP advice against CSV injection). Reports apply it to text
// columns only, so numbers, negative ones included, stay numbers.
func Neutralise(cell string) string {
	if cell != "" && strings.IndexByte(formulaStarts, cell[0]) >= 0 {
		return "'" + cell
	}
	return cell
}
