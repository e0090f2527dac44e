package feed

import (
	"bytes"
	"strings"
	"unicode/utf8"

	"golang.org/x/net/html/charset"
	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/encoding/unicode/utf32"
)

// Encoding names returned by detectEncoding for the cases decided from the bytes themselves.
const (
	encUTF8    = "utf-8"
	encUTF16LE = "utf-16le"
	encUTF16BE = "utf-16be"
	encUTF32LE = "utf-32le"
	encUTF32BE = "utf-32be"
)

// toUTF8 returns body as UTF-8 with any XML encoding declaration rewritten to "utf-8", and
// the name of the encoding it decided on. gofeed's XML decoder converts on its own only
// when a document declares an encoding, and chokes on UTF-16/32 and on undeclared legacy
// charsets, so Herald decides the encoding itself and hands gofeed clean UTF-8.
//
// Pure UTF-8 input that declares UTF-8 (or nothing) is returned as is, without a copy:
// that is almost every real feed, and it keeps parsing as cheap as gofeed alone.
func toUTF8(body []byte, contentType string) ([]byte, string) {
	if enc, bomLen := sniffBOM(body); enc != "" {
		return rewriteDeclaration(decodeAs(body[bomLen:], enc)), enc
	}
	if enc := sniffWide(body); enc != "" {
		return rewriteDeclaration(decodeAs(body, enc)), enc
	}
	if utf8.Valid(body) {
		// Many publishers declare ISO-8859-1 (or send it in the header) while serving
		// UTF-8: valid UTF-8 with any non-ASCII byte is practically never legacy text.
		return rewriteDeclaration(body), encUTF8
	}
	label := legacyLabel(body, contentType)
	return rewriteDeclaration(decodeAs(body, label)), label
}

// sniffBOM recognises a byte order mark and returns the encoding and the BOM's length.
// UTF-32LE's BOM starts with UTF-16LE's, so it is checked first.
func sniffBOM(b []byte) (string, int) {
	switch {
	case bytes.HasPrefix(b, []byte{0xEF, 0xBB, 0xBF}):
		return encUTF8, 3
	case bytes.HasPrefix(b, []byte{0xFF, 0xFE, 0x00, 0x00}):
		return encUTF32LE, 4
	case bytes.HasPrefix(b, []byte{0x00, 0x00, 0xFE, 0xFF}):
		return encUTF32BE, 4
	case bytes.HasPrefix(b, []byte{0xFE, 0xFF}):
		return encUTF16BE, 2
	case bytes.HasPrefix(b, []byte{0xFF, 0xFE}):
		return encUTF16LE, 2
	}
	return "", 0
}

// sniffWide recognises BOM-less UTF-16/32 from the pattern of zero bytes around the first
// ASCII character ('<' or '{' or whitespace), as in XML 1.0 appendix F.
func sniffWide(b []byte) string {
	if len(b) < 4 {
		return ""
	}
	z0, z1, z2, z3 := b[0] == 0, b[1] == 0, b[2] == 0, b[3] == 0
	switch {
	case z0 && z1 && z2 && !z3:
		return encUTF32BE
	case !z0 && z1 && z2 && z3:
		return encUTF32LE
	case z0 && !z1 && z2 && !z3:
		return encUTF16BE
	case !z0 && z1 && !z2 && z3:
		return encUTF16LE
	}
	return ""
}

// legacyLabel picks the encoding of an ASCII-compatible body that is not valid UTF-8:
// the HTTP charset (it overrides the document, RFC 7303) unless it claims UTF-8, which
// the bytes disprove; then the XML declaration; then a guess from the bytes.
func legacyLabel(body []byte, contentType string) string {
	for _, label := range []string{headerCharset(contentType), declaredEncoding(body)} {
		if usableLegacyLabel(label) {
			return label
		}
	}
	if hasMultibyteUTF8(body) {
		// Mostly UTF-8 with a few stray bytes: keep the UTF-8 and replace the strays.
		return encUTF8
	}
	// Undeclared 8-bit text on the web is overwhelmingly ISO-8859-1/windows-1252.
	return "windows-1252"
}

// usableLegacyLabel reports whether label names a known ASCII-compatible legacy encoding.
// UTF-8 and UTF-16/32 labels are not usable here: the bytes already showed they do not apply.
func usableLegacyLabel(label string) bool {
	if label == "" {
		return false
	}
	enc, name := charset.Lookup(label)
	if enc == nil {
		return false
	}
	switch name {
	case "utf-8", "utf-16le", "utf-16be", "replacement":
		return false
	}
	return !strings.HasPrefix(strings.ToLower(label), "utf")
}

// hasMultibyteUTF8 reports whether body contains at least one valid multi-byte UTF-8 sequence.
func hasMultibyteUTF8(body []byte) bool {
	for i := 0; i < len(body); {
		if body[i] < utf8.RuneSelf {
			i++
			continue
		}
		r, size := utf8.DecodeRune(body[i:])
		if r != utf8.RuneError || size > 1 {
			return true
		}
		i += size
	}
	return false
}

// decodeAs converts b from the named encoding to UTF-8. Invalid sequences become U+FFFD.
func decodeAs(b []byte, name string) []byte {
	enc := lookupEncoding(name)
	if enc == nil {
		return bytes.ToValidUTF8(b, []byte("\uFFFD"))
	}
	out, err := enc.NewDecoder().Bytes(b)
	if err != nil {
		// The x/text decoders replace bad input rather than fail; this is a last resort.
		return bytes.ToValidUTF8(b, []byte("\uFFFD"))
	}
	return out
}

// lookupEncoding maps Herald's own names and any WHATWG label to an encoding. It returns
// nil for UTF-8, which needs only invalid-byte replacement.
func lookupEncoding(name string) encoding.Encoding {
	switch name {
	case encUTF8:
		return nil
	case encUTF16LE:
		return unicode.UTF16(unicode.LittleEndian, unicode.IgnoreBOM)
	case encUTF16BE:
		return unicode.UTF16(unicode.BigEndian, unicode.IgnoreBOM)
	case encUTF32LE:
		return utf32.UTF32(utf32.LittleEndian, utf32.IgnoreBOM)
	case encUTF32BE:
		return utf32.UTF32(utf32.BigEndian, utf32.IgnoreBOM)
	}
	if enc, _ := charset.Lookup(name); enc != nil {
		return enc
	}
	return charmap.Windows1252
}

// headerCharset extracts the charset parameter of a Content-Type value. It is lenient on
// purpose ("text/xml;charset = us-ascii", quotes, odd case): mime.ParseMediaType rejects
// forms that real servers send.
func headerCharset(contentType string) string {
	lower := strings.ToLower(contentType)
	i := strings.Index(lower, "charset")
	if i < 0 {
		return ""
	}
	rest := strings.TrimLeft(lower[i+len("charset"):], " \t")
	if !strings.HasPrefix(rest, "=") {
		return ""
	}
	rest = strings.Trim(strings.TrimLeft(rest[1:], " \t"), `"'`)
	if end := strings.IndexAny(rest, ` ;"',`); end >= 0 {
		rest = rest[:end]
	}
	return rest
}

// xmlDeclaration locates the XML declaration at the start of b (after whitespace) and the
// value of its encoding pseudo-attribute: start and end index the value within b. ok is
// false when there is no declaration or it has no encoding.
func xmlDeclaration(b []byte) (start, end int, ok bool) {
	i := 0
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\r' || b[i] == '\n') {
		i++
	}
	if !bytes.HasPrefix(b[i:], []byte("<?xml")) {
		return 0, 0, false
	}
	limit := min(len(b), i+512)
	closeAt := bytes.Index(b[i:limit], []byte("?>"))
	if closeAt < 0 {
		return 0, 0, false
	}
	decl := b[i : i+closeAt]
	at := bytes.Index(decl, []byte("encoding"))
	if at < 0 {
		return 0, 0, false
	}
	j := at + len("encoding")
	for j < len(decl) && (decl[j] == ' ' || decl[j] == '\t' || decl[j] == '=') {
		j++
	}
	if j >= len(decl) || (decl[j] != '"' && decl[j] != '\'') {
		return 0, 0, false
	}
	quote := decl[j]
	valEnd := bytes.IndexByte(decl[j+1:], quote)
	if valEnd < 0 {
		return 0, 0, false
	}
	return i + j + 1, i + j + 1 + valEnd, true
}

// declaredEncoding returns the encoding named by the XML declaration, or "".
func declaredEncoding(b []byte) string {
	start, end, ok := xmlDeclaration(b)
	if !ok {
		return ""
	}
	return strings.TrimSpace(string(b[start:end]))
}

// rewriteDeclaration makes the XML declaration say utf-8, so gofeed's decoder does not
// run a second conversion over text that is already UTF-8. It copies only when it must.
func rewriteDeclaration(b []byte) []byte {
	start, end, ok := xmlDeclaration(b)
	if !ok {
		return b
	}
	if strings.EqualFold(strings.TrimSpace(string(b[start:end])), "utf-8") {
		return b
	}
	out := make([]byte, 0, len(b)-(end-start)+len(encUTF8))
	out = append(out, b[:start]...)
	out = append(out, encUTF8...)
	return append(out, b[end:]...)
}
