package feed

import (
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"

	"github.com/mmcdole/gofeed"
)

// errEmptyBody is returned by Parse for a body with nothing in it but whitespace.
var errEmptyBody = errors.New("feed: empty body")

// Parse turns a feed document (RSS, Atom, RDF or JSON Feed) into a gofeed.Feed. contentType
// is the HTTP Content-Type header, or "" when there is none; its charset takes part in
// choosing the encoding. The body is converted to UTF-8 first (see toUTF8) because gofeed
// alone rejects UTF-16/32 and undeclared legacy charsets.
//
// When gofeed still fails, Parse tries one conservative repair (see salvage): junk printed
// before the feed, XML-forbidden noncharacters, a document cut off after its last item.
//
// A body that is itself gzip-compressed (served without Content-Encoding) is inflated first,
// up to DefaultMaxBytes.
//
// Every error is an *Error with Class ClassNotFeed (ClassTooLarge for a gzip body inflating
// past the cap); a panic inside gofeed is recovered and reported as ClassNotFeed, because one
// hostile feed must not take the poller down.
//
// Parse keeps every item; the fetcher keeps only the newest Options.MaxItems.
func Parse(body []byte, contentType string) (*gofeed.Feed, error) {
	return parseLimited(body, contentType, DefaultMaxBytes, &newestTranslator{})
}

// parseLimited is Parse with the inflation cap of the fetcher's Options.MaxBytes; every format
// is translated through t, which keeps the newest t.max items (all when t.max is 0).
func parseLimited(body []byte, contentType string, limit int64, t *newestTranslator) (*gofeed.Feed, error) {
	if len(bytes.TrimSpace(body)) == 0 {
		return nil, &Error{Class: ClassNotFeed, Err: errEmptyBody}
	}
	body, err := gunzipIfCompressed(body, limit)
	if err != nil {
		return nil, err
	}
	text, _ := toUTF8(body, contentType)
	text = fixC1Characters(fixC1References(text))
	text = trimXML(text, t)
	trimmed := t.dropped
	fd, err := gofeedParse(t, text)
	var panicked *Error
	switch {
	case err == nil:
		return fd, nil
	case errors.As(err, &panicked):
		return nil, err
	}
	if repaired, ok := salvage(text, err); ok {
		t.dropped = trimmed
		if fd, retryErr := gofeedParse(t, repaired); retryErr == nil {
			return fd, nil
		}
	}
	return nil, &Error{Class: ClassNotFeed, Err: fmt.Errorf("feed: parse: %w", err)}
}

// gofeedParse runs gofeed, a third-party parser of untrusted input, over text. Its panics on
// malformed feeds are the one thing recovered in this package: the body is then not a feed
// (an *Error), and the poll of that feed fails instead of the poller.
func gofeedParse(t *newestTranslator, text []byte) (fd *gofeed.Feed, err error) {
	defer func() {
		if r := recover(); r != nil {
			fd, err = nil, &Error{Class: ClassNotFeed, Err: fmt.Errorf("feed: parser panic: %v", r)}
		}
	}()
	return newParser(t).Parse(bytes.NewReader(text))
}

// gzipMagic starts every gzip stream (RFC 1952) followed by the deflate method byte.
var gzipMagic = []byte{0x1f, 0x8b, 0x08}

// gunzipIfCompressed decompresses a body that is still gzip-compressed: some servers gzip the
// file itself and then serve it without Content-Encoding, so the transport cannot know. The
// output is capped at limit bytes so a gzip bomb is refused rather than inflated.
func gunzipIfCompressed(body []byte, limit int64) ([]byte, error) {
	if !bytes.HasPrefix(body, gzipMagic) {
		return body, nil
	}
	zr, err := gzip.NewReader(bytes.NewReader(body))
	if err != nil {
		return nil, &Error{Class: ClassNotFeed, Err: fmt.Errorf("feed: gzip body: %w", err)}
	}
	out, err := io.ReadAll(io.LimitReader(zr, limit+1))
	if err != nil {
		return nil, &Error{Class: ClassNotFeed, Err: fmt.Errorf("feed: gzip body: %w", err)}
	}
	if int64(len(out)) > limit {
		return nil, &Error{Class: ClassTooLarge, Err: fmt.Errorf("feed: gzip body inflates beyond %d bytes", limit)}
	}
	return out, nil
}
