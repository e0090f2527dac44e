package feed

import (
	"bytes"
	"compress/gzip"
	"errors"
	"strings"
	"testing"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/encoding/unicode/utf32"
)

// rssWithTitle is a minimal RSS document; decl is the XML declaration ("" for none).
func rssWithTitle(decl, title string) string {
	return decl + "<rss version=\"2.0\"><channel><title>" + title +
		"</title><item><title>" + title + "</title><guid>1</guid></item></channel></rss>"
}

func encode(t *testing.T, enc encoding.Encoding, s string) []byte {
	t.Helper()
	b, err := enc.NewEncoder().Bytes([]byte(s))
	if err != nil {
		t.Fatalf("encode: %v", err)
	}
	return b
}

func gzipped(t *testing.T, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	_, _ = zw.Write(b)
	_ = zw.Close()
	return buf.Bytes()
}

func TestParseEncodings(t *testing.T) {
	const cafe, news = "Café – naïve", "Новости дня"
	utf16le := unicode.UTF16(unicode.LittleEndian, unicode.UseBOM)
	utf16leNoBOM := unicode.UTF16(unicode.LittleEndian, unicode.IgnoreBOM)
	utf16be := unicode.UTF16(unicode.BigEndian, unicode.UseBOM)
	utf32be := utf32.UTF32(utf32.BigEndian, utf32.IgnoreBOM)
	utf32le := utf32.UTF32(utf32.LittleEndian, utf32.UseBOM)
	tests := []struct {
		name        string
		body        []byte
		contentType string
		want        string
	}{
		{name: "plain utf-8", body: []byte(rssWithTitle(`<?xml version="1.0" encoding="utf-8"?>`, cafe)), want: cafe},
		{name: "utf-8 bom", body: append([]byte{0xEF, 0xBB, 0xBF}, rssWithTitle(`<?xml version="1.0"?>`, cafe)...), want: cafe},
		{name: "utf-16le bom", body: encode(t, utf16le, rssWithTitle(`<?xml version="1.0" encoding="utf-16"?>`, news)), want: news},
		{name: "utf-16be bom", body: encode(t, utf16be, rssWithTitle(`<?xml version="1.0" encoding="utf-16"?>`, news)), want: news},
		{name: "utf-16le no bom", body: encode(t, utf16leNoBOM, rssWithTitle(`<?xml version="1.0" encoding="utf-16le"?>`, cafe)), want: cafe},
		{name: "utf-32be no bom", body: encode(t, utf32be, rssWithTitle(`<?xml version="1.0" encoding="utf-32"?>`, news)), want: news},
		{name: "utf-32le bom", body: encode(t, utf32le, rssWithTitle("", cafe)), want: cafe},
		{name: "declared iso-8859-1", body: encode(t, charmap.ISO8859_1, rssWithTitle(`<?xml version="1.0" encoding="ISO-8859-1"?>`, "Café naïve")), want: "Café naïve"},
		{name: "declared windows-1251", body: encode(t, charmap.Windows1251, rssWithTitle(`<?xml version='1.0' encoding='windows-1251'?>`, news)), want: news},
		{name: "undeclared latin-1", body: encode(t, charmap.ISO8859_1, rssWithTitle("", "Café naïve")), want: "Café naïve"},
		{name: "header charset only", body: encode(t, charmap.Windows1251, rssWithTitle("", news)), contentType: "text/xml; charset=windows-1251", want: news},
		{name: "header charset overrides declaration", body: encode(t, charmap.KOI8R, rssWithTitle(`<?xml version="1.0" encoding="iso-8859-1"?>`, news)), contentType: `application/rss+xml;charset="KOI8-R"`, want: news},
		{name: "false utf-8 header loses to declaration", body: encode(t, charmap.ISO8859_1, rssWithTitle(`<?xml version="1.0" encoding="iso-8859-1"?>`, "Café")), contentType: "text/xml; charset=utf-8", want: "Café"},
		{name: "utf-8 declared as latin-1", body: []byte(rssWithTitle(`<?xml version="1.0" encoding="iso-8859-1"?>`, cafe)), want: cafe},
		{name: "bogus declared encoding", body: encode(t, charmap.ISO8859_1, rssWithTitle(`<?xml version="1.0" encoding="x-no-such-charset"?>`, "Café")), want: "Café"},
		{name: "utf-8 with a stray byte", body: []byte(rssWithTitle("", "Café \xff ok")), want: "Café \uFFFD ok"},
		{name: "c1 decimal reference", body: []byte(rssWithTitle("", "don&#146;t &#150; &#x93;q&#X94;")), want: "don’t – “q”"},
		{name: "literal c1 character", body: []byte(rssWithTitle("", "don\u0092t \u00a9")), want: "don’t ©"},
		{name: "gzip body", body: gzipped(t, []byte(rssWithTitle("", cafe))), want: cafe},
		{name: "json feed", body: []byte(`{"version":"https://jsonfeed.org/version/1.1","title":"` + cafe + `","items":[{"id":"1","title":"x"}]}`), want: cafe},
		{name: "json feed utf-16", body: encode(t, utf16le, `{"version":"https://jsonfeed.org/version/1.1","title":"`+news+`","items":[]}`), want: news},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fd, err := Parse(tc.body, tc.contentType)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if fd.Title != tc.want {
				t.Errorf("title = %q, want %q", fd.Title, tc.want)
			}
		})
	}
}

func TestParseRejects(t *testing.T) {
	tests := []struct {
		name string
		body []byte
		want ErrorClass
	}{
		{name: "empty", body: nil, want: ClassNotFeed},
		{name: "whitespace", body: []byte(" \n\t "), want: ClassNotFeed},
		{name: "html page", body: readFixture(t, "not_a_feed.html"), want: ClassNotFeed},
		{name: "garbage", body: []byte("\x00\x01\x02 this is not xml"), want: ClassNotFeed},
		{name: "plain text", body: []byte("hello"), want: ClassNotFeed},
		{name: "broken gzip", body: []byte{0x1f, 0x8b, 0x08, 0, 0}, want: ClassNotFeed},
		{name: "gzip bomb", body: gzipped(t, make([]byte, DefaultMaxBytes+1)), want: ClassTooLarge},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fd, err := Parse(tc.body, "")
			var fe *Error
			if !errors.As(err, &fe) || fe.Class != tc.want {
				t.Fatalf("Parse = %v, %v; want *Error of class %q", fd, err, tc.want)
			}
		})
	}
}

func TestToUTF8FastPath(t *testing.T) {
	body := []byte(rssWithTitle(`<?xml version="1.0" encoding="UTF-8"?>`, "plain"))
	out, enc := toUTF8(body, "application/rss+xml; charset=utf-8")
	if enc != encUTF8 || &out[0] != &body[0] {
		t.Errorf("UTF-8 input was converted or copied (encoding %q)", enc)
	}
}

func TestRewriteDeclaration(t *testing.T) {
	tests := []struct{ in, want string }{
		{in: `<?xml version="1.0" encoding="ISO-8859-1"?><rss/>`, want: `<?xml version="1.0" encoding="utf-8"?><rss/>`},
		{in: "  <?xml version='1.0' encoding = 'koi8-r' standalone='yes'?><rss/>", want: "  <?xml version='1.0' encoding = 'utf-8' standalone='yes'?><rss/>"},
		{in: `<?xml version="1.0"?><rss/>`, want: `<?xml version="1.0"?><rss/>`},
		{in: `<rss encoding="latin1"/>`, want: `<rss encoding="latin1"/>`},
		{in: `<?xml version="1.0" encoding="utf-8"?>`, want: `<?xml version="1.0" encoding="utf-8"?>`},
		{in: `<?xml encoding="unterminated`, want: `<?xml encoding="unterminated`},
	}
	for _, tc := range tests {
		if got := string(rewriteDeclaration([]byte(tc.in))); got != tc.want {
			t.Errorf("rewriteDeclaration(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestHeaderCharset(t *testing.T) {
	tests := map[string]string{
		"":                                  "",
		"text/xml":                          "",
		"text/xml; charset=UTF-8":           "utf-8",
		"text/xml;charset = us-ascii":       "us-ascii",
		`application/xml; charset="koi8-r"`: "koi8-r",
		"text/xml; charset=gb2312; q=1":     "gb2312",
		"text/xml; charsetx":                "",
	}
	for in, want := range tests {
		if got := headerCharset(in); got != want {
			t.Errorf("headerCharset(%q) = %q, want %q", in, got, want)
		}
	}
}

func FuzzParse(f *testing.F) {
	f.Add([]byte(rssWithTitle(`<?xml version="1.0" encoding="iso-8859-1"?>`, "x")), "text/xml; charset=koi8-r")
	f.Add([]byte("\xff\xfe<\x00r\x00s\x00s\x00>\x00"), "")
	f.Add([]byte("\x00\x00\x00<\x00\x00\x00f"), "")
	f.Add([]byte(`{"version":"https://jsonfeed.org/version/1","items":[{}]}`), "application/json")
	f.Add([]byte(`<feed xmlns="http://www.w3.org/2005/Atom"><entry><title>a</title></entry></feed>`), "")
	f.Add([]byte("<?xml encoding='"), "charset=")
	f.Add([]byte{0x1f, 0x8b, 0x08}, "")
	f.Fuzz(func(t *testing.T, body []byte, contentType string) {
		fd, err := Parse(body, contentType)
		if err != nil {
			var fe *Error
			if !errors.As(err, &fe) || (fe.Class != ClassNotFeed && fe.Class != ClassTooLarge) {
				t.Fatalf("unclassified error %v", err)
			}
			return
		}
		if fd == nil {
			t.Fatal("nil feed without error")
		}
	})
}

func TestFixC1(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{name: "none", in: "plain &amp; &#8217; text", want: "plain &amp; &#8217; text"},
		{name: "decimal", in: "don&#146;t", want: "don&#8217;t"},
		{name: "hex both cases", in: "&#x93;q&#X94;", want: "&#8220;q&#8221;"},
		{name: "undefined in 1252 kept", in: "a&#129;b&#x8D;", want: "a&#129;b&#x8D;"},
		{name: "out of range", in: "&#127;&#160;&#1460;", want: "&#127;&#160;&#1460;"},
		{name: "unterminated", in: "&#146", want: "&#146"},
		{name: "literal", in: "don\u0092t \u00a9 \u0081", want: "don’t © \u0081"},
		{name: "trailing lead byte", in: "x\xc2", want: "x\xc2"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := string(fixC1Characters(fixC1References([]byte(tc.in)))); got != tc.want {
				t.Errorf("fix(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestParseSalvage(t *testing.T) {
	full := rssWithTitle(`<?xml version="1.0"?>`, "Salvaged")
	tests := []struct {
		name      string
		body      string
		wantTitle string // "" means Parse must reject the body
		wantItems int
	}{
		{name: "php warning before declaration", body: "\n<br />\n<b>Warning</b>: header already sent in x.php<br />\n" + full, wantTitle: "Salvaged", wantItems: 1},
		{name: "junk before root", body: "Notice: undefined index\n" + rssWithTitle("", "Salvaged"), wantTitle: "Salvaged", wantItems: 1},
		{name: "html page mentioning a feed", body: "<html><body><pre><rss><channel><title>x</title></channel></rss></pre></body></html>"},
		{name: "noncharacter", body: rssWithTitle("", "a\uFFFEb"), wantTitle: "a\uFFFDb", wantItems: 1},
		{name: "missing final bracket", body: strings.TrimSuffix(full, ">"), wantTitle: "Salvaged", wantItems: 1},
		{name: "cut after last item", body: strings.TrimSuffix(full, "</channel></rss>"), wantTitle: "Salvaged", wantItems: 1},
		{name: "atom cut after entry", body: `<feed xmlns="http://www.w3.org/2005/Atom"><title>A</title><entry><id>1</id><title>e</title></entry>`, wantTitle: "A", wantItems: 1},
		{name: "cut inside item", body: full[:strings.Index(full, "<guid>")]},
		{name: "cut inside title", body: full[:strings.Index(full, "Salvaged")+3]},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fd, err := Parse([]byte(tc.body), "")
			if tc.wantTitle == "" {
				var fe *Error
				if !errors.As(err, &fe) || fe.Class != ClassNotFeed {
					t.Fatalf("Parse = %+v, %v; want ClassNotFeed", fd, err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if fd.Title != tc.wantTitle || len(fd.Items) != tc.wantItems {
				t.Errorf("title %q with %d items, want %q with %d", fd.Title, len(fd.Items), tc.wantTitle, tc.wantItems)
			}
		})
	}
}
