package feed

import (
	"bytes"
	"strconv"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
)

// fixC1References rewrites numeric character references to C1 control code points
// (&#128; … &#159;, &#x80; … &#x9F;) into the windows-1252 characters their authors meant:
// old publishing tools write &#146; for a curly apostrophe, which is an invisible control
// character in Unicode. It returns b itself when there is nothing to fix.
func fixC1References(b []byte) []byte {
	var out []byte
	last := 0
	for i := 0; ; {
		j := bytes.Index(b[i:], []byte("&#"))
		if j < 0 {
			break
		}
		start := i + j
		r, end, ok := parseC1Reference(b, start)
		i = start + 2
		if !ok {
			continue
		}
		if out == nil {
			out = make([]byte, 0, len(b)+16)
		}
		out = append(out, b[last:start]...)
		out = append(out, "&#"...)
		out = strconv.AppendInt(out, int64(r), 10)
		out = append(out, ';')
		last, i = end, end
	}
	if out == nil {
		return b
	}
	return append(out, b[last:]...)
}

// parseC1Reference parses the reference starting at b[start] ("&#") and, when it names a C1
// code point with a windows-1252 meaning, returns that meaning and the index after the ';'.
func parseC1Reference(b []byte, start int) (rune, int, bool) {
	k := start + 2
	base := 10
	if k < len(b) && (b[k] == 'x' || b[k] == 'X') {
		base, k = 16, k+1
	}
	semi := bytes.IndexByte(b[k:min(len(b), k+8)], ';')
	if semi <= 0 {
		return 0, 0, false
	}
	v, err := strconv.ParseUint(string(b[k:k+semi]), base, 32)
	if err != nil || v < 0x80 || v > 0x9F {
		return 0, 0, false
	}
	r := charmap.Windows1252.DecodeByte(byte(v))
	if !definedIn1252(r) {
		return 0, 0, false
	}
	return r, k + semi + 1, true
}

// fixC1Characters does the same for literal C1 characters in UTF-8 text (bytes C2 80 … C2 9F),
// which appear when windows-1252 text was converted as if it were ISO-8859-1.
func fixC1Characters(b []byte) []byte {
	var out []byte
	last := 0
	for i := 0; ; {
		j := bytes.IndexByte(b[i:], 0xC2)
		if j < 0 || i+j+1 >= len(b) {
			break
		}
		at := i + j
		i = at + 1
		c := b[at+1]
		if c < 0x80 || c > 0x9F {
			continue
		}
		r := charmap.Windows1252.DecodeByte(c)
		if !definedIn1252(r) {
			continue
		}
		if out == nil {
			out = make([]byte, 0, len(b)+16)
		}
		out = append(out, b[last:at]...)
		out = utf8.AppendRune(out, r)
		last, i = at+2, at+2
	}
	if out == nil {
		return b
	}
	return append(out, b[last:]...)
}

// definedIn1252 reports whether a decoded windows-1252 byte in 0x80-0x9F names a real
// character: 0x81, 0x8D, 0x8F, 0x90 and 0x9D are undefined and are left as they are.
func definedIn1252(r rune) bool {
	return r >= 0xA0 && r != utf8.RuneError
}
